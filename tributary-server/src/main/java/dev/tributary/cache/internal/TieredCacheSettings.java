package dev.tributary.cache.internal;

import dev.tributary.config.ConfigException;
import java.time.Duration;

/**
 * How a {@link RedisTieredCache} sizes its levels. A plain holder with validating fluent setters;
 * the messages name the {@code cache.*} keys the config layer is expected to map onto it.
 */
public final class TieredCacheSettings {
  /** Default {@code cache.l1MaxEntries}: 10,000 entries per node. */
  public static final long DEFAULT_L1_MAX_ENTRIES = 10_000;
  /**
   * Default {@code cache.l1MaxTtlMillis}: 30 s. The longest a copy stays in L1 whatever its L2
   * lifetime: the bound on how stale a node can be if an invalidation message never reaches it
   * (Redis pub/sub is at-most-once).
   */
  public static final long DEFAULT_L1_MAX_TTL_MILLIS = 30_000;
  /** Default {@code cache.keyPrefix}: L2 keys are {@code tributary:cache:<name>:<key>}. */
  public static final String DEFAULT_KEY_PREFIX = "tributary:cache:";
  /** Default {@code cache.scanCount}: the {@code COUNT} hint of each {@code SCAN} step of a prefix invalidation. */
  public static final int DEFAULT_SCAN_COUNT = 500;
  /** Default {@code cache.ttlMillis}: 5 minutes for a put without TTL and no matching prefix. */
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

  private long l1MaxEntries = DEFAULT_L1_MAX_ENTRIES;
  private long l1MaxTtlMillis = DEFAULT_L1_MAX_TTL_MILLIS;
  private String keyPrefix = DEFAULT_KEY_PREFIX;
  private int scanCount = DEFAULT_SCAN_COUNT;
  private TtlPolicy ttlPolicy = TtlPolicy.of(DEFAULT_TTL);

  public TieredCacheSettings() {}

  public TieredCacheSettings(TieredCacheSettings o) {
    l1MaxEntries = o.l1MaxEntries;
    l1MaxTtlMillis = o.l1MaxTtlMillis;
    keyPrefix = o.keyPrefix;
    scanCount = o.scanCount;
    ttlPolicy = o.ttlPolicy;
  }

  /** Entries L1 holds per node (W-TinyLFU eviction beyond). Default 10,000. */
  public long getL1MaxEntries() {
    return l1MaxEntries;
  }

  public TieredCacheSettings setL1MaxEntries(long v) {
    if (v < 1 || v > 100_000_000) {
      throw new ConfigException("cache.l1MaxEntries", "must be between 1 and 100000000, got " + v);
    }
    this.l1MaxEntries = v;
    return this;
  }

  /** Longest life of an L1 copy, ms. Default 30,000. */
  public long getL1MaxTtlMillis() {
    return l1MaxTtlMillis;
  }

  public TieredCacheSettings setL1MaxTtlMillis(long v) {
    if (v < 1 || v > 86_400_000) {
      throw new ConfigException("cache.l1MaxTtlMillis", "must be between 1 and 86400000, got " + v);
    }
    this.l1MaxTtlMillis = v;
    return this;
  }

  /** Namespace of L2 keys (the cache name and {@code :} follow). Default {@value #DEFAULT_KEY_PREFIX}. */
  public String getKeyPrefix() {
    return keyPrefix;
  }

  public TieredCacheSettings setKeyPrefix(String v) {
    if (v == null || v.isEmpty()) {
      throw new ConfigException("cache.keyPrefix", "must not be empty");
    }
    this.keyPrefix = v;
    return this;
  }

  /** {@code SCAN ... COUNT} hint for prefix invalidation. Default 500. */
  public int getScanCount() {
    return scanCount;
  }

  public TieredCacheSettings setScanCount(int v) {
    if (v < 10 || v > 100_000) {
      throw new ConfigException("cache.scanCount", "must be between 10 and 100000, got " + v);
    }
    this.scanCount = v;
    return this;
  }

  /** Lifetimes used by a put without TTL. Default: 5 minutes for every key. */
  public TtlPolicy getTtlPolicy() {
    return ttlPolicy;
  }

  public TieredCacheSettings setTtlPolicy(TtlPolicy v) {
    if (v == null) {
      throw new ConfigException("cache.ttlMillis", "a TTL policy is required");
    }
    this.ttlPolicy = v;
    return this;
  }
}
