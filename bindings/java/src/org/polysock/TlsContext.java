package org.polysock;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Python's ssl.SSLContext on OpenSSL: the settings (certificates, CAs, verification,
 * versions, ciphers, ALPN) that {@link #wrapSocket} and {@link #wrapBio} use. A TLS
 * socket is an ordinary {@link Socket}: recv, send, sendall, timeouts, shutdown, close,
 * the {@link Poller} and the stream views all work on it, in every mode.
 *
 * <pre>{@code
 * try (TlsContext ctx = TlsContext.createDefault(TlsContext.Purpose.SERVER_AUTH);
 *      Socket tls = ctx.wrapSocket(Net.createConnection("localhost", 443, 5.0), false,
 *          "localhost")) {
 *   tls.sendall(request);
 * }
 * }</pre>
 *
 * <p>Failures are {@link SslException} and its subclasses (Python's SSLError family),
 * {@link PolysockException} for the OS (a missing file is {@link EntryNotFoundException}),
 * IllegalArgumentException for a bad argument (ValueError), and in a polysock built
 * without OpenSSL UnsupportedOperationException. Close the context when done (sockets
 * made from it keep what they need); one left unclosed is closed by a Cleaner.
 */
public final class TlsContext implements AutoCloseable {
  /** Python's ssl.Purpose: what the context's peer is authenticated for. */
  public enum Purpose {
    /** The peer is a server: a client's context (verifies servers, checks host names). */
    SERVER_AUTH(TlsConstants.PURPOSE_SERVER_AUTH),
    /** The peer is a client: a server's context. */
    CLIENT_AUTH(TlsConstants.PURPOSE_CLIENT_AUTH);

    private final int value;

    Purpose(int value) {
      this.value = value;
    }
  }

  /** Python's ssl.PROTOCOL_TLS_CLIENT and PROTOCOL_TLS_SERVER. */
  public enum Protocol {
    /** check_hostname on, CERT_REQUIRED, no CA loaded. */
    TLS_CLIENT(TlsConstants.PROTOCOL_TLS_CLIENT),
    /** CERT_NONE, check_hostname off. */
    TLS_SERVER(TlsConstants.PROTOCOL_TLS_SERVER);

    private final int value;

    Protocol(int value) {
      this.value = value;
    }
  }

  private final NativeHandle handle;
  private final Cleaner.Cleanable cleanable;

  private TlsContext(long h) {
    handle = new NativeHandle(h, NativeHandle.Kind.TLS_CONTEXT);
    cleanable = NativeHandle.CLEANER.register(this, handle);
  }

  /** ssl.SSLContext(protocol): Python's defaults for the protocol, no CA loaded. */
  public TlsContext(Protocol protocol) throws IOException {
    this(create(protocol));
  }

  private static long create(Protocol protocol) throws IOException {
    long[] out = new long[1];
    PolysockNative.tls_context_create(Objects.requireNonNull(protocol, "protocol").value, out);
    return out[0];
  }

  /** ssl.create_default_context(): a client's context (Purpose.SERVER_AUTH). */
  public static TlsContext createDefault() throws IOException {
    return createDefault(Purpose.SERVER_AUTH);
  }

  /**
   * ssl.create_default_context(purpose): TLS 1.2 or newer, Python's ciphers and options
   * and the system CA store; for SERVER_AUTH a client's context with check_hostname on
   * and CERT_REQUIRED, for CLIENT_AUTH a server's with CERT_NONE.
   */
  public static TlsContext createDefault(Purpose purpose) throws IOException {
    long[] out = new long[1];
    PolysockNative.tls_context_create_default(Objects.requireNonNull(purpose, "purpose").value,
        out);
    return new TlsContext(out[0]);
  }

  /** True if this polysock was built with TLS (OpenSSL); otherwise every call here fails. */
  public static boolean available() {
    return PolysockNative.tls_available() != 0;
  }

  /** ssl.OPENSSL_VERSION, e.g. "OpenSSL 3.0.17 1 Jul 2025". */
  public static String opensslVersion() throws IOException {
    String[] out = new String[1];
    PolysockNative.tls_openssl_version(out);
    return out[0];
  }

  // ---- certificates ----

  /** load_cert_chain(certfile): the certificate chain and its key in one PEM file. */
  public void loadCertChain(String certfile) throws IOException {
    loadCertChain(certfile, null, null);
  }

  /** load_cert_chain(certfile, keyfile); keyfile null means the key is in certfile. */
  public void loadCertChain(String certfile, String keyfile) throws IOException {
    loadCertChain(certfile, keyfile, null);
  }

  /**
   * load_cert_chain(certfile, keyfile, password): password (may be null) decrypts the
   * key. A missing file is {@link EntryNotFoundException} (ENOENT), a bad one {@link
   * SslException} ("[SSL] PEM lib", ...).
   */
  public void loadCertChain(String certfile, String keyfile, String password)
      throws IOException {
    Objects.requireNonNull(certfile, "certfile");
    try {
      PolysockNative.tls_context_load_cert_chain(handle.get(), certfile, keyfile, password);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** load_cert_chain(certfile). */
  public void loadCertChain(Path certfile) throws IOException {
    loadCertChain(certfile.toString(), null, null);
  }

  /** load_cert_chain(certfile, keyfile). */
  public void loadCertChain(Path certfile, Path keyfile) throws IOException {
    loadCertChain(certfile, keyfile, null);
  }

  /** load_cert_chain(certfile, keyfile, password); keyfile may be null. */
  public void loadCertChain(Path certfile, Path keyfile, String password) throws IOException {
    loadCertChain(certfile.toString(), keyfile == null ? null : keyfile.toString(), password);
  }

  /** load_verify_locations(cafile): the CA certificates of a PEM file. */
  public void loadVerifyLocations(String cafile) throws IOException {
    loadVerifyLocations(cafile, null, null);
  }

  /** load_verify_locations(cafile). */
  public void loadVerifyLocations(Path cafile) throws IOException {
    loadVerifyLocations(cafile.toString(), null, null);
  }

  /** load_verify_locations(cafile, capath): either may be null, not both. */
  public void loadVerifyLocations(String cafile, String capath) throws IOException {
    loadVerifyLocations(cafile, capath, null);
  }

  /**
   * load_verify_locations(cafile, capath, cadata): any may be null, not all; cadata is
   * DER bytes or the bytes of PEM text.
   */
  public void loadVerifyLocations(String cafile, String capath, byte[] cadata)
      throws IOException {
    try {
      PolysockNative.tls_context_load_verify_locations(handle.get(), cafile, capath, cadata);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** load_verify_locations(cadata=pem): CA certificates as PEM text. */
  public void loadVerifyData(String pem) throws IOException {
    loadVerifyLocations(null, null,
        Objects.requireNonNull(pem, "cadata").getBytes(StandardCharsets.US_ASCII));
  }

  /** load_verify_locations(cadata=data): CA certificates as DER bytes (or PEM text's bytes). */
  public void loadVerifyData(byte[] cadata) throws IOException {
    loadVerifyLocations(null, null, Objects.requireNonNull(cadata, "cadata"));
  }

  /** load_default_certs(): the system CA store, for verifying servers. */
  public void loadDefaultCerts() throws IOException {
    loadDefaultCerts(Purpose.SERVER_AUTH);
  }

  /** load_default_certs(purpose). */
  public void loadDefaultCerts(Purpose purpose) throws IOException {
    try {
      PolysockNative.tls_context_load_default_certs(handle.get(),
          Objects.requireNonNull(purpose, "purpose").value);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  // ---- settings ----

  /** verify_mode. */
  public VerifyMode verifyMode() throws IOException {
    int[] out = new int[1];
    try {
      PolysockNative.tls_context_get_verify_mode(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return VerifyMode.of(out[0]);
  }

  /**
   * verify_mode = mode. As in Python, CERT_NONE while check_hostname is on is
   * IllegalArgumentException("Cannot set verify_mode to CERT_NONE when check_hostname is
   * enabled."): turn check_hostname off first.
   */
  public void setVerifyMode(VerifyMode mode) throws IOException {
    try {
      PolysockNative.tls_context_set_verify_mode(handle.get(),
          Objects.requireNonNull(mode, "mode").value());
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** check_hostname. */
  public boolean checkHostname() throws IOException {
    int[] out = new int[1];
    try {
      PolysockNative.tls_context_get_check_hostname(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return out[0] != 0;
  }

  /** check_hostname = on; turning it on with CERT_NONE makes the mode CERT_REQUIRED. */
  public void setCheckHostname(boolean on) throws IOException {
    try {
      PolysockNative.tls_context_set_check_hostname(handle.get(), on ? 1 : 0);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** minimum_version. */
  public TlsVersion minimumVersion() throws IOException {
    int[] out = new int[1];
    try {
      PolysockNative.tls_context_get_minimum_version(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return TlsVersion.of(out[0]);
  }

  /** minimum_version = version. */
  public void setMinimumVersion(TlsVersion version) throws IOException {
    try {
      PolysockNative.tls_context_set_minimum_version(handle.get(),
          Objects.requireNonNull(version, "version").value());
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** maximum_version. */
  public TlsVersion maximumVersion() throws IOException {
    int[] out = new int[1];
    try {
      PolysockNative.tls_context_get_maximum_version(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return TlsVersion.of(out[0]);
  }

  /** maximum_version = version. */
  public void setMaximumVersion(TlsVersion version) throws IOException {
    try {
      PolysockNative.tls_context_set_maximum_version(handle.get(),
          Objects.requireNonNull(version, "version").value());
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /**
   * set_ciphers(ciphers): an OpenSSL cipher list for TLS 1.2 and older; none matching is
   * {@link SslException} "No cipher can be selected.".
   */
  public void setCiphers(String ciphers) throws IOException {
    Objects.requireNonNull(ciphers, "ciphers");
    try {
      PolysockNative.tls_context_set_ciphers(handle.get(), ciphers);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** set_alpn_protocols(protocols): the names in order of preference, e.g. "h2", "http/1.1". */
  public void setAlpnProtocols(String... protocols) throws IOException {
    setAlpnProtocols(List.of(protocols));
  }

  /**
   * set_alpn_protocols(protocols). Each name is ASCII of 1 to 255 bytes (otherwise
   * IllegalArgumentException with Python's text "ALPN protocols must be 1 to 255 in
   * length"; Python raises it as SSLError) and holds no ','; an empty list clears them.
   */
  public void setAlpnProtocols(List<String> protocols) throws IOException {
    StringBuilder joined = new StringBuilder();
    for (String p : protocols) {
      Objects.requireNonNull(p, "protocol");
      if (!StandardCharsets.US_ASCII.newEncoder().canEncode(p)) {
        throw new IllegalArgumentException("ALPN protocol names must be ASCII: " + p);
      }
      if (p.isEmpty() || p.length() > 255) {
        throw new IllegalArgumentException("ALPN protocols must be 1 to 255 in length");
      }
      if (p.indexOf(',') >= 0) {
        throw new IllegalArgumentException("ALPN protocol names cannot hold ',': " + p);
      }
      if (joined.length() > 0) {
        joined.append(',');
      }
      joined.append(p);
    }
    try {
      PolysockNative.tls_context_set_alpn_protocols(handle.get(), joined.toString());
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  // ---- wrapping ----

  /**
   * wrap_socket(sock, server_side, server_hostname): as {@link #wrapSocket(Socket,
   * boolean, String, boolean, boolean)} with the handshake on connect and ragged EOFs
   * read as end of stream (Python's defaults).
   */
  public Socket wrapSocket(Socket sock, boolean serverSide, String serverHostname)
      throws IOException {
    return wrapSocket(sock, serverSide, serverHostname, true, true);
  }

  /**
   * wrap_socket(sock, server_side, do_handshake_on_connect, suppress_ragged_eofs,
   * server_hostname): a TLS socket with sock's descriptor, family, type and timeout.
   * sock itself is detached, as Python's wrap_socket detaches it: from now on it reads
   * as closed ({@link Socket#isClosed()}, EBADF from every call, fileno() -1), and
   * closing it is harmless; close the returned socket instead.
   *
   * <p>A connected sock handshakes now, in its mode (unless doHandshakeOnConnect is
   * false: then on first use or {@link Socket#doHandshake()}; a non-blocking socket
   * needs false, as in Python). An unconnected one handshakes in connect(); a wrapped
   * listening socket accepts TLS connections, handshaken. serverHostname (null for
   * none; required while check_hostname is on) is sent as SNI and checked against the
   * certificate. On failure sock is unchanged, except that a failed handshake closes
   * it, as Python's does.
   *
   * @param sock a SOCK_STREAM socket
   * @param serverSide true for the server's end
   * @param serverHostname the name to ask for and check (clients), or null
   * @param doHandshakeOnConnect false: no handshake until the first I/O or doHandshake
   * @param suppressRaggedEofs false: an EOF without close_notify is {@link SslEofException}
   *     rather than end of stream
   * @return the TLS socket
   * @throws IOException as the handshake or the OS fails
   */
  public Socket wrapSocket(Socket sock, boolean serverSide, String serverHostname,
      boolean doHandshakeOnConnect, boolean suppressRaggedEofs) throws IOException {
    Objects.requireNonNull(sock, "sock");
    int flags = (doHandshakeOnConnect ? 0 : TlsConstants.WRAP_NO_HANDSHAKE)
        | (suppressRaggedEofs ? 0 : TlsConstants.WRAP_RAGGED_EOF_ERROR);
    long[] out = new long[1];
    try {
      PolysockNative.tls_wrap_socket(handle.get(), sock.handleValue(), serverSide ? 1 : 0,
          serverHostname, flags, out);
    } catch (IOException | RuntimeException e) {
      sock.forgetHandleIfClosed(); // a failed handshake closed it
      throw e;
    } finally {
      Reference.reachabilityFence(this);
      Reference.reachabilityFence(sock);
    }
    sock.forgetHandle(); // detached: its descriptor lives on in the TLS socket
    return new Socket(out[0]);
  }

  /**
   * wrap_bio(incoming, outgoing, server_side, server_hostname): the TLS engine over
   * memory buffers (Python's SSLObject with its two MemoryBIOs), for a program that
   * moves the bytes itself.
   */
  public TlsObject wrapBio(boolean serverSide, String serverHostname) throws IOException {
    long[] out = new long[1];
    try {
      PolysockNative.tls_context_wrap_bio(handle.get(), serverSide ? 1 : 0, serverHostname, out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return new TlsObject(out[0], serverSide, serverHostname);
  }

  /** Releases the context; sockets and objects made from it keep working. Idempotent. */
  @Override
  public void close() throws IOException {
    long h = handle.take();
    try {
      handle.close(h);
    } finally {
      cleanable.clean();
    }
  }
}
