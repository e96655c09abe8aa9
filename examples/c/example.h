/* What every example of this directory does the same way: the command line
 * (--help: usage on stdout and exit 0; bad usage: usage on stderr and exit 2) and
 * failures (Python's text of the error on stderr, exit 1). */
#ifndef POLYSOCK_EXAMPLE_H
#define POLYSOCK_EXAMPLE_H
#include <polysock/polysock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exits on --help or a wrong number of arguments; returns otherwise. */
static inline void example_args(int argc, char **argv, int min, int max, const char *usage) {
  if (argc == 2 && strcmp(argv[1], "--help") == 0) {
    printf("usage: %s %s\n", argv[0], usage);
    exit(0);
  }
  if (argc - 1 < min || argc - 1 > max) {
    fprintf(stderr, "usage: %s %s\n", argv[0], usage);
    exit(2);
  }
}

/* A non-negative decimal number of the command line, or usage exit 2. */
static inline long example_number(const char *text, long max, const char *what) {
  char *end = NULL;
  long v = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v < 0 || v > max) {
    fprintf(stderr, "invalid %s: %s\n", what, text);
    exit(2);
  }
  return v;
}

/* The failure of the last polysock call on this thread, in Python's words. */
static inline int example_fail(const char *what) {
  fprintf(stderr, "%s: %s\n", what, sock_last_error_message());
  return 1;
}

/* Servers print their real address first, flushed: whoever started them with
 * port 0 reads the port from this line. */
static inline int example_listening(sock_handle s) {
  sock_address local;
  if (sock_getsockname(s, &local) != SOCK_OK) return example_fail("getsockname");
  printf("listening on %s:%d\n", local.host, local.port);
  fflush(stdout);
  return 0;
}
#endif
