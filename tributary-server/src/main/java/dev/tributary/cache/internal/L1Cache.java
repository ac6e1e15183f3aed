package dev.tributary.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.tributary.support.Clock;

/**
 * The L1 level both caches use: Caffeine bounded by size (W-TinyLFU) and by each entry's own TTL,
 * on the injected clock, maintenance on the caller's thread. Thread-safe.
 */
public final class L1Cache {
  /** An L1 value and its lifetime. */
  public record Entry(String value, long ttlNanos) {}

  private L1Cache() {}

  /** Entries in {@code l1} now (pending evictions applied first). */
  public static long size(Cache<String, Entry> l1) {
    l1.cleanUp();
    return l1.estimatedSize();
  }

  /** Hits over requests; 1.0 before any request. */
  public static double hitRate(io.micrometer.core.instrument.Counter hits, io.micrometer.core.instrument.Counter misses) {
    double h = hits.count();
    double total = h + misses.count();
    return total == 0 ? 1.0 : h / total;
  }

  public static Cache<String, Entry> create(long maxEntries, Clock clock) {
    return Caffeine.newBuilder()
        .maximumSize(maxEntries)
        .ticker(clock::nanoTime)
        .expireAfter(new Expiry<String, Entry>() {
          @Override
          public long expireAfterCreate(String key, Entry e, long currentTime) {
            return e.ttlNanos();
          }

          @Override
          public long expireAfterUpdate(String key, Entry e, long currentTime, long currentDuration) {
            return e.ttlNanos();
          }

          @Override
          public long expireAfterRead(String key, Entry e, long currentTime, long currentDuration) {
            return currentDuration;
          }
        })
        .executor(Runnable::run)
        .build();
  }
}
