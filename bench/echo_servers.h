/* The two echo servers the C suite compares (suite.c's echo-server, raw and polysock):
 * the same loop written once on polysock's poller and handles, and once on plain epoll
 * and descriptors. */
#ifndef POLYSOCK_BENCH_ECHO_SERVERS_H
#define POLYSOCK_BENCH_ECHO_SERVERS_H

#include <polysock/polysock.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct echo_stats {
  uint64_t accepted; /* connections accepted */
  uint64_t echoes;   /* recv calls that returned data (each echoed at once) */
  uint64_t bytes;    /* bytes echoed */
  uint64_t errors;   /* unexpected failures (a partial send counts as one) */
} echo_stats;

/*
 * Each serves until a byte arrives on `stop` and every connection has closed.
 * The listener must be non-blocking. Returns 0, or -1 if the server could not
 * run at all.
 */
int polysock_echo_server(sock_handle listener, sock_handle stop, echo_stats *stats);
int epoll_echo_server(int listen_fd, int stop_fd, echo_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* POLYSOCK_BENCH_ECHO_SERVERS_H */
