/* What a fuzz target gives besides LLVMFuzzerTestOneInput: a few words on
 * its input for the regression driver (fuzz-main.c), which replays a
 * target's corpus and a fixed-seed stream of mutations of it when the
 * target is built without libFuzzer. */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct FuzzTarget {
        const char *name;
        /* Leading bytes that half of the edits spare: a signature that
         * would turn nearly every edited input away. */
        size_t header;
        /* Bytes worth inserting (a text format's syntax), or NULL. */
        const char *specials;
        /* The target's own kind of edit, or NULL: run after the driver's
         * edits of each input, on buf[0..len) (cap bytes of room), with a
         * random number; returns the new length. An edit of its own, or a
         * repair (a checksum) that keeps the edited input readable. */
        size_t (*mutate)(uint8_t *buf, size_t len, size_t cap, uint64_t random);
} FuzzTarget;

extern const FuzzTarget fuzz_target;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
