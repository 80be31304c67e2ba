/* Tests for proto/msg.c: every command round-trips through a real
 * DEALER<->ROUTER pair (inproc) and through msg_decode(); every kind of bad
 * message is refused with its documented error; a refused multipart message
 * never desynchronises the socket; a send is whole or nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

static int failures;

#define CHECK(expr)                                                                              \
        do {                                                                                     \
                if (!(expr)) {                                                                   \
                        fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
                        failures++;                                                              \
                }                                                                                \
        } while (0)

/* An errno-style return, with the value it had when it was wrong. */
#define CHECK_RC(expr, want)                                                                              \
        do {                                                                                              \
                int _r = (expr), _w = (want);                                                             \
                if (_r != _w) {                                                                           \
                        fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%s != %s)\n", __FILE__, __LINE__, \
                                #expr, #want, strerror(-_r), strerror(-_w));                              \
                        failures++;                                                                       \
                }                                                                                         \
        } while (0)

/* Stop at once: the rest of the test would only crash. */
#define REQUIRE(expr)                                                                              \
        do {                                                                                       \
                if (!(expr)) {                                                                     \
                        fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #expr); \
                        exit(EXIT_FAILURE);                                                        \
                }                                                                                  \
        } while (0)

#define MAX_IMAGE (8u * 1024 * 1024)
#define BIG_IMAGE (3u * 1024 * 1024 + 17)
#define STATION_ID "station-1"

static const uint8_t HDR[MSG_HEADER_LEN] = { 'S', 'O', 'H', 'A', 1, 0 };

/* Larger than used, so a test can declare a wrong length and stay in bounds. */
static uint8_t page_uuid[32], batch_uuid[32], digest[64];

static void *ctx, *router, *dealer;

static void sockets_open(void)
{
        int timeout = 5000, one = 1;

        ctx = zmq_ctx_new();
        REQUIRE(ctx);
        router = zmq_socket(ctx, ZMQ_ROUTER);
        dealer = zmq_socket(ctx, ZMQ_DEALER);
        REQUIRE(router && dealer);
        /* A test that hangs is a failure too. */
        zmq_setsockopt(router, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
        zmq_setsockopt(dealer, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
        zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &one, sizeof(one));
        zmq_setsockopt(dealer, ZMQ_ROUTING_ID, STATION_ID, strlen(STATION_ID));
        REQUIRE(zmq_bind(router, "inproc://test-msg") == 0);
        REQUIRE(zmq_connect(dealer, "inproc://test-msg") == 0);
}

static void sockets_close(void)
{
        int zero = 0;

        zmq_setsockopt(router, ZMQ_LINGER, &zero, sizeof(zero));
        zmq_setsockopt(dealer, ZMQ_LINGER, &zero, sizeof(zero));
        zmq_close(dealer);
        zmq_close(router);
        zmq_ctx_term(ctx);
}

static void page_fill(Sohoa__Page *p, size_t image_len, uint32_t sequence)
{
        *p = (Sohoa__Page) SOHOA__PAGE__INIT;
        p->page_uuid = (ProtobufCBinaryData) { 16, page_uuid };
        p->batch_uuid = (ProtobufCBinaryData) { 16, batch_uuid };
        p->sha256 = (ProtobufCBinaryData) { 32, digest };
        p->sequence = sequence;
        p->sheet = 2;
        p->side = SOHOA__SIDE__SIDE_BACK;
        p->image_bytes = image_len;
        p->format = SOHOA__IMAGE_FORMAT__FORMAT_TIFF;
        p->dpi = 300;
        p->mode = (char *) "color";
        p->captured_at_us = 1700000000123456;
        p->origin_id = (char *) STATION_ID;
        p->page_class = SOHOA__PAGE_CLASS__CLASS_INTERACTIVE;
        p->dossier_code = (char *) "000.00.53.H48-240101-0001";
        p->last_in_batch = true;
}

static void page_verify(const Sohoa__Page *p, size_t image_len, uint32_t sequence)
{
        REQUIRE(p);
        CHECK(p->page_uuid.len == 16 && memcmp(p->page_uuid.data, page_uuid, 16) == 0);
        CHECK(p->batch_uuid.len == 16 && memcmp(p->batch_uuid.data, batch_uuid, 16) == 0);
        CHECK(p->sha256.len == 32 && memcmp(p->sha256.data, digest, 32) == 0);
        CHECK(p->sequence == sequence);
        CHECK(p->sheet == 2);
        CHECK(p->side == SOHOA__SIDE__SIDE_BACK);
        CHECK(p->image_bytes == image_len);
        CHECK(p->format == SOHOA__IMAGE_FORMAT__FORMAT_TIFF);
        CHECK(p->dpi == 300);
        CHECK(strcmp(p->mode, "color") == 0);
        CHECK(p->captured_at_us == 1700000000123456);
        CHECK(strcmp(p->origin_id, STATION_ID) == 0);
        CHECK(p->page_class == SOHOA__PAGE_CLASS__CLASS_INTERACTIVE);
        CHECK(strcmp(p->dossier_code, "000.00.53.H48-240101-0001") == 0);
        CHECK(p->last_in_batch);
}

static void image_make(zmq_msg_t *m, size_t len)
{
        uint8_t *d;

        REQUIRE(zmq_msg_init_size(m, len) == 0);
        d = zmq_msg_data(m);
        for (size_t i = 0; i < len; i++)
                d[i] = (uint8_t) (i * 7 + (i >> 13));
}

static bool image_ok(const zmq_msg_t *m, size_t len)
{
        const uint8_t *d = zmq_msg_data((zmq_msg_t *) m);

        if (zmq_msg_size((zmq_msg_t *) m) != len)
                return false;
        for (size_t i = 0; i < len; i++)
                if (d[i] != (uint8_t) (i * 7 + (i >> 13)))
                        return false;
        return true;
}

/* The frames of a message as msg_send() would put them, for msg_decode(). */
typedef struct Wire {
        uint8_t hdr[MSG_HEADER_LEN];
        uint8_t cmd;
        uint8_t *body;
        MsgFrame f[5];
        size_t n;
} Wire;

static void wire_make(Wire *w, MsgType type, const ProtobufCMessage *body, const void *image,
                      size_t image_len)
{
        size_t len = protobuf_c_message_get_packed_size(body);

        memcpy(w->hdr, HDR, sizeof(HDR));
        w->cmd = (uint8_t) type;
        w->body = malloc(len + 1);
        REQUIRE(w->body);
        REQUIRE(protobuf_c_message_pack(body, w->body) == len);
        w->f[0] = (MsgFrame) { w->hdr, MSG_HEADER_LEN };
        w->f[1] = (MsgFrame) { &w->cmd, 1 };
        w->f[2] = (MsgFrame) { w->body, len };
        w->n = 3;
        if (image)
                w->f[w->n++] = (MsgFrame) { image, image_len };
}

static void wire_free(Wire *w)
{
        free(w->body);
        w->body = NULL;
}

/* One message over both directions of the socket pair and through
 * msg_decode(); verify() is run on each decoded copy. */
static void round_trip(MsgType type, const ProtobufCMessage *body, size_t image_len,
                       void (*verify)(const Msg *m))
{
        zmq_msg_t image;
        bool has_image = type == MSG_PAGE || type == MSG_JOB;
        uint8_t *plain = NULL;
        Msg m = { 0 };
        Wire w;

        /* DEALER -> ROUTER: the ROUTER sees who sent it. */
        if (has_image)
                image_make(&image, image_len);
        CHECK_RC(msg_send(dealer, NULL, 0, type, body, has_image ? &image : NULL, 0), 0);
        if (has_image)
                zmq_msg_close(&image);
        REQUIRE(msg_recv(router, true, MAX_IMAGE, 0, &m) == 0);
        CHECK(m.type == type);
        CHECK(m.peer_minor == MSG_VERSION_MINOR);
        CHECK(m.routing_id_len == strlen(STATION_ID) &&
              memcmp(m.routing_id, STATION_ID, strlen(STATION_ID)) == 0);
        CHECK(m.has_image == has_image);
        if (m.has_image)
                CHECK(image_ok(&m.image, image_len));
        verify(&m);
        msg_done(&m);
        CHECK(m.body == NULL && !m.has_image);

        /* ROUTER -> DEALER, addressed by that routing id. */
        if (has_image)
                image_make(&image, image_len);
        CHECK_RC(msg_send(router, (const uint8_t *) STATION_ID, strlen(STATION_ID), type, body,
                          has_image ? &image : NULL, ZMQ_DONTWAIT),
                 0);
        if (has_image)
                zmq_msg_close(&image);
        REQUIRE(msg_recv(dealer, false, MAX_IMAGE, 0, &m) == 0);
        CHECK(m.type == type);
        CHECK(m.routing_id_len == 0);
        if (m.has_image)
                CHECK(image_ok(&m.image, image_len));
        verify(&m);
        msg_done(&m);

        /* The same bytes through the pure decoder. */
        if (has_image) {
                image_make(&image, image_len);
                plain = malloc(image_len + 1);
                REQUIRE(plain);
                memcpy(plain, zmq_msg_data(&image), image_len);
                zmq_msg_close(&image);
        }
        wire_make(&w, type, body, plain, image_len);
        REQUIRE(msg_decode(w.f, w.n, MAX_IMAGE, &m) == 0);
        CHECK(m.type == type);
        if (m.has_image)
                CHECK(image_ok(&m.image, image_len));
        verify(&m);
        msg_done(&m);
        msg_done(&m); /* twice is harmless */
        wire_free(&w);
        free(plain);
}

static void verify_hello(const Msg *m)
{
        CHECK(strcmp(MSG_HELLO_BODY(m)->peer_id, STATION_ID) == 0);
        CHECK(MSG_HELLO_BODY(m)->role == SOHOA__ROLE__ROLE_STATION);
        CHECK(strcmp(MSG_HELLO_BODY(m)->software, "sohoa-scand 0.1.0") == 0);
        CHECK_RC(msg_epoch(m), 0);
}

static void verify_welcome(const Msg *m)
{
        CHECK(MSG_WELCOME_BODY(m)->epoch == 0x1122334455667788ULL);
        CHECK(MSG_WELCOME_BODY(m)->max_frame_bytes == 64u << 20);
        CHECK(MSG_WELCOME_BODY(m)->credit_bytes == 128u << 20);
        CHECK(MSG_WELCOME_BODY(m)->heartbeat_ms == 1000);
        CHECK(MSG_WELCOME_BODY(m)->liveness == 3);
        CHECK(msg_epoch(m) == 0x1122334455667788ULL);
}

static void verify_heartbeat(const Msg *m)
{
        CHECK(MSG_HEARTBEAT_BODY(m)->epoch == 42);
        CHECK(MSG_HEARTBEAT_BODY(m)->credit_bytes == 12345);
        CHECK(MSG_HEARTBEAT_BODY(m)->pages_unacked == 3);
        CHECK(MSG_HEARTBEAT_BODY(m)->bytes_unacked == 99999);
        CHECK(msg_epoch(m) == 42);
}

static void verify_page(const Msg *m)
{
        page_verify(MSG_PAGE_BODY(m), BIG_IMAGE, 7);
        CHECK_RC(msg_epoch(m), 0);
}

static void verify_ack(const Msg *m)
{
        CHECK(MSG_ACK_BODY(m)->epoch == 43);
        CHECK(MSG_ACK_BODY(m)->page_uuid.len == 16 &&
              memcmp(MSG_ACK_BODY(m)->page_uuid.data, page_uuid, 16) == 0);
        CHECK(MSG_ACK_BODY(m)->status == SOHOA__RESULT_STATUS__RESULT_STORED_FAILED);
        CHECK(strcmp(MSG_ACK_BODY(m)->reason, "ocr failed") == 0);
        CHECK(msg_epoch(m) == 43);
}

static void verify_ready(const Msg *m)
{
        CHECK(MSG_READY_BODY(m)->capacity == 1);
}

static void verify_job(const Msg *m)
{
        page_verify(MSG_JOB_BODY(m)->page, BIG_IMAGE, 8);
        CHECK(MSG_JOB_BODY(m)->store_only);
        CHECK(MSG_JOB_BODY(m)->attempts == 3);
        CHECK(msg_epoch(m) == 44);
}

static void verify_result(const Msg *m)
{
        CHECK(MSG_RESULT_BODY(m)->page_uuid.len == 16);
        CHECK(MSG_RESULT_BODY(m)->status == SOHOA__RESULT_STATUS__RESULT_REJECTED);
        CHECK(strcmp(MSG_RESULT_BODY(m)->origin_id, STATION_ID) == 0);
        CHECK(MSG_RESULT_BODY(m)->sha256.len == 32);
}

static void verify_status(const Msg *m)
{
        CHECK(MSG_STATUS_BODY(m)->with_peers);
}

static void verify_status_reply(const Msg *m)
{
        const Sohoa__StatusReply *r = MSG_STATUS_REPLY_BODY(m);

        CHECK(r->epoch == 45);
        CHECK(r->n_peers == 600);
        if (r->n_peers == 600)
                CHECK(strcmp(r->peers[599]->peer_id, "peer-0599-with-a-longer-name") == 0);
        CHECK(r->counters && r->counters->dropped_malformed == 5);
        CHECK(r->draining);
        CHECK(msg_epoch(m) == 45);
}

static void verify_bye(const Msg *m)
{
        CHECK(MSG_BYE_BODY(m)->epoch == 46);
        CHECK(strcmp(MSG_BYE_BODY(m)->reason, "shutting down") == 0);
        CHECK(msg_epoch(m) == 46);
}

static Sohoa__StatusReply *status_reply_new(size_t n_peers)
{
        static Sohoa__Counters counters = SOHOA__COUNTERS__INIT;
        Sohoa__StatusReply *r = calloc(1, sizeof(*r));

        REQUIRE(r);
        *r = (Sohoa__StatusReply) SOHOA__STATUS_REPLY__INIT;
        r->epoch = 45;
        r->draining = true;
        counters.dropped_malformed = 5;
        r->counters = &counters;
        r->n_peers = n_peers;
        r->peers = calloc(n_peers, sizeof(*r->peers));
        REQUIRE(r->peers || n_peers == 0);
        for (size_t i = 0; i < n_peers; i++) {
                Sohoa__PeerStatus *p = calloc(1, sizeof(*p));
                char id[64];

                REQUIRE(p);
                *p = (Sohoa__PeerStatus) SOHOA__PEER_STATUS__INIT;
                snprintf(id, sizeof(id), "peer-%04zu-with-a-longer-name", i);
                p->peer_id = strdup(id);
                p->role = SOHOA__ROLE__ROLE_WORKER;
                p->state = (char *) "busy";
                p->page_uuid = (ProtobufCBinaryData) { 16, page_uuid };
                r->peers[i] = p;
        }
        return r;
}

static void status_reply_free(Sohoa__StatusReply *r)
{
        for (size_t i = 0; i < r->n_peers; i++) {
                free(r->peers[i]->peer_id);
                free(r->peers[i]);
        }
        free(r->peers);
        free(r);
}

static void test_round_trips(void)
{
        Sohoa__Hello hello = SOHOA__HELLO__INIT;
        Sohoa__Welcome welcome = SOHOA__WELCOME__INIT;
        Sohoa__Heartbeat hb = SOHOA__HEARTBEAT__INIT;
        Sohoa__Page page;
        Sohoa__Ack ack = SOHOA__ACK__INIT;
        Sohoa__Ready ready = SOHOA__READY__INIT;
        Sohoa__Job job = SOHOA__JOB__INIT;
        Sohoa__Page job_page;
        Sohoa__Result result = SOHOA__RESULT__INIT;
        Sohoa__StatusRequest status = SOHOA__STATUS_REQUEST__INIT;
        Sohoa__StatusReply *reply;
        Sohoa__Bye bye = SOHOA__BYE__INIT;

        hello.peer_id = (char *) STATION_ID;
        hello.role = SOHOA__ROLE__ROLE_STATION;
        hello.software = (char *) "sohoa-scand 0.1.0";
        round_trip(MSG_HELLO, &hello.base, 0, verify_hello);

        welcome.epoch = 0x1122334455667788ULL;
        welcome.max_frame_bytes = 64u << 20;
        welcome.credit_bytes = 128u << 20;
        welcome.heartbeat_ms = 1000;
        welcome.liveness = 3;
        round_trip(MSG_WELCOME, &welcome.base, 0, verify_welcome);

        hb.epoch = 42;
        hb.credit_bytes = 12345;
        hb.pages_unacked = 3;
        hb.bytes_unacked = 99999;
        round_trip(MSG_HEARTBEAT, &hb.base, 0, verify_heartbeat);

        page_fill(&page, BIG_IMAGE, 7);
        round_trip(MSG_PAGE, &page.base, BIG_IMAGE, verify_page);

        ack.epoch = 43;
        ack.page_uuid = (ProtobufCBinaryData) { 16, page_uuid };
        ack.status = SOHOA__RESULT_STATUS__RESULT_STORED_FAILED;
        ack.reason = (char *) "ocr failed";
        ack.batch_uuid = (ProtobufCBinaryData) { 16, batch_uuid };
        round_trip(MSG_ACK, &ack.base, 0, verify_ack);

        ready.capacity = 1;
        round_trip(MSG_READY, &ready.base, 0, verify_ready);

        page_fill(&job_page, BIG_IMAGE, 8);
        job.epoch = 44;
        job.page = &job_page;
        job.store_only = true;
        job.attempts = 3;
        round_trip(MSG_JOB, &job.base, BIG_IMAGE, verify_job);

        result.page_uuid = (ProtobufCBinaryData) { 16, page_uuid };
        result.status = SOHOA__RESULT_STATUS__RESULT_REJECTED;
        result.origin_id = (char *) STATION_ID;
        result.batch_uuid = (ProtobufCBinaryData) { 16, batch_uuid };
        result.sha256 = (ProtobufCBinaryData) { 32, digest };
        round_trip(MSG_RESULT, &result.base, 0, verify_result);

        status.with_peers = true;
        round_trip(MSG_STATUS, &status.base, 0, verify_status);

        /* Over the stack buffer: msg_send() packs it on the heap. */
        reply = status_reply_new(600);
        CHECK(protobuf_c_message_get_packed_size(&reply->base) > 4096);
        CHECK(protobuf_c_message_get_packed_size(&reply->base) <= MSG_BODY_MAX);
        round_trip(MSG_STATUS_REPLY, &reply->base, 0, verify_status_reply);
        status_reply_free(reply);

        bye.epoch = 46;
        bye.reason = (char *) "shutting down";
        round_trip(MSG_BYE, &bye.base, 0, verify_bye);
}

/* Over inproc libzmq hands the very buffer across: the image the receiver
 * gets is the one the sender built, never copied by msg_send/msg_recv. */
static void test_zero_copy(void)
{
        Sohoa__Page page;
        zmq_msg_t image;
        void *sent;
        Msg m = { 0 };

        page_fill(&page, BIG_IMAGE, 1);
        image_make(&image, BIG_IMAGE);
        sent = zmq_msg_data(&image);
        CHECK_RC(msg_send(dealer, NULL, 0, MSG_PAGE, &page.base, &image, 0), 0);
        CHECK(zmq_msg_size(&image) == 0); /* taken over */
        REQUIRE(msg_recv(router, true, MAX_IMAGE, 0, &m) == 0);
        CHECK(m.has_image && zmq_msg_data(&m.image) == sent);
        CHECK(image_ok(&m.image, BIG_IMAGE));
        msg_done(&m);
        zmq_msg_close(&image);
}

static int decode_hello(const uint8_t *hdr, size_t hdr_len, int cmd, const Sohoa__Hello *h, size_t n_frames,
                        Msg *m)
{
        Wire w;
        int r;

        wire_make(&w, MSG_HELLO, &h->base, NULL, 0);
        w.f[0] = (MsgFrame) { hdr, hdr_len };
        w.cmd = (uint8_t) cmd;
        w.f[3] = (MsgFrame) { "x", 1 };
        r = msg_decode(w.f, n_frames, MAX_IMAGE, m);
        wire_free(&w);
        return r;
}

static void test_decode_framing(void)
{
        static const uint8_t sig[MSG_HEADER_LEN] = { 'S', 'O', 'H', 'B', 1, 0 };
        static const uint8_t major2[MSG_HEADER_LEN] = { 'S', 'O', 'H', 'A', 2, 0 };
        static const uint8_t minor7[MSG_HEADER_LEN] = { 'S', 'O', 'H', 'A', 1, 7 };
        static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f };
        Sohoa__Hello h = SOHOA__HELLO__INIT;
        MsgFrame f[4];
        uint8_t cmd = MSG_HELLO, *big;
        Msg m = { 0 };

        h.peer_id = (char *) "w1";
        h.role = SOHOA__ROLE__ROLE_WORKER;

        /* Junk is malformed; only our signature with another major is a
         * version to refuse (whatever its header's length). */
        CHECK_RC(decode_hello(HDR, 3, MSG_HELLO, &h, 3, &m), -EBADMSG); /* truncated */
        CHECK_RC(decode_hello(HDR, 5, MSG_HELLO, &h, 3, &m), -EBADMSG); /* no minor */
        CHECK_RC(decode_hello(HDR, 7, MSG_HELLO, &h, 3, &m), -EBADMSG); /* too long */
        CHECK_RC(decode_hello(sig, 6, MSG_HELLO, &h, 3, &m), -EBADMSG);
        CHECK_RC(decode_hello(major2, 6, MSG_HELLO, &h, 3, &m), -EPROTO);
        CHECK_RC(decode_hello(major2, 5, MSG_HELLO, &h, 3, &m), -EPROTO);
        CHECK_RC(decode_hello(major2, 6, 99, &h, 1, &m), -EPROTO); /* any shape */
        CHECK_RC(decode_hello(HDR, 6, 99, &h, 3, &m), -EOPNOTSUPP);
        CHECK_RC(decode_hello(HDR, 6, 0, &h, 3, &m), -EOPNOTSUPP);
        CHECK_RC(decode_hello(HDR, 6, _MSG_TYPE_MAX, &h, 3, &m), -EOPNOTSUPP);
        CHECK_RC(decode_hello(HDR, 6, 99, &h, 2, &m), -EOPNOTSUPP);     /* any shape */
        CHECK_RC(decode_hello(HDR, 6, MSG_HELLO, &h, 2, &m), -EBADMSG); /* missing body */
        CHECK_RC(decode_hello(HDR, 6, MSG_HELLO, &h, 4, &m), -EBADMSG); /* extra frame */
        CHECK_RC(decode_hello(HDR, 6, MSG_PAGE, &h, 3, &m), -EBADMSG);  /* no image */
        CHECK_RC(msg_decode(f, 0, MAX_IMAGE, &m), -EBADMSG);
        CHECK(m.body == NULL); /* untouched on failure */

        /* A newer minor is still understood, and its minor is reported. */
        REQUIRE(decode_hello(minor7, 6, MSG_HELLO, &h, 3, &m) == 0);
        CHECK(m.peer_minor == 7);
        CHECK(strcmp(MSG_HELLO_BODY(&m)->peer_id, "w1") == 0);
        msg_done(&m);

        /* Command frame of the wrong length. */
        f[0] = (MsgFrame) { HDR, 6 };
        f[1] = (MsgFrame) { "\x01\x00", 2 };
        f[2] = (MsgFrame) { NULL, 0 };
        CHECK_RC(msg_decode(f, 3, MAX_IMAGE, &m), -EBADMSG);
        f[1] = (MsgFrame) { &cmd, 1 };
        f[2] = (MsgFrame) { garbage, sizeof(garbage) };
        CHECK_RC(msg_decode(f, 3, MAX_IMAGE, &m), -EBADMSG);

        /* Body over MSG_BODY_MAX, even if it were valid protobuf. */
        big = calloc(1, MSG_BODY_MAX + 1);
        REQUIRE(big);
        cmd = MSG_BYE;
        f[2] = (MsgFrame) { big, MSG_BODY_MAX + 1 };
        CHECK_RC(msg_decode(f, 3, MAX_IMAGE, &m), -EMSGSIZE);
        free(big);

        /* Empty bodies are all-defaults messages. */
        cmd = MSG_READY;
        f[2] = (MsgFrame) { NULL, 0 };
        REQUIRE(msg_decode(f, 3, MAX_IMAGE, &m) == 0);
        CHECK(m.type == MSG_READY && MSG_READY_BODY(&m)->capacity == 0);
        msg_done(&m);
        cmd = MSG_HEARTBEAT;
        REQUIRE(msg_decode(f, 3, MAX_IMAGE, &m) == 0);
        CHECK_RC(msg_epoch(&m), 0);
        msg_done(&m);
        /* ... but HELLO's invariants need fields. */
        cmd = MSG_HELLO;
        CHECK_RC(msg_decode(f, 3, MAX_IMAGE, &m), -EBADMSG);
}

/* A field this version does not know (a newer minor) is skipped. */
static void test_unknown_field(void)
{
        Sohoa__Hello h = SOHOA__HELLO__INIT;
        uint8_t body[256];
        size_t len;
        MsgFrame f[3];
        uint8_t cmd = MSG_HELLO;
        Msg m = { 0 };

        h.peer_id = (char *) "importer-7";
        h.role = SOHOA__ROLE__ROLE_IMPORTER;
        len = protobuf_c_message_pack(&h.base, body);
        /* field 100, varint 5: tag (100 << 3 | 0) = 800 = 0xa0 0x06 */
        body[len++] = 0xa0;
        body[len++] = 0x06;
        body[len++] = 0x05;
        /* field 101, length-delimited "abc" */
        body[len++] = 0xaa;
        body[len++] = 0x06;
        body[len++] = 3;
        memcpy(body + len, "abc", 3);
        len += 3;
        f[0] = (MsgFrame) { HDR, 6 };
        f[1] = (MsgFrame) { &cmd, 1 };
        f[2] = (MsgFrame) { body, len };
        REQUIRE(msg_decode(f, 3, MAX_IMAGE, &m) == 0);
        CHECK(strcmp(MSG_HELLO_BODY(&m)->peer_id, "importer-7") == 0);
        CHECK(MSG_HELLO_BODY(&m)->role == SOHOA__ROLE__ROLE_IMPORTER);
        msg_done(&m);

        /* An over-long tag 0 (0x80 0x00) is no field at all: protobuf-c
         * would keep it and re-pack it into something unreadable. */
        body[len++] = 0x80;
        body[len++] = 0x00;
        body[len++] = 0x20;
        f[2].len = len;
        CHECK_RC(msg_decode(f, 3, MAX_IMAGE, &m), -EBADMSG);
}

/* The same inside a nested message: a JOB's page. */
static void test_unknown_field_nested(void)
{
        Sohoa__Job j = SOHOA__JOB__INIT;
        Sohoa__Page p;
        uint8_t page_body[256], job_body[300], image[10] = { 0 };
        uint8_t cmd = MSG_JOB;
        size_t plen, jlen = 0;
        MsgFrame f[4];
        Msg m = { 0 };

        page_fill(&p, sizeof(image), 1);
        plen = protobuf_c_message_pack(&p.base, page_body);
        j.epoch = 5;
        jlen = protobuf_c_message_pack(&j.base, job_body);
        /* field 2 (page), length-delimited (two-byte varint length), with
         * the bad tag appended to the page. */
        REQUIRE(plen + 3 >= 128 && plen + 3 < 16384);
        job_body[jlen++] = 0x12;
        job_body[jlen++] = (uint8_t) (((plen + 3) & 0x7f) | 0x80);
        job_body[jlen++] = (uint8_t) ((plen + 3) >> 7);
        memcpy(job_body + jlen, page_body, plen);
        jlen += plen;
        job_body[jlen++] = 0x80;
        job_body[jlen++] = 0x00;
        job_body[jlen++] = 0x20;
        f[0] = (MsgFrame) { HDR, 6 };
        f[1] = (MsgFrame) { &cmd, 1 };
        f[2] = (MsgFrame) { job_body, jlen };
        f[3] = (MsgFrame) { image, sizeof(image) };
        CHECK_RC(msg_decode(f, 4, MAX_IMAGE, &m), -EBADMSG);
        /* Without it, the same JOB is fine. */
        job_body[jlen - 3 - plen - 2] = (uint8_t) ((plen & 0x7f) | 0x80);
        job_body[jlen - 3 - plen - 1] = (uint8_t) (plen >> 7);
        f[2].len = jlen - 3;
        REQUIRE(msg_decode(f, 4, MAX_IMAGE, &m) == 0);
        CHECK(msg_epoch(&m) == 5 && MSG_JOB_BODY(&m)->page->sequence == 1);
        msg_done(&m);
}

static int decode_page(const Sohoa__Page *p, size_t image_len, size_t max_image)
{
        uint8_t *image = calloc(1, image_len + 1);
        Msg m = { 0 };
        Wire w;
        int r;

        REQUIRE(image);
        wire_make(&w, MSG_PAGE, &p->base, image, image_len);
        r = msg_decode(w.f, w.n, max_image, &m);
        if (r == 0)
                CHECK(m.has_image && zmq_msg_size(&m.image) == image_len);
        msg_done(&m);
        wire_free(&w);
        free(image);
        return r;
}

static int decode_job(const Sohoa__Job *j, size_t image_len)
{
        uint8_t image[64] = { 0 };
        Msg m = { 0 };
        Wire w;
        int r;

        REQUIRE(image_len <= sizeof(image));
        wire_make(&w, MSG_JOB, &j->base, image, image_len);
        r = msg_decode(w.f, w.n, MAX_IMAGE, &m);
        msg_done(&m);
        wire_free(&w);
        return r;
}

static void test_decode_page(void)
{
        Sohoa__Page p;
        Sohoa__Job j = SOHOA__JOB__INIT;

        page_fill(&p, 100, 1);
        CHECK_RC(decode_page(&p, 100, MAX_IMAGE), 0);
        CHECK_RC(decode_page(&p, 100, 100), 0);
        CHECK_RC(decode_page(&p, 100, 99), -EMSGSIZE);
        CHECK_RC(decode_page(&p, 101, MAX_IMAGE), -EBADMSG); /* image_bytes != length */
        CHECK_RC(msg_page_check(&p, 100), 0);
        CHECK_RC(msg_page_check(&p, 99), -EBADMSG);
        CHECK_RC(msg_page_check(NULL, 0), -EBADMSG);

        p.page_uuid.len = 15;
        CHECK_RC(decode_page(&p, 100, MAX_IMAGE), -EBADMSG);
        p.page_uuid.len = 16;
        p.batch_uuid.len = 17;
        CHECK_RC(decode_page(&p, 100, MAX_IMAGE), -EBADMSG);
        p.batch_uuid.len = 16;
        p.sha256.len = 31;
        CHECK_RC(decode_page(&p, 100, MAX_IMAGE), -EBADMSG);
        p.sha256.len = 32;
        p.page_class = (Sohoa__PageClass) 3;
        CHECK_RC(decode_page(&p, 100, MAX_IMAGE), -EBADMSG);
        p.page_class = SOHOA__PAGE_CLASS__CLASS_INVALID; /* the broker uses the role */
        CHECK_RC(decode_page(&p, 100, MAX_IMAGE), 0);
        p.side = (Sohoa__Side) 3;
        CHECK_RC(decode_page(&p, 100, MAX_IMAGE), -EBADMSG);
        p.side = (Sohoa__Side) -1;
        CHECK_RC(decode_page(&p, 100, MAX_IMAGE), -EBADMSG);
        p.side = SOHOA__SIDE__SIDE_FRONT;
        CHECK_RC(decode_page(&p, 100, MAX_IMAGE), 0);

        /* An empty image is allowed when declared so. */
        page_fill(&p, 0, 1);
        CHECK_RC(decode_page(&p, 0, MAX_IMAGE), 0);

        /* A batch-close record has no image, and a page with an image is
         * no batch-close record. */
        p.batch_close = true;
        p.sequence = 0;
        CHECK_RC(decode_page(&p, 0, MAX_IMAGE), 0);
        page_fill(&p, 10, 1);
        p.batch_close = true;
        CHECK_RC(decode_page(&p, 10, MAX_IMAGE), -EBADMSG);
        CHECK_RC(msg_page_check(&p, 10), -EBADMSG);
        p.batch_close = false;
        CHECK_RC(msg_page_check(&p, 10), 0);

        /* A JOB needs a page, and the page its invariants. */
        page_fill(&p, 10, 1);
        CHECK_RC(decode_job(&j, 10), -EBADMSG);
        j.page = &p;
        CHECK_RC(decode_job(&j, 10), 0);
        CHECK_RC(decode_job(&j, 11), -EBADMSG);
        p.sha256.len = 31;
        CHECK_RC(decode_job(&j, 10), -EBADMSG);
}

static int decode_body(MsgType type, const ProtobufCMessage *body)
{
        Msg m = { 0 };
        Wire w;
        int r;

        wire_make(&w, type, body, NULL, 0);
        r = msg_decode(w.f, w.n, MAX_IMAGE, &m);
        msg_done(&m);
        wire_free(&w);
        return r;
}

static void test_decode_invariants(void)
{
        Sohoa__Hello h = SOHOA__HELLO__INIT;
        Sohoa__Ack a = SOHOA__ACK__INIT;
        Sohoa__Result r = SOHOA__RESULT__INIT;
        char id[80];

        h.role = SOHOA__ROLE__ROLE_ADMIN;
        h.peer_id = (char *) "";
        CHECK_RC(decode_body(MSG_HELLO, &h.base), -EBADMSG);
        memset(id, 'a', sizeof(id));
        id[64] = '\0';
        h.peer_id = id;
        CHECK_RC(decode_body(MSG_HELLO, &h.base), 0);
        id[64] = 'a';
        id[65] = '\0';
        CHECK_RC(decode_body(MSG_HELLO, &h.base), -EBADMSG);
        h.peer_id = (char *) "bad\nid";
        CHECK_RC(decode_body(MSG_HELLO, &h.base), -EBADMSG);
        h.peer_id = (char *) "tr\xe1\xba\xa1m";
        CHECK_RC(decode_body(MSG_HELLO, &h.base), -EBADMSG);
        h.peer_id = (char *) "desk 2";
        CHECK_RC(decode_body(MSG_HELLO, &h.base), 0);
        h.role = SOHOA__ROLE__ROLE_INVALID;
        CHECK_RC(decode_body(MSG_HELLO, &h.base), -EBADMSG);
        h.role = (Sohoa__Role) 5;
        CHECK_RC(decode_body(MSG_HELLO, &h.base), -EBADMSG);
        /* (1.2) a worker's page in hand: a UUID or nothing. */
        h.role = SOHOA__ROLE__ROLE_WORKER;
        h.page_uuid = (ProtobufCBinaryData) { 16, page_uuid };
        CHECK_RC(decode_body(MSG_HELLO, &h.base), 0);
        h.page_uuid.len = 8;
        CHECK_RC(decode_body(MSG_HELLO, &h.base), -EBADMSG);

        a.page_uuid = (ProtobufCBinaryData) { 16, page_uuid };
        a.status = SOHOA__RESULT_STATUS__RESULT_RESEND;
        CHECK_RC(decode_body(MSG_ACK, &a.base), 0);
        a.page_uuid.len = 15;
        CHECK_RC(decode_body(MSG_ACK, &a.base), -EBADMSG);
        a.page_uuid.len = 16;
        a.status = SOHOA__RESULT_STATUS__RESULT_INVALID;
        CHECK_RC(decode_body(MSG_ACK, &a.base), -EBADMSG);
        a.status = SOHOA__RESULT_STATUS__RESULT_BUSY;
        CHECK_RC(decode_body(MSG_ACK, &a.base), 0);
        a.status = (Sohoa__ResultStatus) 6;
        CHECK_RC(decode_body(MSG_ACK, &a.base), -EBADMSG);
        /* (1.2) the stored page's hash: 32 bytes or none. */
        a.status = SOHOA__RESULT_STATUS__RESULT_STORED;
        a.sha256 = (ProtobufCBinaryData) { 32, digest };
        CHECK_RC(decode_body(MSG_ACK, &a.base), 0);
        a.sha256.len = 31;
        CHECK_RC(decode_body(MSG_ACK, &a.base), -EBADMSG);

        r.page_uuid = (ProtobufCBinaryData) { 16, page_uuid };
        r.status = SOHOA__RESULT_STATUS__RESULT_STORED;
        CHECK_RC(decode_body(MSG_RESULT, &r.base), 0);
        /* BUSY is the broker's word only: a worker never says it. */
        r.status = SOHOA__RESULT_STATUS__RESULT_BUSY;
        CHECK_RC(decode_body(MSG_RESULT, &r.base), -EBADMSG);
        r.status = SOHOA__RESULT_STATUS__RESULT_STORED;
        r.page_uuid.len = 0;
        CHECK_RC(decode_body(MSG_RESULT, &r.base), -EBADMSG);
}

/* Raw multipart send, for what msg_send() refuses to produce. */
static void send_raw(void *s, const MsgFrame *f, size_t n)
{
        for (size_t i = 0; i < n; i++)
                REQUIRE(zmq_send(s, f[i].data, f[i].len, i + 1 < n ? ZMQ_SNDMORE : 0) >= 0);
}

static void expect_hello(void *s, bool router_side)
{
        Sohoa__Hello h = SOHOA__HELLO__INIT;
        Msg m = { 0 };

        h.peer_id = (char *) "good";
        h.role = SOHOA__ROLE__ROLE_WORKER;
        if (router_side)
                CHECK_RC(msg_send(dealer, NULL, 0, MSG_HELLO, &h.base, NULL, 0), 0);
        else
                CHECK_RC(msg_send(router, (const uint8_t *) STATION_ID, strlen(STATION_ID), MSG_HELLO,
                                  &h.base, NULL, ZMQ_DONTWAIT),
                         0);
        REQUIRE(msg_recv(s, router_side, MAX_IMAGE, 0, &m) == 0);
        CHECK(m.type == MSG_HELLO && strcmp(MSG_HELLO_BODY(&m)->peer_id, "good") == 0);
        msg_done(&m);
        /* Nothing left behind. */
        CHECK_RC(msg_recv(s, router_side, MAX_IMAGE, ZMQ_DONTWAIT, &m), -EAGAIN);
}

/* Each bad message is refused whole; the next good one arrives intact. */
static void test_recv_resync(void)
{
        static const uint8_t sig[MSG_HEADER_LEN] = { 'S', 'O', 'H', 'B', 1, 0 };
        static const uint8_t major2[MSG_HEADER_LEN] = { 'S', 'O', 'H', 'A', 2, 0 };
        static const uint8_t garbage[] = { 0xff, 0xff, 0xff };
        static uint8_t image[2048];
        uint8_t page_cmd = MSG_PAGE, hello_cmd = MSG_HELLO, unknown_cmd = 99;
        uint8_t page_body[256];
        Sohoa__Page p;
        MsgFrame f[8];
        size_t page_len;
        Msg m = { 0 };
        int r;

        page_fill(&p, sizeof(image), 1);
        page_len = protobuf_c_message_pack(&p.base, page_body);
        for (size_t i = 0; i < 8; i++)
                f[i] = (MsgFrame) { "extra", 5 };
        f[0] = (MsgFrame) { HDR, 6 };
        f[1] = (MsgFrame) { &page_cmd, 1 };
        f[2] = (MsgFrame) { page_body, page_len };
        f[3] = (MsgFrame) { image, sizeof(image) };

        for (int side = 0; side < 2; side++) {
                bool at_router = side == 0;
                void *from = at_router ? dealer : router;
                void *to = at_router ? router : dealer;
                size_t skip = at_router ? 0 : 1;
                MsgFrame g[9];

                /* The ROUTER sending to the DEALER puts the routing id first. */
                g[0] = (MsgFrame) { STATION_ID, strlen(STATION_ID) };
                memcpy(g + 1, f, sizeof(f));
#define SEND_RAW(n) send_raw(from, g + 1 - skip, (n) + skip)
#define RECV_EXPECT(err)                                                                           \
        do {                                                                                       \
                memset(&m, 0, sizeof(m));                                                          \
                r = msg_recv(to, at_router, at_router ? sizeof(image) : sizeof(image) - 1, 0, &m); \
                CHECK(r == (err));                                                                 \
                CHECK(m.body == NULL && !m.has_image);                                             \
                if (at_router)                                                                     \
                        CHECK(m.routing_id_len == strlen(STATION_ID));                             \
                expect_hello(to, at_router);                                                       \
        } while (0)

                /* Seven frames (eight with the routing id): over MSG_PARTS_MAX. */
                SEND_RAW(7);
                RECV_EXPECT(-EBADMSG);
                /* Five: one extra frame after a good PAGE. */
                SEND_RAW(5);
                RECV_EXPECT(-EBADMSG);
                /* Good PAGE but the DEALER side's bound is one byte less. */
                SEND_RAW(4);
                if (at_router) {
                        REQUIRE(msg_recv(to, true, sizeof(image), 0, &m) == 0);
                        CHECK(m.has_image && zmq_msg_size(&m.image) == sizeof(image));
                        msg_done(&m);
                } else {
                        RECV_EXPECT(-EMSGSIZE);
                }
                /* Missing image frame. */
                SEND_RAW(3);
                RECV_EXPECT(-EBADMSG);
                /* Wrong signature, other major, unknown command, garbage body. */
                g[1] = (MsgFrame) { sig, 6 };
                SEND_RAW(4);
                RECV_EXPECT(-EBADMSG);
                g[1] = (MsgFrame) { major2, 6 };
                SEND_RAW(4);
                RECV_EXPECT(-EPROTO);
                g[1] = (MsgFrame) { HDR, 6 };
                g[2] = (MsgFrame) { &unknown_cmd, 1 };
                SEND_RAW(4);
                RECV_EXPECT(-EOPNOTSUPP);
                g[2] = (MsgFrame) { &hello_cmd, 1 };
                g[3] = (MsgFrame) { garbage, sizeof(garbage) };
                SEND_RAW(3);
                RECV_EXPECT(-EBADMSG);
                /* A lone frame. */
                SEND_RAW(1);
                RECV_EXPECT(-EBADMSG);
                g[2] = (MsgFrame) { &page_cmd, 1 };
                g[3] = (MsgFrame) { page_body, page_len };
#undef SEND_RAW
#undef RECV_EXPECT
        }
}

static void test_send_errors(void)
{
        Sohoa__Hello h = SOHOA__HELLO__INIT;
        Sohoa__Page p;
        Sohoa__StatusReply *reply;
        zmq_msg_t image;
        Msg m = { 0 };

        h.peer_id = (char *) "x";
        h.role = SOHOA__ROLE__ROLE_WORKER;
        page_fill(&p, 10, 1);

        /* Body of another type, image where none belongs, none where one
         * must be: refused, and the image is still taken over. */
        CHECK_RC(msg_send(dealer, NULL, 0, MSG_BYE, &h.base, NULL, 0), -EINVAL);
        CHECK_RC(msg_send(dealer, NULL, 0, (MsgType) 99, &h.base, NULL, 0), -EINVAL);
        CHECK_RC(msg_send(dealer, NULL, 0, MSG_HELLO, NULL, NULL, 0), -EINVAL);
        CHECK_RC(msg_send(dealer, NULL, 0, MSG_PAGE, &p.base, NULL, 0), -EINVAL);
        image_make(&image, 10);
        CHECK_RC(msg_send(dealer, NULL, 0, MSG_HELLO, &h.base, &image, 0), -EINVAL);
        CHECK(zmq_msg_size(&image) == 0);
        zmq_msg_close(&image);

        /* Body over MSG_BODY_MAX. */
        reply = status_reply_new(2000);
        CHECK(protobuf_c_message_get_packed_size(&reply->base) > MSG_BODY_MAX);
        CHECK_RC(msg_send(dealer, NULL, 0, MSG_STATUS_REPLY, &reply->base, NULL, 0), -EMSGSIZE);
        status_reply_free(reply);

        /* ROUTER_MANDATORY: nobody by that id; the image is consumed. */
        image_make(&image, 10);
        CHECK_RC(msg_send(router, (const uint8_t *) "nobody", 6, MSG_PAGE, &p.base, &image, ZMQ_DONTWAIT),
                 -EHOSTUNREACH);
        CHECK(zmq_msg_size(&image) == 0);
        zmq_msg_close(&image);

        /* None of that reached the peer. */
        CHECK_RC(msg_recv(router, true, MAX_IMAGE, ZMQ_DONTWAIT, &m), -EAGAIN);
        CHECK_RC(msg_recv(dealer, false, MAX_IMAGE, ZMQ_DONTWAIT, &m), -EAGAIN);
}

/* Fill the DEALER's queue until the ROUTER is refused: the refusal must
 * come on a first part (nothing half-sent), every message accepted before it
 * arrives whole and in order, and sending works again once drained. */
static void test_send_full(void)
{
        void *c, *rt, *dl;
        int hwm = 4, one = 1, timeout = 5000, zero = 0;
        uint32_t sent = 0, got = 0;
        Sohoa__Job j = SOHOA__JOB__INIT;
        Sohoa__Page p;
        Msg m = { 0 };
        int r = 0;

        c = zmq_ctx_new();
        rt = zmq_socket(c, ZMQ_ROUTER);
        dl = zmq_socket(c, ZMQ_DEALER);
        REQUIRE(c && rt && dl);
        zmq_setsockopt(rt, ZMQ_SNDHWM, &hwm, sizeof(hwm));
        zmq_setsockopt(rt, ZMQ_ROUTER_MANDATORY, &one, sizeof(one));
        zmq_setsockopt(dl, ZMQ_RCVHWM, &hwm, sizeof(hwm));
        zmq_setsockopt(dl, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
        zmq_setsockopt(dl, ZMQ_ROUTING_ID, "w", 1);
        REQUIRE(zmq_bind(rt, "inproc://test-msg-full") == 0);
        REQUIRE(zmq_connect(dl, "inproc://test-msg-full") == 0);

        page_fill(&p, 1000, 0);
        j.page = &p;
        j.epoch = 9;
        while (sent < 10000) {
                zmq_msg_t image;

                image_make(&image, 1000);
                p.sequence = sent;
                r = msg_send(rt, (const uint8_t *) "w", 1, MSG_JOB, &j.base, &image, ZMQ_DONTWAIT);
                zmq_msg_close(&image);
                if (r < 0)
                        break;
                sent++;
        }
        CHECK(r == -EAGAIN);
        CHECK(sent >= (uint32_t) hwm && sent < 10000);

        while (msg_recv(dl, false, MAX_IMAGE, ZMQ_DONTWAIT, &m) == 0) {
                CHECK(m.type == MSG_JOB);
                CHECK(MSG_JOB_BODY(&m)->page->sequence == got);
                CHECK(image_ok(&m.image, 1000));
                msg_done(&m);
                got++;
        }
        CHECK(got == sent);

        /* Room again (libzmq tells the ROUTER once it looks at its
         * commands, which zmq_poll makes it do): the next message goes
         * through whole. */
        {
                zmq_pollitem_t item = { .socket = rt, .events = ZMQ_POLLOUT };
                zmq_msg_t image;

                CHECK(zmq_poll(&item, 1, 5000) == 1);

                image_make(&image, 1000);
                p.sequence = 777;
                CHECK_RC(msg_send(rt, (const uint8_t *) "w", 1, MSG_JOB, &j.base, &image, ZMQ_DONTWAIT), 0);
                zmq_msg_close(&image);
                REQUIRE(msg_recv(dl, false, MAX_IMAGE, 0, &m) == 0);
                CHECK(MSG_JOB_BODY(&m)->page->sequence == 777);
                CHECK(msg_epoch(&m) == 9);
                msg_done(&m);
        }

        zmq_setsockopt(rt, ZMQ_LINGER, &zero, sizeof(zero));
        zmq_setsockopt(dl, ZMQ_LINGER, &zero, sizeof(zero));
        zmq_close(dl);
        zmq_close(rt);
        zmq_ctx_term(c);
}

static void test_names(void)
{
        Msg m = { 0 };

        CHECK(strcmp(msg_type_to_string(MSG_HELLO), "HELLO") == 0);
        CHECK(strcmp(msg_type_to_string(MSG_STATUS_REPLY), "STATUS_REPLY") == 0);
        CHECK(strcmp(msg_type_to_string(MSG_BYE), "BYE") == 0);
        CHECK(strcmp(msg_type_to_string((MsgType) 0), "UNKNOWN") == 0);
        CHECK(strcmp(msg_type_to_string((MsgType) 99), "UNKNOWN") == 0);
        CHECK(strcmp(msg_type_to_string(_MSG_TYPE_INVALID), "UNKNOWN") == 0);
        for (int t = 1; t < _MSG_TYPE_MAX; t++)
                CHECK(strcmp(msg_type_to_string((MsgType) t), "UNKNOWN") != 0);
        CHECK(strcmp(msg_page_class_to_string(SOHOA__PAGE_CLASS__CLASS_INTERACTIVE), "interactive") == 0);
        CHECK(strcmp(msg_page_class_to_string(SOHOA__PAGE_CLASS__CLASS_BULK), "bulk") == 0);
        CHECK(msg_page_class_to_string(SOHOA__PAGE_CLASS__CLASS_INVALID) == NULL);
        CHECK(msg_page_class_to_string((Sohoa__PageClass) 7) == NULL);
        CHECK(strcmp(msg_side_to_string(SOHOA__SIDE__SIDE_UNKNOWN), "unknown") == 0);
        CHECK(strcmp(msg_side_to_string(SOHOA__SIDE__SIDE_BACK), "back") == 0);
        CHECK(msg_side_to_string((Sohoa__Side) 3) == NULL);
        CHECK(strcmp(msg_role_to_string(SOHOA__ROLE__ROLE_IMPORTER), "importer") == 0);
        CHECK(strcmp(msg_role_to_string(SOHOA__ROLE__ROLE_ADMIN), "admin") == 0);
        CHECK(msg_role_to_string(SOHOA__ROLE__ROLE_INVALID) == NULL);
        CHECK(msg_role_to_string((Sohoa__Role) -1) == NULL);
        CHECK_RC(msg_epoch(&m), 0);
        CHECK_RC(msg_epoch(NULL), 0);
        msg_done(&m);
        msg_done(NULL);
}

int main(void)
{
        for (size_t i = 0; i < 16; i++) {
                page_uuid[i] = (uint8_t) (0xa0 + i);
                batch_uuid[i] = (uint8_t) (0xb0 + i);
        }
        for (size_t i = 0; i < 32; i++)
                digest[i] = (uint8_t) (0xc0 + i);

        test_names();
        test_decode_framing();
        test_unknown_field();
        test_unknown_field_nested();
        test_decode_page();
        test_decode_invariants();
        test_send_full();

        sockets_open();
        test_round_trips();
        test_zero_copy();
        test_recv_resync();
        test_send_errors();
        sockets_close();

        if (failures > 0) {
                fprintf(stderr, "test-msg: %d check(s) failed\n", failures);
                return EXIT_FAILURE;
        }
        printf("test-msg: all checks passed\n");
        return EXIT_SUCCESS;
}
