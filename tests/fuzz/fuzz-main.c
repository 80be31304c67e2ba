/* Runs LLVMFuzzerTestOneInput without libFuzzer, with any compiler: over
 * every file of a corpus directory, then over inputs mutated from that
 * corpus by a fixed-seed generator, so every test run replays the same
 * inputs. Linked with one target (fuzz-*.c), whose fuzz_target says what
 * its input looks like. Usage: fuzz-NAME-regress CORPUS_DIR [ITERATIONS] */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define CORPUS_MAX 512
#define INPUT_MAX (1u << 20) /* a corpus file is read up to this size */
#define ROOM 8192            /* bytes an edit may add to the largest input */
#define ITERATIONS_DEFAULT 20000

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

static int visible(const struct dirent *e)
{
        return e->d_name[0] != '.';
}

/* In name order, so that the mutated inputs are the same on every file
 * system. */
static size_t corpus_load(const char *dir, Input *corpus)
{
        struct dirent **names;
        size_t n = 0;
        int k;

        k = scandir(dir, &names, visible, alphasort);
        if (k < 0) {
                fprintf(stderr, "%s-regress: %s: %s\n", fuzz_target.name, dir, strerror(errno));
                exit(EXIT_FAILURE);
        }
        for (int i = 0; i < k; i++) {
                char path[4096];

                snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
                if (n < CORPUS_MAX && read_file(path, &corpus[n]) == 0)
                        n++;
                free(names[i]);
        }
        free(names);
        return n;
}

/* One to eight edits of the kinds that break framing, lengths and syntax
 * alike; other is another corpus input, for splicing. */
static size_t mutate(uint8_t *buf, size_t len, size_t cap, const Input *other)
{
        static const uint8_t interesting[] = { 0,  1,  2,  3,  4,  5,  6,    7,    8,
                                               15, 16, 17, 31, 32, 33, 0x7f, 0x80, 0xff };
        const char *specials = fuzz_target.specials;
        size_t edits = 1 + rng() % 8, header = fuzz_target.header;

        for (size_t e = 0; e < edits; e++) {
                size_t at = len > 0 ? rng() % len : 0;

                /* Half the edits past the header, or nearly everything
                 * would stop at the signature check. */
                if (len > header && rng() % 2)
                        at = header + rng() % (len - header);
                switch (rng() % 8) {
                case 0: /* flip a bit */
                        if (len > 0)
                                buf[at] ^= (uint8_t) (1u << (rng() % 8));
                        break;
                case 1: /* an interesting byte: lengths, counts, varint edges */
                        if (len > 0)
                                buf[at] = interesting[rng() % sizeof(interesting)];
                        break;
                case 2: /* insert a byte, of the format's syntax when it has one */
                        if (len < cap) {
                                memmove(buf + at + 1, buf + at, len - at);
                                buf[at] = specials ? (uint8_t) specials[rng() % strlen(specials)]
                                                   : (uint8_t) rng();
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
                case 6: /* a chunk of another input in place of ours */
                        if (other->len > 0) {
                                size_t from = rng() % other->len, n = 1 + rng() % 64;

                                if (from + n > other->len)
                                        n = other->len - from;
                                if (at + n > cap)
                                        n = cap - at;
                                memcpy(buf + at, other->data + from, n);
                                if (at + n > len)
                                        len = at + n;
                        }
                        break;
                default: /* overwrite with a byte of the format's syntax */
                        if (len > 0)
                                buf[at] = specials ? (uint8_t) specials[rng() % strlen(specials)]
                                                   : (uint8_t) rng();
                        break;
                }
        }
        if (fuzz_target.mutate)
                len = fuzz_target.mutate(buf, len, cap, rng());
        return len;
}

int main(int argc, char *argv[])
{
        static Input corpus[CORPUS_MAX];
        unsigned long iterations = ITERATIONS_DEFAULT;
        size_t n, cap = 0;
        uint8_t *buf;

        if (argc < 2) {
                fprintf(stderr, "usage: %s CORPUS_DIR [ITERATIONS]\n", argv[0]);
                return EXIT_FAILURE;
        }
        if (argc > 2)
                iterations = strtoul(argv[2], NULL, 10);

        n = corpus_load(argv[1], corpus);
        /* An empty or misplaced corpus would make this test pass for nothing. */
        if (n == 0) {
                fprintf(stderr, "%s-regress: no input in %s\n", fuzz_target.name, argv[1]);
                return EXIT_FAILURE;
        }
        for (size_t i = 0; i < n; i++) {
                LLVMFuzzerTestOneInput(corpus[i].data, corpus[i].len);
                if (corpus[i].len > cap)
                        cap = corpus[i].len;
        }

        cap += ROOM;
        buf = malloc(cap);
        if (!buf)
                return EXIT_FAILURE;
        for (unsigned long i = 0; i < iterations; i++) {
                const Input *in = &corpus[rng() % n], *other = &corpus[rng() % n];
                size_t len;

                uint8_t *exact;

                memcpy(buf, in->data, in->len);
                len = mutate(buf, in->len, cap, other);
                /* An allocation of the input's exact size, as libFuzzer
                 * gives, so that AddressSanitizer sees a read past its end. */
                exact = malloc(len > 0 ? len : 1);
                if (!exact)
                        return EXIT_FAILURE;
                memcpy(exact, buf, len);
                LLVMFuzzerTestOneInput(exact, len);
                free(exact);
        }

        printf("%s-regress: %zu corpus files, %lu mutated inputs, no crash\n", fuzz_target.name, n,
               iterations);
        free(buf);
        for (size_t i = 0; i < n; i++)
                free(corpus[i].data);
        return EXIT_SUCCESS;
}
