// Messages (sendmsg, recvmsg) and their ancillary data, as CPython's socketmodule.c
// builds and reads them: CMSG_LEN/CMSG_SPACE with its range checks, the control
// block that sendmsg sends, and the walk over received items that gives a truncated
// item's partial data. The Socket methods that send and receive are in message.cpp.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>

#include "address.hpp"

namespace polysock {

// One ancillary item: Python's (cmsg_level, cmsg_type, cmsg_data); sock_cmsg's shape.
struct Cmsg {
  int level;
  int type;
  const void *data;
  std::size_t len;
};

// What recvmsg received besides the data; sock_msg_info's fields.
struct MsgInfo {
  std::size_t nbytes = 0;
  std::size_t ancdata_len = 0;  // control bytes stored in the caller's buffer
  int msg_flags = 0;
  Address address;  // family 0: no sender address
};

// socket.CMSG_LEN / CMSG_SPACE: out of range (the result must fit a socklen_t, as
// CPython's SOCKLEN_T_LIMIT) is the ValueError "CMSG_LEN() argument out of range".
int cmsg_len(std::size_t length, std::size_t *out);
int cmsg_space(std::size_t length, std::size_t *out);

// The next item of received control data (len bytes at buf) from *cursor on (0 for
// the first), with glibc's CMSG_NXTHDR rules as CPython walks them: an item cut
// short gives the part of its data that is in the buffer, and is the last.
// *found is false at the end. A cursor past the end is SOCK_ERR_VALUE.
int next_cmsg(const void *buf, std::size_t len, std::size_t *cursor, Cmsg *out, bool *found);

}  // namespace polysock
