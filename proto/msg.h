/* The wire format's one owner: framing and (de)coding of every sohoa
 * message. A message is ZeroMQ multipart: [signature+version] [command]
 * [protobuf body] and, for PAGE and JOB only, [image]. ROUTER sockets see a
 * routing-id frame before these. Nothing here logs; errors are negative errno.
 * See proto/PROTOCOL.md. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "sohoa.pb-c.h"

#define MSG_SIGNATURE "SOHA"
#define MSG_SIGNATURE_LEN 4
#define MSG_VERSION_MAJOR 1
#define MSG_VERSION_MINOR 3
#define MSG_HEADER_LEN 6   /* "SOHA" + major + minor */
#define MSG_BODY_MAX 65536 /* no body is ever larger */
#define MSG_PARTS_MAX 5    /* routing id + 4 */
#define MSG_ROUTING_ID_MAX 255
#define MSG_PEER_ID_MAX 64 /* HELLO peer_id, in bytes */
/* The ZAP metadata property (RFC 27) in which the broker's ZAP handler
 * names the role of the CURVE key that authenticated a connection; libzmq
 * attaches it to every message received on that connection. */
#define MSG_KEY_ROLE_PROPERTY "X-Sohoa-Role"
#define MSG_KEY_ROLE_MAX 16

typedef enum MsgType {
        MSG_HELLO = 1,
        MSG_WELCOME = 2,
        MSG_HEARTBEAT = 3,
        MSG_PAGE = 4,
        MSG_ACK = 5,
        MSG_READY = 6,
        MSG_JOB = 7,
        MSG_RESULT = 8,
        MSG_STATUS = 9,
        MSG_STATUS_REPLY = 10,
        MSG_BYE = 11,
        _MSG_TYPE_MAX,
        _MSG_TYPE_INVALID = -EINVAL,
} MsgType;

/* A raw frame as seen on the wire, for msg_decode() (fuzzing, tests). */
typedef struct MsgFrame {
        const void *data;
        size_t len;
} MsgFrame;

/* A decoded message. body is the protobuf message matching type (Hello for
 * MSG_HELLO, ...): cast with the macros below. image is set for PAGE and JOB
 * and points into a zmq_msg_t owned by the Msg (zero-copy). */
typedef struct Msg {
        MsgType type;
        uint8_t peer_minor;     /* sender's minor version */
        ProtobufCMessage *body; /* owned, freed by msg_done() */
        zmq_msg_t image;        /* valid when has_image */
        bool has_image;
        uint8_t routing_id[MSG_ROUTING_ID_MAX];
        size_t routing_id_len; /* 0 unless received on a ROUTER */
        /* MSG_KEY_ROLE_PROPERTY of the connection it came on ("station",
         * ...); "" when it has none (no CURVE, or msg_decode()). */
        char key_role[MSG_KEY_ROLE_MAX];
} Msg;

#define MSG_HELLO_BODY(m) ((Sohoa__Hello *) (m)->body)
#define MSG_WELCOME_BODY(m) ((Sohoa__Welcome *) (m)->body)
#define MSG_HEARTBEAT_BODY(m) ((Sohoa__Heartbeat *) (m)->body)
#define MSG_PAGE_BODY(m) ((Sohoa__Page *) (m)->body)
#define MSG_ACK_BODY(m) ((Sohoa__Ack *) (m)->body)
#define MSG_READY_BODY(m) ((Sohoa__Ready *) (m)->body)
#define MSG_JOB_BODY(m) ((Sohoa__Job *) (m)->body)
#define MSG_RESULT_BODY(m) ((Sohoa__Result *) (m)->body)
#define MSG_STATUS_BODY(m) ((Sohoa__StatusRequest *) (m)->body)
#define MSG_STATUS_REPLY_BODY(m) ((Sohoa__StatusReply *) (m)->body)
#define MSG_BYE_BODY(m) ((Sohoa__Bye *) (m)->body)

/* Name of a command ("HELLO"), or "UNKNOWN". Static string. */
const char *msg_type_to_string(MsgType t);

/* The protocol's enums by the names logs, status output and the database
 * use: "interactive", "bulk"; "unknown", "front", "back"; "station",
 * "importer", "worker", "admin". NULL for a number the enum does not have
 * (protobuf-c keeps unknown numbers) and for CLASS_INVALID and ROLE_INVALID.
 * Static strings. */
const char *msg_page_class_to_string(Sohoa__PageClass c);
const char *msg_side_to_string(Sohoa__Side s);
const char *msg_role_to_string(Sohoa__Role r);

/* Decode frames (without routing id) into *ret. max_image bounds the image
 * frame. Returns 0, or:
 *   -EPROTO      the "SOHA" signature with another major version
 *   -EOPNOTSUPP  unknown command (same major, maybe newer minor)
 *   -EMSGSIZE    body over MSG_BODY_MAX or image over max_image
 *   -EBADMSG     no header or a wrong signature or header length, wrong
 *                frame count, body that does not parse, or a body that
 *                breaks an invariant (uuid not 16 bytes, sha256 not 32,
 *                image_bytes != image length, missing required field)
 * On success the caller owns ret->body (msg_done()). The image is copied
 * into ret->image here (this entry point is for tests and fuzzing). */
int msg_decode(const MsgFrame *frames, size_t n_frames, size_t max_image, Msg *ret);

/* Receive one whole multipart message from socket (flags: 0 or
 * ZMQ_DONTWAIT). router: the socket is a ROUTER and the first frame is the
 * routing id. Always consumes every part of the message, even when it is
 * rejected, so one bad message never desynchronises the stream. The image
 * frame is kept zero-copy; ret->key_role comes from the connection's
 * metadata. Returns 0, -EAGAIN when nothing is waiting, the msg_decode()
 * errors (ret->routing_id and ret->key_role are still filled so the caller
 * can count the offending peer), or another negative errno from libzmq. */
int msg_recv(void *socket, bool router, size_t max_image, int flags, Msg *ret);

/* Send one message. routing_id may be NULL (DEALER). body must match type.
 * image: for PAGE and JOB, the image frame; msg_send() takes it over
 * (zero-copy: zmq_msg_send moves its content) and leaves *image empty, sent
 * or not. Pass ZMQ_DONTWAIT in flags on ROUTER sockets. Returns 0, -EAGAIN
 * (peer full: nothing was sent), -EHOSTUNREACH (ROUTER_MANDATORY: no such
 * peer), -EMSGSIZE (body too large), or another negative errno. A message is
 * sent whole or not at all. */
int msg_send(void *socket, const uint8_t *routing_id, size_t routing_id_len, MsgType type,
             const ProtobufCMessage *body, zmq_msg_t *image, int flags);

/* Free what a received Msg owns; safe on a zeroed or already-done Msg. */
void msg_done(Msg *m);

/* The epoch carried by a broker message (WELCOME, HEARTBEAT, ACK, JOB,
 * STATUS_REPLY, BYE), or 0 when the type carries none. */
uint64_t msg_epoch(const Msg *m);

/* Validate a Page body's invariants (16-byte uuids, 32-byte sha256,
 * image_bytes == image_len, no image on a batch_close record, valid class
 * and side). 0 or -EBADMSG. Used by
 * msg_decode for PAGE and JOB; exported for senders' own checks. */
int msg_page_check(const Sohoa__Page *p, size_t image_len);
