/* The durable half of the outbox: one file per page in a spool directory,
 * written to tmp/, fsync'ed, renamed into place and the directory fsync'ed,
 * so a page is either wholly in the spool or not at all, whatever dies. A
 * spool file holds the encoded Page header and the image bytes. One process
 * at a time owns a spool (a lock in it). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"
#include "uuid.h"

typedef struct Spool Spool;

typedef struct SpoolEntry {
        Uuid page_uuid;
        uint64_t order;        /* enqueue order, survives restarts */
        uint64_t image_bytes;
        uint64_t file_bytes;
        int64_t spooled_at_us; /* realtime */
} SpoolEntry;

/* Open (creating) the spool at dir and lock it for this process: -EBUSY
 * when another process holds it (spool_holder() names it). Then dir/tmp/
 * is emptied (half-written files of a crash; never before the lock is
 * held: they may be another live process's). dir/rejected/ holds pages
 * the store refused, dir/corrupt/ damaged ones. 0 or negative errno. */
MUST_CHECK int spool_open(const char *dir, Spool **ret);
/* Closes the spool, which releases its lock. NULL ok. */
Spool *spool_free(Spool *s);
/* The pid that holds the spool at dir, as it wrote it when it took the
 * lock: 0, or -ENOENT/-EBADMSG when it is not (yet) known. */
MUST_CHECK int spool_holder(const char *dir, pid_t *ret_pid);

/* Write one page durably. header/header_len: the packed Page protobuf;
 * image/image_len: the image. Fills *ret_entry (may be NULL). -ENOSPC when
 * the disk is full (nothing half-written remains), -EEXIST when the page
 * UUID is already spooled, other negative errno. */
MUST_CHECK int spool_put(Spool *s, const Uuid *page_uuid, const void *header, size_t header_len,
                         const void *image, size_t image_len, SpoolEntry *ret_entry);

/* Every page in the spool, oldest order first. *ret is malloc'ed (caller
 * frees), *ret_n its length. Files that do not parse are moved to
 * dir/corrupt/ and left out. */
MUST_CHECK int spool_list(Spool *s, SpoolEntry **ret, size_t *ret_n);

/* Read one page: *ret_header and *ret_image are malloc'ed (caller frees).
 * -ENOENT if it is gone, -EBADMSG if the file is damaged. */
MUST_CHECK int spool_read(Spool *s, const Uuid *page_uuid, void **ret_header, size_t *ret_header_len,
                          void **ret_image, size_t *ret_image_len);

/* Delete a page the store has confirmed (fsyncs the directory). -ENOENT if
 * already gone. */
MUST_CHECK int spool_remove(Spool *s, const Uuid *page_uuid);
/* Move a page the store rejected to dir/rejected/, kept for administrators. */
MUST_CHECK int spool_reject(Spool *s, const Uuid *page_uuid);
/* Move a page whose spooled copy is damaged (fails its own SHA-256) to
 * dir/corrupt/: sending it again could never succeed. */
MUST_CHECK int spool_corrupt(Spool *s, const Uuid *page_uuid);

const char *spool_dir(const Spool *s);
