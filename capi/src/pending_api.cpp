// TEMPORARY (issue 16 in progress): the functions the header declares whose real
// implementations are landing one by one. Each moves out of this file into its
// real home; the file is deleted when it is empty. Nothing here may ship.
#include <cerrno>

#include "capi.hpp"
#include "polysock/polysock.h"

using polysock::fail_os;

extern "C" {

int sock_sendmsg(sock_handle, const sock_iovec *, size_t, const sock_cmsg *, size_t, int,
                 const char *, int, size_t *) {
  return fail_os(ENOSYS);
}
int sock_recvmsg(sock_handle, const sock_iovec *, size_t, void *, size_t, int, sock_msg_info *) {
  return fail_os(ENOSYS);
}
int sock_cmsg_next(const void *, size_t, size_t *, sock_cmsg *, int *) { return fail_os(ENOSYS); }
int net_cmsg_len(size_t, size_t *) { return fail_os(ENOSYS); }
int net_cmsg_space(size_t, size_t *) { return fail_os(ENOSYS); }
int sock_send_fds(sock_handle, const sock_iovec *, size_t, const int *, size_t, int, const char *,
                  int, size_t *) {
  return fail_os(ENOSYS);
}
int sock_recv_fds(sock_handle, void *, size_t, int *, size_t, int, size_t *, sock_msg_info *) {
  return fail_os(ENOSYS);
}

}  // extern "C"
