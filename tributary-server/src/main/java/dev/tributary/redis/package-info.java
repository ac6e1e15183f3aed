/**
 * The node's connection to Redis: {@link dev.tributary.redis.RedisLink} (pooled commands behind a
 * circuit breaker, pipelined lanes for hot-path commands, a self-healing pub/sub subscriber,
 * availability listeners), {@link dev.tributary.redis.RedisPipeline} (dedicated connections whose
 * requests are written without waiting for replies) and {@link dev.tributary.config.RedisSettings}.
 * Shared by the two-level cache and the Redis broker. Callable from any thread; subscriber state
 * lives on the link's own event-loop context, each pipeline lane's on its event loop; nothing
 * blocks.
 */
package dev.tributary.redis;
