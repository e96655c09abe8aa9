// sendmsg, recvmsg and descriptor passing (see message.hpp), after CPython's
// sock_sendmsg, sock_recvmsg_guts and Lib/socket.py's send_fds/recv_fds. Both
// calls wait through Socket::io like every other call; polysock adds MSG_NOSIGNAL
// to every send and MSG_CMSG_CLOEXEC to every receive, so a received descriptor
// never leaks into a child process (CPython's recvmsg leaves them inheritable).
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <vector>

#include "error.hpp"
#include "message.hpp"
#include "socket.hpp"

namespace polysock {
namespace {

// CPython's SOCKLEN_T_LIMIT: control data lengths must fit a socklen_t.
constexpr std::size_t kSocklenLimit = INT_MAX;
constexpr std::size_t kHeader = CMSG_LEN(0);  // where an item's data starts

// What CMSG_ALIGN adds after `len` bytes, computed without overflow.
constexpr std::size_t padding(std::size_t len) {
  return (sizeof(std::size_t) - (len & (sizeof(std::size_t) - 1))) & (sizeof(std::size_t) - 1);
}

// More than IOV_MAX buffers: the kernel's EMSGSIZE, given where the kernel would
// give it (when the call is made, so in timeout mode after the wait, as CPython
// gets it), without handing anything a list that long to read (valgrind would).
bool too_many(std::size_t niov) {
  if (niov <= IOV_MAX) return false;
  errno = EMSGSIZE;
  return true;
}

// The checks before any system call: a buffer without data, or a total the kernel
// cannot count, is a bad argument (a list over IOV_MAX is too_many's, unread).
int check_buffers(const iovec *iov, std::size_t niov) {
  if (niov > IOV_MAX) return kOk;
  std::size_t total = 0;
  for (std::size_t i = 0; i < niov; ++i) {
    if (iov[i].iov_base == nullptr && iov[i].iov_len != 0) return fail_value("buffer data is NULL");
    if (iov[i].iov_len > static_cast<std::size_t>(SSIZE_MAX) - total) {
      return fail_value("buffer length too large");
    }
    total += iov[i].iov_len;
  }
  return kOk;
}

// sendmsg's control block, as CPython builds it (zeroed, items CMSG_SPACE apart),
// with its OSError messages for items that cannot fit a socklen_t.
int build_control(const Cmsg *anc, std::size_t nanc, std::vector<unsigned char> *out) {
  // Every item takes CMSG_SPACE(0) at least: a huge count is refused unread.
  if (nanc > kSocklenLimit / CMSG_SPACE(0)) return fail_os_message("too much ancillary data");
  std::size_t total = 0;
  for (std::size_t i = 0; i < nanc; ++i) {
    if (anc[i].data == nullptr && anc[i].len != 0) return fail_value("ancillary data is NULL");
    if (anc[i].len > kSocklenLimit - CMSG_SPACE(1)) {
      return fail_os_message("ancillary data item too large");
    }
    total += CMSG_SPACE(anc[i].len);
    if (total > kSocklenLimit) return fail_os_message("too much ancillary data");
  }
  out->assign(total, 0);
  std::size_t off = 0;
  for (std::size_t i = 0; i < nanc; ++i) {
    cmsghdr h{};
    h.cmsg_len = CMSG_LEN(anc[i].len);
    h.cmsg_level = anc[i].level;
    h.cmsg_type = anc[i].type;
    std::memcpy(out->data() + off, &h, sizeof h);
    if (anc[i].len != 0) std::memcpy(out->data() + off + kHeader, anc[i].data, anc[i].len);
    off += CMSG_SPACE(anc[i].len);
  }
  return kOk;
}

}  // namespace

int cmsg_len(std::size_t length, std::size_t *out) {
  if (length > kSocklenLimit - CMSG_LEN(0)) return fail_value("CMSG_LEN() argument out of range");
  *out = CMSG_LEN(length);
  return kOk;
}

int cmsg_space(std::size_t length, std::size_t *out) {
  // CMSG_SPACE(1): the padding before and after the data, as CPython reckons it.
  if (length > kSocklenLimit - CMSG_SPACE(1)) {
    return fail_value("CMSG_SPACE() argument out of range");
  }
  *out = CMSG_SPACE(length);
  return kOk;
}

int next_cmsg(const void *buf, std::size_t len, std::size_t *cursor, Cmsg *out, bool *found) {
  *found = false;
  const std::size_t off = *cursor;
  if (off > len) return fail_value("cursor past the end of the ancillary data");
  // The caller's buffer may be unaligned: headers are copied out, never dereferenced.
  const auto *p = static_cast<const unsigned char *>(buf);
  const std::size_t rest = len - off;
  cmsghdr h{};
  if (rest >= kHeader) std::memcpy(&h, p + off, sizeof h);
  if (rest < kHeader || h.cmsg_len < kHeader) {  // no room for a header, or a bad one: the end
    *cursor = len;
    return kOk;
  }
  *out = Cmsg{h.cmsg_level, h.cmsg_type, p + off + kHeader,
              std::min<std::size_t>(h.cmsg_len - kHeader, rest - kHeader)};
  *found = true;
  // glibc's CMSG_NXTHDR: there is a next item only if this one, padded, and the
  // next one's header fit; an item cut short is always the last.
  const std::size_t needed = kHeader + padding(h.cmsg_len);
  if (rest < needed || rest - needed < h.cmsg_len) {
    *cursor = len;
  } else {
    *cursor = off + h.cmsg_len + padding(h.cmsg_len);
  }
  return kOk;
}

int Socket::sendmsg(const iovec *iov, std::size_t niov, const Cmsg *anc, std::size_t nanc,
                    int flags, const char *host, int port, std::size_t *out_n) {
  if (tls() != nullptr) return tls_refuse("sendmsg");
  // CPython's order: the address, the buffers, then the ancillary items.
  SockAddr to;
  if (host != nullptr) {
    if (int st = make_sockaddr(family_, host, port, "sendmsg()", &to)) return st;
  }
  if (int st = check_buffers(iov, niov)) return st;
  std::vector<unsigned char> control;
  if (int st = build_control(anc, nanc, &control)) return st;
  msghdr msg{};
  msg.msg_name = host != nullptr ? to.get() : nullptr;
  msg.msg_namelen = host != nullptr ? to.len : 0;
  msg.msg_iov = const_cast<iovec *>(iov);  // sendmsg only reads the list
  msg.msg_iovlen = niov;
  msg.msg_control = control.empty() ? nullptr : control.data();
  msg.msg_controllen = control.size();
  ssize_t n = 0;
  int st = io(
      POLLOUT, (flags & MSG_DONTWAIT) != 0, timeout(),
      [&](int fd, int dontwait) -> ssize_t {
        if (too_many(niov)) return -1;
        return ::sendmsg(fd, &msg, flags | MSG_NOSIGNAL | dontwait);
      },
      &n);
  if (st != kOk) return st;
  *out_n = static_cast<std::size_t>(n);
  return kOk;
}

int Socket::recvmsg(const iovec *iov, std::size_t niov, void *ancbuf, std::size_t ancbufsize,
                    int flags, MsgInfo *out) {
  if (tls() != nullptr) return tls_refuse("recvmsg");
  if (int st = check_buffers(iov, niov)) return st;
  if (ancbufsize > kSocklenLimit) return fail_value("invalid ancillary data buffer length");
  SockAddr from;
  msghdr msg{};
  ssize_t n = 0;
  int st = io(
      POLLIN, (flags & MSG_DONTWAIT) != 0, timeout(),
      [&](int fd, int dontwait) -> ssize_t {
        if (too_many(niov)) return -1;
        msg = msghdr{};
        msg.msg_name = from.get();
        msg.msg_namelen = sizeof from.storage;
        msg.msg_iov = const_cast<iovec *>(iov);  // the kernel writes the data, not the list
        msg.msg_iovlen = niov;
        msg.msg_control = ancbuf;
        msg.msg_controllen = ancbufsize;
        return ::recvmsg(fd, &msg, flags | MSG_CMSG_CLOEXEC | dontwait);
      },
      &n);
  if (st != kOk) return st;
  // 0 bytes and no control data from the dead socket that close put in place is no
  // message (a real one with descriptors stays the caller's).
  if (n == 0 && msg.msg_controllen == 0 && aborted_.load(std::memory_order_acquire)) {
    return fail_os(EBADF);
  }
  out->nbytes = static_cast<std::size_t>(n);
  out->ancdata_len = msg.msg_controllen;
  // The kernel echoes MSG_CMSG_CLOEXEC in msg_flags: only a caller who asked sees it.
  out->msg_flags = msg.msg_flags & ~(MSG_CMSG_CLOEXEC & ~flags);
  parse_sockaddr(from.get(), std::min<socklen_t>(msg.msg_namelen, sizeof from.storage),
                 &out->address);
  return kOk;
}

int Socket::send_fds(const iovec *iov, std::size_t niov, const int *fds, std::size_t nfds,
                     int flags, const char *host, int port, std::size_t *out_n) {
  if (tls() != nullptr) return tls_refuse("sendmsg");
  // Python's send_fds: one SCM_RIGHTS item with the descriptors as an array of int.
  // (CPython 3.11's drops flags and address; polysock passes them on.)
  if (nfds > kSocklenLimit / sizeof(int)) return fail_os_message("ancillary data item too large");
  const Cmsg item{SOL_SOCKET, SCM_RIGHTS, fds, nfds * sizeof(int)};
  return sendmsg(iov, niov, &item, 1, flags, host, port, out_n);
}

int Socket::recv_fds(void *buf, std::size_t len, int *fds, std::size_t maxfds, int flags,
                     std::size_t *out_nfds, MsgInfo *out) {
  if (tls() != nullptr) return tls_refuse("recvmsg");
  *out_nfds = 0;
  // Python's recv_fds asks for CMSG_LEN(maxfds * sizeof(int)) bytes of control data.
  std::size_t want = 0;
  if (maxfds > SIZE_MAX / sizeof(int)) return fail_value("CMSG_LEN() argument out of range");
  if (int st = cmsg_len(maxfds * sizeof(int), &want)) return st;
  // The kernel passes at most 253 descriptors (SCM_MAX_FD) per message, beside a few
  // small items (credentials, a security label): 64 KiB holds them all, so a huge
  // maxfds reserves no more and receives the same.
  std::vector<unsigned char> control(std::min<std::size_t>(want, 64 * 1024));
  const iovec iov{buf, len};
  if (int st = recvmsg(&iov, 1, control.data(), control.size(), flags, out)) return st;
  std::size_t cursor = 0;
  Cmsg item{};
  bool found = false;
  while (next_cmsg(control.data(), out->ancdata_len, &cursor, &item, &found) == kOk && found) {
    if (item.level != SOL_SOCKET || item.type != SCM_RIGHTS) continue;
    for (std::size_t i = 0; i + sizeof(int) <= item.len; i += sizeof(int)) {
      int fd = -1;
      std::memcpy(&fd, static_cast<const unsigned char *>(item.data) + i, sizeof fd);
      if (*out_nfds < maxfds) {
        fds[(*out_nfds)++] = fd;
      } else {
        ::close(fd);  // never happens with the buffer sized as above; never leaks
      }
    }
  }
  out->ancdata_len = 0;  // the control data was polysock's own buffer
  return kOk;
}

}  // namespace polysock
