/** Redis engine, presence: RedisPresence (every node's presence entries in Redis hashes with a TTL, refreshed by their node). Built on the engine in {@code dev.tributary.redis} (links, pipelines, scripts). */
package dev.tributary.redis.presence;
