/* A fixed number of calls on one hot path, raw or through polysock, for callgrind:
 * the instructions per call are the difference between two runs with different
 * counts, so start-up costs cancel out exactly (bench/callgrind_guard.sh).
 *   hot_calls PATH raw|polysock COUNT
 * PATH is one of
 *   eagain   a non-blocking recv on an empty socket (fails with EAGAIN)
 *   recv     a recv of one byte that is there (the peer's raw send of it is counted
 *            on both sides, so the difference is polysock's recv alone)
 *   send     a send of one byte (the peer's raw recv of it counted on both sides)
 *   blocking-recv     recv and sendall in blocking mode, the calls that may wait in the
 *   blocking-sendall  kernel (as recv and send, with the byte there or the room for it)
 *   poll     a poller wait with one ready socket (raw: epoll_wait) */
#include <polysock/polysock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

static int usage(void) {
  fprintf(stderr,
          "usage: hot_calls eagain|recv|send|blocking-recv|blocking-sendall|poll "
          "raw|polysock COUNT\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc != 4) return usage();
  const char *path = argv[1];
  const int raw = strcmp(argv[2], "raw") == 0;
  if (!raw && strcmp(argv[2], "polysock") != 0) return usage();
  const long count = atol(argv[3]);
  sock_handle a = 0, b = 0;
  int fa = -1, fb = -1;
  if (net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, &a, &b) != SOCK_OK ||
      sock_setblocking(a, 0) != SOCK_OK || sock_fileno(a, &fa) != SOCK_OK ||
      sock_fileno(b, &fb) != SOCK_OK) {
    fprintf(stderr, "hot_calls: %s\n", sock_last_error_message());
    return 1;
  }
  char buf[64] = {0};
  size_t got = 0;
  long ok = 0;
  if (strcmp(path, "eagain") == 0) {
    if (raw) {
      for (long i = 0; i < count; i++) ok += recv(fa, buf, sizeof buf, MSG_DONTWAIT) < 0;
    } else {
      for (long i = 0; i < count; i++) ok += sock_recv(a, buf, sizeof buf, 0, &got) != SOCK_OK;
    }
  } else if (strcmp(path, "recv") == 0) {
    for (long i = 0; i < count; i++) {
      send(fb, "x", 1, MSG_NOSIGNAL);
      if (raw) {
        ok += recv(fa, buf, sizeof buf, MSG_DONTWAIT) == 1;
      } else {
        ok += sock_recv(a, buf, sizeof buf, 0, &got) == SOCK_OK && got == 1;
      }
    }
  } else if (strcmp(path, "send") == 0) {
    for (long i = 0; i < count; i++) {
      if (raw) {
        ok += send(fa, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1;
      } else {
        ok += sock_send(a, "x", 1, 0, &got) == SOCK_OK && got == 1;
      }
      recv(fb, buf, sizeof buf, 0);
    }
  } else if (strcmp(path, "blocking-recv") == 0) { /* b is in blocking mode */
    for (long i = 0; i < count; i++) {
      send(fa, "x", 1, MSG_NOSIGNAL);
      if (raw) {
        ok += recv(fb, buf, sizeof buf, 0) == 1;
      } else {
        ok += sock_recv(b, buf, sizeof buf, 0, &got) == SOCK_OK && got == 1;
      }
    }
  } else if (strcmp(path, "blocking-sendall") == 0) {
    for (long i = 0; i < count; i++) {
      if (raw) {
        ok += send(fb, "x", 1, MSG_NOSIGNAL) == 1;
      } else {
        ok += sock_sendall(b, "x", 1, 0, &got) == SOCK_OK && got == 1;
      }
      recv(fa, buf, sizeof buf, MSG_DONTWAIT);
    }
  } else if (strcmp(path, "poll") == 0) {
    send(fb, "x", 1, MSG_NOSIGNAL);  // stays unread: a is ready on every wait
    if (raw) {
      const int ep = epoll_create1(EPOLL_CLOEXEC);
      struct epoll_event ev = {.events = EPOLLIN, .data = {.u64 = 1}}, out[8];
      epoll_ctl(ep, EPOLL_CTL_ADD, fa, &ev);
      for (long i = 0; i < count; i++) ok += epoll_wait(ep, out, 8, 0) == 1;
    } else {
      sock_poller p = 0;
      sock_event ev[8];
      size_t n = 0;
      if (sock_poller_create(&p) != SOCK_OK || sock_poller_register(p, a, SOCK_EVENT_READ, 1)) {
        fprintf(stderr, "hot_calls: %s\n", sock_last_error_message());
        return 1;
      }
      for (long i = 0; i < count; i++)
        ok += sock_poller_wait(p, 0.0, ev, 8, &n) == SOCK_OK && n == 1;
      sock_poller_close(p);
    }
  } else {
    return usage();
  }
  sock_close(a);
  sock_close(b);
  if (ok != count) {
    fprintf(stderr, "hot_calls: %ld of %ld %s calls did what they should\n", ok, count, path);
    return 1;
  }
  return 0;
}
