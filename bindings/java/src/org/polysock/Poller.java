package org.polysock;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves many sockets from one thread, like Python's selectors.DefaultSelector:
 * register sockets with the events of interest and a user value, then {@link #select}.
 * Level-triggered; thread-safe; closing the poller wakes threads in select. A poller
 * holds its registered sockets until they are unregistered or the poller is closed.
 * With an interrupt hook ({@link Net#setInterruptHook}), a select that a signal
 * interrupts throws {@link InterruptedCallException} when the hook says stop.
 */
public final class Poller implements AutoCloseable {
  /** Readable: data, a connection to accept, or end of stream. */
  public static final int EVENT_READ;
  /** Writable: send will not block, or a connect has finished. */
  public static final int EVENT_WRITE;
  /** An error is pending; always reported. */
  public static final int EVENT_ERROR;
  /** Both directions are shut; always reported. */
  public static final int EVENT_HUP;

  static {
    int[] r = new int[1];
    int[] w = new int[1];
    int[] e = new int[1];
    int[] h = new int[1];
    try {
      PolysockNative.polysock_java_event_bits(r, w, e, h);
    } catch (IOException x) {
      throw new IllegalStateException(x);
    }
    EVENT_READ = r[0];
    EVENT_WRITE = w[0];
    EVENT_ERROR = e[0];
    EVENT_HUP = h[0];
  }

  /**
   * One ready socket: its events (EVENT_* bits) and the attachment it was registered
   * with (Python's key.data, NIO's SelectionKey.attachment()), null if none.
   */
  public record Event(Socket socket, int events, Object attachment) {
    /** EVENT_READ is set. */
    public boolean readable() {
      return (events & EVENT_READ) != 0;
    }

    /** EVENT_WRITE is set. */
    public boolean writable() {
      return (events & EVENT_WRITE) != 0;
    }

    /** EVENT_ERROR is set: an error is pending (SO_ERROR, or the next call, tells which). */
    public boolean error() {
      return (events & EVENT_ERROR) != 0;
    }

    /** EVENT_HUP is set: both directions are shut. */
    public boolean hangup() {
      return (events & EVENT_HUP) != 0;
    }
  }

  /** A registered socket and its attachment. */
  private record Registration(Socket socket, Object attachment) {}

  private static final int DEFAULT_MAX_EVENTS = 64;

  private final NativeHandle handle;
  private final Cleaner.Cleanable cleanable;
  private final Map<Long, Registration> registered = new ConcurrentHashMap<>();

  /** A new, empty poller. */
  public Poller() throws IOException {
    long[] out = new long[1];
    PolysockNative.sock_poller_create(out);
    handle = new NativeHandle(out[0], NativeHandle.Kind.POLLER);
    cleanable = NativeHandle.CLEANER.register(this, handle);
  }

  /** register(socket, events): no attachment (null). */
  public void register(Socket socket, int events) throws IOException {
    register(socket, events, null);
  }

  /**
   * register(socket, events, data): attachment is any object (or null), given back in
   * each {@link Event}; already registered is {@link FileExistsException} (EEXIST).
   */
  public void register(Socket socket, int events, Object attachment) throws IOException {
    long h = socket.handleValue();
    try {
      PolysockNative.sock_poller_register(handle.get(), h, events, 0);
      registered.put(h, new Registration(socket, attachment));
    } finally {
      Reference.reachabilityFence(this);
      Reference.reachabilityFence(socket);
    }
  }

  /** modify(socket, events): new events, the attachment kept; not registered is ENOENT. */
  public void modify(Socket socket, int events) throws IOException {
    Registration r = registered.get(socket.handleValue());
    modify(socket, events, r == null ? null : r.attachment());
  }

  /** modify(socket, events, data): new events and attachment; not registered is ENOENT. */
  public void modify(Socket socket, int events, Object attachment) throws IOException {
    long h = socket.handleValue();
    try {
      PolysockNative.sock_poller_modify(handle.get(), h, events, 0);
      registered.put(h, new Registration(socket, attachment));
    } finally {
      Reference.reachabilityFence(this);
      Reference.reachabilityFence(socket);
    }
  }

  /** unregister(socket): not registered is ENOENT. */
  public void unregister(Socket socket) throws IOException {
    long h = socket.handleValue();
    try {
      registered.remove(h);
      PolysockNative.sock_poller_unregister(handle.get(), h);
    } finally {
      Reference.reachabilityFence(this);
      Reference.reachabilityFence(socket);
    }
  }

  /** select(): waits without limit for at least one ready socket. */
  public List<Event> select() throws IOException {
    return select(null, DEFAULT_MAX_EVENTS);
  }

  /**
   * select(timeout): seconds, null waits without limit; [] on timeout. As in Python, a
   * timeout of 0 or less only looks.
   */
  public List<Event> select(Double timeout) throws IOException {
    return select(timeout, DEFAULT_MAX_EVENTS);
  }

  /** select(timeout) with a primitive timeout: 0 or less only looks. */
  public List<Event> select(double timeout) throws IOException {
    return waitFor(Math.max(timeout, 0.0), DEFAULT_MAX_EVENTS);
  }

  /** select(timeout) returning at most maxEvents events. */
  public List<Event> select(Double timeout, int maxEvents) throws IOException {
    return waitFor(timeout == null ? Timeouts.NONE : Math.max(timeout, 0.0), maxEvents);
  }

  /** select(timeout) returning at most maxEvents events. */
  public List<Event> select(double timeout, int maxEvents) throws IOException {
    return waitFor(Math.max(timeout, 0.0), maxEvents);
  }

  private List<Event> waitFor(double timeout, int maxEvents) throws IOException {
    if (maxEvents < 1) {
      throw new IllegalArgumentException("maxEvents must be positive");
    }
    long[] triples = new long[3 * maxEvents];
    long[] n = new long[1];
    try {
      PolysockNative.sock_poller_wait(handle.get(), timeout, triples, n);
    } finally {
      Reference.reachabilityFence(this);
    }
    List<Event> events = new ArrayList<>((int) n[0]);
    for (int i = 0; i < n[0]; i++) {
      Registration r = registered.get(triples[3 * i]);
      if (r != null) {
        events.add(new Event(r.socket(), (int) triples[3 * i + 1], r.attachment()));
      }
    }
    // Sockets closed while registered are dropped by the C ABI: forget them here too.
    registered.values().removeIf(r -> r.socket().isClosed());
    return events;
  }

  /**
   * The poller's own descriptor, for a foreign event loop: level-triggered, it polls
   * readable while {@link #select(double) select(0)} would report an event. Only
   * watch it (poll, epoll, select); never read from it or close it. It is valid until
   * the poller is closed.
   *
   * @return the descriptor
   * @throws IOException if the poller is closed (EBADF), or if the build uses the
   *     poll() backend, which has none (ENOTSUP)
   */
  public int fileno() throws IOException {
    int[] fd = new int[1];
    try {
      PolysockNative.sock_poller_fileno(handle.get(), fd);
    } finally {
      Reference.reachabilityFence(this);
    }
    return fd[0];
  }

  /** close(): closes the poller (not its sockets); threads in select fail with EBADF. */
  @Override
  public void close() throws IOException {
    long p = handle.take();
    registered.clear();
    try {
      handle.close(p);
    } finally {
      cleanable.clean();
    }
  }
}
