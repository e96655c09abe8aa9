/* An echo server that serves many clients at once from one thread, with the
 * poller. It is the corrected form of the "one-to-many" server that blocks in
 * accept() and recv(): that one (echo_server.c) is stuck with its first client,
 * and everyone else waits. Here every socket is non-blocking and the poller says
 * which ones are ready, so no client can hold up another: a slow reader only gets
 * its echo once its socket is writable again, while the others go on.
 *
 * Usage: multi_client_server [PORT [CLIENTS]]
 * Serves until CLIENTS clients have come and gone (0, the default: forever).
 * Try it with a few `nc 127.0.0.1 PORT` in other terminals. */
#include <polysock/polysock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct client {
  sock_handle sock;
  sock_address peer;
  uint32_t events; /* what the poller watches for it */
  size_t pending;  /* bytes received and not yet echoed */
  char buf[4096];
} client;

static int fail(const char *what) {
  fprintf(stderr, "%s: %s\n", what, sock_last_error_message());
  return 1;
}

/* user_data is how an event finds its client again: 0 is the listening socket,
 * anything else the client's address. */
static uint64_t tag(client *c) { return (uint64_t)(uintptr_t)c; }

static void accept_clients(sock_poller poller, sock_handle server) {
  for (;;) { /* every connection waiting, not just one: the listener is non-blocking */
    client *c = calloc(1, sizeof *c);
    if (c == NULL) return;
    if (sock_accept(server, &c->sock, &c->peer) != SOCK_OK) {
      if (sock_last_errno() != NET_EAGAIN) fail("accept");
      free(c);
      return;
    }
    c->events = SOCK_EVENT_READ;
    if (sock_setblocking(c->sock, 0) != SOCK_OK ||
        sock_poller_register(poller, c->sock, c->events, tag(c)) != SOCK_OK) {
      fail("new client");
      sock_close(c->sock);
      free(c);
      continue;
    }
    printf("%s:%d connected\n", c->peer.host, c->peer.port);
  }
}

/* Echoes what is pending. While some is left, the client is watched for WRITE
 * only, so that it cannot make the server buffer without limit. Returns 0, or -1
 * if the client is gone. */
static int flush(sock_poller poller, client *c) {
  size_t done = 0;
  while (done < c->pending) {
    size_t n = 0;
    if (sock_send(c->sock, c->buf + done, c->pending - done, 0, &n) != SOCK_OK) {
      if (sock_last_errno() == NET_EAGAIN) break; /* the rest when it is writable */
      return -1;
    }
    done += n;
  }
  memmove(c->buf, c->buf + done, c->pending - done);
  c->pending -= done;
  uint32_t want = c->pending > 0 ? SOCK_EVENT_WRITE : SOCK_EVENT_READ;
  if (want != c->events) {
    if (sock_poller_modify(poller, c->sock, want, tag(c)) != SOCK_OK) return -1;
    c->events = want;
  }
  return 0;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  long max_clients = argc > 2 ? atol(argv[2]) : 0;
  sock_handle server;
  sock_poller poller;
  sock_address local;
  if (net_create_server("127.0.0.1", port, NET_AF_INET, -1, 0, 0, &server) != SOCK_OK)
    return fail("create_server");
  if (sock_setblocking(server, 0) != SOCK_OK || sock_getsockname(server, &local) != SOCK_OK)
    return fail("listener");
  if (sock_poller_create(&poller) != SOCK_OK ||
      sock_poller_register(poller, server, SOCK_EVENT_READ, 0) != SOCK_OK)
    return fail("poller");
  printf("echo server for many clients on %s:%d\n", local.host, local.port);
  fflush(stdout);

  long gone = 0;
  while (max_clients == 0 || gone < max_clients) {
    sock_event events[64];
    size_t n = 0;
    if (sock_poller_wait(poller, SOCK_TIMEOUT_NONE, events, 64, &n) != SOCK_OK) {
      fail("wait");
      break;
    }
    for (size_t i = 0; i < n; i++) {
      if (events[i].user_data == 0) {
        accept_clients(poller, server);
        continue;
      }
      client *c = (client *)(uintptr_t)events[i].user_data;
      int alive = 1;
      if (events[i].events & SOCK_EVENT_READ) { /* watched for READ only when nothing is pending */
        size_t got = 0;
        if (sock_recv(c->sock, c->buf, sizeof c->buf, 0, &got) != SOCK_OK) {
          if (sock_last_errno() == NET_EAGAIN) continue;
          alive = 0; /* reset, or another error: the client is gone */
        } else if (got == 0) {
          alive = 0; /* end of stream */
        }
        c->pending = got;
      }
      if (alive && flush(poller, c) == 0) continue;
      printf("%s:%d left\n", c->peer.host, c->peer.port);
      fflush(stdout);
      sock_close(c->sock); /* this also takes it off the poller */
      free(c);
      gone++;
    }
  }
  sock_poller_close(poller);
  sock_close(server);
  return 0;
}
