// The extern "C" message functions: sendmsg, recvmsg, their ancillary items and
// descriptor passing. Buffers and items go to the core as the caller laid them out:
// sock_iovec has struct iovec's layout (as libuv's uv_buf_t does), sock_cmsg the
// core's Cmsg, so a message costs no copy of its lists.
#include <sys/uio.h>

#include <cstddef>

#include "capi.hpp"
#include "polysock/polysock.h"

using polysock::Cmsg;
using polysock::fail_null;
using polysock::kOk;
using polysock::MsgInfo;

static_assert(sizeof(sock_iovec) == sizeof(iovec) &&
              offsetof(sock_iovec, data) == offsetof(iovec, iov_base) &&
              offsetof(sock_iovec, len) == offsetof(iovec, iov_len));
static_assert(sizeof(sock_cmsg) == sizeof(Cmsg) &&
              offsetof(sock_cmsg, level) == offsetof(Cmsg, level) &&
              offsetof(sock_cmsg, type) == offsetof(Cmsg, type) &&
              offsetof(sock_cmsg, data) == offsetof(Cmsg, data) &&
              offsetof(sock_cmsg, len) == offsetof(Cmsg, len));

namespace {

const iovec *as_iovecs(const sock_iovec *buffers) {
  return reinterpret_cast<const iovec *>(buffers);
}

void copy_info(const MsgInfo &in, sock_msg_info *out) {
  out->nbytes = in.nbytes;
  out->ancdata_len = in.ancdata_len;
  out->msg_flags = in.msg_flags;
  polysock::copy_address(in.address, &out->address);
}

}  // namespace

extern "C" {

int sock_sendmsg(sock_handle h, const sock_iovec *buffers, size_t nbuffers,
                 const sock_cmsg *ancdata, size_t nanc, int flags, const char *host, int port,
                 size_t *out_n) {
  return polysock::guarded([&]() -> int {
    if (out_n == nullptr) return fail_null("out_n");
    if (buffers == nullptr && nbuffers != 0) return fail_null("buffers");
    if (ancdata == nullptr && nanc != 0) return fail_null("ancdata");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return s->sendmsg(as_iovecs(buffers), nbuffers, reinterpret_cast<const Cmsg *>(ancdata), nanc,
                      flags, host, port, out_n);
  });
}

int sock_recvmsg(sock_handle h, const sock_iovec *buffers, size_t nbuffers, void *ancbuf,
                 size_t ancbufsize, int flags, sock_msg_info *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return fail_null("out");
    if (buffers == nullptr && nbuffers != 0) return fail_null("buffers");
    if (ancbuf == nullptr && ancbufsize != 0) return fail_null("ancbuf");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    MsgInfo info;
    if (int st = s->recvmsg(as_iovecs(buffers), nbuffers, ancbuf, ancbufsize, flags, &info)) {
      return st;
    }
    copy_info(info, out);
    return kOk;
  });
}

int sock_cmsg_next(const void *ancbuf, size_t ancdata_len, size_t *cursor, sock_cmsg *out,
                   int *out_found) {
  return polysock::guarded([&]() -> int {
    if (cursor == nullptr) return fail_null("cursor");
    if (out == nullptr) return fail_null("out");
    if (out_found == nullptr) return fail_null("out_found");
    if (ancbuf == nullptr && ancdata_len != 0) return fail_null("ancbuf");
    Cmsg item{};
    bool found = false;
    if (int st = polysock::next_cmsg(ancbuf, ancdata_len, cursor, &item, &found)) return st;
    if (found) *out = sock_cmsg{item.level, item.type, item.data, item.len};
    *out_found = found ? 1 : 0;
    return kOk;
  });
}

int net_cmsg_len(size_t length, size_t *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return fail_null("out");
    return polysock::cmsg_len(length, out);
  });
}

int net_cmsg_space(size_t length, size_t *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return fail_null("out");
    return polysock::cmsg_space(length, out);
  });
}

int sock_send_fds(sock_handle h, const sock_iovec *buffers, size_t nbuffers, const int *fds,
                  size_t nfds, int flags, const char *host, int port, size_t *out_n) {
  return polysock::guarded([&]() -> int {
    if (out_n == nullptr) return fail_null("out_n");
    if (buffers == nullptr && nbuffers != 0) return fail_null("buffers");
    if (fds == nullptr && nfds != 0) return fail_null("fds");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return s->send_fds(as_iovecs(buffers), nbuffers, fds, nfds, flags, host, port, out_n);
  });
}

int sock_recv_fds(sock_handle h, void *buf, size_t len, int *fds, size_t maxfds, int flags,
                  size_t *out_nfds, sock_msg_info *out) {
  return polysock::guarded([&]() -> int {
    if (out_nfds == nullptr) return fail_null("out_nfds");
    *out_nfds = 0;
    if (buf == nullptr && len != 0) return fail_null("buf");
    if (fds == nullptr && maxfds != 0) return fail_null("fds");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    MsgInfo info;
    if (int st = s->recv_fds(buf, len, fds, maxfds, flags, out_nfds, &info)) return st;
    if (out != nullptr) copy_info(info, out);
    return kOk;
  });
}

}  // extern "C"
