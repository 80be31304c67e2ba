/* sohoa-scand-bench: the station's CPU per image, stage by stage, on a
 * realistic 300 dpi colour A4 page (2480 x 3508 RGB: lines of text-like
 * glyphs, a photo-like gradient, a little sensor noise; a line-art version
 * for G4). It runs the daemon's own encode.c, lib/sha256 and session/outbox
 * (spool with fsync, then the outbox thread sends to --endpoint), exactly
 * the path of one scanned image. bench/scand.py starts a broker and a
 * no-op worker around it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "clock.h"
#include "encode.h"
#include "outbox.h"
#include "sha256.h"

#define W 2480
#define H 3508

static uint64_t cpu_us(void)
{
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return (uint64_t) ru.ru_utime.tv_sec * 1000000 + (uint64_t) ru.ru_utime.tv_usec +
               (uint64_t) ru.ru_stime.tv_sec * 1000000 + (uint64_t) ru.ru_stime.tv_usec;
}

static uint64_t thread_cpu_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static uint32_t rnd(uint32_t *s)
{
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        return *s;
}

/* White paper, 2 cm margins, a photo in the upper right, text lines of
 * glyph-sized dark marks with word gaps; a little noise everywhere. */
static void render(Image *rgb, Image *bw)
{
        uint32_t seed = 12345;

        *rgb = (Image) {
                .width = W, .height = H, .channels = 3, .depth = 8, .stride = (size_t) W * 3, .dpi = 300
        };
        *bw = (Image) {
                .width = W, .height = H, .channels = 1, .depth = 1, .stride = (W + 7) / 8, .dpi = 300
        };
        rgb->data = malloc(rgb->stride * H);
        bw->data = calloc(1, bw->stride * H);
        if (!rgb->data || !bw->data)
                exit(1);
        for (uint32_t y = 0; y < H; y++) {
                uint8_t *row = rgb->data + (size_t) y * rgb->stride;
                bool text_row = y > 900 && y < 3300 && (y - 900) % 70 < 34;
                uint32_t glyph_seed = (y - 900) / 70 * 7919u + 1;

                for (uint32_t x = 0; x < W; x++) {
                        int v = 246 + (int) (rnd(&seed) % 8), r = v, g = v, b = v - 4;

                        if (x >= 1300 && x < 2240 && y >= 240 && y < 840) {
                                /* photo: smooth colour gradients with a soft disc */
                                int dx = (int) x - 1770, dy = (int) y - 540;
                                int d = dx * dx + dy * dy < 200 * 200 ? 60 : 0;

                                r = (int) ((x - 1300) * 200 / 940) + d;
                                g = (int) ((y - 240) * 180 / 600) + 30;
                                b = 200 - (int) ((x - 1300) * 120 / 940) + d / 2;
                        } else if (text_row && x > 240 && x < 2240) {
                                uint32_t cell = (x - 240) / 26, s = glyph_seed * 31u + cell * 2654435761u;

                                /* a word gap every few glyphs; strokes inside a glyph cell */
                                if (s % 7 != 0 &&
                                    ((x - 240) % 26 < 4 || (x + y + s) % 13 < 3 || (y - 900) % 70 < 4))
                                        r = g = b = 20 + (int) (rnd(&seed) % 30);
                        }
                        row[x * 3] = (uint8_t) (r < 0 ? 0 : r > 255 ? 255 : r);
                        row[x * 3 + 1] = (uint8_t) (g < 0 ? 0 : g > 255 ? 255 : g);
                        row[x * 3 + 2] = (uint8_t) (b < 0 ? 0 : b > 255 ? 255 : b);
                        if ((r + g + b) / 3 < 128)
                                bw->data[(size_t) y * bw->stride + x / 8] |= (uint8_t) (0x80 >> (x % 8));
                }
        }
}

int main(int argc, char **argv)
{
        const char *endpoint = argc > 1 ? argv[1] : NULL, *spool = argc > 2 ? argv[2] : NULL;
        unsigned pages = argc > 3 ? (unsigned) atoi(argv[3]) : 20;
        static const struct {
                const char *name;
                Encoding enc;
                bool lineart;
                unsigned sub;
        } cases[] = { { "JPEG q90 (colour, YCbCr 4:4:4)", ENCODING_JPEG, false, 1 },
                      { "JPEG q90 (colour, YCbCr 4:2:0)", ENCODING_JPEG, false, 2 },
                      { "ZSTD 1 (colour, lossless)", ENCODING_ZSTD, false, 1 },
                      { "G4 (line-art)", ENCODING_G4, true, 1 } };
        OutboxConfig cfg = { .spool_dir = spool,
                             .endpoint = endpoint,
                             .peer_id = "bench-station",
                             .role = SOHOA__ROLE__ROLE_STATION };
        Image rgb, bw;
        Outbox *o;
        int r;

        if (!endpoint || !spool) {
                fprintf(stderr, "usage: sohoa-scand-bench ENDPOINT SPOOL_DIR [PAGES]\n");
                return 2;
        }
        render(&rgb, &bw);
        r = outbox_new(&cfg, NULL, NULL, &o);
        if (r < 0)
                return fprintf(stderr, "outbox: %s\n", strerror(-r)), 1;
        printf("| encoding | pages | size per page | encode ms | sha256 ms | spool put, wall (fsync) ms | "
               "CPU ms per page, all "
               "threads (encode+hash+spool+send) |\n|---|---|---|---|---|---|---|\n");
        for (size_t c = 0; c < ELEMENTSOF(cases); c++) {
                uint64_t t_enc = 0, t_sha = 0, t_put = 0, bytes = 0, cpu0 = cpu_us(), t;

                for (unsigned i = 0; i < pages; i++) {
                        Sohoa__Page p = SOHOA__PAGE__INIT;
                        uint8_t *buf, sha[SHA256_LEN];
                        size_t len;
                        Uuid pu, bu;

                        t = thread_cpu_us();
                        r = encode_tiff(cases[c].lineart ? &bw : &rgb, cases[c].enc, 90, cases[c].sub, &buf,
                                        &len);
                        if (r < 0)
                                return fprintf(stderr, "encode: %s\n", strerror(-r)), 1;
                        t_enc += thread_cpu_us() - t;
                        t = thread_cpu_us();
                        sha256_buf(buf, len, sha);
                        t_sha += thread_cpu_us() - t;
                        if (uuid_v4(&pu) < 0 || uuid_v4(&bu) < 0)
                                return 1;
                        p.page_uuid = (ProtobufCBinaryData) { 16, pu.b };
                        p.batch_uuid = (ProtobufCBinaryData) { 16, bu.b };
                        p.sha256 = (ProtobufCBinaryData) { SHA256_LEN, sha };
                        p.image_bytes = len;
                        p.format = SOHOA__IMAGE_FORMAT__FORMAT_TIFF;
                        p.sequence = i + 1;
                        p.sheet = i + 1;
                        p.side = SOHOA__SIDE__SIDE_FRONT;
                        p.dpi = 300;
                        p.mode = cases[c].lineart ? "lineart" : "color";
                        p.captured_at_us = clock_real_us();
                        t = clock_mono_us();
                        r = outbox_put(o, &p, buf, len);
                        t_put += clock_mono_us() - t;
                        if (r < 0)
                                return fprintf(stderr, "outbox_put: %s\n", strerror(-r)), 1;
                        bytes += len;
                        free(buf);
                }
                /* Sending is the outbox thread's: wait until all are stored, so
                 * its CPU is in the process total. */
                if (outbox_wait_empty(o, 120000) < 0)
                        return fprintf(stderr, "pages not delivered in 120 s\n"), 1;
                printf("| %s | %u | %.2f MB | %.1f | %.1f | %.1f | %.1f |\n", cases[c].name, pages,
                       (double) bytes / pages / 1e6, t_enc / 1e3 / pages, t_sha / 1e3 / pages,
                       t_put / 1e3 / pages, (cpu_us() - cpu0) / 1e3 / pages);
                fflush(stdout);
        }
        outbox_free(o);
        free(rgb.data);
        free(bw.data);
        return 0;
}
