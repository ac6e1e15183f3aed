package dev.tributary.redis.cache;

import dev.tributary.cache.internal.L1Cache;
import dev.tributary.cache.internal.TtlPolicy;
import dev.tributary.cache.internal.TieredCacheSettings;
import com.github.benmanes.caffeine.cache.Cache;
import dev.tributary.cache.TieredCache;
import dev.tributary.metrics.MetricNames;
import dev.tributary.redis.RedisLink;
import dev.tributary.redis.RedisSubscription;
import dev.tributary.redis.RedisUnavailableException;
import dev.tributary.support.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two-level cache: L1 Caffeine in this node (bounded by size with W-TinyLFU eviction and by
 * each entry's TTL, time from the injected {@link Clock}), L2 Redis shared by every node.
 *
 * <h2>Reads</h2>
 * An L1 hit answers at once (an already complete future). An L1 miss reads L2 with
 * {@code GET} + {@code PTTL} sent back to back on the link's pipelined connection of the caller's
 * event loop ({@link RedisLink#batchPipelined}: many reads share one connection and its system
 * calls, where the pool would queue them behind one request per connection); a hit fills L1 for the remaining L2 lifetime, capped by
 * {@code l1MaxTtlMillis}. Concurrent misses of one key share one L2 read (single flight), and with
 * {@link #get(String, Function, Duration)} one loader call on a miss of both levels.
 *
 * <h2>Writes and invalidation</h2>
 * {@code put} writes L1, then {@code SET key value PX ttl}; a null TTL takes the {@link TtlPolicy}
 * lifetime of the key's namespace. {@code invalidate} evicts L1, then {@code UNLINK}s the L2 key.
 * Both then {@code PUBLISH}, right behind on the same pipelined connection (Redis runs them in
 * order, so other nodes hear of a change only once it is in L2), on {@code <keyPrefix>{<name>}:invalidate} so every node evicts its L1
 * copy; the writer ignores the echo of its own put (its L1 holds the new value), every node
 * including the sender applies invalidations (which closes the window between the local eviction
 * and the L2 delete). Messages are {@code <kind>:<nodeId>:<argument>}, kind {@code w} (written),
 * {@code k} (key invalidated) or {@code p} (prefix invalidated): tagged so that no key can be
 * mistaken for a prefix. An L2 read whose key is written or invalidated while it is in flight still
 * answers its callers but does not fill L1, so a late reply never resurrects an evicted value.
 *
 * <p>L2 keys are {@code <keyPrefix>{<name>}:<key>}: the hash tag puts all of one cache's keys in
 * one slot of a Redis Cluster (one master holds the cache, as the first Redis of {@code redis.urls}
 * does). Invalidations use plain {@code PUBLISH}, which a cluster forwards to every node.
 *
 * <p>{@code invalidatePrefix} walks L2 with a script ({@link #SCAN_UNLINK}, routed by a key of the
 * cache's slot) that runs one {@code SCAN MATCH <prefix>* COUNT n} step and {@code UNLINK}s what it
 * found: non-blocking for Redis, but O(keys in the database), so it suits rare clean-ups (a module
 * leaving), not a hot path. Keys written under the prefix while the scan runs may survive it.
 *
 * <h2>Without Redis</h2>
 * While the {@link RedisLink} is unavailable (breaker open, no connection) the cache degrades to
 * L1 only and never fails a caller: a get answers from L1 or null, put and invalidate apply to L1,
 * each counted in {@code tributary.cache.degraded}. Writes made then are not replayed to L2. When
 * the link is available again, and whenever the subscriber connection was re-established,
 * <b>L1 is cleared</b>: invalidations published by other nodes meanwhile were lost (Redis pub/sub
 * keeps nothing), so no L1 copy from before can be trusted. Independently, {@code l1MaxTtlMillis}
 * bounds how long any lost invalidation can leave a stale copy.
 *
 * <h2>Threads</h2>
 * Callable from any thread or event loop; no locks. Futures complete on the caller's context when
 * the caller runs on one.
 */
public final class RedisTieredCache implements TieredCache {
  private static final Logger log = LoggerFactory.getLogger(RedisTieredCache.class);

  /** One L2 read (and optional load) in flight, shared by the concurrent misses of its key. */
  private static final class Flight {
    final Promise<String> promise = Promise.promise();
    final boolean withLoader;
    /** Set when the key is written or invalidated meanwhile: the result must not fill L1. */
    volatile boolean stale;

    Flight(boolean withLoader) {
      this.withLoader = withLoader;
    }
  }

  private final String name;
  private final RedisLink link;
  private final TtlPolicy ttlPolicy;
  private final long maxEntries;
  private final long l1MaxTtlNanos;
  private final int scanCount;
  private final String redisPrefix;
  private final String channel;
  private final String nodeId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  private final Cache<String, L1Cache.Entry> l1;
  private final ConcurrentHashMap<String, Flight> inflight = new ConcurrentHashMap<>();
  private final Counter l1Hits;
  private final Counter l1Misses;
  private final Counter l2Hits;
  private final Counter l2Misses;
  private final Counter degradedGet;
  private final Counter degradedPut;
  private final Counter degradedInvalidate;
  private final Counter invalidatedLocal;
  private final Counter invalidatedRemote;
  private final RedisLink.Listener listener;
  private final Future<Void> ready;
  private volatile RedisSubscription subscription;

  /**
   * Creates the cache and subscribes to its invalidation channel ({@link #ready()} completes when
   * Redis confirmed it). The link is shared and not owned: {@link #close()} leaves it open.
   *
   * @param name bounded name, e.g. {@code coordination}: metric tag and L2 key namespace
   */
  public RedisTieredCache(String name, RedisLink link, TieredCacheSettings settings, Clock clock, MeterRegistry registry) {
    this.name = name;
    this.link = link;
    this.ttlPolicy = settings.getTtlPolicy();
    this.maxEntries = settings.getL1MaxEntries();
    this.l1MaxTtlNanos = settings.getL1MaxTtlMillis() * 1_000_000L;
    this.scanCount = settings.getScanCount();
    // Hash-tagged by the cache's name: on a Redis Cluster all of one cache's keys live in one slot
    // (as they lived on the first Redis of redis.urls), so a prefix invalidation is one script there.
    this.redisPrefix = redisKeyPrefix(settings.getKeyPrefix(), name);
    this.channel = redisPrefix + "invalidate";
    this.l1 = L1Cache.create(maxEntries, clock);
    this.l1Hits = level(registry, MetricNames.CACHE_HITS, "l1");
    this.l1Misses = level(registry, MetricNames.CACHE_MISSES, "l1");
    this.l2Hits = level(registry, MetricNames.CACHE_HITS, "l2");
    this.l2Misses = level(registry, MetricNames.CACHE_MISSES, "l2");
    this.degradedGet = Counter.builder(MetricNames.CACHE_DEGRADED).tag("cache", name).tag("op", "get").register(registry);
    this.degradedPut = Counter.builder(MetricNames.CACHE_DEGRADED).tag("cache", name).tag("op", "put").register(registry);
    this.degradedInvalidate = Counter.builder(MetricNames.CACHE_DEGRADED).tag("cache", name).tag("op", "invalidate").register(registry);
    this.invalidatedLocal = Counter.builder(MetricNames.CACHE_INVALIDATIONS).tag("cache", name).tag("origin", "local").register(registry);
    this.invalidatedRemote = Counter.builder(MetricNames.CACHE_INVALIDATIONS).tag("cache", name).tag("origin", "remote").register(registry);
    Gauge.builder(MetricNames.CACHE_SIZE, l1, Cache::estimatedSize).tag("cache", name).tag("level", "l1").register(registry);

    this.listener = new RedisLink.Listener() {
      @Override
      public void availabilityChanged(boolean available) {
        if (available) {
          long n = clearL1();
          log.info("cache {}: Redis available again, L2 back in use; L1 cleared ({} entries) as invalidations may have been missed",
              name, n);
        } else {
          log.warn("cache {}: Redis unavailable, degraded to L1 only (writes and invalidations stay on this node)", name);
        }
      }

      @Override
      public void subscriptionsRestored() {
        long n = clearL1();
        log.info("cache {}: invalidation channel subscribed again, L1 cleared ({} entries)", name, n);
      }
    };
    link.addListener(listener);
    this.ready = link.subscribe(channel, this::onInvalidation).map(s -> {
      subscription = s;
      return null;
    });
  }

  /** Completes once this node receives invalidations (Redis confirmed the subscription). */
  public Future<Void> ready() {
    return ready;
  }

  // ---- reads ----

  @Override
  public Future<String> get(String key) {
    L1Cache.Entry e = l1.getIfPresent(key);
    if (e != null) {
      l1Hits.increment();
      return Future.succeededFuture(e.value());
    }
    l1Misses.increment();
    return load(key, null, null);
  }

  /**
   * Like {@link #get(String)}; on a miss of both levels, calls {@code loader} once for all
   * concurrent callers of {@code key}, stores a non-null result for {@code ttl} (null: the
   * {@link TtlPolicy}'s) and answers it. A loader failure fails the callers that shared its call.
   */
  public Future<String> get(String key, Function<String, Future<String>> loader, Duration ttl) {
    L1Cache.Entry e = l1.getIfPresent(key);
    if (e != null) {
      l1Hits.increment();
      return Future.succeededFuture(e.value());
    }
    l1Misses.increment();
    return load(key, loader, ttl);
  }

  private Future<String> load(String key, Function<String, Future<String>> loader, Duration ttl) {
    Context caller = Vertx.currentContext();
    Flight mine = new Flight(loader != null);
    Flight f = inflight.putIfAbsent(key, mine);
    if (f == null) {
      f = mine;
      fly(key, mine, loader, ttl);
    } else if (loader != null && !f.withLoader) {
      // Joined a plain read: when it finds nothing, load (in a flight of our own).
      return RedisLink.onContext(caller, f.promise.future()).compose(v -> v != null ? Future.succeededFuture(v) : load(key, loader, ttl));
    }
    return RedisLink.onContext(caller, f.promise.future());
  }

  private void fly(String key, Flight f, Function<String, Future<String>> loader, Duration ttl) {
    Future<String> result = readL2(key, f);
    if (loader != null) {
      result = result.compose(v -> v != null ? Future.succeededFuture(v) : callLoader(key, f, loader, ttl));
    }
    result.onComplete(ar -> {
      inflight.remove(key, f); // before completing: a caller reacting to the result starts afresh
      f.promise.handle(ar);
    });
  }

  private Future<String> callLoader(String key, Flight f, Function<String, Future<String>> loader, Duration ttl) {
    Future<String> loaded;
    try {
      loaded = loader.apply(key);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return loaded.compose(v -> {
      if (v == null || f.stale) {
        return Future.succeededFuture(v); // written or invalidated meanwhile: answer, do not store
      }
      return put(key, v, ttl).map(v);
    });
  }

  /** The L2 value or null (absent, or Redis unavailable: never a failure). Fills L1 on a hit. */
  private Future<String> readL2(String key, Flight f) {
    if (!link.isAvailable()) {
      degradedGet.increment();
      return Future.succeededFuture();
    }
    String rk = redisPrefix + key;
    return link.batchPipelined(List.of(Request.cmd(Command.GET).arg(rk), Request.cmd(Command.PTTL).arg(rk)))
        .map(rs -> {
          Response v = rs.get(0);
          if (v == null) {
            l2Misses.increment();
            return (String) null;
          }
          l2Hits.increment();
          String value = v.toString();
          Response pttl = rs.get(1);
          fillL1(key, value, pttl == null ? -2 : pttl.toLong(), f);
          return value;
        })
        .recover(t -> {
          degradedGet.increment();
          if (!(t instanceof RedisUnavailableException)) {
            log.debug("cache {}: L2 read of {} failed: {}", name, key, t.toString());
          }
          return Future.succeededFuture();
        });
  }

  private void fillL1(String key, String value, long pttlMillis, Flight f) {
    if (pttlMillis == -2 || f.stale) {
      return; // expired between GET and PTTL, or written/invalidated while in flight
    }
    long ttl = pttlMillis < 0 ? l1MaxTtlNanos : Math.min(l1MaxTtlNanos, pttlMillis * 1_000_000L);
    if (ttl <= 0) {
      return;
    }
    L1Cache.Entry e = new L1Cache.Entry(value, ttl);
    l1.put(key, e);
    if (f.stale) {
      // An invalidation marked the flight after our check: it may have evicted before our put.
      l1.asMap().remove(key, e);
    }
  }

  // ---- writes ----

  /** {@inheritDoc} A null {@code ttl} takes the {@link TtlPolicy}'s lifetime for the key. */
  @Override
  public Future<Void> put(String key, String value, Duration ttl) {
    Duration t = ttl != null ? ttl : ttlPolicy.ttlFor(key);
    long ttlNanos = Math.max(1, t.toNanos());
    markStale(key);
    l1.put(key, new L1Cache.Entry(value, Math.min(ttlNanos, l1MaxTtlNanos)));
    if (!link.isAvailable()) {
      degradedPut.increment();
      return Future.succeededFuture();
    }
    long ttlMillis = Math.max(1, t.toMillis());
    // One connection answers in order: other nodes hear of the write only once it is in L2.
    return link.batchPipelined(List.of(Request.cmd(Command.SET).arg(redisPrefix + key).arg(value).arg("PX").arg(ttlMillis),
            Request.cmd(Command.PUBLISH).arg(channel).arg(message('w', key))))
        .<Void>mapEmpty()
        .recover(x -> degraded(degradedPut, "put", key, x));
  }

  @Override
  public Future<Void> invalidate(String key) {
    invalidatedLocal.increment();
    evictKey(key);
    if (!link.isAvailable()) {
      degradedInvalidate.increment();
      return Future.succeededFuture();
    }
    return link.batchPipelined(List.of(Request.cmd(Command.UNLINK).arg(redisPrefix + key),
            Request.cmd(Command.PUBLISH).arg(channel).arg(message('k', key))))
        .<Void>mapEmpty()
        .recover(x -> degraded(degradedInvalidate, "invalidate", key, x));
  }

  @Override
  public Future<Void> invalidatePrefix(String prefix) {
    invalidatedLocal.increment();
    evictPrefix(prefix);
    if (!link.isAvailable()) {
      degradedInvalidate.increment();
      return Future.succeededFuture();
    }
    String pattern = globEscape(redisPrefix + prefix) + "*";
    return scanAndUnlink(pattern, "0")
        .compose(v -> link.publish(channel, message('p', prefix)))
        .<Void>mapEmpty()
        .recover(x -> degraded(degradedInvalidate, "invalidatePrefix", prefix, x));
  }

  /** The prefix of cache {@code name}'s L2 keys and invalidation channel: {@code <keyPrefix>{<name>}:}. */
  public static String redisKeyPrefix(String keyPrefix, String name) {
    return keyPrefix + "{" + name + "}:";
  }

  /**
   * One {@code SCAN} step and the {@code UNLINK} of what it found. KEYS[1]: a key of the cache's
   * slot (so a cluster runs it on the node holding the cache; SCAN sees that node's keys only).
   * ARGV: cursor, pattern, count. Returns the next cursor.
   */
  static final dev.tributary.redis.LuaScript SCAN_UNLINK = new dev.tributary.redis.LuaScript("""
      local r = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])
      local keys = r[2]
      for i = 1, #keys, 1000 do
        redis.call('UNLINK', unpack(keys, i, math.min(i + 999, #keys)))
      end
      return r[1]
      """);

  private Future<Void> scanAndUnlink(String pattern, String cursor) {
    return SCAN_UNLINK.run(link, r -> r.arg(cursor).arg(pattern).arg(scanCount), redisPrefix)
        .compose(r -> {
          String next = r.toString();
          return "0".equals(next) ? Future.succeededFuture() : scanAndUnlink(pattern, next);
        });
  }

  private Future<Void> degraded(Counter counter, String op, String key, Throwable t) {
    counter.increment();
    if (t instanceof RedisUnavailableException) {
      log.debug("cache {}: {} of {} applied to L1 only: {}", name, op, key, t.getMessage());
    } else {
      log.warn("cache {}: {} of {} applied to L1 only: {}", name, op, key, t.toString());
    }
    return Future.succeededFuture();
  }

  // ---- invalidation messages ----

  private String message(char kind, String arg) {
    return kind + ":" + nodeId + ":" + arg;
  }

  private void onInvalidation(Buffer payload) {
    String s = payload.toString(StandardCharsets.UTF_8);
    int sep = s.length() > 2 && s.charAt(1) == ':' ? s.indexOf(':', 2) : -1;
    if (sep < 0) {
      log.debug("cache {}: ignoring malformed invalidation {}", name, s);
      return;
    }
    boolean own = s.regionMatches(2, nodeId, 0, nodeId.length()) && sep == 2 + nodeId.length();
    String arg = s.substring(sep + 1);
    switch (s.charAt(0)) {
      case 'w' -> {
        if (!own) {
          evictKey(arg);
        }
      }
      case 'k' -> evictKey(arg);
      case 'p' -> evictPrefix(arg);
      default -> {
        log.debug("cache {}: ignoring invalidation of unknown kind {}", name, s);
        return;
      }
    }
    if (!own) {
      invalidatedRemote.increment();
    }
  }

  private void evictKey(String key) {
    markStale(key);
    l1.invalidate(key);
  }

  private void evictPrefix(String prefix) {
    inflight.forEach((k, f) -> {
      if (k.startsWith(prefix)) {
        f.stale = true;
      }
    });
    l1.asMap().keySet().removeIf(k -> k.startsWith(prefix));
  }

  private void markStale(String key) {
    Flight f = inflight.get(key);
    if (f != null) {
      f.stale = true;
    }
  }

  private long clearL1() {
    inflight.values().forEach(f -> f.stale = true);
    long n = l1.estimatedSize();
    l1.invalidateAll();
    return n;
  }

  // ---- stats and admin ----

  @Override
  public long l1Size() {
    return L1Cache.size(l1);
  }

  @Override
  public long l1Requests() {
    return (long) (l1Hits.count() + l1Misses.count());
  }

  @Override
  public double l1HitRate() {
    return L1Cache.hitRate(l1Hits, l1Misses);
  }

  /** L2 reads (hits + misses) since start; concurrent misses of one key count once. */
  public long l2Requests() {
    return (long) (l2Hits.count() + l2Misses.count());
  }

  /** Hits / (hits + misses) of L2 since start, or 1 when nothing was asked. */
  public double l2HitRate() {
    double h = l2Hits.count();
    double total = h + l2Misses.count();
    return total == 0 ? 1.0 : h / total;
  }

  /** The L1 copy of {@code key} or null, without counting a request or touching recency. */
  public String peekL1(String key) {
    L1Cache.Entry e = l1.policy().getIfPresentQuietly(key);
    return e == null ? null : e.value();
  }

  /** Remaining L1 lifetime of {@code key}, empty when L1 has no copy. */
  public Optional<Duration> l1TimeToLive(String key) {
    return l1.policy().expireVariably().flatMap(p -> p.getExpiresAfter(key));
  }

  /** True while L2 is in use (the link is available). */
  public boolean isL2Available() {
    return link.isAvailable();
  }

  @Override
  public void setL1Budget(double fraction) {
    long max = Math.max(1, (long) (maxEntries * Math.min(1.0, Math.max(0.0, fraction))));
    l1.policy().eviction().ifPresent(ev -> ev.setMaximum(max));
  }

  /** Stops receiving invalidations; the shared link stays open. */
  public Future<Void> close() {
    link.removeListener(listener);
    RedisSubscription s = subscription;
    return s == null ? Future.succeededFuture() : s.unsubscribe();
  }

  private Counter level(MeterRegistry registry, String metric, String level) {
    return Counter.builder(metric).tag("cache", name).tag("level", level).register(registry);
  }

  /** Escapes Redis glob metacharacters so that a prefix matches only itself. */
  static String globEscape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }
}
