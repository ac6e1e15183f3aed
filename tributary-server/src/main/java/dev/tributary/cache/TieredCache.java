package dev.tributary.cache;

import io.vertx.core.Future;
import java.time.Duration;

/**
 * A two-level cache: L1 in this node's memory, L2 shared (Redis) when configured. Values are JSON
 * text so that any level can hold them. Thread-safe; futures of an L1 hit are already complete.
 */
public interface TieredCache {

  /** The value, or null when absent or expired. An L2 hit fills L1. */
  Future<String> get(String key);

  /** Stores {@code value} for {@code ttl} in every level. */
  Future<Void> put(String key, String value, Duration ttl);

  /** Removes {@code key} from every level (and, with L2, from every node's L1). */
  Future<Void> invalidate(String key);

  /** Removes every key starting with {@code prefix}. */
  Future<Void> invalidatePrefix(String prefix);

  /** Entries in L1 now (approximate). */
  long l1Size();

  /** Gets answered by L1 since start (hits + misses). */
  long l1Requests();

  /** Hits / (hits + misses) of L1 since start, or 1 when nothing was asked. */
  double l1HitRate();

  /**
   * Memory pressure: shrink L1 to {@code fraction} of its configured bound (evicting by policy);
   * 1.0 restores the bound.
   */
  void setL1Budget(double fraction);
}
