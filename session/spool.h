/* The durable half of the outbox: one file per page in a spool directory,
 * written to tmp/, fsync'ed, renamed into place and the directory fsync'ed,
 * so a page is either wholly in the spool or not at all, whatever dies. A
 * spool file holds the encoded Page header and the image bytes. One process
 * at a time owns a spool (a lock in it). Nothing here logs: what a listing
 * found wrong is returned for the caller to act on and to say. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"
#include "uuid.h"

typedef struct Spool Spool;

typedef struct SpoolEntry {
        Uuid page_uuid;
        uint64_t order; /* enqueue order, survives restarts */
        uint64_t image_bytes;
        uint64_t file_bytes;
        int64_t spooled_at_us; /* realtime */
} SpoolEntry;

/* What a listing found that is not a page to send. */
typedef enum SpoolIssueType {
        SPOOL_ISSUE_DAMAGED,    /* a page file that reads whole and does not parse: see spool_corrupt() */
        SPOOL_ISSUE_UNREADABLE, /* a page file that could not be read (error): proves nothing, left in place
                                 */
        SPOOL_ISSUE_LISTING,    /* reading the directory failed (error): the listing is incomplete */
        _SPOOL_ISSUE_TYPE_MAX,
        _SPOOL_ISSUE_TYPE_INVALID = -EINVAL,
} SpoolIssueType;

typedef struct SpoolIssue {
        SpoolIssueType type;
        Uuid page_uuid;  /* DAMAGED, UNREADABLE */
        int error;       /* UNREADABLE, LISTING: negative errno */
        const char *why; /* DAMAGED: what does not parse (static text) */
} SpoolIssue;

typedef struct SpoolListing {
        SpoolEntry *entries; /* oldest order first */
        size_t n_entries;
        SpoolIssue *issues;
        size_t n_issues;
} SpoolListing;

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

/* Every page in the spool, oldest order first, and the issues met: page
 * files that do not parse (left where they are: the caller decides,
 * usually spool_corrupt(), and says so), page files that could not be read
 * and directory read errors. Nothing is moved. Fills *ret (free it with
 * spool_listing_done()); 0 or negative errno (no memory). */
MUST_CHECK int spool_list(Spool *s, SpoolListing *ret);
void spool_listing_done(SpoolListing *l);

/* Read one page: *ret_header and *ret_image are malloc'ed (caller frees).
 * -ENOENT if it is gone, -EBADMSG if the file is damaged (it reads whole
 * and does not parse), another negative errno when it could not be read
 * (an I/O error proves nothing about the page). */
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
