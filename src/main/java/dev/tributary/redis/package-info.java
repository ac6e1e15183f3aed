/**
 * The node's connection to Redis: {@link dev.tributary.redis.RedisLink} (pooled commands behind a
 * circuit breaker, a self-healing pub/sub subscriber, availability listeners) and its
 * {@link dev.tributary.redis.RedisSettings}. Shared by the two-level cache and the Redis broker.
 * Callable from any thread; subscriber state lives on the link's own event-loop context and never
 * blocks.
 */
package dev.tributary.redis;
