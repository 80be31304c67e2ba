/* The broker's ZAP handler answering real ZAP requests (a REQ socket on
 * its inproc endpoint, as libzmq asks) from authorized keys files: a key
 * of its role is let in; a key that appears only in the tail of a long
 * comment, a name too long for the table and a NUL byte are not read as
 * keys. A key listed twice in one role keeps its first line; in two roles
 * the file is refused (at start, and on a reload, which keeps the old
 * keys), never read as the later line's role. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "check.h"
#include "log.h"
#include "zap.h"

#define KEY_A "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
#define KEY_B "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"

static char dir[] = "/tmp/test-zap-XXXXXX";

static void write_keys(const char *path, const char *text, size_t len)
{
        FILE *f = fopen(path, "w");

        CHECK(f);
        CHECK_INT(fwrite(text, 1, len, f), len);
        CHECK_INT(fclose(f), 0);
}

/* The status code ZAP answers for key in domain. */
static int ask(void *zctx, Zap *z, const char *domain, const char *key_z85)
{
        void *req = zmq_socket(zctx, ZMQ_REQ);
        uint8_t key[32];
        char code[4] = "";
        int more = 1, zero = 0, part = 0;

        CHECK(req);
        CHECK(zmq_z85_decode(key, key_z85));
        CHECK_INT(zmq_setsockopt(req, ZMQ_LINGER, &zero, sizeof(zero)), 0);
        CHECK_INT(zmq_connect(req, "inproc://zeromq.zap.01"), 0);
        zmq_send(req, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(req, "7", 1, ZMQ_SNDMORE);
        zmq_send(req, domain, strlen(domain), ZMQ_SNDMORE);
        zmq_send(req, "127.0.0.1", 9, ZMQ_SNDMORE);
        zmq_send(req, "", 0, ZMQ_SNDMORE);
        zmq_send(req, "CURVE", 5, ZMQ_SNDMORE);
        zmq_send(req, key, sizeof(key), 0);
        zmq_pollitem_t item = { zap_socket(z), 0, ZMQ_POLLIN, 0 };
        CHECK_INT(zmq_poll(&item, 1, -1), 1);
        zap_handle(z);
        while (more) {
                zmq_msg_t m;
                size_t more_len = sizeof(more);

                zmq_msg_init(&m);
                CHECK(zmq_msg_recv(&m, req, 0) >= 0);
                if (part++ == 2)
                        memcpy(code, zmq_msg_data(&m), zmq_msg_size(&m) < 3 ? zmq_msg_size(&m) : 3);
                zmq_getsockopt(req, ZMQ_RCVMORE, &more, &more_len);
                zmq_msg_close(&m);
        }
        zmq_close(req);
        return atoi(code);
}

/* A comment whose characters past the 511th read "worker ... KEY_B": read
 * in pieces of 512 bytes (fgets), that tail was a line and a key. */
static void test_long_comment(void *zctx, const char *path)
{
        char text[1024];
        const char *tail = "worker w-from-a-comment " KEY_B "\n";
        size_t n, comment;
        Zap *z = NULL;

        comment = (size_t) snprintf(text, sizeof(text), "station desk1 %s\n", KEY_A);
        n = comment;
        text[n++] = '#';
        while (n < comment + 511)
                text[n++] = 'x';
        n += (size_t) snprintf(text + n, sizeof(text) - n, "%s", tail);
        write_keys(path, text, n);
        CHECK_INT(zap_new(zctx, path, &z), 0);
        CHECK_INT(ask(zctx, z, ZAP_DOMAIN_STATIONS, KEY_A), 200);
        CHECK_INT(ask(zctx, z, ZAP_DOMAIN_WORKERS, KEY_B), 400);
        zap_free(z);
}

/* A name of 63 characters and the key in one word: not a key. */
static void test_name_into_key(void *zctx, const char *path)
{
        const char *text = "station desk1-with-a-name-far-too-long-for-the-table-of-keys-abcdefghij" KEY_A
                           "\n";
        Zap *z = NULL;

        write_keys(path, text, strlen(text));
        CHECK_INT(zap_new(zctx, path, &z), -EINVAL);
        CHECK(!z);
}

static void test_nul(void *zctx, const char *path)
{
        const char text[] = "station desk1 " KEY_A "\0 worker w1 " KEY_B "\n";
        Zap *z = NULL;

        write_keys(path, text, sizeof(text) - 1);
        CHECK_INT(zap_new(zctx, path, &z), -EINVAL);
}

/* Before, the later line silently took the key's role: a station's key
 * listed again as a worker was let onto the worker endpoint. */
static void test_listed_again(void *zctx, const char *path)
{
        const char *same = "station desk1 " KEY_A "\nimporter back-office " KEY_B
                           "\nstation desk1-again " KEY_A "\n";
        const char *other = "station desk1 " KEY_A "\nworker w1 " KEY_A "\n";
        Zap *z = NULL;

        write_keys(path, same, strlen(same));
        CHECK_INT(zap_new(zctx, path, &z), 0);
        CHECK_INT(ask(zctx, z, ZAP_DOMAIN_STATIONS, KEY_A), 200);
        CHECK_INT(ask(zctx, z, ZAP_DOMAIN_STATIONS, KEY_B), 200);

        /* A reload that finds two roles keeps the keys it had. */
        write_keys(path, other, strlen(other));
        CHECK_INT(zap_reload(z), -EEXIST);
        CHECK_INT(ask(zctx, z, ZAP_DOMAIN_STATIONS, KEY_A), 200);
        CHECK_INT(ask(zctx, z, ZAP_DOMAIN_WORKERS, KEY_A), 400);
        CHECK_INT(ask(zctx, z, ZAP_DOMAIN_STATIONS, KEY_B), 200);
        zap_free(z);

        z = NULL;
        CHECK_INT(zap_new(zctx, path, &z), -EEXIST);
        CHECK(!z);
}

int main(void)
{
        void *zctx = zmq_ctx_new();
        char path[64];

        CHECK(zctx);
        CHECK(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/authorized_keys", dir);
        log_set_max_level(LOG_ERR);
        test_long_comment(zctx, path);
        test_name_into_key(zctx, path);
        test_nul(zctx, path);
        test_listed_again(zctx, path);
        unlink(path);
        rmdir(dir);
        zmq_ctx_term(zctx);
        return 0;
}
