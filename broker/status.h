/* STATUS: the admin query on the station endpoint, answered without HELLO. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "broker.h"

/* A StatusReply and the memory behind it (status_build()). */
typedef struct StatusBuild {
        Sohoa__StatusReply reply;
        Sohoa__ClassStatus classes[_BROKER_CLASS_MAX];
        Sohoa__ClassStatus *class_ptrs[_BROKER_CLASS_MAX];
        Sohoa__Counters counters;
        Sohoa__PeerStatus *peers; /* array */
        Sohoa__PeerStatus **peer_ptrs;
        size_t n_peers, max_peers;
        size_t peers_bytes;
        uint64_t now;
} StatusBuild;

/* The picture STATUS, the metrics and the status page share: classes,
 * counters, and with list the peers (as many as fit in one body). */
void status_build(Broker *b, bool list, StatusBuild *s);
void status_build_done(StatusBuild *s);

/* Build a StatusReply (classes, counters, and the peers when asked, as
 * many as fit in one body) and send it to rid. Failures are logged at debug
 * level only: the admin tool times out and says so. */
void status_reply(Broker *b, const uint8_t *rid, size_t rid_len, const Sohoa__StatusRequest *req);
