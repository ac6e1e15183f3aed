package dev.tributary.bench;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * An event-loop group with one statistics object per loop: each loop records into its own (no
 * sharing on the hot path); totals are read through release-stored counters or by running a task
 * on every loop.
 */
final class Loops<S> {
  /** Highest latency a histogram tracks: one hour in µs. */
  static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

  final EventLoopGroup group;
  private final List<EventLoop> loops = new ArrayList<>();
  private final Map<EventLoop, S> stats = new IdentityHashMap<>();
  private int next;

  Loops(int threads, String name, Supplier<S> factory) {
    group = Net.group(threads, name);
    for (EventExecutor e : group) {
      EventLoop l = (EventLoop) e;
      loops.add(l);
      stats.put(l, factory.get());
    }
  }

  /** Round-robin. */
  EventLoop nextLoop() {
    EventLoop l = loops.get(next);
    next = (next + 1) % loops.size();
    return l;
  }

  S stats(EventLoop l) {
    return stats.get(l);
  }

  List<S> all() {
    List<S> out = new ArrayList<>();
    for (EventLoop l : loops) {
      out.add(stats.get(l));
    }
    return out;
  }

  int size() {
    return loops.size();
  }

  /** Runs {@code f} on every loop (with its stats) and returns the answers; bounded. */
  <T> List<T> onEach(Function<S, T> f) {
    List<T> out = new ArrayList<>();
    for (EventLoop l : loops) {
      S s = stats.get(l);
      try {
        out.add(l.submit(() -> f.apply(s)).get(10, TimeUnit.SECONDS));
      } catch (Exception e) {
        throw new BenchException("event loop did not answer: " + e, e);
      }
    }
    return out;
  }

  /** Copies and resets every loop's histogram, merged into one. */
  Histogram drainHistograms(Function<S, Histogram> histogramOf) {
    Histogram total = newHistogram();
    for (Histogram h : onEach(s -> {
      Histogram mine = histogramOf.apply(s);
      Histogram copy = mine.copy();
      mine.reset();
      return copy;
    })) {
      total.add(h);
    }
    return total;
  }

  static Histogram newHistogram() {
    return new Histogram(HIGHEST_MICROS, 3);
  }

  static void record(Histogram h, long nanos) {
    long us = nanos / 1000;
    h.recordValue(us < 0 ? 0 : Math.min(us, HIGHEST_MICROS));
  }

  void shutdown() {
    Net.shutdown(group);
  }
}
