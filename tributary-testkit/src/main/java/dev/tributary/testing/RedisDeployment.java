package dev.tributary.testing;

import dev.tributary.config.RedisOptions;

/**
 * Where a test's Tributary nodes find Redis: one redis-server ({@link RedisServerExtension}) or a
 * Redis Cluster ({@link RedisClusterExtension}). Multi-node tests take one as a parameter and run
 * once against each, so every single-Redis guarantee is checked on the cluster too.
 */
public interface RedisDeployment {
  /** Points {@code o} at this Redis ({@code redis.urls} or {@code redis.cluster}). */
  void configure(RedisOptions o);

  /** The {@code redis} section of a config file pointing at this Redis (for node processes). */
  default io.vertx.core.json.JsonObject json() {
    RedisOptions o = new RedisOptions();
    configure(o);
    return o.toJson();
  }
}
