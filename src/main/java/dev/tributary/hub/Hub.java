package dev.tributary.hub;

import dev.tributary.broker.Broker;
import dev.tributary.channels.ChannelRules;
import dev.tributary.gateway.protocol.ProtocolCodec;
import dev.tributary.history.HistoryStore;
import dev.tributary.history.MemoryHistory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.netty.channel.EventLoop;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node's channel index and local fan-out. Each gateway instance ({@link Shard}, one per event
 * loop) tells the hub when it gains its first local subscriber of a channel and loses its last;
 * a publication is encoded once by the publisher and handed, as the same bytes, to exactly the
 * shards that have subscribers of its channel, on their own event loops.
 *
 * <p>Ordering: publications of one channel from one thread reach each shard in publish order
 * (each shard's context executes its tasks in FIFO order; a shard on the publisher's own thread
 * gets them synchronously, also in order).
 *
 * <p>Thread-safe: called from every event loop. The interest map changes only when a shard's first
 * subscriber arrives or its last leaves, never per message.
 */
public final class Hub {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Hub.class);

  /** A gateway instance: receives pushes for its local subscribers on its own context. */
  public interface Shard {
    Context context();

    /**
     * Delivers encoded push bytes to the local subscribers of {@code channel}; owner thread only.
     *
     * @param publishedNanos {@link System#nanoTime()} at publish, for the publish-to-deliver timer
     */
    void deliver(String channel, byte[] push, long offset, long publishedNanos);

    /** This node may have missed publications of {@code channel}; owner thread only. */
    default void resync(String channel) {}
  }

  private static final Shard[] NONE = new Shard[0];

  private final ConcurrentHashMap<String, Shard[]> interest = new ConcurrentHashMap<>();
  private final LongAdder publications = new LongAdder();
  private final LongAdder localOnly = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private volatile Broker broker;
  private volatile java.util.function.Supplier<ChannelRules> rules;
  /** This node's own history; used unless the broker keeps a shared one. */
  private volatile MemoryHistory local;
  /** Per channel, the broker subscription every local subscriber waits for. */
  private final ConcurrentHashMap<String, Future<Void>> brokerReady = new ConcurrentHashMap<>();

  /**
   * Connects the hub to a broker (several nodes): publications then go through it and come back
   * to be delivered locally; without one, or while it is down, delivery is local only.
   */
  public void attachBroker(Broker b) {
    this.broker = b;
    b.start(new Broker.Receiver() {
      @Override
      public void receive(String channel, byte[] push, long offset) {
        deliverLocal(channel, push, offset);
      }

      @Override
      public void interrupted(String channel) {
        for (Shard shard : interest.getOrDefault(channel, NONE)) {
          shard.context().runOnContext(v -> shard.resync(channel));
        }
      }
    });
    for (String channel : interest.keySet()) {
      b.subscribe(channel);
    }
  }

  /**
   * Channel rules (for history settings) and this node's own history; before any publish. A
   * broker that keeps history (Redis) is used instead when attached: several nodes share it.
   */
  public void configure(java.util.function.Supplier<ChannelRules> rules, MemoryHistory local) {
    this.rules = rules;
    this.local = local;
  }

  /** The history in use: the broker's shared one when it keeps one, else this node's. */
  public HistoryStore history() {
    Broker b = broker;
    return b != null && b.history() != null ? b.history() : local;
  }

  /** The attached broker if it keeps the history (appends happen there), else null. */
  private Broker historyBroker() {
    Broker b = broker;
    return b != null && b.history() != null ? b : null;
  }

  /**
   * Publishes data (JSON text) to {@code channel}: appends it to the channel's history when its
   * namespace keeps one (the offset goes into the push), encodes the push once, and fans it out.
   * Returns the offset (0 without history).
   *
   * <p>With a broker that keeps history, append and publish are one step in Redis; while that
   * Redis is unavailable the publication is refused (the future fails, and it is counted in
   * {@link #refusedCount()}): delivering it without an offset would leave a hole no client could
   * recover. Without history, or on one node, the future is complete on return.
   */
  public Future<Long> publish(String channel, String dataJson, String infoJson) {
    ChannelRules r = rules == null ? null : rules.get();
    int size = r == null ? 0 : r.historySize(channel);
    Broker b = historyBroker();
    MemoryHistory m = local;
    if (size == 0 || (b == null && m == null)) {
      publish(channel, ProtocolCodec.publicationPush(channel, dataJson, infoJson, 0), 0);
      return ZERO;
    }
    if (b != null) {
      publications.increment();
      return b.publishWithHistory(channel, dataJson, infoJson, size, r.historyTtlMillis(channel))
          .map(HistoryStore.Position::offset)
          .onFailure(this::refused);
    }
    // Handed on under the stream's lock: every shard gets the channel's pushes in offset order.
    return Future.succeededFuture(m.appendThen(channel, dataJson, infoJson, size, r.historyTtlMillis(channel),
        offset -> publish(channel, ProtocolCodec.publicationPush(channel, dataJson, infoJson, offset), offset)));
  }

  private static final Future<Long> ZERO = Future.succeededFuture(0L);

  /**
   * Whether {@link #publish(String, String, String)} of {@code channel} can fail or complete
   * later (its history is appended in Redis); false when it is done on return.
   */
  public boolean publishIsRemote(String channel) {
    ChannelRules r = rules == null ? null : rules.get();
    return historyBroker() != null && r != null && r.historySize(channel) > 0;
  }

  private void refused(Throwable err) {
    refused.increment();
    long n = refused.sum();
    if (n == 1 || n % 1000 == 0) {
      log.warn("publication refused (history not appended), {} so far: {}", n, err.toString());
    }
  }

  /** Publications refused because their history could not be appended (Redis unavailable). */
  public long refusedCount() {
    return refused.sum();
  }

  /** Publications delivered on this node only because the broker was down. */
  public long localOnlyCount() {
    return localOnly.sum();
  }

  /**
   * Registers that {@code shard} has local subscribers of {@code channel}. Completes when the
   * node receives the channel's publications (at once without a broker).
   */
  public Future<Void> addInterest(String channel, Shard shard) {
    boolean[] first = new boolean[1];
    interest.compute(channel, (k, cur) -> {
      first[0] = cur == null;
      if (cur == null) {
        return new Shard[] {shard};
      }
      for (Shard s : cur) {
        if (s == shard) {
          return cur;
        }
      }
      Shard[] next = Arrays.copyOf(cur, cur.length + 1);
      next[cur.length] = shard;
      return next;
    });
    Broker b = broker;
    if (b == null) {
      return Future.succeededFuture();
    }
    if (first[0]) {
      Future<Void> f = b.subscribe(channel);
      brokerReady.put(channel, f);
      return f;
    }
    return brokerReady.getOrDefault(channel, Future.succeededFuture());
  }

  /** {@code shard} has no more local subscribers of {@code channel}. */
  public void removeInterest(String channel, Shard shard) {
    boolean[] last = new boolean[1];
    interest.computeIfPresent(channel, (k, cur) -> {
      int idx = -1;
      for (int i = 0; i < cur.length; i++) {
        if (cur[i] == shard) {
          idx = i;
          break;
        }
      }
      if (idx < 0) {
        return cur;
      }
      if (cur.length == 1) {
        last[0] = true;
        return null;
      }
      Shard[] next = new Shard[cur.length - 1];
      System.arraycopy(cur, 0, next, 0, idx);
      System.arraycopy(cur, idx + 1, next, idx, cur.length - idx - 1);
      return next;
    });
    Broker b = broker;
    if (b != null && last[0]) {
      brokerReady.remove(channel);
      b.unsubscribe(channel);
    }
  }

  /** Channels with at least one subscriber on this node. */
  public int channelCount() {
    return interest.size();
  }

  /** Publications accepted by this hub since start. */
  public long publicationCount() {
    return publications.sum();
  }

  /**
   * Publishes one publication's push bytes (encoded once by the publisher): through the broker
   * when there is one and it is up, else straight to this node's subscribers.
   */
  public void publish(String channel, byte[] push) {
    publish(channel, push, 0);
  }

  private void publish(String channel, byte[] push, long offset) {
    publications.increment();
    Broker b = broker;
    if (b != null && b.available(channel)) {
      b.publish(channel, push).onFailure(err -> {
        // Not through the broker: this node's subscribers still get it; other nodes miss it.
        localOnly.increment();
        deliverLocal(channel, push, offset);
      });
      return;
    }
    if (b != null) {
      localOnly.increment();
    }
    deliverLocal(channel, push, offset);
  }

  /**
   * Hands one publication's push bytes to every local gateway instance with subscribers of
   * {@code channel}; returns how many instances were reached.
   */
  public int deliverLocal(String channel, byte[] push) {
    return deliverLocal(channel, push, 0);
  }

  /** Same, with the publication's history offset (0 = none) for recovery de-duplication. */
  public int deliverLocal(String channel, byte[] push, long offset) {
    Shard[] shards = interest.getOrDefault(channel, NONE);
    long now = System.nanoTime();
    // Handlers run on duplicated contexts: compare the event loops, not the context objects.
    ContextInternal current = (ContextInternal) Vertx.currentContext();
    EventLoop loop = current == null ? null : current.nettyEventLoop();
    for (Shard shard : shards) {
      Context ctx = shard.context();
      if (loop != null && ((ContextInternal) ctx).nettyEventLoop() == loop && loop.inEventLoop()) {
        shard.deliver(channel, push, offset, now);
      } else {
        ctx.runOnContext(v -> shard.deliver(channel, push, offset, now));
      }
    }
    return shards.length;
  }
}
