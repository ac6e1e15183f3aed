package dev.tributary.history;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tributary.support.Clock;
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
  public Position append(String channel, String dataJson, String infoJson, int maxSize, long ttlMillis) {
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
  public Position position(String channel) {
    Stream s = stream(channel);
    synchronized (s) {
      return new Position(s.epoch, s.top);
    }
  }

  @Override
  public Recovery since(String channel, long offset, String epoch, int maxEntries) {
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
  public List<Entry> history(String channel, int limit, long sinceOffset, boolean reverse) {
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
      return out;
    }
  }
}
