/* A tiny HTTP/1.1 receiver on a loopback port, on a thread: it records each request (body and
 * the headers packid's deliveries carry) and answers 500 to the first fail_first requests, 200
 * after; it can hold one request unanswered (to kill packid between send and mark-sent). */
#ifndef PX_RECEIVER_H
#define PX_RECEIVER_H

#include <pthread.h>
#include <stddef.h>

#include "px_test.h"

#define PX_RECEIVER_MAX_REQ 32

typedef struct {
    char *body;
    size_t len;
    char auth[256];
    char signature[128];
    char doc_id[64];
    char content_type[128];
} px_received;

typedef struct {
    int fd;
    int port;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    int fail_first;   /* answer 500 to this many requests, then 200 */
    int hang_at;      /* 1-based request to hold without answering (0: none) */
    int hung;         /* the held request has arrived */
    int release_hang; /* the test lets it go (closed without an answer) */
    int release_answers; /* with release_hang: let it go with a 200 instead */
    int generation;      /* moved on by px_receiver_reset: a request held before is let go */
    int n;            /* requests seen */
    px_received req[PX_RECEIVER_MAX_REQ];
} px_receiver;

void px_receiver_start(px_receiver *rv);
/* Forgets what was received; the next requests fail fail_first times; hang_at: the 1-based
 * request to hold (0: none). */
void px_receiver_reset(px_receiver *rv, int fail_first, int hang_at);
/* A receiver that accepts connections and never answers: the kernel completes the handshake
 * (the backlog), nobody reads (a silent receiver: its sender's timeout). Its port into *port;
 * close the returned fd to end it. */
int px_receiver_black_hole(int *port);
void px_receiver_stop(px_receiver *rv);
/* Lets the server started next reach the loopback ports port and port2 (0: none), where a
 * test's receivers listen: the outbound guard refuses loopback unless PACKID_OUTBOUND_ALLOW
 * names it. */
void px_receiver_allow(px_test_env *env, int port, int port2);
int px_receiver_count(px_receiver *rv);
/* A fixture whose first members are its px_test_env and then its px_receiver (C11 6.7.2.1):
 * px_test_fixture_new's, with the receiver listening. px_receiver_fixture_teardown ends it. */
void *px_receiver_fixture_new(size_t size);
/* A cmocka group teardown for a calloc'd fixture whose first members are its px_test_env and
 * then its px_receiver (C11 6.7.2.1): px_test_teardown (a server that exits non-zero fails the
 * test), the receiver stopped, the fixture freed. */
int px_receiver_fixture_teardown(void **state);
/* Report id (read as key) ends failed without an attempt, its last_error containing each of
 * needles (NULL-terminated); and 300 ms later rv has still received nothing. */
void px_receiver_expect_unsent(px_test_env *env, px_receiver *rv, const char *key, const char *id,
                               const char *const *needles);

#endif
