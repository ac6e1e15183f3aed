package dev.tributary.broker;

import dev.tributary.history.HistoryStore;
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
    /** @param offset the publication's history offset, 0 when its channel keeps no history */
    void receive(String channel, byte[] push, long offset);

    /**
     * This node's subscription to {@code channel} was interrupted and is back: publications of
     * the interval are lost here (subscribers of channels with history must recover).
     */
    default void interrupted(String channel) {}

    /**
     * The broker confirmed {@code channel}'s subscription after this node had been told it was not
     * ready (see {@link Broker#ready}): its local subscribers were answered for this node's
     * deliveries only and may have missed other nodes' publications, with or without history.
     */
    default void confirmedLate(String channel) {
      interrupted(channel);
    }
  }

  void start(Receiver receiver);

  /**
   * Subscribes this node to the channel and answers as {@link #ready}: within a bound, whatever
   * the broker does.
   */
  Future<Void> subscribe(String channel);

  /**
   * Completes once this node receives the channel's publications; fails, within the broker's
   * command timeout, when it cannot tell. A failure leaves the subscription pending: once it is
   * confirmed the receiver is told the channel was {@linkplain Receiver#interrupted interrupted}.
   */
  default Future<Void> ready(String channel) {
    return Future.succeededFuture();
  }

  /** This node has no local subscriber of the channel any more. */
  void unsubscribe(String channel);

  /**
   * Publishes to every subscribed node. Fails when the broker is unavailable: the caller then
   * delivers locally (other nodes miss it, and that is counted).
   */
  Future<Void> publish(String channel, byte[] push);

  /**
   * The history every node shares, or null when this broker keeps none (nodes then keep their own,
   * which is only right for one node).
   */
  default HistoryStore history() {
    return null;
  }

  /**
   * Appends a publication to the channel's shared {@link #history()} and publishes its push (with
   * the offset) to every subscribed node, as one atomic step. Fails, without publishing, when the
   * channel's broker is unavailable: the caller must then refuse the publication, since delivering
   * it without an offset would leave a hole in the stream.
   */
  default Future<HistoryStore.Position> publishWithHistory(String channel, String dataJson, String infoJson,
      int maxSize, long ttlMillis) {
    return Future.failedFuture(new UnsupportedOperationException("this broker keeps no history"));
  }

  /** Whether publications currently go through the broker (false while it is down). */
  boolean available();

  /** Whether {@code channel}'s publications go through the broker now (its shard is up). */
  default boolean available(String channel) {
    return available();
  }

  /**
   * Completes once every publication this node published through the broker before the call, on
   * every channel, has come back to this node's receiver (a marker sent behind them on the same
   * ordered connections arrived); fails within the command timeout when the broker cannot tell.
   */
  default Future<Void> barrier() {
    return Future.succeededFuture();
  }

  Future<Void> close();

  /**
   * Of {@code channels}, those that some node (this one included) is subscribed to, for a
   * broadcast to skip the others without encoding their push. Fails when the broker cannot tell
   * (the caller must then skip nothing). Completes on any thread. Default: all of them (a broker
   * that cannot tell skips nothing).
   */
  default Future<java.util.Set<String>> withSubscribers(java.util.List<String> channels) {
    return Future.succeededFuture(new java.util.HashSet<>(channels));
  }
}
