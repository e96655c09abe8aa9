package org.polysock;

/**
 * Python's ssl.SSLError (an OSError): a TLS failure. {@link #errno()} is the kind, as
 * Python's SSLError.errno (ssl.SSL_ERROR_SSL 1, WANT_READ 2, WANT_WRITE 3, SYSCALL 5,
 * ZERO_RETURN 6, EOF 8), {@link #getMessage()} Python's text without the "(_ssl.c:N)"
 * suffix, e.g. "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get
 * local issuer certificate". The kinds are subclasses, as in Python: {@link
 * SslCertVerificationException}, {@link SslWantReadException}, {@link
 * SslWantWriteException}, {@link SslZeroReturnException}, {@link SslEofException}, {@link
 * SslSyscallException}.
 */
public class SslException extends PolysockException {
  private static final long serialVersionUID = 1L;

  private final String library;
  private final String reason;

  /**
   * An SSLError.
   *
   * @param kind the TLS_ERROR_* kind (Python's errno)
   * @param message Python's text
   * @param library e.g. "SSL", "PEM"; null where Python's is None
   * @param reason e.g. "CERTIFICATE_VERIFY_FAILED"; null where Python's is None
   */
  public SslException(int kind, String message, String library, String reason) {
    super(kind, message);
    this.library = library;
    this.reason = reason;
  }

  /** SSLError.library, e.g. "SSL"; null (None) when OpenSSL named none. */
  public String library() {
    return library;
  }

  /** SSLError.reason, e.g. "CERTIFICATE_VERIFY_FAILED"; null (None) when OpenSSL named none. */
  public String reason() {
    return reason;
  }
}
