package org.polysock;

import java.util.Arrays;
import java.util.Objects;

/**
 * One ancillary data item of {@link Socket#sendmsg} and {@link Socket#recvmsg}:
 * Python's (cmsg_level, cmsg_type, cmsg_data) tuple, e.g. {@code (Net.SOL_SOCKET,
 * Net.SCM_RIGHTS, descriptors in native byte order)}. A value: equals and hashCode
 * compare the data's contents, toString reads like Python's tuple, e.g. {@code (1, 1,
 * b'\x05\x00\x00\x00')}.
 *
 * @param level the protocol level, e.g. {@code Net.SOL_SOCKET} or {@code Net.IPPROTO_IPV6}
 * @param type the item's type at that level, e.g. {@code Net.SCM_RIGHTS}
 * @param data the item's data (for a received item cut short by MSG_CTRUNC, the part that fit)
 */
public record Ancillary(int level, int type, byte[] data) {
  /**
   * Checks that data is not null.
   *
   * @param level the protocol level
   * @param type the item's type
   * @param data the item's data
   */
  public Ancillary {
    Objects.requireNonNull(data, "data");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ancillary a && level == a.level && type == a.type
        && Arrays.equals(data, a.data);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * level + type) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "(" + level + ", " + type + ", " + Bytes.repr(data) + ")";
  }
}
