/* A client for multi_client_server: sends "NAME line i" once a second and prints
 * each echo. Run several at once to see the server interleave them. The interval
 * can be shortened with POLYSOCK_EXAMPLE_INTERVAL (seconds), as the tests do. */
#include <time.h>

#include "example.h"

/* One reply line: bytes up to '\n', read one recv at a time into a small buffer
 * that keeps what came after the line for the next call. */
typedef struct reader {
  char buf[4096];
  size_t len;
} reader;

static int read_line(sock_handle s, reader *r, char *line, size_t cap) {
  for (;;) {
    char *nl = memchr(r->buf, '\n', r->len);
    if (nl != NULL) {
      size_t n = (size_t)(nl - r->buf);
      if (n >= cap) n = cap - 1;
      memcpy(line, r->buf, n);
      line[n] = '\0';
      size_t used = (size_t)(nl - r->buf) + 1;
      memmove(r->buf, r->buf + used, r->len - used);
      r->len -= used;
      return 0;
    }
    size_t got = 0;
    if (r->len == sizeof r->buf) return -1;
    if (sock_recv(s, r->buf + r->len, sizeof r->buf - r->len, 0, &got) != SOCK_OK) return -1;
    if (got == 0) return -2;
    r->len += got;
  }
}

int main(int argc, char **argv) {
  example_args(argc, argv, 4, 4, "HOST PORT NAME LINES");
  int port = (int)example_number(argv[2], 65535, "port");
  long lines = example_number(argv[4], 1000000L, "lines");
  double interval = 1.0;
  const char *env = getenv("POLYSOCK_EXAMPLE_INTERVAL");
  if (env != NULL && *env != '\0') interval = atof(env);

  sock_handle s;
  if (net_create_connection(argv[1], port, 10.0, NULL, 0, &s) != SOCK_OK)
    return example_fail("create_connection");
  reader r = {.len = 0};
  int ok = 1;
  for (long i = 1; i <= lines; i++) {
    char sent[512], got[600], expected[600];
    int len = snprintf(sent, sizeof sent, "%s line %ld", argv[3], i);
    if (len < 0 || (size_t)len >= sizeof sent - 1) {
      fprintf(stderr, "name too long\n");
      return 2;
    }
    sent[len] = '\n';
    if (sock_sendall(s, sent, (size_t)len + 1, 0, NULL) != SOCK_OK) return example_fail("sendall");
    sent[len] = '\0';
    int rc = read_line(s, &r, got, sizeof got);
    if (rc == -1) return example_fail("recv");
    if (rc == -2) {
      fprintf(stderr, "the server closed the connection\n");
      return 1;
    }
    printf("%s\n", got);
    fflush(stdout);
    snprintf(expected, sizeof expected, "echo: %s", sent);
    if (strcmp(got, expected) != 0) ok = 0;
    if (i < lines && interval > 0) {
      struct timespec t = {(time_t)interval, (long)((interval - (double)(time_t)interval) * 1e9)};
      nanosleep(&t, NULL);
    }
  }
  sock_close(s);
  if (!ok) fprintf(stderr, "some replies were not the expected echo\n");
  return ok ? 0 : 1;
}
