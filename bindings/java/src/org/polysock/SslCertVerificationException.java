package org.polysock;

/**
 * Python's ssl.SSLCertVerificationError: the peer's certificate failed verification
 * (reason "CERTIFICATE_VERIFY_FAILED"), e.g. verifyCode 20 "unable to get local issuer
 * certificate" or 62 "Hostname mismatch, certificate is not valid for 'wrong.example'.".
 */
public class SslCertVerificationException extends SslException {
  private static final long serialVersionUID = 1L;

  private final int verifyCode;
  private final String verifyMessage;

  /**
   * An SSLCertVerificationError.
   *
   * @param kind the TLS_ERROR_* kind (ssl.SSL_ERROR_SSL)
   * @param message Python's text
   * @param library e.g. "SSL"
   * @param reason "CERTIFICATE_VERIFY_FAILED"
   * @param verifyCode OpenSSL's X509_V_ERR_* code
   * @param verifyMessage its text
   */
  public SslCertVerificationException(int kind, String message, String library, String reason,
      int verifyCode, String verifyMessage) {
    super(kind, message, library, reason);
    this.verifyCode = verifyCode;
    this.verifyMessage = verifyMessage;
  }

  /** verify_code: OpenSSL's X509_V_ERR_* code, e.g. 20 or 62. */
  public int verifyCode() {
    return verifyCode;
  }

  /** verify_message, e.g. "unable to get local issuer certificate"; null if none. */
  public String verifyMessage() {
    return verifyMessage;
  }
}
