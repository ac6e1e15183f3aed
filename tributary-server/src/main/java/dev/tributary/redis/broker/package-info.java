/** Redis engine, broker side: RedisBroker (cross-node fan-out over Redis pub/sub, sharded pub/sub on a cluster) and RedisHistory (the broker's history streams, appended and published by one script). Built on the engine in {@code dev.tributary.redis} (links, pipelines, scripts). */
package dev.tributary.redis.broker;
