package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.HostException;
import org.polysock.Net;

/**
 * herror needs a DNS lookup that fails: run only inside a network namespace of its own
 * (ctest java_HostErrorsInIsolatedNetwork uses unshare -n), where no query can leave.
 */
@Timeout(60)
class IsolatedNetworkErrors {
  @Test
  void reverseLookupWithoutAnEntryIsHostException() {
    assumeTrue(Boolean.getBoolean("polysock.isolated.network"), "needs an isolated network");
    HostException e = assertThrows(HostException.class, () -> Net.gethostbyaddr("192.0.2.1"));
    assertTrue(e.getMessage().startsWith("[Errno "), e.getMessage());
  }
}
