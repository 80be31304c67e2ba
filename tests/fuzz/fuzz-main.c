/* Runs LLVMFuzzerTestOneInput without libFuzzer, with any compiler: over
 * every file of a corpus directory, then over inputs mutated from that
 * corpus by a fixed-seed generator, so every test run replays the same
 * inputs. Usage: fuzz-msg-regress CORPUS_DIR [ITERATIONS] */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-msg.h"

#define CORPUS_MAX 256
#define INPUT_MAX 8192
#define ITERATIONS_DEFAULT 20000
#define BODY_START 12 /* count + header frame + command frame */

typedef struct Input {
        uint8_t *data;
        size_t len;
} Input;

static uint64_t rng_state = 0x5eed5eed5eed5eedULL;

/* xorshift64*: enough to spread mutations, and reproducible. */
static uint64_t rng(void)
{
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 0x2545F4914F6CDD1DULL;
}

static int read_file(const char *path, Input *ret)
{
        uint8_t *buf;
        size_t len;
        FILE *f;

        f = fopen(path, "rb");
        if (!f)
                return -errno;
        buf = malloc(INPUT_MAX);
        if (!buf) {
                fclose(f);
                return -ENOMEM;
        }
        len = fread(buf, 1, INPUT_MAX, f);
        fclose(f);
        *ret = (Input) { buf, len };
        return 0;
}

static size_t corpus_load(const char *dir, Input *corpus)
{
        struct dirent *de;
        size_t n = 0;
        DIR *d;

        d = opendir(dir);
        if (!d) {
                fprintf(stderr, "fuzz-msg-regress: %s: %s\n", dir, strerror(errno));
                exit(EXIT_FAILURE);
        }
        while ((de = readdir(d)) && n < CORPUS_MAX) {
                char path[4096];

                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                if (read_file(path, &corpus[n]) == 0)
                        n++;
        }
        closedir(d);
        return n;
}

/* Where the last frame's length field is, walking frames as the fuzz
 * target does (len when there is none). */
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

/* One to eight edits of the kinds that break framing and protobuf alike. */
static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
        static const uint8_t interesting[] = { 0,  1,  2,  3,  4,  5,  6,    7,    8,
                                               15, 16, 17, 31, 32, 33, 0x7f, 0x80, 0xff };
        size_t edits = 1 + rng() % 8;

        for (size_t e = 0; e < edits; e++) {
                size_t at = len > 0 ? rng() % len : 0;

                /* Half the edits past the header and command frames, or
                 * nearly everything would stop at the signature check. */
                if (len > BODY_START && rng() % 2)
                        at = BODY_START + rng() % (len - BODY_START);
                switch (rng() % 8) {
                case 0: /* flip a bit */
                        if (len > 0)
                                buf[at] ^= (uint8_t) (1u << (rng() % 8));
                        break;
                case 1: /* an interesting byte: lengths, counts, varint edges */
                        if (len > 0)
                                buf[at] = interesting[rng() % sizeof(interesting)];
                        break;
                case 2: /* insert a byte */
                        if (len < cap) {
                                memmove(buf + at + 1, buf + at, len - at);
                                buf[at] = (uint8_t) rng();
                                len++;
                        }
                        break;
                case 3: /* delete a byte */
                        if (len > 0) {
                                memmove(buf + at, buf + at + 1, len - at - 1);
                                len--;
                        }
                        break;
                case 4: /* cut short */
                        len = at;
                        break;
                case 5: /* duplicate a chunk */
                        if (len > 0) {
                                size_t n = 1 + rng() % 32, dst = rng() % len;

                                if (at + n > len)
                                        n = len - at;
                                if (dst + n > cap)
                                        n = cap - dst;
                                memmove(buf + dst, buf + at, n);
                                if (dst + n > len)
                                        len = dst + n;
                        }
                        break;
                case 6: { /* grow the last frame past the image bound */
                        size_t last = last_length_at(buf, len);

                        while (len < cap && len < FUZZ_MSG_MAX_IMAGE + 1024)
                                buf[len++] = (uint8_t) rng();
                        if (last + 2 <= len) {
                                buf[last] = 0xff;
                                buf[last + 1] = 0xff;
                        }
                        break;
                }
                default: /* another frame count */
                        if (len > 0)
                                buf[0] = (uint8_t) rng();
                        break;
                }
        }
        return len;
}

int main(int argc, char *argv[])
{
        static Input corpus[CORPUS_MAX];
        static uint8_t buf[INPUT_MAX];
        unsigned long iterations = ITERATIONS_DEFAULT;
        size_t n;

        if (argc < 2) {
                fprintf(stderr, "usage: %s CORPUS_DIR [ITERATIONS]\n", argv[0]);
                return EXIT_FAILURE;
        }
        if (argc > 2)
                iterations = strtoul(argv[2], NULL, 10);

        n = corpus_load(argv[1], corpus);
        /* An empty or misplaced corpus would make this test pass for nothing. */
        if (n == 0) {
                fprintf(stderr, "fuzz-msg-regress: no input in %s\n", argv[1]);
                return EXIT_FAILURE;
        }
        for (size_t i = 0; i < n; i++)
                LLVMFuzzerTestOneInput(corpus[i].data, corpus[i].len);

        for (unsigned long i = 0; i < iterations; i++) {
                const Input *in = &corpus[rng() % n];
                size_t len;

                memcpy(buf, in->data, in->len);
                len = mutate(buf, in->len, sizeof(buf));
                LLVMFuzzerTestOneInput(buf, len);
        }

        printf("fuzz-msg-regress: %zu corpus files, %lu mutated inputs, no crash\n", n, iterations);
        for (size_t i = 0; i < n; i++)
                free(corpus[i].data);
        return EXIT_SUCCESS;
}
