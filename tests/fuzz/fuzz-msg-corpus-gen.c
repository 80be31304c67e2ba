/* Writes the seed corpus of the msg fuzzer: one valid encoded message of
 * every command (in the fuzz-msg.h input format), plus a newer minor and an
 * all-defaults body. Run once by hand; its output is committed:
 *   fuzz-msg-corpus-gen tests/fuzz/corpus-msg */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-msg.h"
#include "msg.h"

static uint8_t uuid_a[16], uuid_b[16], digest[32], image[300];

static int write_seed(const char *dir, const char *name, uint8_t minor, MsgType type,
                      const ProtobufCMessage *body, size_t image_len)
{
        uint8_t hdr[MSG_HEADER_LEN] = { 'S', 'O', 'H', 'A', MSG_VERSION_MAJOR, minor };
        uint8_t cmd = (uint8_t) type, *packed;
        const uint8_t *parts[4];
        size_t lens[4], n = image_len > 0 || type == MSG_PAGE || type == MSG_JOB ? 4 : 3;
        char path[4096];
        FILE *f;
        int r = 0;

        lens[2] = protobuf_c_message_get_packed_size(body);
        packed = malloc(lens[2] + 1);
        if (!packed)
                return -ENOMEM;
        protobuf_c_message_pack(body, packed);
        parts[0] = hdr, lens[0] = sizeof(hdr);
        parts[1] = &cmd, lens[1] = 1;
        parts[2] = packed;
        parts[3] = image, lens[3] = image_len;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "wb");
        if (!f) {
                r = -errno;
                goto out;
        }
        fputc((int) n, f);
        for (size_t i = 0; i < n; i++) {
                fputc((int) (lens[i] & 0xff), f);
                fputc((int) (lens[i] >> 8), f);
                fwrite(parts[i], 1, lens[i], f);
        }
        if (fclose(f) != 0)
                r = -errno;
out:
        free(packed);
        return r;
}

static void page_fill(Sohoa__Page *p)
{
        *p = (Sohoa__Page) SOHOA__PAGE__INIT;
        p->page_uuid = (ProtobufCBinaryData) { 16, uuid_a };
        p->batch_uuid = (ProtobufCBinaryData) { 16, uuid_b };
        p->sha256 = (ProtobufCBinaryData) { 32, digest };
        p->sequence = 3;
        p->sheet = 2;
        p->side = SOHOA__SIDE__SIDE_FRONT;
        p->image_bytes = sizeof(image);
        p->format = SOHOA__IMAGE_FORMAT__FORMAT_TIFF;
        p->dpi = 300;
        p->mode = (char *) "gray";
        p->captured_at_us = 1700000000000000;
        p->origin_id = (char *) "desk-1";
        p->page_class = SOHOA__PAGE_CLASS__CLASS_INTERACTIVE;
        p->dossier_code = (char *) "000.00.53.H48-240101-0001";
        p->last_in_batch = true;
        p->batch_pages = 3;
}

int main(int argc, char *argv[])
{
        Sohoa__Hello hello = SOHOA__HELLO__INIT;
        Sohoa__Welcome welcome = SOHOA__WELCOME__INIT;
        Sohoa__Heartbeat hb = SOHOA__HEARTBEAT__INIT;
        Sohoa__Page page;
        Sohoa__Ack ack = SOHOA__ACK__INIT;
        Sohoa__Ready ready = SOHOA__READY__INIT, empty = SOHOA__READY__INIT;
        Sohoa__Job job = SOHOA__JOB__INIT;
        Sohoa__Result result = SOHOA__RESULT__INIT;
        Sohoa__StatusRequest status = SOHOA__STATUS_REQUEST__INIT;
        Sohoa__StatusReply reply = SOHOA__STATUS_REPLY__INIT;
        Sohoa__ClassStatus cls = SOHOA__CLASS_STATUS__INIT, *classes[] = { &cls };
        Sohoa__PeerStatus peer = SOHOA__PEER_STATUS__INIT, *peers[] = { &peer };
        Sohoa__Counters counters = SOHOA__COUNTERS__INIT;
        Sohoa__Bye bye = SOHOA__BYE__INIT;
        const char *dir;
        int r = 0;

        if (argc != 2) {
                fprintf(stderr, "usage: %s DIR\n", argv[0]);
                return EXIT_FAILURE;
        }
        dir = argv[1];
        for (size_t i = 0; i < sizeof(uuid_a); i++)
                uuid_a[i] = (uint8_t) (0x10 + i), uuid_b[i] = (uint8_t) (0x20 + i);
        for (size_t i = 0; i < sizeof(digest); i++)
                digest[i] = (uint8_t) (0x30 + i);
        for (size_t i = 0; i < sizeof(image); i++)
                image[i] = (uint8_t) i;

        hello.peer_id = (char *) "desk-1";
        hello.role = SOHOA__ROLE__ROLE_STATION;
        hello.software = (char *) "sohoa-scand 0.1.0";
        welcome.epoch = 0x0123456789abcdefULL;
        welcome.max_frame_bytes = 64u << 20;
        welcome.credit_bytes = 128u << 20;
        welcome.heartbeat_ms = 1000;
        welcome.liveness = 3;
        hb.epoch = welcome.epoch;
        hb.credit_bytes = 64u << 20;
        hb.pages_unacked = 2;
        hb.bytes_unacked = 600;
        page_fill(&page);
        ack.epoch = welcome.epoch;
        ack.page_uuid = page.page_uuid;
        ack.status = SOHOA__RESULT_STATUS__RESULT_STORED;
        ack.batch_uuid = page.batch_uuid;
        ready.capacity = 1;
        job.epoch = welcome.epoch;
        job.page = &page;
        job.store_only = true;
        job.attempts = 3;
        result.page_uuid = page.page_uuid;
        result.status = SOHOA__RESULT_STATUS__RESULT_STORED_FAILED;
        result.reason = (char *) "ocr: no text";
        result.origin_id = (char *) "desk-1";
        result.batch_uuid = page.batch_uuid;
        result.sha256 = page.sha256;
        status.with_peers = true;
        cls.page_class = SOHOA__PAGE_CLASS__CLASS_BULK;
        cls.queued_pages = 4;
        cls.pool_bytes = 256u << 20;
        peer.peer_id = (char *) "worker-1";
        peer.role = SOHOA__ROLE__ROLE_WORKER;
        peer.state = (char *) "busy";
        peer.page_uuid = page.page_uuid;
        counters.pages_in = 10;
        counters.dropped_malformed = 1;
        reply.epoch = welcome.epoch;
        reply.n_classes = 1;
        reply.classes = classes;
        reply.n_peers = 1;
        reply.peers = peers;
        reply.counters = &counters;
        reply.workers = 1;
        bye.epoch = welcome.epoch;
        bye.reason = (char *) "unsupported protocol major version";

        r = r ?: write_seed(dir, "hello", 0, MSG_HELLO, &hello.base, 0);
        r = r ?: write_seed(dir, "hello-minor7", 7, MSG_HELLO, &hello.base, 0);
        r = r ?: write_seed(dir, "welcome", 0, MSG_WELCOME, &welcome.base, 0);
        r = r ?: write_seed(dir, "heartbeat", 0, MSG_HEARTBEAT, &hb.base, 0);
        r = r ?: write_seed(dir, "page", 0, MSG_PAGE, &page.base, sizeof(image));
        r = r ?: write_seed(dir, "ack", 0, MSG_ACK, &ack.base, 0);
        r = r ?: write_seed(dir, "ready", 0, MSG_READY, &ready.base, 0);
        r = r ?: write_seed(dir, "ready-empty-body", 0, MSG_READY, &empty.base, 0);
        r = r ?: write_seed(dir, "job", 0, MSG_JOB, &job.base, sizeof(image));
        r = r ?: write_seed(dir, "result", 0, MSG_RESULT, &result.base, 0);
        r = r ?: write_seed(dir, "status", 0, MSG_STATUS, &status.base, 0);
        r = r ?: write_seed(dir, "status-reply", 0, MSG_STATUS_REPLY, &reply.base, 0);
        r = r ?: write_seed(dir, "bye", 0, MSG_BYE, &bye.base, 0);
        if (r < 0) {
                fprintf(stderr, "fuzz-msg-corpus-gen: %s: %s\n", dir, strerror(-r));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
