package dev.tributary.cache.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Default lifetimes per key namespace: the longest matching key prefix wins, else the default.
 * Used when {@code put} is given no TTL, so that e.g. coordinated state ({@code state:}), query
 * results ({@code query:}) and validation results ({@code validation:}) each keep their own
 * lifetime without every caller repeating it. Immutable and thread-safe.
 */
public final class TtlPolicy {
  private final Duration defaultTtl;
  private final List<Map.Entry<String, Duration>> byPrefix; // longest prefix first

  private TtlPolicy(Duration defaultTtl, List<Map.Entry<String, Duration>> byPrefix) {
    this.defaultTtl = positive("default", defaultTtl);
    this.byPrefix = byPrefix;
  }

  /** A policy with only a default. */
  public static TtlPolicy of(Duration defaultTtl) {
    return new TtlPolicy(defaultTtl, List.of());
  }

  /** This policy plus (or with a replaced) lifetime for keys starting with {@code prefix}. */
  public TtlPolicy with(String prefix, Duration ttl) {
    if (prefix == null || prefix.isEmpty()) {
      throw new IllegalArgumentException("prefix must not be empty (use the default TTL)");
    }
    positive(prefix, ttl);
    List<Map.Entry<String, Duration>> next = new ArrayList<>();
    for (Map.Entry<String, Duration> e : byPrefix) {
      if (!e.getKey().equals(prefix)) {
        next.add(e);
      }
    }
    next.add(Map.entry(prefix, ttl));
    next.sort(Comparator.comparingInt((Map.Entry<String, Duration> e) -> e.getKey().length()).reversed());
    return new TtlPolicy(defaultTtl, List.copyOf(next));
  }

  /** The lifetime of {@code key}: the longest matching prefix's, else the default. */
  public Duration ttlFor(String key) {
    for (Map.Entry<String, Duration> e : byPrefix) {
      if (key.startsWith(e.getKey())) {
        return e.getValue();
      }
    }
    return defaultTtl;
  }

  public Duration defaultTtl() {
    return defaultTtl;
  }

  /** Prefix to lifetime, longest prefix first. */
  public Map<String, Duration> prefixes() {
    Map<String, Duration> m = new LinkedHashMap<>();
    byPrefix.forEach(e -> m.put(e.getKey(), e.getValue()));
    return m;
  }

  private static Duration positive(String what, Duration ttl) {
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("TTL for " + what + " must be > 0, got " + ttl);
    }
    return ttl;
  }

  @Override
  public String toString() {
    return "TtlPolicy{default=" + defaultTtl + ", prefixes=" + prefixes() + "}";
  }
}
