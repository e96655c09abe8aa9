package org.polysock;

/**
 * Python's ssl.SSLSyscallError: the operating system failed under OpenSSL.
 */
public class SslSyscallException extends SslException {
  private static final long serialVersionUID = 1L;

  public SslSyscallException(int kind, String message, String library, String reason) {
    super(kind, message, library, reason);
  }
}
