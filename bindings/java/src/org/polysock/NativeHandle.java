package org.polysock;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The handle of a socket, poller, TLS context or TLS object, shared between its owner and the Cleaner action
 * that closes it if the owner is dropped unclosed. The action holds this object, never
 * the owner. Taking the value is atomic, so the handle is closed exactly once: by
 * close(), by detach(), or by the Cleaner.
 */
final class NativeHandle implements Runnable {
  static final Cleaner CLEANER = Cleaner.create();

  enum Kind {
    SOCKET,
    POLLER,
    TLS_CONTEXT,
    TLS_OBJECT
  }

  private final AtomicLong value;
  private final Kind kind;

  NativeHandle(long value, Kind kind) {
    this.value = new AtomicLong(value);
    this.kind = kind;
  }

  /** The handle, or 0 once closed (0 is never valid: calls then fail with EBADF). */
  long get() {
    return value.get();
  }

  /** Takes the handle away (0 if it was already taken). */
  long take() {
    return value.getAndSet(0);
  }

  /** Closes a taken handle. */
  void close(long h) throws IOException {
    if (h == 0) {
      return;
    }
    switch (kind) {
      case SOCKET -> PolysockNative.sock_close(h);
      case POLLER -> PolysockNative.sock_poller_close(h);
      case TLS_CONTEXT -> PolysockNative.tls_context_close(h);
      case TLS_OBJECT -> PolysockNative.tls_object_close(h);
    }
  }

  /** The Cleaner action: the owner is unreachable and was not closed. */
  @Override
  public void run() {
    try {
      close(take());
    } catch (IOException e) {
      // Nobody is left to tell: the descriptor is released by the C ABI all the same.
    }
  }
}
