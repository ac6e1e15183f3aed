package dev.tributary.gateway;

import dev.tributary.support.Clock;

/**
 * The heartbeat schedule of one event loop's connections, with no timer or thread per
 * connection: members sit in one of {@code pingIntervalSeconds} one-second slots; each second one
 * slot is pinged and the slot pinged {@code pongTimeoutSeconds} ago is checked for missing pongs.
 * Adding, removing and each member's ping cost O(1).
 *
 * <p>Not thread-safe: owned by one event loop. The owner calls {@link #advance()} from a periodic
 * one-second timer; time comes from the injected {@link Clock}, so a late timer catches up and tests
 * use a fake clock.
 */
public final class HeartbeatWheel<M extends HeartbeatWheel.Member> {

  /** A scheduled connection: the wheel keeps its position in these fields. */
  public abstract static class Member {
    int hbSlot = -1;
    int hbIndex = -1;
    /** A ping was sent and no pong has come back since. */
    boolean hbAwaitingPong;

    /** Marks that the client answered the last ping. */
    public final void pongReceived() {
      hbAwaitingPong = false;
    }

    public final boolean isScheduled() {
      return hbSlot >= 0;
    }
  }

  /** What the wheel asks its owner to do. */
  public interface Listener<M> {
    /** Time to ping {@code member}; return true if a pong is expected back. */
    boolean ping(M member);

    /** {@code member} did not answer its ping within the pong timeout. */
    void pongMissing(M member);
  }

  private final Clock clock;
  private final int interval;
  private final int pongTimeout;
  private final Listener<M> listener;
  private final Object[][] slots;
  private final int[] sizes;
  private final long startMillis;
  private long tick;
  private int size;

  public HeartbeatWheel(Clock clock, int pingIntervalSeconds, int pongTimeoutSeconds, Listener<M> listener) {
    if (pongTimeoutSeconds >= pingIntervalSeconds) {
      throw new IllegalArgumentException("pongTimeoutSeconds must be < pingIntervalSeconds");
    }
    this.clock = clock;
    this.interval = pingIntervalSeconds;
    this.pongTimeout = pongTimeoutSeconds;
    this.listener = listener;
    this.slots = new Object[interval][];
    this.sizes = new int[interval];
    for (int i = 0; i < interval; i++) {
      slots[i] = new Object[8];
    }
    this.startMillis = clock.monotonicMillis();
  }

  /** Schedules a member: its first ping comes {@code pingIntervalSeconds} from now. */
  public void add(M m) {
    if (m.hbSlot >= 0) {
      return;
    }
    int slot = (int) (tick % interval);
    Object[] arr = slots[slot];
    int n = sizes[slot];
    if (n == arr.length) {
      arr = java.util.Arrays.copyOf(arr, n * 2);
      slots[slot] = arr;
    }
    arr[n] = m;
    sizes[slot] = n + 1;
    m.hbSlot = slot;
    m.hbIndex = n;
    m.hbAwaitingPong = false;
    size++;
  }

  /** Unschedules a member (on close). Swap-remove: O(1). */
  public void remove(M m) {
    int slot = m.hbSlot;
    if (slot < 0) {
      return;
    }
    Object[] arr = slots[slot];
    int last = --sizes[slot];
    int idx = m.hbIndex;
    if (idx != last) {
      @SuppressWarnings("unchecked")
      M moved = (M) arr[last];
      arr[idx] = moved;
      moved.hbIndex = idx;
    }
    arr[last] = null;
    m.hbSlot = -1;
    m.hbIndex = -1;
    size--;
  }

  /** Visits every member (for shutdown). Members must not be added or removed meanwhile. */
  @SuppressWarnings("unchecked")
  public void forEach(java.util.function.Consumer<M> action) {
    for (int s = 0; s < interval; s++) {
      Object[] arr = slots[s];
      for (int i = 0; i < sizes[s]; i++) {
        action.accept((M) arr[i]);
      }
    }
  }

  public int size() {
    return size;
  }

  /** Processes every whole second elapsed since the last call. */
  public void advance() {
    long target = (clock.monotonicMillis() - startMillis) / 1000;
    while (tick < target) {
      tick++;
      checkPongs((int) ((tick - pongTimeout) % interval + interval) % interval);
      ping((int) (tick % interval));
    }
  }

  @SuppressWarnings("unchecked")
  private void checkPongs(int slot) {
    if (tick < pongTimeout + 1) {
      return;
    }
    Object[] arr = slots[slot];
    // Iterate downwards: pongMissing may remove the member (swap-remove from the end).
    for (int i = sizes[slot] - 1; i >= 0; i--) {
      if (i >= sizes[slot]) {
        continue;
      }
      M m = (M) arr[i];
      if (m.hbAwaitingPong) {
        m.hbAwaitingPong = false;
        listener.pongMissing(m);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void ping(int slot) {
    Object[] arr = slots[slot];
    for (int i = sizes[slot] - 1; i >= 0; i--) {
      if (i >= sizes[slot]) {
        continue;
      }
      M m = (M) arr[i];
      m.hbAwaitingPong = listener.ping(m);
    }
  }
}
