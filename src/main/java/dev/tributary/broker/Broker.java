package dev.tributary.broker;

import io.vertx.core.Future;

/**
 * Fan-out between nodes. A node subscribes to a channel's topic when its first local subscriber
 * arrives and unsubscribes with the last; a publication on any node goes through the broker and
 * comes back to every subscribed node (this one included), in one order per channel.
 *
 * <p>Without a broker (one node) the {@link dev.tributary.hub.Hub} delivers locally. Thread-safe.
 */
public interface Broker {

  /** Where publications from the broker are handed (the hub's local fan-out). */
  interface Receiver {
    void receive(String channel, byte[] push);
  }

  void start(Receiver receiver);

  /** Completes once this node receives the channel's publications (batched with others). */
  Future<Void> subscribe(String channel);

  /** This node has no local subscriber of the channel any more. */
  void unsubscribe(String channel);

  /**
   * Publishes to every subscribed node. Fails when the broker is unavailable: the caller then
   * delivers locally (other nodes miss it, and that is counted).
   */
  Future<Void> publish(String channel, byte[] push);

  /** Whether publications currently go through the broker (false while it is down). */
  boolean available();

  /** Whether {@code channel}'s publications go through the broker now (its shard is up). */
  default boolean available(String channel) {
    return available();
  }

  Future<Void> close();
}
