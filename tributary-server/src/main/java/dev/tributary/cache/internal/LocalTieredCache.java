package dev.tributary.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import dev.tributary.cache.TieredCache;
import dev.tributary.metrics.MetricNames;
import dev.tributary.support.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * The L1 level alone (no Redis configured): Caffeine, bounded by size (W-TinyLFU eviction) and by
 * each entry's own TTL. The L2 level joins in the Redis issue behind the same interface.
 */
public final class LocalTieredCache implements TieredCache {

  private final Cache<String, L1Cache.Entry> l1;
  private final long maxEntries;
  private final Counter hits;
  private final Counter misses;

  public LocalTieredCache(String name, long maxEntries, Clock clock, MeterRegistry registry) {
    this.maxEntries = maxEntries;
    this.l1 = L1Cache.create(maxEntries, clock);
    this.hits = Counter.builder(MetricNames.CACHE_HITS).tag("cache", name).tag("level", "l1").register(registry);
    this.misses = Counter.builder(MetricNames.CACHE_MISSES).tag("cache", name).tag("level", "l1").register(registry);
    Gauge.builder(MetricNames.CACHE_SIZE, l1, Cache::estimatedSize).tag("cache", name).tag("level", "l1").register(registry);
  }

  @Override
  public Future<String> get(String key) {
    L1Cache.Entry e = l1.getIfPresent(key);
    if (e == null) {
      misses.increment();
      return Future.succeededFuture();
    }
    hits.increment();
    return Future.succeededFuture(e.value());
  }

  @Override
  public Future<Void> put(String key, String value, Duration ttl) {
    l1.put(key, new L1Cache.Entry(value, Math.max(1, ttl.toNanos())));
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> invalidate(String key) {
    l1.invalidate(key);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> invalidatePrefix(String prefix) {
    l1.asMap().keySet().removeIf(k -> k.startsWith(prefix));
    return Future.succeededFuture();
  }

  @Override
  public long l1Size() {
    return L1Cache.size(l1);
  }

  @Override
  public long l1Requests() {
    return (long) (hits.count() + misses.count());
  }

  @Override
  public double l1HitRate() {
    return L1Cache.hitRate(hits, misses);
  }

  @Override
  public void setL1Budget(double fraction) {
    long max = Math.max(1, (long) (maxEntries * Math.min(1.0, Math.max(0.0, fraction))));
    l1.policy().eviction().ifPresent(ev -> ev.setMaximum(max));
  }
}
