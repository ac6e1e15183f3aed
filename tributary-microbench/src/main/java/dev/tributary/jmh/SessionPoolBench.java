package dev.tributary.jmh;

import io.netty.util.Recycler;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Does pooling session-like objects beat allocating them? A 10-field session object obtained by
 * {@code new}, from a single-threaded {@link ArrayDeque} free list (what one event loop would
 * own), or from Netty's {@link Recycler}; each is filled in, used and given back. The pools are
 * used from their owning thread only, as an event loop would.
 *
 * <ul>
 *   <li>{@code churn*}: acquire, fill, use, release at once: the pool's best case.
 *   <li>{@code window*}: sessions stay live in a ring of {@code window} slots; each op ends the
 *       oldest and starts a new one, so objects live for {@code window} ops (1,024: they die
 *       young; 65,536, ~5 MB live: some survive young collections and get copied).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SessionPoolBench {

  /** Ten fields, as a connection session would carry. */
  static class Session {
    String id;
    String user;
    String client;
    String channel;
    long createdNanos;
    long lastActiveNanos;
    long bytesOut;
    int subscriptions;
    int flags;
    Object transport;

    final void reset() {
      id = null;
      user = null;
      client = null;
      channel = null;
      createdNanos = 0;
      lastActiveNanos = 0;
      bytesOut = 0;
      subscriptions = 0;
      flags = 0;
      transport = null;
    }
  }

  static final class RecycledSession extends Session {
    final Recycler.Handle<RecycledSession> handle;

    RecycledSession(Recycler.Handle<RecycledSession> handle) {
      this.handle = handle;
    }

    void recycle() {
      reset();
      handle.recycle(this);
    }
  }

  /**
   * Netty's Recycler pinned to the benchmark thread. Netty 4.2's default Recycler pools only on
   * threads that clean their thread locals (FastThreadLocalThread, as Vert.x event loops are); on
   * JMH's plain threads it would hand out a new object every time, so the benchmark pins it to its
   * own thread, which is what an event loop gets.
   */
  private static Recycler<RecycledSession> pinnedRecycler() {
    return new Recycler<>(Thread.currentThread(), true) {
      @Override
      protected RecycledSession newObject(Handle<RecycledSession> handle) {
        return new RecycledSession(handle);
      }
    };
  }

  /** The simplest pool an event loop could own: a bounded free list, no locks. */
  static final class DequePool {
    private final ArrayDeque<Session> free = new ArrayDeque<>();
    private final int max;

    DequePool(int max) {
      this.max = max;
    }

    Session acquire() {
      Session s = free.pollFirst();
      return s != null ? s : new Session();
    }

    void release(Session s) {
      s.reset();
      if (free.size() < max) {
        free.addFirst(s);
      }
    }
  }

  /** Sessions that stay live: a ring of {@code window} slots and a pool that can hold them all. */
  @State(Scope.Thread)
  public static class Live {
    @Param({"1024", "65536"})
    public int window;

    Session[] ring;
    DequePool pool;

    @Setup
    public void setUp() {
      ring = new Session[window];
      pool = new DequePool(window + 1024);
    }
  }

  private final String[] ids = new String[256];
  private final String[] users = new String[256];
  private final Object transport = new Object();
  private final DequePool pool = new DequePool(1024);
  private Recycler<RecycledSession> recycler;
  private int i;

  @Setup
  public void setUp() {
    recycler = pinnedRecycler();
    for (int k = 0; k < ids.length; k++) {
      ids[k] = "c0ffee00-0000-4000-8000-" + String.format("%012d", k);
      users[k] = "user-" + k;
    }
  }

  private <S extends Session> S fill(S s, int n) {
    s.id = ids[n & 255];
    s.user = users[(n >>> 8) & 255];
    s.client = "js";
    s.channel = "chat:lobby";
    s.createdNanos = n;
    s.lastActiveNanos = n + 1;
    s.bytesOut = 150L * n;
    s.subscriptions = 1;
    s.flags = n & 7;
    s.transport = transport;
    return s;
  }

  // ---- churn: the object is released right after use ----

  @Benchmark
  public void churnNew(Blackhole bh) {
    Session s = fill(new Session(), i++);
    bh.consume(s);
  }

  @Benchmark
  public void churnDeque(Blackhole bh) {
    Session s = fill(pool.acquire(), i++);
    bh.consume(s);
    pool.release(s);
  }

  @Benchmark
  public void churnRecycler(Blackhole bh) {
    RecycledSession s = fill(recycler.get(), i++);
    bh.consume(s);
    s.recycle();
  }

  // ---- window: objects stay live for `window` ops ----

  @Benchmark
  public Session windowNew(Live live) {
    int n = i++;
    Session s = fill(new Session(), n);
    live.ring[n & (live.window - 1)] = s;
    return s;
  }

  @Benchmark
  public Session windowDeque(Live live) {
    int n = i++;
    int slot = n & (live.window - 1);
    Session old = live.ring[slot];
    if (old != null) {
      live.pool.release(old);
    }
    Session s = fill(live.pool.acquire(), n);
    live.ring[slot] = s;
    return s;
  }

  @Benchmark
  public Session windowRecycler(Live live) {
    int n = i++;
    int slot = n & (live.window - 1);
    Session old = live.ring[slot];
    if (old != null) {
      ((RecycledSession) old).recycle();
    }
    Session s = fill(recycler.get(), n);
    live.ring[slot] = s;
    return s;
  }
}
