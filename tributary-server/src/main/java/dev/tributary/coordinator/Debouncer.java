package dev.tributary.coordinator;

import dev.tributary.bus.Priority;
import dev.tributary.support.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;

/**
 * Per-key trailing-edge debounce, latest value wins: updates of one key that arrive closer
 * together than the delay are coalesced into one emission carrying the last value.
 *
 * <p>Rules, for each key:
 *
 * <ul>
 *   <li>An offer sets the key's deadline to {@code now + delay}, where the delay is
 *       {@link #getCriticalDelayMillis()} if the key's pending priority is {@link
 *       Priority#CRITICAL} and {@link #getNormalDelayMillis()} otherwise.
 *   <li>The pending priority is the highest offered since the key was last emitted, so a critical
 *       update followed by a low one still leaves with the critical delay and priority (and the low
 *       one's value: latest wins).
 *   <li>A deadline is never later than the key's first pending offer plus {@link
 *       #getMaxWaitMillis()}: a key that never pauses still emits at least that often.
 *   <li>With {@link #isCriticalBypass()}, a critical offer is not debounced at all: {@link
 *       #offer} answers {@link Offer#EMIT_NOW}, and whatever was pending for the key is dropped
 *       (the critical value is newer).
 * </ul>
 *
 * <p>The class answers "emit now?" and "when is the next deadline?"; the owner wires the timer:
 *
 * <pre>{@code
 * if (debouncer.offer(key, value, priority).emitNow()) publish(key, value);
 * rearm(debouncer.nextDeadlineMillis());          // -1: nothing pending, cancel the timer
 * // timer handler:
 * for (Debouncer.Entry<K, V> e : debouncer.due()) publish(e.key(), e.value());
 * rearm(debouncer.nextDeadlineMillis());
 * }</pre>
 *
 * <p>Cost: O(log n) per offer and per emitted entry, n = keys pending, and memory for exactly one
 * node per pending key. Deadlines sit in an indexed binary min-heap: each node knows its heap
 * slot, so a coalescing offer moves the key's one node in place. A heap with lazy invalidation
 * would leave a dead node behind for every coalesced offer, and a key updated 1,000 times a second
 * would pile up 1,000 dead nodes a second until they reach the top; here a hot key costs nothing
 * more than a quiet one.
 *
 * <p>Time is {@link Clock#monotonicMillis()} of the injected clock; all deadlines are on that
 * scale.
 *
 * <p>Not thread-safe: one instance is owned by one event loop (the coordinator verticle's), which
 * makes every call, including from its timers.
 *
 * @param <K> the debounce key, e.g. (module, key); needs {@code equals}/{@code hashCode}
 * @param <V> the update carried to emission
 */
public final class Debouncer<K, V> {
  /** Default delay of non-critical keys: 300 ms. */
  public static final long DEFAULT_NORMAL_DELAY_MILLIS = 300;
  /** Default delay of critical keys when not bypassed: 50 ms. */
  public static final long DEFAULT_CRITICAL_DELAY_MILLIS = 50;
  /** Default longest a continuously updated key waits: 1000 ms. */
  public static final long DEFAULT_MAX_WAIT_MILLIS = 1000;
  /**
   * Default critical bypass: off, so critical updates are debounced with the short critical delay
   * (a burst of critical updates still leaves as one).
   */
  public static final boolean DEFAULT_CRITICAL_BYPASS = false;

  /** What {@link #offer} did with an update. */
  public enum Offer {
    /** Critical bypass: emit the offered value now. Nothing is pending for the key afterwards. */
    EMIT_NOW,
    /** The key had nothing pending: a new entry waits for its deadline. */
    SCHEDULED,
    /** The key had a pending entry: its value was replaced (latest wins) and its deadline moved. */
    COALESCED;

    /** Whether the caller must emit the offered value itself, now. */
    public boolean emitNow() {
      return this == EMIT_NOW;
    }
  }

  /**
   * One emission.
   *
   * @param key the key
   * @param value the latest value offered
   * @param priority the highest priority offered since the key's last emission
   * @param offers how many offers this emission stands for (1 = nothing was coalesced)
   * @param firstOfferMillis when the first of those offers arrived (monotonic millis), for
   *     measuring how long updates were held back
   */
  public record Entry<K, V>(K key, V value, Priority priority, int offers, long firstOfferMillis) {}

  private static final class Node<K, V> {
    final K key;
    final long firstOfferMillis;
    final long seq;
    V value;
    Priority priority;
    long deadline;
    int offers = 1;
    int index;

    Node(K key, V value, Priority priority, long firstOfferMillis, long seq) {
      this.key = key;
      this.value = value;
      this.priority = priority;
      this.firstOfferMillis = firstOfferMillis;
      this.seq = seq;
    }

    Entry<K, V> toEntry() {
      return new Entry<>(key, value, priority, offers, firstOfferMillis);
    }
  }

  private final Clock clock;
  private final HashMap<K, Node<K, V>> nodes = new HashMap<>();
  @SuppressWarnings("unchecked")
  private Node<K, V>[] heap = (Node<K, V>[]) new Node<?, ?>[16];
  private int size;
  private long nextSeq;

  private long normalDelayMillis = DEFAULT_NORMAL_DELAY_MILLIS;
  private long criticalDelayMillis = DEFAULT_CRITICAL_DELAY_MILLIS;
  private long maxWaitMillis = DEFAULT_MAX_WAIT_MILLIS;
  private boolean criticalBypass = DEFAULT_CRITICAL_BYPASS;

  private long offered;
  private long coalesced;
  private long emitted;
  private long bypassed;
  private long cancelled;

  /** A debouncer with the default delays, reading time from {@code clock}. */
  public Debouncer(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Offers the latest value of {@code key}.
   *
   * @return {@link Offer#EMIT_NOW} if the caller must emit {@code value} now (critical bypass);
   *     otherwise the value waits, and the caller re-arms its timer on {@link #nextDeadlineMillis()}
   *     (an offer can make the next deadline earlier, or due already)
   */
  public Offer offer(K key, V value, Priority priority) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(priority, "priority");
    long now = clock.monotonicMillis();
    offered++;
    Node<K, V> node = nodes.get(key);
    if (criticalBypass && priority == Priority.CRITICAL) {
      if (node != null) {
        nodes.remove(key);
        heapRemove(node);
        coalesced++;
      }
      bypassed++;
      emitted++;
      return Offer.EMIT_NOW;
    }
    if (node == null) {
      node = new Node<>(key, value, priority, now, nextSeq++);
      node.deadline = deadline(now, now, priority);
      nodes.put(key, node);
      heapAdd(node);
      return Offer.SCHEDULED;
    }
    coalesced++;
    node.value = value;
    node.priority = node.priority.max(priority);
    node.offers++;
    long d = deadline(now, node.firstOfferMillis, node.priority);
    if (d != node.deadline) {
      boolean earlier = d < node.deadline;
      node.deadline = d;
      if (earlier) {
        siftUp(node.index);
      } else {
        siftDown(node.index);
      }
    }
    return Offer.COALESCED;
  }

  /**
   * Removes and returns the entries whose deadline has passed ({@code deadline <= now}), earliest
   * deadline first (ties: the key first offered earlier first). The caller emits them.
   */
  public List<Entry<K, V>> due() {
    if (size == 0) {
      return Collections.emptyList();
    }
    long now = clock.monotonicMillis();
    if (heap[0].deadline > now) {
      return Collections.emptyList();
    }
    List<Entry<K, V>> out = new ArrayList<>();
    while (size > 0 && heap[0].deadline <= now) {
      out.add(emit(heapPoll()));
    }
    return out;
  }

  /**
   * Removes and returns every pending entry, due or not, in deadline order: for a mode switch or
   * shutdown, so nothing queued is lost. Drained entries count as emitted.
   */
  public List<Entry<K, V>> drainAll() {
    List<Entry<K, V>> out = new ArrayList<>(size);
    while (size > 0) {
      out.add(emit(heapPoll()));
    }
    return out;
  }

  /**
   * Drops the pending entry of {@code key} without emitting it (the module went away).
   *
   * @return whether something was pending
   */
  public boolean cancel(K key) {
    Node<K, V> node = nodes.remove(key);
    if (node == null) {
      return false;
    }
    heapRemove(node);
    cancelled++;
    return true;
  }

  /**
   * The earliest pending deadline in the clock's monotonic millis, or -1 when nothing is pending.
   * It may already have passed (then {@link #due()} returns something now).
   */
  public long nextDeadlineMillis() {
    return size == 0 ? -1 : heap[0].deadline;
  }

  /** Keys waiting for their deadline. */
  public int pending() {
    return size;
  }

  private Entry<K, V> emit(Node<K, V> node) {
    nodes.remove(node.key);
    emitted++;
    return node.toEntry();
  }

  private long deadline(long now, long firstOfferMillis, Priority priority) {
    long delay = priority == Priority.CRITICAL ? criticalDelayMillis : normalDelayMillis;
    return Math.min(saturatedAdd(now, delay), saturatedAdd(firstOfferMillis, maxWaitMillis));
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  // ---- configuration: changes apply from the next offer on; deadlines already set are kept ----

  /** Delay of non-critical keys, ms. Default {@value #DEFAULT_NORMAL_DELAY_MILLIS}. */
  public long getNormalDelayMillis() {
    return normalDelayMillis;
  }

  /** Sets the delay of non-critical keys (ms, {@code >= 0}) for later offers. */
  public Debouncer<K, V> setNormalDelayMillis(long ms) {
    this.normalDelayMillis = nonNegative("normalDelayMillis", ms);
    return this;
  }

  /** Delay of critical keys when not bypassed, ms. Default {@value #DEFAULT_CRITICAL_DELAY_MILLIS}. */
  public long getCriticalDelayMillis() {
    return criticalDelayMillis;
  }

  /** Sets the delay of critical keys (ms, {@code >= 0}) for later offers. */
  public Debouncer<K, V> setCriticalDelayMillis(long ms) {
    this.criticalDelayMillis = nonNegative("criticalDelayMillis", ms);
    return this;
  }

  /**
   * Longest a key waits from its first pending offer to its emission, however often it is
   * updated, ms. Default {@value #DEFAULT_MAX_WAIT_MILLIS}.
   */
  public long getMaxWaitMillis() {
    return maxWaitMillis;
  }

  /** Sets the longest wait (ms, {@code >= 0}) for keys offered from now on. */
  public Debouncer<K, V> setMaxWaitMillis(long ms) {
    this.maxWaitMillis = nonNegative("maxWaitMillis", ms);
    return this;
  }

  /** Whether a critical offer is emitted at once instead of debounced. Default off. */
  public boolean isCriticalBypass() {
    return criticalBypass;
  }

  /** Turns critical bypass on or off for later offers. */
  public Debouncer<K, V> setCriticalBypass(boolean bypass) {
    this.criticalBypass = bypass;
    return this;
  }

  private static long nonNegative(String name, long v) {
    if (v < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + v);
    }
    return v;
  }

  // ---- counters: offered == coalesced + emitted + cancelled + pending() at all times ----

  /** Offers received. */
  public long offered() {
    return offered;
  }

  /** Offers whose value was replaced by a later one of the same key before it was emitted. */
  public long coalesced() {
    return coalesced;
  }

  /** Emissions: entries returned by {@link #due()} or {@link #drainAll()}, plus bypasses. */
  public long emitted() {
    return emitted;
  }

  /** Emissions that were critical bypasses ({@link Offer#EMIT_NOW}); included in {@link #emitted()}. */
  public long bypassed() {
    return bypassed;
  }

  /** Pending entries dropped by {@link #cancel}. */
  public long cancelled() {
    return cancelled;
  }

  // ---- indexed binary min-heap on (deadline, seq) ----

  private static boolean before(Node<?, ?> a, Node<?, ?> b) {
    return a.deadline < b.deadline || (a.deadline == b.deadline && a.seq < b.seq);
  }

  private void heapAdd(Node<K, V> node) {
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    heap[size] = node;
    node.index = size;
    size++;
    siftUp(size - 1);
  }

  private Node<K, V> heapPoll() {
    Node<K, V> top = heap[0];
    heapRemove(top);
    return top;
  }

  private void heapRemove(Node<K, V> node) {
    int i = node.index;
    int last = --size;
    Node<K, V> moved = heap[last];
    heap[last] = null;
    node.index = -1;
    if (i != last) {
      heap[i] = moved;
      moved.index = i;
      siftDown(i);
      if (heap[i] == moved) {
        siftUp(i);
      }
    }
    if (heap.length > 64 && size < heap.length / 4) {
      heap = Arrays.copyOf(heap, heap.length / 2);
    }
  }

  private void siftUp(int i) {
    Node<K, V> node = heap[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Node<K, V> p = heap[parent];
      if (!before(node, p)) {
        break;
      }
      heap[i] = p;
      p.index = i;
      i = parent;
    }
    heap[i] = node;
    node.index = i;
  }

  private void siftDown(int i) {
    Node<K, V> node = heap[i];
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      Node<K, V> c = heap[child];
      int right = child + 1;
      if (right < size && before(heap[right], c)) {
        child = right;
        c = heap[right];
      }
      if (!before(c, node)) {
        break;
      }
      heap[i] = c;
      c.index = i;
      i = child;
    }
    heap[i] = node;
    node.index = i;
  }
}
