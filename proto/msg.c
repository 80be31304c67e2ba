/* The sohoa codec: checks every frame a peer sends before anything is
 * copied or trusted (signature, version, command, frame count, sizes, then
 * the protobuf body and its invariants), and sends or receives one whole
 * multipart message at a time so a bad message never desynchronises a
 * socket. Independent of lib/: only libzmq and protobuf-c. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

/* Bodies up to this size are packed on the stack; larger ones (a StatusReply
 * with many peers) go to the heap. */
#define MSG_STACK_BODY 4096

static const char *const type_names[_MSG_TYPE_MAX] = {
        [MSG_HELLO] = "HELLO",
        [MSG_WELCOME] = "WELCOME",
        [MSG_HEARTBEAT] = "HEARTBEAT",
        [MSG_PAGE] = "PAGE",
        [MSG_ACK] = "ACK",
        [MSG_READY] = "READY",
        [MSG_JOB] = "JOB",
        [MSG_RESULT] = "RESULT",
        [MSG_STATUS] = "STATUS",
        [MSG_STATUS_REPLY] = "STATUS_REPLY",
        [MSG_BYE] = "BYE",
};

/* The body of each command. Unpacking goes through the descriptor, which is
 * exactly what the generated sohoa__xxx__unpack() does, without a cast of
 * function pointers of different types. */
static const ProtobufCMessageDescriptor *const type_descriptors[_MSG_TYPE_MAX] = {
        [MSG_HELLO] = &sohoa__hello__descriptor,
        [MSG_WELCOME] = &sohoa__welcome__descriptor,
        [MSG_HEARTBEAT] = &sohoa__heartbeat__descriptor,
        [MSG_PAGE] = &sohoa__page__descriptor,
        [MSG_ACK] = &sohoa__ack__descriptor,
        [MSG_READY] = &sohoa__ready__descriptor,
        [MSG_JOB] = &sohoa__job__descriptor,
        [MSG_RESULT] = &sohoa__result__descriptor,
        [MSG_STATUS] = &sohoa__status_request__descriptor,
        [MSG_STATUS_REPLY] = &sohoa__status_reply__descriptor,
        [MSG_BYE] = &sohoa__bye__descriptor,
};

static bool type_valid(int t)
{
        return t > 0 && t < _MSG_TYPE_MAX;
}

static bool type_has_image(MsgType t)
{
        return t == MSG_PAGE || t == MSG_JOB;
}

const char *msg_type_to_string(MsgType t)
{
        if (!type_valid(t))
                return "UNKNOWN";
        return type_names[t];
}

const char *msg_page_class_to_string(Sohoa__PageClass c)
{
        switch (c) {
        case SOHOA__PAGE_CLASS__CLASS_INTERACTIVE:
                return "interactive";
        case SOHOA__PAGE_CLASS__CLASS_BULK:
                return "bulk";
        default:
                return NULL;
        }
}

const char *msg_side_to_string(Sohoa__Side s)
{
        switch (s) {
        case SOHOA__SIDE__SIDE_UNKNOWN:
                return "unknown";
        case SOHOA__SIDE__SIDE_FRONT:
                return "front";
        case SOHOA__SIDE__SIDE_BACK:
                return "back";
        default:
                return NULL;
        }
}

const char *msg_role_to_string(Sohoa__Role r)
{
        switch (r) {
        case SOHOA__ROLE__ROLE_STATION:
                return "station";
        case SOHOA__ROLE__ROLE_IMPORTER:
                return "importer";
        case SOHOA__ROLE__ROLE_WORKER:
                return "worker";
        case SOHOA__ROLE__ROLE_ADMIN:
                return "admin";
        default:
                return NULL;
        }
}

int msg_page_check(const Sohoa__Page *p, size_t image_len)
{
        if (!p)
                return -EBADMSG;
        if (p->page_uuid.len != 16 || p->batch_uuid.len != 16 || p->sha256.len != 32)
                return -EBADMSG;
        if (p->image_bytes != (uint64_t) image_len)
                return -EBADMSG;
        /* A batch-close record carries no image (§7.6). An ordinary page of
         * 0 bytes stays legal: the worker stores it, failed. */
        if (p->batch_close && image_len != 0)
                return -EBADMSG;
        /* protobuf-c keeps unknown enum numbers as they came: check the
         * range. CLASS_INVALID is allowed since the broker takes the class
         * from the sender's role, not from this field. */
        if ((int) p->page_class < SOHOA__PAGE_CLASS__CLASS_INVALID ||
            (int) p->page_class > SOHOA__PAGE_CLASS__CLASS_BULK)
                return -EBADMSG;
        if ((int) p->side < SOHOA__SIDE__SIDE_UNKNOWN || (int) p->side > SOHOA__SIDE__SIDE_BACK)
                return -EBADMSG;
        return 0;
}

static int hello_check(const Sohoa__Hello *h)
{
        size_t n;

        if (!h->peer_id)
                return -EBADMSG;
        n = strlen(h->peer_id);
        if (n == 0 || n > MSG_PEER_ID_MAX)
                return -EBADMSG;
        /* The id ends up in logs and status output: printable ASCII only. */
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) h->peer_id[i] < 0x20 || (unsigned char) h->peer_id[i] > 0x7e)
                        return -EBADMSG;
        if ((int) h->role < SOHOA__ROLE__ROLE_STATION || (int) h->role > SOHOA__ROLE__ROLE_ADMIN)
                return -EBADMSG;
        if (h->page_uuid.len != 0 && h->page_uuid.len != 16)
                return -EBADMSG;
        return 0;
}

/* An outcome the receiver cannot act on is as good as none: the page stays
 * unacknowledged and its sender's resend timer brings it back. */
static bool status_valid(Sohoa__ResultStatus s, Sohoa__ResultStatus last)
{
        return (int) s >= SOHOA__RESULT_STATUS__RESULT_STORED && (int) s <= (int) last;
}

/* protobuf-c 1.4 parses an over-long zero tag (0x80 0x00) as an unknown
 * field number 0 and keeps it; packing that message again writes a plain
 * 0x00 tag that no parser accepts. The broker re-packs what it forwards (a
 * PAGE's body goes into a JOB), so such a body would turn into a JOB no
 * worker can read: refuse it here, in nested messages too. */
static bool unknown_fields_valid(const ProtobufCMessage *m)
{
        const ProtobufCMessageDescriptor *d = m->descriptor;

        for (unsigned i = 0; i < m->n_unknown_fields; i++)
                if (m->unknown_fields[i].tag == 0)
                        return false;
        for (unsigned i = 0; i < d->n_fields; i++) {
                const ProtobufCFieldDescriptor *f = &d->fields[i];
                const uint8_t *base = (const uint8_t *) m;

                if (f->type != PROTOBUF_C_TYPE_MESSAGE)
                        continue;
                if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                        size_t n = *(const size_t *) (base + f->quantifier_offset);
                        ProtobufCMessage *const *v = *(ProtobufCMessage *const *const *) (base + f->offset);

                        for (size_t k = 0; k < n; k++)
                                if (v[k] && !unknown_fields_valid(v[k]))
                                        return false;
                } else {
                        const ProtobufCMessage *v = *(ProtobufCMessage *const *) (base + f->offset);

                        if (v && !unknown_fields_valid(v))
                                return false;
                }
        }
        return true;
}

static int body_check(MsgType type, const ProtobufCMessage *body, size_t image_len)
{
        if (!unknown_fields_valid(body))
                return -EBADMSG;
        switch (type) {
        case MSG_HELLO:
                return hello_check((const Sohoa__Hello *) body);
        case MSG_PAGE:
                return msg_page_check((const Sohoa__Page *) body, image_len);
        case MSG_JOB:
                return msg_page_check(((const Sohoa__Job *) body)->page, image_len);
        case MSG_ACK: {
                const Sohoa__Ack *a = (const Sohoa__Ack *) body;
                return a->page_uuid.len == 16 && (a->sha256.len == 0 || a->sha256.len == 32) &&
                                       status_valid(a->status, SOHOA__RESULT_STATUS__RESULT_BUSY)
                               ? 0
                               : -EBADMSG;
        }
        case MSG_RESULT: {
                const Sohoa__Result *r = (const Sohoa__Result *) body;
                return r->page_uuid.len == 16 && status_valid(r->status, SOHOA__RESULT_STATUS__RESULT_RESEND)
                               ? 0
                               : -EBADMSG;
        }
        default:
                return 0;
        }
}

/* The checks shared by msg_decode() and msg_recv(): everything but the
 * image's ownership. On success *ret_body is unpacked (free_unpacked). */
static int decode_frames(const MsgFrame *f, size_t n, size_t max_image, MsgType *ret_type,
                         uint8_t *ret_minor, ProtobufCMessage **ret_body)
{
        const uint8_t *hdr, *cmd;
        ProtobufCMessage *body;
        size_t want, image_len = 0;
        MsgType type;
        int r;

        /* Our signature with another major is a peer to refuse politely
         * (whatever else it sends: a later major may change the header's
         * length too); anything else without our exact header is junk. */
        if (n < 1 || !f[0].data || f[0].len <= MSG_SIGNATURE_LEN ||
            memcmp(f[0].data, MSG_SIGNATURE, MSG_SIGNATURE_LEN) != 0)
                return -EBADMSG;
        hdr = f[0].data;
        if (hdr[MSG_SIGNATURE_LEN] != MSG_VERSION_MAJOR)
                return -EPROTO;
        if (f[0].len != MSG_HEADER_LEN)
                return -EBADMSG;

        if (n < 2 || f[1].len != 1 || !f[1].data)
                return -EBADMSG;
        cmd = f[1].data;
        /* Checked before the frame count: a newer minor's command may have
         * any shape, and is "unknown", not "malformed". */
        if (!type_valid(cmd[0]))
                return -EOPNOTSUPP;
        type = (MsgType) cmd[0];

        want = type_has_image(type) ? 4 : 3;
        if (n != want)
                return -EBADMSG;
        if (f[2].len > MSG_BODY_MAX)
                return -EMSGSIZE;
        if (type_has_image(type)) {
                image_len = f[3].len;
                if (image_len > max_image)
                        return -EMSGSIZE;
        }
        if (f[2].len > 0 && !f[2].data)
                return -EBADMSG;

        /* An empty body is a message whose fields are all defaults. */
        body = protobuf_c_message_unpack(type_descriptors[type], NULL, f[2].len, f[2].data);
        if (!body)
                return -EBADMSG;
        r = body_check(type, body, image_len);
        if (r < 0) {
                protobuf_c_message_free_unpacked(body, NULL);
                return r;
        }

        *ret_type = type;
        *ret_minor = hdr[MSG_SIGNATURE_LEN + 1];
        *ret_body = body;
        return 0;
}

int msg_decode(const MsgFrame *frames, size_t n_frames, size_t max_image, Msg *ret)
{
        ProtobufCMessage *body = NULL;
        zmq_msg_t image;
        bool has_image;
        uint8_t minor = 0;
        MsgType type = _MSG_TYPE_INVALID;
        int r;

        assert(frames || n_frames == 0);
        assert(ret);

        r = decode_frames(frames, n_frames, max_image, &type, &minor, &body);
        if (r < 0)
                return r;

        has_image = type_has_image(type);
        if (has_image) {
                if (zmq_msg_init_size(&image, frames[3].len) < 0) {
                        protobuf_c_message_free_unpacked(body, NULL);
                        return -ENOMEM;
                }
                if (frames[3].len > 0)
                        memcpy(zmq_msg_data(&image), frames[3].data, frames[3].len);
                zmq_msg_init(&ret->image);
                zmq_msg_move(&ret->image, &image);
                zmq_msg_close(&image);
        }
        ret->type = type;
        ret->peer_minor = minor;
        ret->body = body;
        ret->has_image = has_image;
        ret->routing_id_len = 0;
        ret->key_role[0] = '\0';
        return 0;
}

/* The key role the ZAP handler gave the connection: libzmq keeps it with
 * every frame received on it. Copied, since the frame goes before the Msg.
 * A value too long for the field is cut and so matches no role. */
static void msg_key_role(const zmq_msg_t *part, Msg *ret)
{
        const char *role = part ? zmq_msg_gets(part, MSG_KEY_ROLE_PROPERTY) : NULL;

        snprintf(ret->key_role, sizeof(ret->key_role), "%s", role ? role : "");
}

/* Receive the next part; EINTR inside a message is retried because the
 * rest of that message must still be drained. */
static int recv_part(zmq_msg_t *part, void *socket, int flags, bool first)
{
        for (;;) {
                if (zmq_msg_recv(part, socket, flags) >= 0)
                        return 0;
                if (errno != EINTR || first)
                        return -errno;
        }
}

int msg_recv(void *socket, bool router, size_t max_image, int flags, Msg *ret)
{
        zmq_msg_t parts[MSG_PARTS_MAX], scratch;
        MsgFrame frames[MSG_PARTS_MAX] = { 0 };
        ProtobufCMessage *body = NULL;
        size_t n = 0, skip = router ? 1 : 0;
        bool more = true, too_many = false;
        uint8_t minor = 0;
        MsgType type = _MSG_TYPE_INVALID;
        int r;

        assert(socket);
        assert(ret);

        /* Take every part of the message, even when it is already known to
         * be bad: libzmq delivers a multipart message whole (all parts are
         * queued once the first is seen), so the later parts never block. */
        while (more) {
                /* Parts past the cap are read into scratch and let go. */
                zmq_msg_t *part = n < MSG_PARTS_MAX ? &parts[n] : &scratch;

                zmq_msg_init(part);
                r = recv_part(part, socket, n == 0 ? flags : 0, n == 0);
                if (r < 0) {
                        zmq_msg_close(part);
                        goto out;
                }
                more = zmq_msg_more(part);
                if (part == &scratch) {
                        too_many = true;
                        zmq_msg_close(part);
                } else {
                        n++;
                }
        }

        ret->body = NULL;
        ret->has_image = false;
        ret->type = _MSG_TYPE_INVALID;
        ret->routing_id_len = 0;
        msg_key_role(n > skip ? &parts[skip] : NULL, ret);
        if (router) {
                size_t len = zmq_msg_size(&parts[0]);

                if (len == 0 || len > MSG_ROUTING_ID_MAX) {
                        r = -EBADMSG;
                        goto out;
                }
                memcpy(ret->routing_id, zmq_msg_data(&parts[0]), len);
                ret->routing_id_len = len;
        }
        if (too_many) {
                r = -EBADMSG;
                goto out;
        }

        for (size_t i = skip; i < n; i++) {
                frames[i - skip].data = zmq_msg_data(&parts[i]);
                frames[i - skip].len = zmq_msg_size(&parts[i]);
        }
        r = decode_frames(frames, n - skip, max_image, &type, &minor, &body);
        if (r < 0)
                goto out;

        ret->type = type;
        ret->peer_minor = minor;
        ret->body = body;
        if (type_has_image(type)) {
                /* Zero-copy: the image stays in the buffer libzmq received. */
                zmq_msg_init(&ret->image);
                zmq_msg_move(&ret->image, &parts[n - 1]);
                ret->has_image = true;
        }
        r = 0;
out:
        for (size_t i = 0; i < n; i++)
                zmq_msg_close(&parts[i]);
        return r;
}

/* Sends one part. The first part of a message decides: libzmq either refuses
 * it (EAGAIN: peer's queue at its high-water mark; EHOSTUNREACH: unknown
 * routing id with ROUTER_MANDATORY) or accepts it, and then the pipe's
 * high-water mark is only re-checked at the next message, so the following
 * parts of the same message are accepted too. The one exception is a pipe
 * torn down in between (peer gone): libzmq then discards the whole message
 * itself, and we still push the remaining parts so its state ends cleanly
 * at the last part. */
static int send_part(void *socket, zmq_msg_t *part, int flags)
{
        for (;;) {
                if (zmq_msg_send(part, socket, flags) >= 0)
                        return 0;
                if (errno != EINTR)
                        return -errno;
        }
}

static int send_bytes(void *socket, const void *data, size_t len, int flags)
{
        zmq_msg_t part;
        int r;

        if (zmq_msg_init_size(&part, len) < 0)
                return -errno;
        if (len > 0)
                memcpy(zmq_msg_data(&part), data, len);
        r = send_part(socket, &part, flags);
        zmq_msg_close(&part);
        return r;
}

/* One frame to send: either bytes to copy or a zmq_msg_t to hand over. */
typedef struct SendPart {
        const void *data;
        size_t len;
        zmq_msg_t *msg;
} SendPart;

static int send_parts(void *socket, const SendPart *parts, size_t n, int flags)
{
        int r = 0;

        for (size_t i = 0; i < n; i++) {
                int f = flags | (i + 1 < n ? ZMQ_SNDMORE : 0);
                int k;

                k = parts[i].msg ? send_part(socket, parts[i].msg, f)
                                 : send_bytes(socket, parts[i].data, parts[i].len, f);
                /* Refused at the first part: nothing was sent at all. */
                if (k < 0 && i == 0)
                        return k;
                if (k < 0 && r == 0)
                        r = k;
        }
        return r;
}

int msg_send(void *socket, const uint8_t *routing_id, size_t routing_id_len, MsgType type,
             const ProtobufCMessage *body, zmq_msg_t *image, int flags)
{
        static const uint8_t hdr[MSG_HEADER_LEN] = {
                'S', 'O', 'H', 'A', MSG_VERSION_MAJOR, MSG_VERSION_MINOR
        };
        uint8_t stack_buf[MSG_STACK_BODY];
        uint8_t *buf = stack_buf;
        SendPart parts[MSG_PARTS_MAX];
        size_t len, n = 0;
        uint8_t cmd;
        int r;

        assert(socket);

        if (!type_valid(type) || !body || body->descriptor != type_descriptors[type] ||
            type_has_image(type) != (image != NULL) ||
            (routing_id && (routing_id_len == 0 || routing_id_len > MSG_ROUTING_ID_MAX))) {
                r = -EINVAL;
                goto out;
        }
        len = protobuf_c_message_get_packed_size(body);
        if (len > MSG_BODY_MAX) {
                r = -EMSGSIZE;
                goto out;
        }
        if (len > sizeof(stack_buf)) {
                buf = malloc(len);
                if (!buf) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        if (protobuf_c_message_pack(body, buf) != len) {
                r = -EINVAL;
                goto out;
        }
        cmd = (uint8_t) type;
        if (routing_id)
                parts[n++] = (SendPart) { .data = routing_id, .len = routing_id_len };
        parts[n++] = (SendPart) { .data = hdr, .len = MSG_HEADER_LEN };
        parts[n++] = (SendPart) { .data = &cmd, .len = 1 };
        parts[n++] = (SendPart) { .data = buf, .len = len };
        if (image)
                parts[n++] = (SendPart) { .msg = image };
        r = send_parts(socket, parts, n, flags & ZMQ_DONTWAIT);
out:
        /* Sent or not, the image is ours: leave the caller an empty message. */
        if (image) {
                zmq_msg_close(image);
                zmq_msg_init(image);
        }
        if (buf != stack_buf)
                free(buf);
        return r;
}

void msg_done(Msg *m)
{
        if (!m)
                return;
        if (m->body)
                protobuf_c_message_free_unpacked(m->body, NULL);
        m->body = NULL;
        if (m->has_image)
                zmq_msg_close(&m->image);
        m->has_image = false;
}

uint64_t msg_epoch(const Msg *m)
{
        if (!m || !m->body)
                return 0;
        switch (m->type) {
        case MSG_WELCOME:
                return MSG_WELCOME_BODY(m)->epoch;
        case MSG_HEARTBEAT:
                return MSG_HEARTBEAT_BODY(m)->epoch;
        case MSG_ACK:
                return MSG_ACK_BODY(m)->epoch;
        case MSG_JOB:
                return MSG_JOB_BODY(m)->epoch;
        case MSG_STATUS_REPLY:
                return MSG_STATUS_REPLY_BODY(m)->epoch;
        case MSG_BYE:
                return MSG_BYE_BODY(m)->epoch;
        default:
                return 0;
        }
}
