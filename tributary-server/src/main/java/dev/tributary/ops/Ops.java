package dev.tributary.ops;

import dev.tributary.cache.TieredCache;
import dev.tributary.gateway.Gateway;
import dev.tributary.metrics.MetricNames;
import dev.tributary.redis.RedisLink;
import dev.tributary.support.IdGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the operator endpoints ({@link OpsApi}, the HTTP API's publish and info) read of this node:
 * the gateway, the switches, the coordination cache and the Redis links, all given at construction
 * and never replaced; plus the few figures it keeps itself (publication and delivery rates, the
 * publication-id generator and its count, the outcome of the last config reload). Thread-safe.
 */
public final class Ops {
  private final Gateway gateway;
  private final Toggles toggles;
  private final TieredCache cache;
  private final List<RedisLink> redis;
  private final RateSampler publications;
  private final RateSampler deliveries;
  private final RateSampler frames;
  private final RecentCount slowCloses;
  private final RecentCount shed;
  private final RecentCount rateLimited;
  private final IdGenerator publicationIds;
  private final String publicationIdStrategy;
  private final AtomicLong publicationIdsIssued = new AtomicLong();
  private final long startedMillis = System.currentTimeMillis();
  private volatile String lastReload = "none";

  /**
   * @param redis this node's Redis links (empty without Redis)
   * @param publicationIdStrategy {@code ids.publicationIds}: fast, secure or hybrid
   */
  public Ops(Gateway gateway, Toggles toggles, TieredCache cache, List<RedisLink> redis, String publicationIdStrategy) {
    this.gateway = gateway;
    this.toggles = toggles;
    this.cache = cache;
    this.redis = List.copyOf(redis);
    long now = System.nanoTime();
    this.publications = new RateSampler(() -> gateway.hub().publicationCount(), now);
    this.deliveries = new RateSampler(gateway::deliveryCount, now);
    this.frames = new RateSampler(gateway::framesOut, now);
    this.slowCloses = new RecentCount(() -> counter(gateway, MetricNames.SLOW_CLOSES));
    this.shed = new RecentCount(() -> counter(gateway, MetricNames.MEMORY_SHED));
    this.rateLimited = new RecentCount(() -> counter(gateway, MetricNames.RATE_LIMITED));
    this.publicationIdStrategy = publicationIdStrategy;
    this.publicationIds = IdGenerator.create(IdGenerator.Strategy.valueOf(publicationIdStrategy.toUpperCase(Locale.ROOT)));
  }

  public Gateway gateway() {
    return gateway;
  }

  public Toggles toggles() {
    return toggles;
  }

  /** The coordination cache. */
  public TieredCache cache() {
    return cache;
  }

  /** Publications per second (the hub's count, sampled by {@link #sample()}). */
  public RateSampler publications() {
    return publications;
  }

  /** Deliveries per second (the gateway's count, sampled by {@link #sample()}). */
  public RateSampler deliveries() {
    return deliveries;
  }

  /** Frames written to WebSocket clients per second: with {@link #deliveries()}, deliveries per frame. */
  public RateSampler frames() {
    return frames;
  }

  /** Connections closed with 3008 (slow consumers, shed ones included) in the last minute. */
  public RecentCount slowCloses() {
    return slowCloses;
  }

  /** Slow consumers shed under memory pressure in the last minute. */
  public RecentCount shed() {
    return shed;
  }

  /** Client commands refused by the rate limit (error 111) in the last minute. */
  public RecentCount rateLimited() {
    return rateLimited;
  }

  private static long counter(Gateway gateway, String name) {
    io.micrometer.core.instrument.Counter c = gateway.registry().find(name).counter();
    return c == null ? 0 : (long) c.count();
  }

  /** "not configured", "up", or "degraded: …" naming the links that are down. */
  public String redisState() {
    if (redis.isEmpty()) {
      return "not configured";
    }
    List<String> down = new ArrayList<>();
    for (RedisLink l : redis) {
      if (!l.isAvailable()) {
        down.add(l.name() + " " + l.state());
      } else if (!l.isHealthy()) {
        down.add(l.name() + " commands failing");
      }
    }
    boolean local = gateway.options().getRedis().isDegradedPublishLocal();
    return down.isEmpty() ? "up" : "degraded: " + String.join(", ", down)
        + (local ? " (publications local to this node, L1 cache only)" : " (publications refused, L1 cache only)");
  }

  public boolean redisUp() {
    return redisState().equals("up") || redis.isEmpty();
  }

  /** A new publication id (returned to HTTP API publishers). */
  public String nextPublicationId() {
    publicationIdsIssued.incrementAndGet();
    return publicationIds.next();
  }

  /** {@code ids.publicationIds} in force. */
  public String publicationIdStrategy() {
    return publicationIdStrategy;
  }

  /** Publication ids handed out since start. */
  public long publicationIdsIssued() {
    return publicationIdsIssued.get();
  }

  /** Called once a second by the server's timer. */
  public void sample() {
    long now = System.nanoTime();
    publications.sample(now);
    deliveries.sample(now);
    frames.sample(now);
    slowCloses.sample();
    shed.sample();
    rateLimited.sample();
  }

  public long uptimeMillis() {
    return System.currentTimeMillis() - startedMillis;
  }

  /** Outcome of the last config reload: "none", "applied …" or "rejected: …". */
  public String lastReload() {
    return lastReload;
  }

  public void lastReload(String outcome) {
    this.lastReload = outcome;
  }
}
