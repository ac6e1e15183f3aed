package dev.tributary.ops;

import dev.tributary.cache.TieredCache;
import dev.tributary.gateway.Gateway;
import dev.tributary.support.IdGenerator;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Node-wide operational state the HTTP handlers share: switches, rate samplers, the publication-id
 * generator, the coordination cache, and the outcome of the last config reload. Thread-safe.
 */
public final class Ops {
  public final Gateway gateway;
  public final Toggles toggles;
  public final TieredCache cache;
  public final RateSampler publications;
  public final RateSampler deliveries;
  public final IdGenerator publicationIds;
  public final String publicationIdStrategy;
  public final AtomicLong publicationIdsIssued = new AtomicLong();
  private final long startedMillis = System.currentTimeMillis();
  private volatile String lastReload = "none";
  /** This node's Redis links (empty without Redis). */
  public volatile java.util.List<dev.tributary.redis.RedisLink> redis = java.util.List.of();

  /** "not configured", "up", or "degraded: …" naming the links that are down. */
  public String redisState() {
    if (redis.isEmpty()) {
      return "not configured";
    }
    java.util.List<String> down = new java.util.ArrayList<>();
    for (var l : redis) {
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

  public Ops(Gateway gateway, Toggles toggles, TieredCache cache, String publicationIdStrategy) {
    this.gateway = gateway;
    this.toggles = toggles;
    this.cache = cache;
    long now = System.nanoTime();
    this.publications = new RateSampler(() -> gateway.hub().publicationCount(), now);
    this.deliveries = new RateSampler(gateway::deliveryCount, now);
    this.publicationIdStrategy = publicationIdStrategy;
    this.publicationIds = IdGenerator.create(IdGenerator.Strategy.valueOf(publicationIdStrategy.toUpperCase(java.util.Locale.ROOT)));
  }

  /** A new publication id (returned to HTTP API publishers). */
  public String nextPublicationId() {
    publicationIdsIssued.incrementAndGet();
    return publicationIds.next();
  }

  /** Called once a second by the server's timer. */
  public void sample() {
    long now = System.nanoTime();
    publications.sample(now);
    deliveries.sample(now);
  }

  public long uptimeMillis() {
    return System.currentTimeMillis() - startedMillis;
  }

  public String lastReload() {
    return lastReload;
  }

  public void lastReload(String outcome) {
    this.lastReload = outcome;
  }
}
