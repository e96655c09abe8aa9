package org.polysock;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.Objects;

/**
 * Python's ssl.SSLObject with its two MemoryBIOs ({@link TlsContext#wrapBio}): the TLS
 * engine over memory, for a program that does its own I/O. Bytes from the peer go in
 * with {@link #feed} ({@link #feedEof} at its end of stream: incoming.write /
 * write_eof); what the engine has to send comes out of {@link #drain} (outgoing.read).
 * doHandshake, read, write and unwrap never wait: {@link SslWantReadException} means
 * "feed me the peer's next bytes, then call again"; drain after every call.
 *
 * <pre>{@code
 * while (true) {
 *   try { obj.doHandshake(); break; }
 *   catch (SslWantReadException e) { send(obj.drain()); obj.feed(receive()); }
 * }
 * send(obj.drain());
 * }</pre>
 *
 * <p>Not thread-safe for concurrent use (as Python's); close() is deterministic, and an
 * object left unclosed is closed by a Cleaner.
 */
public final class TlsObject implements AutoCloseable {
  private final NativeHandle handle;
  private final Cleaner.Cleanable cleanable;
  private final boolean serverSide;
  private final String serverHostname;

  TlsObject(long h, boolean serverSide, String serverHostname) {
    handle = new NativeHandle(h, NativeHandle.Kind.TLS_OBJECT);
    cleanable = NativeHandle.CLEANER.register(this, handle);
    this.serverSide = serverSide;
    this.serverHostname = serverHostname;
  }

  /** server_side, as given to wrapBio. */
  public boolean serverSide() {
    return serverSide;
  }

  /** server_hostname, as given to wrapBio (null for None). */
  public String serverHostname() {
    return serverHostname;
  }

  // ---- the two buffers ----

  /** incoming.write(data): bytes received from the peer. */
  public void feed(byte[] data) throws IOException {
    feed(data, 0, data.length);
  }

  /** incoming.write(data[offset, offset + length]). */
  public void feed(byte[] data, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, data.length);
    try {
      PolysockNative.polysock_java_object_feed(handle.get(), data, offset, length);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** incoming.write_eof(): the peer's stream ended. */
  public void feedEof() throws IOException {
    try {
      PolysockNative.tls_object_feed_eof(handle.get());
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** outgoing.pending: the bytes waiting to be drained and sent to the peer. */
  public int outgoingPending() throws IOException {
    long[] out = new long[1];
    try {
      PolysockNative.tls_object_outgoing_pending(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return (int) out[0];
  }

  /** outgoing.read(): every byte waiting to be sent (empty if none). */
  public byte[] drain() throws IOException {
    byte[] all = new byte[0];
    for (int n = outgoingPending(); n > 0; n = outgoingPending()) {
      byte[] piece = drain(n);
      if (piece.length == 0) {
        break;
      }
      int old = all.length;
      all = Arrays.copyOf(all, old + piece.length);
      System.arraycopy(piece, 0, all, old, piece.length);
    }
    return all;
  }

  /** outgoing.read(max): up to max bytes waiting to be sent (empty if none). */
  public byte[] drain(int max) throws IOException {
    if (max < 0) {
      throw new IllegalArgumentException("negative length");
    }
    byte[] buf = new byte[max];
    int n = drainInto(buf, 0, max);
    return n == max ? buf : Arrays.copyOf(buf, n);
  }

  /** outgoing.read into buffer[offset, offset + length): the number of bytes, 0 if none. */
  public int drainInto(byte[] buffer, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, buffer.length);
    try {
      return (int) PolysockNative.polysock_java_object_drain(handle.get(), buffer, offset, length);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  // ---- the TLS connection ----

  /** do_handshake(): {@link SslWantReadException} until the peer's part has been fed. */
  public void doHandshake() throws IOException {
    try {
      PolysockNative.tls_object_do_handshake(handle.get());
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** read(len): up to len decrypted bytes; empty after the peer's close_notify. */
  public byte[] read(int len) throws IOException {
    if (len < 0) {
      throw new IllegalArgumentException("size should not be negative");
    }
    byte[] buf = new byte[len];
    int n = readInto(buf, 0, len);
    return n == len ? buf : Arrays.copyOf(buf, n);
  }

  /** read(len, buffer) into buffer[offset, offset + length): the bytes read, 0 at the end. */
  public int readInto(byte[] buffer, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, buffer.length);
    try {
      return (int) PolysockNative.polysock_java_object_read(handle.get(), buffer, offset, length);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** write(data): encrypts all of data into the outgoing buffer; its length. */
  public int write(byte[] data) throws IOException {
    return write(data, 0, data.length);
  }

  /** write(data[offset, offset + length]). */
  public int write(byte[] data, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, data.length);
    try {
      return (int) PolysockNative.polysock_java_object_write(handle.get(), data, offset, length);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** pending(): decrypted bytes readable now. */
  public int pending() throws IOException {
    long[] out = new long[1];
    try {
      PolysockNative.tls_object_pending(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return (int) out[0];
  }

  /**
   * unwrap(): queues close_notify (drain it to the peer); {@link SslWantReadException}
   * until the peer's close_notify has been fed.
   */
  public void unwrap() throws IOException {
    try {
      PolysockNative.tls_object_unwrap(handle.get());
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** version(): e.g. "TLSv1.3"; null before the handshake. */
  public String version() throws IOException {
    String[] out = new String[1];
    try {
      PolysockNative.tls_object_version(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return Tls.noneIfEmpty(out[0]);
  }

  /** cipher(): (name, protocol, secret_bits); null before the handshake. */
  public TlsCipher cipher() throws IOException {
    TlsCipher[] out = new TlsCipher[1];
    try {
      PolysockNative.tls_object_cipher(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return out[0];
  }

  /** selected_alpn_protocol(): the protocol agreed, null if none. */
  public String selectedAlpnProtocol() throws IOException {
    String[] out = new String[1];
    try {
      PolysockNative.tls_object_selected_alpn_protocol(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return Tls.noneIfEmpty(out[0]);
  }

  /**
   * getpeercert(): the peer's certificate, null if it sent none; before the handshake
   * IllegalArgumentException("handshake not done yet"), as Python's ValueError.
   */
  public PeerCertificate getpeercert() throws IOException {
    PeerCertificate[] out = new PeerCertificate[1];
    try {
      PolysockNative.polysock_java_object_getpeercert(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return out[0];
  }

  /** getpeercert(binary_form=True): the DER bytes, null if the peer sent no certificate. */
  public byte[] getpeercertDer() throws IOException {
    PeerCertificate cert = getpeercert();
    return cert == null ? null : cert.der();
  }

  /** Releases the engine; idempotent. */
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
