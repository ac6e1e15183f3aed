package dev.tributary.hub;

import dev.tributary.broker.Broker;
import dev.tributary.channels.ChannelRules;
import dev.tributary.gateway.protocol.ProtocolCodec;
import dev.tributary.history.HistoryStore;
import dev.tributary.history.MemoryHistory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node's channel index and local fan-out. Each gateway instance ({@link Shard}, one per event
 * loop) tells the hub when it gains its first local subscriber of a channel and loses its last;
 * a publication is encoded once by the publisher and handed, as the same bytes, to exactly the
 * shards that have subscribers of its channel, on their own event loops.
 *
 * <h2>Ordering</h2>
 * One order per channel: a channel's pushes are handed to its shards under the channel's stripe
 * lock (below), one push to every shard before the next push of that channel, and always by
 * {@link Context#runOnContext} (never "inline when already on the shard's thread"), so each shard's
 * context queue (one FIFO per event loop) receives the channel's pushes in the one order in which
 * they took the lock. With Redis that order is the order of the channel's Redis publications: the
 * subscriber connection hands them over one by one on its own thread; without a broker, or while it
 * is down, it is the order in which local publishers took the lock.
 *
 * <h2>Channel index</h2>
 * {@link #addInterest} and {@link #removeInterest} decide "first local subscriber" / "last one
 * left" and make the matching broker call while holding the same stripe lock, so a node holds a
 * broker subscription for a channel exactly while some shard has local subscribers of it, under any
 * interleaving (as Centrifuge's sharded {@code subLocks}). The broker calls only enqueue work (they
 * never wait for Redis), in the order the lock gives them.
 *
 * <p>Thread-safe: called from every event loop. The stripe locks are held only while handing work
 * to queues, never across I/O. The interest map changes only when a shard's first subscriber
 * arrives or its last leaves, never per message.
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
  /** Stripes of the per-channel lock (a power of two); channels sharing a stripe serialise together. */
  static final int STRIPES = 4096;

  private final Object[] locks = new Object[STRIPES];

  {
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new Object();
    }
  }

  /** The lock serialising {@code channel}'s index changes and local fan-out. */
  private Object lockFor(String channel) {
    int h = channel.hashCode();
    return locks[(h ^ (h >>> 16)) & (STRIPES - 1)];
  }

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
        synchronized (lockFor(channel)) {
          for (Shard shard : interest.getOrDefault(channel, NONE)) {
            shard.context().runOnContext(v -> shard.resync(channel));
          }
        }
      }
    });
    // Channels that gained subscribers before the broker was attached (their addInterest saw no
    // broker): subscribe them now, under their lock, unless addInterest already did.
    for (String channel : interest.keySet()) {
      synchronized (lockFor(channel)) {
        if (interest.containsKey(channel) && !brokerReady.containsKey(channel)) {
          brokerReady.put(channel, b.subscribe(channel));
        }
      }
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
   * Registers that {@code shard} has local subscribers of {@code channel}. Completes, on the
   * caller's context, when the node receives the channel's publications (at once without a
   * broker).
   */
  public Future<Void> addInterest(String channel, Shard shard) {
    Future<Void> ready;
    synchronized (lockFor(channel)) {
      Shard[] cur = interest.get(channel);
      if (cur == null) {
        interest.put(channel, new Shard[] {shard});
      } else if (indexOf(cur, shard) < 0) {
        Shard[] next = Arrays.copyOf(cur, cur.length + 1);
        next[cur.length] = shard;
        interest.put(channel, next);
      }
      Broker b = broker;
      if (b == null) {
        return Future.succeededFuture();
      }
      ready = brokerReady.get(channel);
      if (ready == null) {
        // First local subscriber (or the first since the broker was attached): subscribe, still
        // under the lock, so a concurrent removeInterest cannot unsubscribe in between.
        ready = b.subscribe(channel);
        brokerReady.put(channel, ready);
      }
    }
    return onCaller(ready);
  }

  /** {@code shard} has no more local subscribers of {@code channel}. */
  public void removeInterest(String channel, Shard shard) {
    synchronized (lockFor(channel)) {
      Shard[] cur = interest.get(channel);
      int idx = cur == null ? -1 : indexOf(cur, shard);
      if (idx < 0) {
        return;
      }
      if (cur.length > 1) {
        Shard[] next = new Shard[cur.length - 1];
        System.arraycopy(cur, 0, next, 0, idx);
        System.arraycopy(cur, idx + 1, next, idx, cur.length - idx - 1);
        interest.put(channel, next);
        return;
      }
      interest.remove(channel);
      // Re-checked under the lock: no shard has subscribers of the channel, and none can add one
      // before the broker has been told.
      Broker b = broker;
      if (brokerReady.remove(channel) != null && b != null) {
        b.unsubscribe(channel);
      }
    }
  }

  private static int indexOf(Shard[] shards, Shard shard) {
    for (int i = 0; i < shards.length; i++) {
      if (shards[i] == shard) {
        return i;
      }
    }
    return -1;
  }

  /** {@code f}, its callbacks run on the caller's context (a shard's event loop) when it is not done yet. */
  private static Future<Void> onCaller(Future<Void> f) {
    Context caller = Vertx.currentContext();
    if (caller == null || f.isComplete()) {
      return f;
    }
    Promise<Void> p = Promise.promise();
    f.onComplete(ar -> caller.runOnContext(v -> p.handle(ar)));
    return p.future();
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

  /**
   * Same, with the publication's history offset (0 = none) for recovery de-duplication. Every call
   * for one channel takes the channel's lock, so all its shards receive its pushes in one order;
   * each shard always gets them through its context's queue, also when the caller runs on that
   * shard's event loop (a push run inline could overtake one already queued).
   */
  public int deliverLocal(String channel, byte[] push, long offset) {
    long now = System.nanoTime();
    synchronized (lockFor(channel)) {
      Shard[] shards = interest.getOrDefault(channel, NONE);
      for (Shard shard : shards) {
        shard.context().runOnContext(v -> shard.deliver(channel, push, offset, now));
      }
      return shards.length;
    }
  }
}
