/* A line echo server that serves many clients at once from one thread, with the
 * poller. The classic "one server, several clients" program blocks in accept()
 * and recv(), so it is stuck with its first client while everyone else waits.
 * Here every socket is non-blocking and the poller says which ones are ready, so
 * no client can hold up another: a slow reader only gets its echoes once its
 * socket is writable again, while the others go on.
 *
 * Each line a client sends is answered with "echo: <line>\n". Try it with a few
 * `nc 127.0.0.1 PORT` in other terminals, or with multi_client. */
#include <stdint.h>

#include "example.h"

typedef struct client {
  sock_handle sock;
  sock_address peer;
  uint32_t events; /* what the poller watches for it */
  size_t in_len;   /* bytes of an unfinished line in in[] */
  size_t out_len;  /* replies not yet sent, in out[] */
  char in[4096];   /* a longer line is answered in pieces of this size */
  char out[65536]; /* room for the replies to a full in[] of one-byte lines */
} client;

/* user_data is how an event finds its client again: 0 is the listening socket,
 * anything else the client's address. */
static uint64_t tag(client *c) { return (uint64_t)(uintptr_t)c; }

static void accept_clients(sock_poller poller, sock_handle server) {
  for (;;) { /* every connection waiting, not just one: the listener is non-blocking */
    client *c = calloc(1, sizeof *c);
    if (c == NULL) return;
    if (sock_accept(server, &c->sock, &c->peer) != SOCK_OK) {
      if (sock_last_errno() != NET_EAGAIN) example_fail("accept");
      free(c);
      return;
    }
    c->events = SOCK_EVENT_READ;
    if (sock_setblocking(c->sock, 0) != SOCK_OK ||
        sock_poller_register(poller, c->sock, c->events, tag(c)) != SOCK_OK) {
      example_fail("new client");
      sock_close(c->sock);
      free(c);
      continue;
    }
    printf("%s:%d connected\n", c->peer.host, c->peer.port);
    fflush(stdout);
  }
}

static void queue_reply(client *c, const char *line, size_t len) {
  memcpy(c->out + c->out_len, "echo: ", 6);
  memcpy(c->out + c->out_len + 6, line, len);
  c->out[c->out_len + 6 + len] = '\n';
  c->out_len += len + 7;
}

/* Turns every complete line of in[] into a reply. */
static void take_lines(client *c) {
  size_t start = 0;
  for (size_t i = 0; i < c->in_len; i++) {
    if (c->in[i] != '\n') continue;
    queue_reply(c, c->in + start, i - start);
    start = i + 1;
  }
  if (start == 0 && c->in_len == sizeof c->in) start = c->in_len; /* an overlong line */
  if (start == c->in_len && start > 0 && c->in[start - 1] != '\n') queue_reply(c, c->in, c->in_len);
  memmove(c->in, c->in + start, c->in_len - start);
  c->in_len -= start;
}

/* Sends what is queued. While some is left, the client is watched for WRITE only,
 * so that it cannot make the server buffer without limit. Returns 0, or -1 if the
 * client is gone. */
static int flush(sock_poller poller, client *c) {
  size_t done = 0;
  while (done < c->out_len) {
    size_t n = 0;
    if (sock_send(c->sock, c->out + done, c->out_len - done, 0, &n) != SOCK_OK) {
      if (sock_last_errno() == NET_EAGAIN) break; /* the rest when it is writable */
      return -1;
    }
    done += n;
  }
  memmove(c->out, c->out + done, c->out_len - done);
  c->out_len -= done;
  uint32_t want = c->out_len > 0 ? SOCK_EVENT_WRITE : SOCK_EVENT_READ;
  if (want != c->events) {
    if (sock_poller_modify(poller, c->sock, want, tag(c)) != SOCK_OK) return -1;
    c->events = want;
  }
  return 0;
}

int main(int argc, char **argv) {
  example_args(argc, argv, 2, 3, "HOST PORT [CLIENTS]  (exits after CLIENTS clients, 0 = never)");
  int port = (int)example_number(argv[2], 65535, "port");
  long max_clients = argc > 3 ? example_number(argv[3], 1000000000L, "clients") : 0;
  sock_handle server;
  sock_poller poller;
  if (net_create_server(argv[1], port, NET_AF_INET, -1, 0, 0, &server) != SOCK_OK)
    return example_fail("create_server");
  if (sock_setblocking(server, 0) != SOCK_OK) return example_fail("setblocking");
  if (sock_poller_create(&poller) != SOCK_OK ||
      sock_poller_register(poller, server, SOCK_EVENT_READ, 0) != SOCK_OK)
    return example_fail("poller");
  if (example_listening(server) != 0) return 1;

  long gone = 0;
  int status = 0;
  while (max_clients == 0 || gone < max_clients) {
    sock_event events[64];
    size_t n = 0;
    if (sock_poller_wait(poller, SOCK_TIMEOUT_NONE, events, 64, &n) != SOCK_OK) {
      status = example_fail("poller wait");
      break;
    }
    for (size_t i = 0; i < n; i++) {
      if (events[i].user_data == 0) {
        accept_clients(poller, server);
        continue;
      }
      client *c = (client *)(uintptr_t)events[i].user_data;
      int alive = 1;
      /* Watched for READ only when no reply is waiting, so out[] always has room. */
      if (c->events == SOCK_EVENT_READ) {
        size_t got = 0;
        if (sock_recv(c->sock, c->in + c->in_len, sizeof c->in - c->in_len, 0, &got) != SOCK_OK) {
          if (sock_last_errno() == NET_EAGAIN) continue;
          alive = 0; /* reset, or another error: the client is gone */
        } else if (got == 0) {
          alive = 0; /* end of stream */
        }
        c->in_len += got;
        take_lines(c);
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
  return status;
}
