package dev.tributary.redis;

import io.vertx.core.Future;

/**
 * One handler's subscription to one Redis pub/sub channel, as returned by
 * {@link RedisLink#subscribe}. Several handlers may share a channel: the link sends
 * {@code SUBSCRIBE} for the first and {@code UNSUBSCRIBE} after the last one leaves.
 */
public interface RedisSubscription {

  /** The Redis channel. */
  String channel();

  /** Removes this handler; idempotent. Completes once the link has applied it. */
  Future<Void> unsubscribe();
}
