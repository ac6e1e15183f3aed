/** Redis engine, the two-level cache's shared level: RedisTieredCache (Caffeine L1 in front of Redis). Built on the engine in {@code dev.tributary.redis} (links, pipelines, scripts). */
package dev.tributary.redis.cache;
