/* The socket module's lookups and conversions, each printed as Python would show
 * it. Names go through the system's resolver (/etc/hosts first, as configured in
 * nsswitch.conf), so try it with localhost, 127.0.0.1 or ::1. */
#include <stdint.h>

#include "example.h"

static void hex(const unsigned char *b, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Python's (name, aliases, addresses) of a host entry. */
static void print_hostent(const char *call, net_hostent *he) {
  char buf[1025];
  size_t len = 0, count = 0;
  net_hostent_name(he, buf, sizeof buf, &len);
  printf("%s = ('%s', [", call, buf);
  net_hostent_alias_count(he, &count);
  for (size_t i = 0; i < count; i++) {
    net_hostent_alias(he, i, buf, sizeof buf, &len);
    printf("%s'%s'", i ? ", " : "", buf);
  }
  printf("], [");
  net_hostent_address_count(he, &count);
  for (size_t i = 0; i < count; i++) {
    net_hostent_address(he, i, buf, sizeof buf, &len);
    printf("%s'%s'", i ? ", " : "", buf);
  }
  printf("])\n");
  net_hostent_free(he);
}

/* inet_pton then inet_ntop: the text comes back in its canonical form. */
static int round_trip6(const char *text) {
  unsigned char packed[16];
  char back[NET_INET6_ADDRSTRLEN], hexed[33];
  size_t n = 0;
  if (net_inet_pton(NET_AF_INET6, text, packed, sizeof packed, &n) != SOCK_OK)
    return example_fail("inet_pton");
  if (net_inet_ntop(NET_AF_INET6, packed, n, back, sizeof back) != SOCK_OK)
    return example_fail("inet_ntop");
  hex(packed, n, hexed);
  printf("inet_pton(AF_INET6, '%s') = %s, inet_ntop -> '%s'\n", text, hexed, back);
  return 0;
}

int main(int argc, char **argv) {
  example_args(argc, argv, 0, 1, "[HOST]  (default localhost)");
  const char *host = argc > 1 ? argv[1] : "localhost";
  char buf[1025];
  size_t len = 0;
  net_hostent *he = NULL;

  if (net_gethostname(buf, sizeof buf, &len) != SOCK_OK) return example_fail("gethostname");
  printf("gethostname() = '%s'\n", buf);
  if (net_gethostbyname(host, buf, sizeof buf, &len) != SOCK_OK)
    return example_fail("gethostbyname");
  printf("gethostbyname('%s') = '%s'\n", host, buf);
  if (net_gethostbyname_ex(host, &he) != SOCK_OK) return example_fail("gethostbyname_ex");
  snprintf(buf, sizeof buf, "gethostbyname_ex('%s')", host);
  print_hostent(buf, he);
  if (net_gethostbyaddr("127.0.0.1", &he) != SOCK_OK) return example_fail("gethostbyaddr");
  print_hostent("gethostbyaddr('127.0.0.1')", he);

  /* One entry per address and socket type the resolver offers; we asked for TCP. */
  net_addrinfo_list *list = NULL;
  size_t count = 0;
  if (net_getaddrinfo(host, "80", 0, NET_SOCK_STREAM, 0, 0, &list) != SOCK_OK)
    return example_fail("getaddrinfo");
  net_addrinfo_count(list, &count);
  for (size_t i = 0; i < count; i++) {
    net_addrinfo ai;
    net_addrinfo_get(list, i, &ai);
    printf("getaddrinfo('%s', 80, SOCK_STREAM)[%zu] = (%s, SOCK_STREAM, %d, '%s', ('%s', %d))\n",
           host, i, ai.family == NET_AF_INET6 ? "AF_INET6" : "AF_INET", ai.proto, ai.canonname,
           ai.addr.host, ai.addr.port);
  }
  net_addrinfo_free(list);

  int number = 0;
  if (net_getservbyname("http", "tcp", &number) != SOCK_OK) return example_fail("getservbyname");
  printf("getservbyname('http', 'tcp') = %d\n", number);
  if (net_getservbyport(80, "tcp", buf, sizeof buf, &len) != SOCK_OK)
    return example_fail("getservbyport");
  printf("getservbyport(80, 'tcp') = '%s'\n", buf);
  if (net_getprotobyname("tcp", &number) != SOCK_OK) return example_fail("getprotobyname");
  printf("getprotobyname('tcp') = %d\n", number);

  unsigned char packed4[4];
  char text[NET_INET_ADDRSTRLEN], hexed[33];
  if (net_inet_aton("127.0.0.1", packed4) != SOCK_OK) return example_fail("inet_aton");
  if (net_inet_ntoa(packed4, 4, text, sizeof text) != SOCK_OK) return example_fail("inet_ntoa");
  hex(packed4, 4, hexed);
  printf("inet_aton('127.0.0.1') = %s, inet_ntoa -> '%s'\n", hexed, text);
  if (round_trip6("::1") != 0 || round_trip6("2001:db8::1") != 0) return 1;

  /* Nine groups are one too many: inet_pton refuses, as Python does. */
  unsigned char packed[16];
  size_t n = 0;
  if (net_inet_pton(NET_AF_INET6, "1:2:3:4:5:6:7:8:9", packed, sizeof packed, &n) == SOCK_OK) {
    fprintf(stderr, "inet_pton accepted an invalid IPv6 address\n");
    return 1;
  }
  printf("inet_pton(AF_INET6, '1:2:3:4:5:6:7:8:9') refused: %s\n", sock_last_error_message());

  /* Network byte order is big-endian; on a little-endian machine htons swaps. */
  long long a = 0, b = 0, c = 0, d = 0;
  if (net_htons(1, &a) != SOCK_OK || net_ntohs(a, &b) != SOCK_OK || net_htonl(1, &c) != SOCK_OK ||
      net_ntohl(c, &d) != SOCK_OK)
    return example_fail("byte order");
  printf("htons(1) = %lld, ntohs(%lld) = %lld, htonl(1) = %lld, ntohl(%lld) = %lld\n", a, a, b, c,
         c, d);
  return 0;
}
