package dev.tributary.history;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tributary.support.Clock;
import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * History of one node, in memory: a ring per channel bounded by size and age, and two global
 * bounds, on the number of streams and on the bytes they hold (least recently used streams are
 * dropped; their epoch goes with them, so a client recovering from one is told it could not). A
 * stream's monitor guards it: appends of one channel are serialised (they are also what orders the
 * channel), different channels never contend, and nothing under the monitor blocks or touches the
 * stream map (eviction takes the evicted stream's monitor).
 */
public final class MemoryHistory implements HistoryStore {

  private static final class Stream {
    final String epoch = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    final ArrayDeque<Entry> entries = new ArrayDeque<>();
    long top;
    int maxSize = Integer.MAX_VALUE;
    long ttlMillis;
    /** Estimated bytes of the entries; counted in the global total until the stream is dropped. */
    long bytes;
    boolean dropped;

    /** Drops entries beyond the size and age bounds; returns the bytes freed. */
    long trim(int maxSize, long ttlMillis, long now) {
      long freed = 0;
      while (entries.size() > maxSize) {
        freed += cost(entries.pollFirst());
      }
      while (ttlMillis > 0 && !entries.isEmpty() && now - entries.peekFirst().timeMillis() > ttlMillis) {
        freed += cost(entries.pollFirst());
      }
      bytes -= freed;
      return freed;
    }
  }

  /** Estimated heap bytes of an entry: its strings (Latin-1 compact) plus object overheads. */
  static long cost(Entry e) {
    return 96 + e.dataJson().length() + (e.infoJson() == null ? 0 : 40 + e.infoJson().length());
  }

  private final Cache<String, Stream> streams;
  private final Clock clock;
  private final long maxBytes;
  private final java.util.concurrent.atomic.AtomicLong totalBytes = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.LongAdder droppedForBytes = new java.util.concurrent.atomic.LongAdder();

  public MemoryHistory(long maxStreams, Clock clock) {
    this(maxStreams, Long.MAX_VALUE, clock);
  }

  /**
   * @param maxStreams streams kept at most
   * @param maxBytes estimated bytes of all streams' entries kept at most
   */
  public MemoryHistory(long maxStreams, long maxBytes, Clock clock) {
    this.clock = clock;
    this.maxBytes = maxBytes;
    this.streams = Caffeine.newBuilder().maximumSize(maxStreams).executor(Runnable::run)
        .<String, Stream>removalListener((channel, s, cause) -> {
          if (s != null) {
            synchronized (s) {
              s.dropped = true;
              totalBytes.addAndGet(-s.bytes);
              s.bytes = 0;
            }
          }
        }).build();
  }

  /** Estimated bytes held by all streams. */
  public long bytes() {
    return totalBytes.get();
  }

  /** Streams dropped to keep the byte bound. */
  public long droppedForBytes() {
    return droppedForBytes.sum();
  }

  /** Past the byte bound: drops the least recently used streams until under it. */
  private void enforceBytes() {
    while (totalBytes.get() > maxBytes) {
      var coldest = streams.policy().eviction().orElseThrow().coldest(8);
      if (coldest.isEmpty()) {
        return;
      }
      for (String channel : coldest.keySet()) {
        streams.invalidate(channel);
        droppedForBytes.increment();
        if (totalBytes.get() <= maxBytes) {
          return;
        }
      }
    }
  }

  private Stream stream(String channel) {
    return streams.get(channel, c -> new Stream());
  }

  @Override
  public Future<Position> append(String channel, String dataJson, String infoJson, int maxSize, long ttlMillis) {
    return Future.succeededFuture(appendNow(channel, dataJson, infoJson, maxSize, ttlMillis));
  }

  @Override
  public boolean isImmediate() {
    return true;
  }

  /**
   * Appends, and hands the offset to {@code then} while the stream is still locked: publications
   * of a channel from several threads are then handed on in offset order. {@code then} must not
   * block.
   */
  public Position appendThen(String channel, String dataJson, String infoJson, int maxSize, long ttlMillis,
      java.util.function.LongConsumer then) {
    Stream s = stream(channel);
    Position p;
    synchronized (s) {
      p = new Position(s.epoch, appendLocked(s, dataJson, infoJson, maxSize, ttlMillis));
      then.accept(p.offset());
    }
    enforceBytes();
    return p;
  }

  /** {@link #append}, synchronously. */
  public Position appendNow(String channel, String dataJson, String infoJson, int maxSize, long ttlMillis) {
    Stream s = stream(channel);
    Position p;
    synchronized (s) {
      p = new Position(s.epoch, appendLocked(s, dataJson, infoJson, maxSize, ttlMillis));
    }
    enforceBytes();
    return p;
  }

  private long appendLocked(Stream s, String dataJson, String infoJson, int maxSize, long ttlMillis) {
    long now = clock.epochMillis();
    s.maxSize = maxSize;
    s.ttlMillis = ttlMillis;
    long offset = ++s.top;
    Entry e = new Entry(offset, dataJson, infoJson, now);
    s.entries.addLast(e);
    s.bytes += cost(e);
    long freed = s.trim(maxSize, ttlMillis, now);
    if (!s.dropped) {
      totalBytes.addAndGet(cost(e) - freed);
    }
    return offset;
  }

  private void trimLocked(Stream s) {
    long freed = s.trim(s.maxSize, s.ttlMillis, clock.epochMillis());
    if (!s.dropped && freed > 0) {
      totalBytes.addAndGet(-freed);
    }
  }

  @Override
  public Future<Void> remove(String channel) {
    Stream s = streams.getIfPresent(channel);
    if (s != null) {
      synchronized (s) {
        long freed = s.bytes;
        s.entries.clear();
        s.bytes = 0;
        if (!s.dropped) {
          totalBytes.addAndGet(-freed);
        }
      }
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Position> position(String channel) {
    Stream s = stream(channel);
    synchronized (s) {
      return Future.succeededFuture(new Position(s.epoch, s.top));
    }
  }

  @Override
  public Future<Recovery> since(String channel, long offset, String epoch, int maxEntries, long maxBytes) {
    return Future.succeededFuture(recover(channel, offset, epoch, maxEntries, maxBytes));
  }

  private Recovery recover(String channel, long offset, String epoch, int maxEntries, long maxBytes) {
    Stream s = stream(channel);
    synchronized (s) {
      trimLocked(s);
      Position pos = new Position(s.epoch, s.top);
      if (epoch == null || !epoch.equals(s.epoch) || offset > s.top) {
        return new Recovery(List.of(), false, pos);
      }
      long missed = s.top - offset;
      if (missed == 0) {
        return new Recovery(List.of(), true, pos);
      }
      Entry first = s.entries.peekFirst();
      boolean complete = first != null && first.offset() <= offset + 1 && missed <= maxEntries;
      List<Entry> out = new ArrayList<>((int) Math.min(missed, maxEntries));
      long bytes = 0;
      for (Entry e : s.entries) {
        if (e.offset() > offset && out.size() < maxEntries) {
          bytes += HistoryStore.replyBytes(e);
          if (bytes > maxBytes) {
            return new Recovery(List.of(), false, pos, true);
          }
          out.add(e);
        }
      }
      return new Recovery(out, complete, pos);
    }
  }

  @Override
  public Future<Page> history(String channel, int limit, long sinceOffset, boolean reverse, long maxBytes) {
    Stream s = stream(channel);
    synchronized (s) {
      trimLocked(s);
      Position pos = new Position(s.epoch, s.top);
      List<Entry> out = new ArrayList<>(Math.max(0, Math.min(limit, s.entries.size())));
      if (limit <= 0) {
        return Future.succeededFuture(new Page(out, pos));
      }
      long bytes = 0;
      Iterator<Entry> it = reverse ? s.entries.descendingIterator() : s.entries.iterator();
      while (it.hasNext() && out.size() < limit) {
        Entry e = it.next();
        boolean wanted = reverse ? sinceOffset <= 0 || e.offset() < sinceOffset : e.offset() > sinceOffset;
        if (!wanted) {
          continue;
        }
        bytes += HistoryStore.replyBytes(e);
        if (bytes > maxBytes) {
          return Future.succeededFuture(new Page(out, pos, true));
        }
        out.add(e);
      }
      return Future.succeededFuture(new Page(out, pos));
    }
  }
}
