/* libFuzzer target for msg_decode(): splits the input into frames (format in
 * fuzz-msg.h), decodes, and for every message that decodes checks that
 * packing its body again decodes again: whatever the codec accepts, it can
 * also produce. Each frame gets its own allocation of its exact size so that
 * AddressSanitizer sees any read past a frame. */
#include <stdlib.h>
#include <string.h>

#include "fuzz-msg.h"
#include "msg.h"

/* Re-encode a decoded message and decode that: must succeed. */
static void check_repack(const Msg *m, const MsgFrame *frames)
{
        MsgFrame f[4];
        uint8_t *body;
        size_t len;
        Msg again = { 0 };
        int r;

        len = protobuf_c_message_get_packed_size(m->body);
        if (len > MSG_BODY_MAX)
                return;
        body = malloc(len + 1);
        if (!body)
                return;
        if (protobuf_c_message_pack(m->body, body) != len)
                abort();
        f[0] = frames[0];
        f[1] = frames[1];
        f[2] = (MsgFrame) { body, len };
        if (m->has_image)
                f[3] = frames[3];
        r = msg_decode(f, m->has_image ? 4 : 3, FUZZ_MSG_MAX_IMAGE, &again);
        if (r != 0 || again.type != m->type || again.peer_minor != m->peer_minor ||
            msg_epoch(&again) != msg_epoch(m))
                abort();
        if (m->has_image && zmq_msg_size(&again.image) != zmq_msg_size((zmq_msg_t *) &m->image))
                abort();
        msg_done(&again);
        free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        MsgFrame frames[FUZZ_MSG_FRAMES_MAX + 1];
        void *bufs[FUZZ_MSG_FRAMES_MAX + 1] = { 0 };
        size_t n, pos = 1;
        Msg m = { 0 };
        int r;

        if (size < 1)
                return 0;
        n = data[0] % (FUZZ_MSG_FRAMES_MAX + 1);
        for (size_t i = 0; i < n; i++) {
                size_t len = 0;

                if (size - pos >= 2) {
                        len = (size_t) data[pos] | (size_t) data[pos + 1] << 8;
                        pos += 2;
                } else {
                        pos = size;
                }
                if (len > size - pos)
                        len = size - pos;
                /* malloc(0) may be NULL: an empty frame then has data NULL,
                 * as zmq_msg_data() may give for an empty message. */
                bufs[i] = len > 0 ? malloc(len) : NULL;
                if (len > 0 && !bufs[i])
                        goto out;
                if (len > 0)
                        memcpy(bufs[i], data + pos, len);
                frames[i] = (MsgFrame) { bufs[i], len };
                pos += len;
        }

        r = msg_decode(frames, n, FUZZ_MSG_MAX_IMAGE, &m);
        if (r == 0) {
                if (!m.body || m.type <= 0 || m.type >= _MSG_TYPE_MAX ||
                    m.has_image != (m.type == MSG_PAGE || m.type == MSG_JOB))
                        abort();
                (void) msg_type_to_string(m.type);
                check_repack(&m, frames);
        } else if (r != -EPROTO && r != -EOPNOTSUPP && r != -EMSGSIZE && r != -EBADMSG && r != -ENOMEM) {
                abort();
        } else if (m.body || m.has_image) {
                abort(); /* *ret untouched on failure */
        }
        msg_done(&m);
out:
        for (size_t i = 0; i < n; i++)
                free(bufs[i]);
        return 0;
}
