/**
 * Implementations of {@link dev.tributary.cache.TieredCache}: {@code LocalTieredCache} (L1
 * Caffeine only, no Redis configured) and {@code RedisTieredCache} (L1 Caffeine per node + L2
 * Redis shared through a {@link dev.tributary.redis.RedisLink}, invalidation over pub/sub,
 * degrading to L1 while Redis is unavailable), with {@code TtlPolicy} (lifetimes per key
 * namespace) and {@code TieredCacheSettings}. Thread-safe and lock-free: callable from any event
 * loop; nothing blocks.
 */
package dev.tributary.cache.internal;
