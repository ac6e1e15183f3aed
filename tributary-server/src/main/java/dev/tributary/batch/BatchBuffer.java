package dev.tributary.batch;

import dev.tributary.bus.Priority;
import dev.tributary.support.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;

/**
 * Collects items for one batch: the batch is due when its window (counted from its first item)
 * has passed, when it holds {@code maxSize} items, or at once when it holds a critical item,
 * whichever comes first.
 *
 * <p>Order of a flushed batch: <b>grouped by module, modules in order of urgency, items within a
 * module by urgency</b>, where urgency is priority (critical first), then enqueue time, then
 * arrival. A module's place is that of its most urgent item. So the first item out is always the
 * most urgent of the batch, and every module's items leave together, which is what lets the
 * publisher handle one module's updates in one go. The price: a low item of the module that also
 * holds the most urgent item leaves before a high item of another module. Example, in arrival
 * order {@code a:low, b:high, a:critical, c:medium, b:low} flushes as {@code a:critical, a:low,
 * b:high, b:low, c:medium}.
 *
 * <p>The owner wires the timer:
 *
 * <pre>{@code
 * if (buffer.add(update, moduleId, priority)) publish(buffer.flush());
 * else rearm(buffer.nextDeadlineMillis());
 * // timer handler:
 * if (buffer.shouldFlush()) publish(buffer.flush()); else rearm(buffer.nextDeadlineMillis());
 * }</pre>
 *
 * <p>The buffer never drops an item: if the owner does not flush when told, it keeps growing past
 * {@code maxSize} and keeps answering "flush now".
 *
 * <p>Time is {@link Clock#monotonicMillis()} of the injected clock. Not thread-safe: one instance
 * is owned by one event loop (the batch processor verticle's), which makes every call.
 *
 * @param <T> the item type
 */
public final class BatchBuffer<T> {
  /** Default window: 100 ms from a batch's first item to its flush. */
  public static final long DEFAULT_WINDOW_MILLIS = 100;
  /** Default size bound: 50 items. */
  public static final int DEFAULT_MAX_SIZE = 50;

  /** Why a batch left, as decided at {@link #flush()}: the first that applies, in this order. */
  public enum FlushReason {
    /** It held a critical item. */
    CRITICAL,
    /** It held {@code maxSize} items. */
    SIZE,
    /** Its window had passed. */
    WINDOW,
    /** None of the above: flushed early by the owner (mode switch, shutdown). */
    FORCED
  }

  private record Item<T>(T value, String moduleId, Priority priority, long enqueuedMillis, long seq) {}

  private static final Comparator<Item<?>> URGENCY =
      Comparator.<Item<?>>comparingInt(i -> i.priority().rank())
          .thenComparingLong(Item::enqueuedMillis)
          .thenComparingLong(Item::seq);

  private final Clock clock;
  private long windowMillis = DEFAULT_WINDOW_MILLIS;
  private int maxSize = DEFAULT_MAX_SIZE;

  private ArrayList<Item<T>> items = new ArrayList<>();
  private long openedMillis;
  private boolean hasCritical;
  private long nextSeq;

  private long added;
  private long flushedItems;
  private final long[] flushes = new long[FlushReason.values().length];

  /** A buffer with the default window and size, reading time from {@code clock}. */
  public BatchBuffer(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Adds an item enqueued now.
   *
   * @return whether the batch must be flushed now (see {@link #shouldFlush()})
   */
  public boolean add(T item, String moduleId, Priority priority) {
    return add(item, moduleId, priority, clock.monotonicMillis());
  }

  /**
   * Adds an item with its own enqueue time, e.g. when the update was first offered upstream, on
   * the same clock's monotonic millis. The enqueue time orders items; the window still starts when
   * the batch's first item is added.
   *
   * @return whether the batch must be flushed now (see {@link #shouldFlush()})
   */
  public boolean add(T item, String moduleId, Priority priority, long enqueuedMillis) {
    Objects.requireNonNull(moduleId, "moduleId");
    Objects.requireNonNull(priority, "priority");
    if (items.isEmpty()) {
      openedMillis = clock.monotonicMillis();
    }
    items.add(new Item<>(item, moduleId, priority, enqueuedMillis, nextSeq++));
    if (priority == Priority.CRITICAL) {
      hasCritical = true;
    }
    added++;
    return shouldFlush();
  }

  /**
   * Whether the batch must leave now: it is not empty and holds a critical item, or holds {@code
   * maxSize} items, or its window has passed. Also the question to ask after changing the window or
   * size at run time.
   */
  public boolean shouldFlush() {
    return !items.isEmpty()
        && (hasCritical || items.size() >= maxSize || clock.monotonicMillis() >= deadline());
  }

  /**
   * When the open batch's window ends, in the clock's monotonic millis, or -1 when the buffer is
   * empty. It may already have passed.
   */
  public long nextDeadlineMillis() {
    return items.isEmpty() ? -1 : deadline();
  }

  private long deadline() {
    long d = openedMillis + windowMillis;
    return d < openedMillis ? Long.MAX_VALUE : d;
  }

  /**
   * Empties the buffer and returns its items in batch order (see the class comment), whether or not
   * the batch was due. Empty list if nothing was pending. The list is fixed-size and the caller's.
   */
  public List<T> flush() {
    int n = items.size();
    if (n == 0) {
      return Collections.emptyList();
    }
    flushes[reason().ordinal()]++;
    flushedItems += n;
    ArrayList<Item<T>> batch = items;
    items = new ArrayList<>(Math.min(n, maxSize));
    hasCritical = false;

    batch.sort(URGENCY);
    // Groups in order of first appearance in urgency order, then a stable counting sort by group:
    // O(n) on top of the sort, and the urgency order is kept inside each group.
    HashMap<String, Integer> groupOf = new HashMap<>();
    int[] group = new int[n];
    for (int i = 0; i < n; i++) {
      String m = batch.get(i).moduleId();
      Integer g = groupOf.get(m);
      if (g == null) {
        g = groupOf.size();
        groupOf.put(m, g);
      }
      group[i] = g;
    }
    int groups = groupOf.size();
    int[] start = new int[groups + 1];
    for (int g : group) {
      start[g + 1]++;
    }
    for (int g = 0; g < groups; g++) {
      start[g + 1] += start[g];
    }
    @SuppressWarnings("unchecked")
    T[] slots = (T[]) new Object[n];
    for (int i = 0; i < n; i++) {
      slots[start[group[i]]++] = batch.get(i).value();
    }
    return Arrays.asList(slots);
  }

  private FlushReason reason() {
    if (hasCritical) {
      return FlushReason.CRITICAL;
    }
    if (items.size() >= maxSize) {
      return FlushReason.SIZE;
    }
    if (clock.monotonicMillis() >= deadline()) {
      return FlushReason.WINDOW;
    }
    return FlushReason.FORCED;
  }

  /** Items waiting. */
  public int size() {
    return items.size();
  }

  /** Whether nothing is waiting. */
  public boolean isEmpty() {
    return items.isEmpty();
  }

  // ---- configuration: applies at once, to the open batch too; re-ask shouldFlush() and
  // nextDeadlineMillis() after a change ----

  /** The window, ms, from a batch's first item to its flush; 0 = flush every item at once. */
  public long getWindowMillis() {
    return windowMillis;
  }

  /** Sets the window (ms, {@code >= 0}). Default {@value #DEFAULT_WINDOW_MILLIS}. */
  public BatchBuffer<T> setWindowMillis(long ms) {
    if (ms < 0) {
      throw new IllegalArgumentException("windowMillis must be >= 0, got " + ms);
    }
    this.windowMillis = ms;
    return this;
  }

  /** Items per batch before a flush. */
  public int getMaxSize() {
    return maxSize;
  }

  /** Sets the size bound ({@code >= 1}; 1 = no batching). Default {@value #DEFAULT_MAX_SIZE}. */
  public BatchBuffer<T> setMaxSize(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("maxSize must be >= 1, got " + n);
    }
    this.maxSize = n;
    return this;
  }

  // ---- counters: added() == flushedItems() + size() ----

  /** Items added. */
  public long added() {
    return added;
  }

  /** Items returned by {@link #flush()}. */
  public long flushedItems() {
    return flushedItems;
  }

  /** Non-empty flushes. */
  public long flushes() {
    long sum = 0;
    for (long f : flushes) {
      sum += f;
    }
    return sum;
  }

  /** Non-empty flushes for one reason. */
  public long flushes(FlushReason reason) {
    return flushes[reason.ordinal()];
  }
}
