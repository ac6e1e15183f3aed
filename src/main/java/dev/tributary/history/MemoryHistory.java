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
 * History of one node, in memory: a ring per channel bounded by size and age, and a global bound
 * on the number of streams (least recently used streams are dropped; their epoch goes with them,
 * so a client recovering from one is told it could not). A stream's monitor guards it: appends of
 * one channel are serialised (they are also what orders the channel), different channels never
 * contend, and nothing under the monitor blocks.
 */
public final class MemoryHistory implements HistoryStore {

  private static final class Stream {
    final String epoch = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    final ArrayDeque<Entry> entries = new ArrayDeque<>();
    long top;
    int maxSize = Integer.MAX_VALUE;
    long ttlMillis;

    void trim(int maxSize, long ttlMillis, long now) {
      while (entries.size() > maxSize) {
        entries.pollFirst();
      }
      while (ttlMillis > 0 && !entries.isEmpty() && now - entries.peekFirst().timeMillis() > ttlMillis) {
        entries.pollFirst();
      }
    }
  }

  private final Cache<String, Stream> streams;
  private final Clock clock;

  public MemoryHistory(long maxStreams, Clock clock) {
    this.clock = clock;
    this.streams = Caffeine.newBuilder().maximumSize(maxStreams).executor(Runnable::run).build();
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
  public long appendThen(String channel, String dataJson, String infoJson, int maxSize, long ttlMillis,
      java.util.function.LongConsumer then) {
    Stream s = stream(channel);
    synchronized (s) {
      long offset = appendNow(channel, dataJson, infoJson, maxSize, ttlMillis).offset();
      then.accept(offset);
      return offset;
    }
  }

  /** {@link #append}, synchronously. */
  public Position appendNow(String channel, String dataJson, String infoJson, int maxSize, long ttlMillis) {
    Stream s = stream(channel);
    long now = clock.epochMillis();
    synchronized (s) {
      s.maxSize = maxSize;
      s.ttlMillis = ttlMillis;
      long offset = ++s.top;
      s.entries.addLast(new Entry(offset, dataJson, infoJson, now));
      s.trim(maxSize, ttlMillis, now);
      return new Position(s.epoch, offset);
    }
  }

  @Override
  public Future<Position> position(String channel) {
    Stream s = stream(channel);
    synchronized (s) {
      return Future.succeededFuture(new Position(s.epoch, s.top));
    }
  }

  @Override
  public Future<Recovery> since(String channel, long offset, String epoch, int maxEntries) {
    return Future.succeededFuture(recover(channel, offset, epoch, maxEntries));
  }

  private Recovery recover(String channel, long offset, String epoch, int maxEntries) {
    Stream s = stream(channel);
    synchronized (s) {
      s.trim(s.maxSize, s.ttlMillis, clock.epochMillis());
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
      for (Entry e : s.entries) {
        if (e.offset() > offset && out.size() < maxEntries) {
          out.add(e);
        }
      }
      return new Recovery(out, complete, pos);
    }
  }

  @Override
  public Future<Page> history(String channel, int limit, long sinceOffset, boolean reverse) {
    Stream s = stream(channel);
    synchronized (s) {
      s.trim(s.maxSize, s.ttlMillis, clock.epochMillis());
      List<Entry> out = new ArrayList<>();
      Iterator<Entry> it = reverse ? s.entries.descendingIterator() : s.entries.iterator();
      while (it.hasNext() && out.size() < limit) {
        Entry e = it.next();
        if (e.offset() > sinceOffset) {
          out.add(e);
        }
      }
      return Future.succeededFuture(new Page(out, new Position(s.epoch, s.top)));
    }
  }
}
