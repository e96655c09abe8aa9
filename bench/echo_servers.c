/* The two echo servers of the C suite's echo-server case (see echo_servers.h), written side by side
 * so that they do the same work per message: one wait for a batch of events,
 * then per ready connection one recv and one send of what came. */
#define _GNU_SOURCE
#include "echo_servers.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { kBatch = 256, kBufSize = 4096 };

/* ---- On polysock: handles, sock_poller_* --------------------------------------- */

enum { kListener = 0, kStop = 1, kConnection = 2 }; /* user_data tags */

static void polysock_accept_all(sock_poller p, sock_handle listener, echo_stats *stats,
                                long *open) {
  for (;;) {
    sock_handle conn;
    if (sock_accept(listener, &conn, NULL) != SOCK_OK) {
      if (sock_last_errno() != NET_EAGAIN) stats->errors++;
      return;
    }
    if (sock_setblocking(conn, 0) != SOCK_OK ||
        sock_setsockopt(conn, NET_IPPROTO_TCP, NET_TCP_NODELAY, 1) != SOCK_OK ||
        sock_poller_register(p, conn, SOCK_EVENT_READ, kConnection) != SOCK_OK) {
      stats->errors++;
      sock_close(conn);
      continue;
    }
    stats->accepted++;
    (*open)++;
  }
}

int polysock_echo_server(sock_handle listener, sock_handle stop, echo_stats *stats) {
  sock_poller p;
  if (sock_poller_create(&p) != SOCK_OK) return -1;
  if (sock_poller_register(p, listener, SOCK_EVENT_READ, kListener) != SOCK_OK ||
      sock_poller_register(p, stop, SOCK_EVENT_READ, kStop) != SOCK_OK) {
    sock_poller_close(p);
    return -1;
  }
  sock_event events[kBatch];
  char buf[kBufSize];
  long open = 0;
  int stopping = 0;
  while (!stopping || open > 0) {
    size_t n = 0;
    if (sock_poller_wait(p, SOCK_TIMEOUT_NONE, events, kBatch, &n) != SOCK_OK) {
      stats->errors++;
      break;
    }
    for (size_t i = 0; i < n; i++) {
      const sock_handle h = events[i].handle;
      if (events[i].user_data == kListener) {
        polysock_accept_all(p, listener, stats, &open);
      } else if (events[i].user_data == kStop) {
        stopping = 1;
        sock_poller_unregister(p, stop);
      } else {
        size_t got = 0, sent = 0;
        if (sock_recv(h, buf, sizeof buf, 0, &got) != SOCK_OK) {
          if (sock_last_errno() == NET_EAGAIN) continue;
          got = 0; /* reset by the peer: close, as on end of stream */
        }
        if (got == 0) {
          sock_close(h); /* also drops it from the poller */
          open--;
          continue;
        }
        if (sock_send(h, buf, got, 0, &sent) != SOCK_OK || sent != got) stats->errors++;
        stats->echoes++;
        stats->bytes += got;
      }
    }
  }
  sock_poller_close(p);
  return 0;
}

/* ---- On plain epoll: descriptors, epoll_* --------------------------------------- */

static void epoll_accept_all(int ep, int listen_fd, echo_stats *stats, long *open) {
  for (;;) {
    const int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN) stats->errors++;
      return;
    }
    const int one = 1;
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
      stats->errors++;
      close(fd);
      continue;
    }
    stats->accepted++;
    (*open)++;
  }
}

int epoll_echo_server(int listen_fd, int stop_fd, echo_stats *stats) {
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return -1;
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = listen_fd};
  struct epoll_event stop_ev = {.events = EPOLLIN, .data.fd = stop_fd};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev) != 0 ||
      epoll_ctl(ep, EPOLL_CTL_ADD, stop_fd, &stop_ev) != 0) {
    close(ep);
    return -1;
  }
  struct epoll_event events[kBatch];
  char buf[kBufSize];
  long open = 0;
  int stopping = 0;
  while (!stopping || open > 0) {
    const int n = epoll_wait(ep, events, kBatch, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      stats->errors++;
      break;
    }
    for (int i = 0; i < n; i++) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd) {
        epoll_accept_all(ep, listen_fd, stats, &open);
      } else if (fd == stop_fd) {
        stopping = 1;
        epoll_ctl(ep, EPOLL_CTL_DEL, stop_fd, NULL);
      } else {
        ssize_t got = recv(fd, buf, sizeof buf, 0);
        if (got < 0) {
          if (errno == EAGAIN) continue;
          got = 0;
        }
        if (got == 0) {
          epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
          close(fd);
          open--;
          continue;
        }
        if (send(fd, buf, (size_t)got, MSG_NOSIGNAL) != got) stats->errors++;
        stats->echoes++;
        stats->bytes += (uint64_t)got;
      }
    }
  }
  close(ep);
  return 0;
}
