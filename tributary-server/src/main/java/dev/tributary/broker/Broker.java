package dev.tributary.broker;

import dev.tributary.history.HistoryStore;
import io.vertx.core.Future;

/**
 * Fan-out between nodes, and the owner of channel history (as Centrifuge's {@code Broker}). A node
 * subscribes to a channel's topic when its first local subscriber arrives and unsubscribes with the
 * last; a publication on any node goes through the broker and comes back to every subscribed node
 * (this one included), in one order per channel. A publication of a channel with history is
 * appended to the channel's stream and published with its offset in one step.
 *
 * <p>Two engines: {@link MemoryBroker} (one node: history in memory, publications handed straight
 * back to this node) and {@code internal.RedisBroker} (several nodes: Redis pub/sub, history in
 * Redis streams). The {@link dev.tributary.hub.Hub} always has one. Thread-safe.
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
   * Publishes a push encoded by the caller (join/leave, modules' updates; never kept in history)
   * to every subscribed node, with offset 0. Fails when the broker is unavailable or does not
   * confirm it within its command timeout.
   */
  Future<Void> publish(String channel, byte[] push);

  /**
   * Publishes a publication (data and info as JSON text; info may be null) to every subscribed
   * node. With {@code historySize > 0} it is first appended to the channel's {@link #history()},
   * keeping at most {@code historySize} entries for {@code historyTtlMillis}, and its push carries
   * the offset; append and publish are one atomic step, so a channel's offsets and its delivery
   * order agree. With {@code historySize == 0} nothing is kept and the position is
   * {@link #NO_POSITION}. Fails, without publishing, when the channel's broker is unavailable, or
   * when it does not confirm within its command timeout.
   */
  Future<HistoryStore.Position> publish(String channel, String dataJson, String infoJson, int historySize,
      long historyTtlMillis);

  /** The position answered for a publication kept in no history (offset 0). */
  HistoryStore.Position NO_POSITION = new HistoryStore.Position("", 0);

  /** The history of every channel this broker publishes with history (shared by every node using it). */
  HistoryStore history();

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
