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

/* Where the last frame's length field is, walking frames as the target
 * does (len when there is none). */
static size_t last_length_at(const uint8_t *buf, size_t len)
{
        size_t n, pos = 1, last = len;

        if (len < 1)
                return len;
        n = buf[0] % (FUZZ_MSG_FRAMES_MAX + 1);
        for (size_t i = 0; i < n && len - pos >= 2; i++) {
                size_t flen = (size_t) buf[pos] | (size_t) buf[pos + 1] << 8;

                last = pos;
                pos += 2;
                pos += flen < len - pos ? flen : len - pos;
        }
        return last;
}

/* For the regression driver, one input in four each: another frame count,
 * or the last frame grown past the image bound. */
static size_t msg_mutate(uint8_t *buf, size_t len, size_t cap, uint64_t random)
{
        size_t last;

        if (random % 4 > 1)
                return len;
        if (random % 4 == 1) {
                if (len > 0)
                        buf[0] = (uint8_t) (random >> 8);
                return len;
        }
        last = last_length_at(buf, len);
        while (len < cap && len < FUZZ_MSG_MAX_IMAGE + 1024) {
                random = random * 6364136223846793005ULL + 1442695040888963407ULL;
                buf[len++] = (uint8_t) (random >> 56);
        }
        if (last + 2 <= len) {
                buf[last] = 0xff;
                buf[last + 1] = 0xff;
        }
        return len;
}

/* Its header: the count byte, the header frame and the command frame. */
const FuzzTarget fuzz_target = {
        .name = "fuzz-msg",
        .header = 12,
        .mutate = msg_mutate,
};
