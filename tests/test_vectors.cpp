// Runs every vector of tests/data/python_socket_vectors.json (recorded from CPython
// 3.11.7 on the reference machine) through the C ABI and compares the result, or the
// status category, errno and message text, exactly.
#include <gtest/gtest.h>
#include <polysock/polysock.h>

#include <climits>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

using nlohmann::json;

const json &all_vectors() {
  static const json doc = [] {
    std::ifstream in(POLYSOCK_TEST_DATA_DIR "/python_socket_vectors.json");
    return json::parse(in);
  }();
  return doc.at("vectors");
}

// What one call through the C ABI gave.
struct Outcome {
  int status = SOCK_OK;
  int err = 0;
  std::string message;
  json result;
};

Outcome failure(int status) {
  Outcome o;
  o.status = status;
  o.err = sock_last_errno();
  o.message = sock_last_error_message();
  return o;
}

Outcome success(json result) {
  Outcome o;
  o.result = std::move(result);
  return o;
}

std::string to_hex(const unsigned char *p, size_t n) {
  std::string s;
  char b[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", p[i]);
    s += b;
  }
  return s;
}

std::vector<unsigned char> from_hex(const std::string &hex) {
  std::vector<unsigned char> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<unsigned char>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Python ints can exceed long long; the C ABI takes long long, so such arguments
// reach it clamped (see ByteOrderArgumentsBeyondLongLong).
bool fits_long_long(const json &v) {
  return v.is_number_integer() &&
         !(v.is_number_unsigned() && v.get<unsigned long long>() > LLONG_MAX);
}

long long clamp_long_long(const json &v) {
  return fits_long_long(v) ? v.get<long long>() : LLONG_MAX;
}

const char *opt_string(const json &v) {
  return v.is_null() ? nullptr : v.get_ref<const std::string &>().c_str();
}

Outcome run(const json &vec) {
  const std::string &fn = vec.at("fn").get_ref<const std::string &>();
  const json &args = vec.at("args");
  if (fn == "htons" || fn == "ntohs" || fn == "htonl" || fn == "ntohl") {
    static const std::map<std::string, int (*)(long long, long long *)> fns = {
        {"htons", net_htons}, {"ntohs", net_ntohs}, {"htonl", net_htonl}, {"ntohl", net_ntohl}};
    long long out = 0;
    const int st = fns.at(fn)(clamp_long_long(args.at(0)), &out);
    return st == SOCK_OK ? success(out) : failure(st);
  }
  if (fn == "inet_aton") {
    unsigned char out[4];
    const int st = net_inet_aton(args.at(0).get_ref<const std::string &>().c_str(), out);
    return st == SOCK_OK ? success(to_hex(out, 4)) : failure(st);
  }
  if (fn == "inet_ntoa") {
    const std::vector<unsigned char> packed = from_hex(args.at(0).get<std::string>());
    char buf[NET_INET_ADDRSTRLEN];
    const int st = net_inet_ntoa(packed.data(), packed.size(), buf, sizeof buf);
    return st == SOCK_OK ? success(std::string(buf)) : failure(st);
  }
  if (fn == "inet_pton") {
    unsigned char out[16];
    size_t n = 0;
    const int st =
        net_inet_pton(args.at(0).get<int>(), args.at(1).get_ref<const std::string &>().c_str(), out,
                      sizeof out, &n);
    return st == SOCK_OK ? success(to_hex(out, n)) : failure(st);
  }
  if (fn == "inet_ntop") {
    const std::vector<unsigned char> packed = from_hex(args.at(1).get<std::string>());
    char buf[NET_INET6_ADDRSTRLEN];
    const int st =
        net_inet_ntop(args.at(0).get<int>(), packed.data(), packed.size(), buf, sizeof buf);
    return st == SOCK_OK ? success(std::string(buf)) : failure(st);
  }
  if (fn == "getservbyname") {
    int port = 0;
    const int st = net_getservbyname(args.at(0).get_ref<const std::string &>().c_str(),
                                     opt_string(args.at(1)), &port);
    return st == SOCK_OK ? success(port) : failure(st);
  }
  if (fn == "getservbyport") {
    char buf[64];
    const int st =
        net_getservbyport(args.at(0).get<int>(), opt_string(args.at(1)), buf, sizeof buf, nullptr);
    return st == SOCK_OK ? success(std::string(buf)) : failure(st);
  }
  if (fn == "getprotobyname") {
    int proto = 0;
    const int st = net_getprotobyname(args.at(0).get_ref<const std::string &>().c_str(), &proto);
    return st == SOCK_OK ? success(proto) : failure(st);
  }
  if (fn == "getaddrinfo_numeric") {
    // getaddrinfo(host, port, family, type) with AI_NUMERICHOST: never a DNS query.
    const json &port = args.at(1);
    const std::string port_text = port.is_string() ? port.get<std::string>() : port.dump();
    net_addrinfo_list *list = nullptr;
    const int st =
        net_getaddrinfo(args.at(0).get_ref<const std::string &>().c_str(), port_text.c_str(),
                        args.at(2).get<int>(), args.at(3).get<int>(), 0, NET_AI_NUMERICHOST, &list);
    if (st != SOCK_OK) return failure(st);
    json result = json::array();
    size_t n = 0;
    EXPECT_EQ(SOCK_OK, net_addrinfo_count(list, &n));
    for (size_t i = 0; i < n; ++i) {
      net_addrinfo ai;
      EXPECT_EQ(SOCK_OK, net_addrinfo_get(list, i, &ai));
      result.push_back(json::array(
          {ai.family, ai.type, ai.proto, json::array({std::string(ai.addr.host), ai.addr.port})}));
    }
    net_addrinfo_free(list);
    return success(result);
  }
  if (fn == "getnameinfo_numeric") {
    char host[NET_NI_MAXHOST];
    char serv[NET_NI_MAXSERV];
    const int st = net_getnameinfo(args.at(0).get_ref<const std::string &>().c_str(),
                                   args.at(1).get<int>(), NET_NI_NUMERICHOST | NET_NI_NUMERICSERV,
                                   host, sizeof host, serv, sizeof serv);
    return st == SOCK_OK ? success(json::array({host, serv})) : failure(st);
  }
  ADD_FAILURE() << "no runner for vector function " << fn;
  return failure(SOCK_ERR_VALUE);
}

int status_of_category(const std::string &category) {
  if (category == "OS") return SOCK_ERR_OS;
  if (category == "VALUE") return SOCK_ERR_VALUE;
  if (category == "GAI") return SOCK_ERR_GAI;
  if (category == "HOST") return SOCK_ERR_HOST;
  if (category == "TIMEOUT") return SOCK_ERR_TIMEOUT;
  ADD_FAILURE() << "unknown error category " << category;
  return 1;
}

// The errno a Python message carries ("[Errno -2] ..."), or 0 for OSError(msg).
int errno_in_message(const std::string &message) {
  int n = 0;
  return std::sscanf(message.c_str(), "[Errno %d]", &n) == 1 ? n : 0;
}

// The only text that cannot match: CPython's own failure to fit a Python int into a
// C long, which in the C ABI is the caller's conversion to long long.
bool is_clamped_conversion(const json &vec) {
  return !fits_long_long(vec.at("args").at(0)) &&
         vec.value("message", "") == "Python int too large to convert to C long";
}

// Runs every vector of one function and returns how many there were.
size_t check_function(const std::string &fn) {
  size_t count = 0;
  for (const json &vec : all_vectors()) {
    if (vec.at("fn") != fn) continue;
    ++count;
    SCOPED_TRACE(vec.dump());
    const Outcome got = run(vec);
    if (vec.at("ok").get<bool>()) {
      EXPECT_EQ(SOCK_OK, got.status) << sock_strerror(got.status) << ": " << got.message;
      EXPECT_EQ(vec.at("result"), got.result);
      continue;
    }
    const std::string &message = vec.at("message").get_ref<const std::string &>();
    EXPECT_EQ(status_of_category(vec.at("error").get<std::string>()), got.status)
        << sock_strerror(got.status) << ": " << got.message;
    if (is_clamped_conversion(vec)) {
      EXPECT_EQ(fn == "htons" || fn == "ntohs" ? "signed integer is greater than maximum"
                                               : "int larger than 32 bits",
                got.message);
      continue;
    }
    EXPECT_EQ(message, got.message);
    if (got.status == SOCK_ERR_OS || got.status == SOCK_ERR_GAI || got.status == SOCK_ERR_HOST) {
      EXPECT_EQ(errno_in_message(message), got.err);
    }
  }
  return count;
}

TEST(PythonVectors, FileHas589VectorsAllWithARunner) {
  const std::set<std::string> known = {"htons",
                                       "ntohs",
                                       "htonl",
                                       "ntohl",
                                       "inet_aton",
                                       "inet_ntoa",
                                       "inet_pton",
                                       "inet_ntop",
                                       "getservbyname",
                                       "getservbyport",
                                       "getprotobyname",
                                       "getaddrinfo_numeric",
                                       "getnameinfo_numeric"};
  ASSERT_EQ(589u, all_vectors().size());
  for (const json &vec : all_vectors()) EXPECT_EQ(1u, known.count(vec.at("fn"))) << vec.dump();
}

TEST(PythonVectors, Htons) { EXPECT_EQ(31u, check_function("htons")); }
TEST(PythonVectors, Ntohs) { EXPECT_EQ(31u, check_function("ntohs")); }
TEST(PythonVectors, Htonl) { EXPECT_EQ(31u, check_function("htonl")); }
TEST(PythonVectors, Ntohl) { EXPECT_EQ(31u, check_function("ntohl")); }
TEST(PythonVectors, InetAton) { EXPECT_EQ(120u, check_function("inet_aton")); }
TEST(PythonVectors, InetNtoa) { EXPECT_EQ(7u, check_function("inet_ntoa")); }
TEST(PythonVectors, InetPton) { EXPECT_EQ(180u, check_function("inet_pton")); }
TEST(PythonVectors, InetNtop) { EXPECT_EQ(127u, check_function("inet_ntop")); }
TEST(PythonVectors, Getservbyname) { EXPECT_EQ(9u, check_function("getservbyname")); }
TEST(PythonVectors, Getservbyport) { EXPECT_EQ(8u, check_function("getservbyport")); }
TEST(PythonVectors, Getprotobyname) { EXPECT_EQ(5u, check_function("getprotobyname")); }
TEST(PythonVectors, GetaddrinfoNumeric) { EXPECT_EQ(6u, check_function("getaddrinfo_numeric")); }
TEST(PythonVectors, GetnameinfoNumeric) { EXPECT_EQ(3u, check_function("getnameinfo_numeric")); }

// Python passes 2**63 to htons/ntohs/htonl/ntohl; a C caller cannot, since the ABI
// takes long long. Those four vectors run with LLONG_MAX: the category (VALUE) still
// matches, htonl/ntohl match the text too, and htons/ntohs give the text of the next
// check CPython would make ("signed integer is greater than maximum") instead of
// CPython's own int-to-C-long conversion failure.
TEST(PythonVectors, ByteOrderArgumentsBeyondLongLongAreExactlyFour) {
  size_t n = 0;
  for (const json &vec : all_vectors()) {
    if (!vec.at("args").empty() && vec.at("args").at(0).is_number_integer() &&
        !fits_long_long(vec.at("args").at(0))) {
      ++n;
      EXPECT_FALSE(vec.at("ok").get<bool>()) << vec.dump();
      EXPECT_EQ("VALUE", vec.at("error")) << vec.dump();
    }
  }
  EXPECT_EQ(4u, n);
}

}  // namespace
