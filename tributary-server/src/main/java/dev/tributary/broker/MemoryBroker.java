package dev.tributary.broker;

import dev.tributary.history.HistoryStore;
import dev.tributary.history.MemoryHistory;
import dev.tributary.protocol.ProtocolCodec;
import io.vertx.core.Future;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The broker of one node (Centrifuge's {@code MemoryBroker}): every publication is handed straight
 * back to this node's receiver on the publisher's thread, and history lives in a
 * {@link MemoryHistory}. A publication with history is appended and handed on while its stream is
 * locked, so the channel's pushes reach the receiver in offset order whichever threads publish.
 * Always available; every future it returns is already complete. Thread-safe.
 */
public final class MemoryBroker implements Broker {
  private static final Future<Void> DONE = Future.succeededFuture();
  private static final Future<HistoryStore.Position> NOT_KEPT = Future.succeededFuture(NO_POSITION);

  private final MemoryHistory history;
  /** Channels with local subscribers (the hub subscribes exactly those). */
  private final Set<String> subscribed = ConcurrentHashMap.newKeySet();
  private volatile Receiver receiver;

  public MemoryBroker(MemoryHistory history) {
    this.history = history;
  }

  @Override
  public void start(Receiver receiver) {
    this.receiver = receiver;
  }

  @Override
  public Future<Void> subscribe(String channel) {
    subscribed.add(channel);
    return DONE;
  }

  @Override
  public void unsubscribe(String channel) {
    subscribed.remove(channel);
  }

  @Override
  public Future<Void> publish(String channel, byte[] push) {
    receiver.receive(channel, push, 0);
    return DONE;
  }

  @Override
  public Future<HistoryStore.Position> publish(String channel, String dataJson, String infoJson, int historySize,
      long historyTtlMillis) {
    if (historySize <= 0) {
      receiver.receive(channel, ProtocolCodec.publicationPush(channel, dataJson, infoJson, 0), 0);
      return NOT_KEPT;
    }
    Receiver r = receiver;
    return Future.succeededFuture(history.appendThen(channel, dataJson, infoJson, historySize, historyTtlMillis,
        offset -> r.receive(channel, ProtocolCodec.publicationPush(channel, dataJson, infoJson, offset), offset)));
  }

  @Override
  public MemoryHistory history() {
    return history;
  }

  @Override
  public boolean available() {
    return true;
  }

  @Override
  public Future<Void> close() {
    return DONE;
  }

  /** Those of {@code channels} with subscribers on this node (the only node). */
  @Override
  public Future<Set<String>> withSubscribers(List<String> channels) {
    Set<String> with = new HashSet<>();
    for (String channel : channels) {
      if (subscribed.contains(channel)) {
        with.add(channel);
      }
    }
    return Future.succeededFuture(with);
  }
}
