package dev.tributary.hub;

import dev.tributary.broker.Broker;
import dev.tributary.channels.ChannelRules;
import dev.tributary.protocol.ProtocolCodec;
import dev.tributary.protocol.SharedPush;
import dev.tributary.history.HistoryStore;
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
 * subscriber connection hands them over one by one on its own thread; with the memory broker, or
 * while Redis is down, it is the order in which local publishers took the lock.
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
    void deliver(String channel, SharedPush push, long offset, long publishedNanos);

    /** This node may have missed publications of {@code channel}; owner thread only. */
    default void resync(String channel) {}

    /**
     * {@code channel}'s subscribers were answered before the broker confirmed the channel: all of
     * them, with history or not, must subscribe again; owner thread only.
     */
    default void rejoin(String channel) {
      resync(channel);
    }
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
  private final Broker broker;
  private volatile java.util.function.Supplier<ChannelRules> rules;
  /** Channels this node asked the broker for (exactly those with local interest). */
  private final java.util.Set<String> brokerSubscribed = ConcurrentHashMap.newKeySet();

  /**
   * A hub publishing through {@code broker}: a {@link dev.tributary.broker.MemoryBroker} on one
   * node, Redis for several. Every publication goes through it and comes back to be delivered
   * locally (while a Redis broker is down, see {@link #setPublishPolicy}).
   */
  public Hub(Broker broker) {
    this.broker = broker;
    broker.start(new Broker.Receiver() {
      @Override
      public void receive(String channel, byte[] push, long offset) {
        deliverLocal(channel, push, offset);
      }

      @Override
      public void interrupted(String channel) {
        toShards(channel, Shard::resync);
      }

      @Override
      public void confirmedLate(String channel) {
        toShards(channel, Shard::rejoin);
      }
    });
  }

  /** Runs {@code what} for {@code channel} on each shard with subscribers of it, in the channel's order. */
  private void toShards(String channel, java.util.function.BiConsumer<Shard, String> what) {
    synchronized (lockFor(channel)) {
      for (Shard shard : interest.getOrDefault(channel, NONE)) {
        shard.context().runOnContext(v -> what.accept(shard, channel));
      }
    }
  }

  /** Channel rules (which channels keep history, how much); before any publish. Without: no history. */
  public void configure(java.util.function.Supplier<ChannelRules> rules) {
    this.rules = rules;
  }

  /** The channels' history: the broker's. */
  public HistoryStore history() {
    return broker.history();
  }

  /** What an accepted publication became: its history offset (0 = none) and whether it stayed on this node. */
  public record Published(long offset, String epoch, boolean localOnly) {
    static final Published PLAIN = new Published(0, null, false);
    static final Published LOCAL_ONLY = new Published(0, null, true);
  }

  /**
   * Why a publication was refused; {@link #tag} is the {@code reason} tag of
   * {@code tributary.publish.refused}.
   */
  public enum Refusal {
    /** The broker (Redis) is known to be unavailable: nothing was sent. */
    BROKER_UNAVAILABLE("broker_unavailable", true),
    /**
     * Sent to the broker, which did not confirm it within {@code redis.commandTimeoutMillis} (or the
     * connection broke): it may still reach subscribers later; a retry may then deliver it twice.
     */
    BROKER_TIMEOUT("broker_timeout", true),
    /** The node is shutting down: publish to another node. */
    SHUTDOWN("shutdown", true),
    /** Larger than {@code channels.maxPublicationBytes}: no subscriber queue could hold it. */
    TOO_LARGE("too_large", false);

    public final String tag;
    /** Whether trying again (later, or elsewhere) can succeed. */
    public final boolean temporary;

    Refusal(String tag, boolean temporary) {
      this.tag = tag;
      this.temporary = temporary;
    }
  }

  /** The failure of a refused publication. Without a stack trace: it is an answer, not a fault. */
  public static final class PublishRefused extends RuntimeException {
    private final Refusal reason;

    public PublishRefused(Refusal reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }

    public Refusal reason() {
      return reason;
    }
  }

  private final LongAdder[] refusedBy = new LongAdder[Refusal.values().length];

  {
    for (int i = 0; i < refusedBy.length; i++) {
      refusedBy[i] = new LongAdder();
    }
  }

  /** Refuse new publications (shutdown began). */
  private volatile boolean shuttingDown;
  /** {@code redis.degradedPublish: local}: while the broker is unavailable, deliver on this node only. */
  private volatile boolean localWhenDegraded;
  /** {@code channels.maxPublicationBytes}; 0 = no bound. */
  private volatile int maxPublicationBytes;

  /**
   * The publication policy: {@code localWhenDegraded} is {@code redis.degradedPublish == local};
   * {@code maxPublicationBytes} bounds a publication's push (0: no bound). Live: read per publication.
   */
  public void setPublishPolicy(boolean localWhenDegraded, int maxPublicationBytes) {
    this.localWhenDegraded = localWhenDegraded;
    this.maxPublicationBytes = maxPublicationBytes;
  }

  /** From now on every new publication from outside the node is refused ({@link Refusal#SHUTDOWN}). */
  public void beginShutdown() {
    shuttingDown = true;
  }

  /**
   * Publishes data (JSON text) to {@code channel}: appends it to the channel's history when its
   * namespace keeps one (the offset goes into the push), encodes the push once, and fans it out.
   *
   * <p>The future succeeds only once the publication is on its way to every subscriber: with the
   * memory broker at once; with Redis once Redis confirmed it (for history channels: appended and
   * published in one step). Otherwise it fails with {@link PublishRefused} and is counted by reason:
   * while shutting down, when too large, when the broker is unavailable or does not confirm within
   * its command timeout. Under {@code redis.degradedPublish: local} a publication of a channel
   * without history that the broker is known unable to take is delivered on this node only and
   * succeeds with {@link Published#localOnly()}: subscribers on other nodes miss it, and it is
   * counted. A history channel is never published locally only (its offsets are Redis's).
   */
  public Future<Published> publish(String channel, String dataJson, String infoJson) {
    int max = maxPublicationBytes;
    if (max > 0) {
      long bytes = ProtocolCodec.publicationPushSizeBound(channel, dataJson, infoJson);
      if (bytes > max) {
        return tooLarge(bytes, max);
      }
    }
    ChannelRules r = rules == null ? null : rules.get();
    int size = r == null ? 0 : r.historySize(channel);
    if (!broker.available(channel)) {
      if (size > 0) {
        return refuse(Refusal.BROKER_UNAVAILABLE, "broker unavailable: history of " + channel + " cannot be appended");
      }
      return degraded(channel, ProtocolCodec.publicationPush(channel, dataJson, infoJson, 0));
    }
    publications.increment();
    Future<HistoryStore.Position> sent = broker.publish(channel, dataJson, infoJson, size,
        size == 0 ? 0 : r.historyTtlMillis(channel));
    if (sent.succeeded()) {
      long offset = sent.result().offset();
      return offset == 0 ? PLAIN : Future.succeededFuture(new Published(offset, sent.result().epoch(), false));
    }
    // Sent: if the broker does not confirm it, it may still arrive (Redis paused, then resumed), so
    // it is refused rather than also delivered here (which could deliver it twice).
    return sent.transform(ar -> ar.succeeded()
        ? Future.succeededFuture(ar.result().offset() == 0 ? Published.PLAIN
            : new Published(ar.result().offset(), ar.result().epoch(), false))
        : refuse(Refusal.BROKER_TIMEOUT, "broker did not confirm the publication: " + ar.cause().getMessage()));
  }

  /**
   * A publication from outside the node (HTTP API, a client's {@code publish}): refused
   * ({@link Refusal#SHUTDOWN}) once {@link #beginShutdown()} was called, otherwise as
   * {@link #publish(String, String, String)}. The node's own publications (modules' updates the
   * coordinator still holds, join/leave) go on during shutdown.
   */
  public Future<Published> publishExternal(String channel, String dataJson, String infoJson) {
    if (shuttingDown) {
      return refuse(Refusal.SHUTDOWN, "node shutting down: publish to another node");
    }
    return publish(channel, dataJson, infoJson);
  }

  /**
   * A server API publication: as {@link #publishExternal(String, String, String)}, but with
   * {@code skipHistory} (or {@code tagsJson}, a JSON object of string tags carried in the push,
   * which history does not keep) it is published without history: no offset, no entry to recover.
   */
  public Future<Published> publishExternal(String channel, String dataJson, String tagsJson, boolean skipHistory) {
    return publishExternal(channel, dataJson, null, tagsJson, skipHistory);
  }

  /**
   * As {@link #publishExternal(String, String, String, boolean)}, with the publisher's
   * {@code infoJson} (a client's publication whose publish hook answered {@code skip_history}).
   */
  public Future<Published> publishExternal(String channel, String dataJson, String infoJson, String tagsJson,
      boolean skipHistory) {
    if (!skipHistory && tagsJson == null) {
      return publishExternal(channel, dataJson, infoJson);
    }
    if (shuttingDown) {
      return refuse(Refusal.SHUTDOWN, "node shutting down: publish to another node");
    }
    return publish(channel, ProtocolCodec.publicationPush(channel, dataJson, infoJson, tagsJson, 0));
  }

  /**
   * Completes once everything this node published before the call has been handed to the shards'
   * queues (with a broker: once a marker published after it came back through the broker, see
   * {@link Broker#barrier}); so a task queued to a shard after that runs after those deliveries.
   */
  public Future<Void> barrier() {
    return broker.barrier();
  }

  /**
   * Publishes one publication's push bytes (encoded once by the publisher; join/leave, modules):
   * through the broker, never kept in history. Same rules and result as
   * {@link #publish(String, String, String)} for a channel without history.
   */
  public Future<Published> publish(String channel, byte[] push) {
    int max = maxPublicationBytes;
    if (max > 0 && push.length > max) {
      return tooLarge(push.length, max);
    }
    return publishPush(channel, push);
  }

  private Future<Published> publishPush(String channel, byte[] push) {
    if (!broker.available(channel)) {
      return degraded(channel, push);
    }
    publications.increment();
    Future<Void> sent = broker.publish(channel, push);
    if (sent.succeeded()) {
      return PLAIN;
    }
    // As in publish(channel, data, info): unconfirmed is refused, not also delivered here.
    return sent.transform(ar -> ar.succeeded()
        ? PLAIN
        : refuse(Refusal.BROKER_TIMEOUT, "broker did not confirm the publication: " + ar.cause().getMessage()));
  }

  /**
   * A publication without history that the broker is known unable to take: delivered on this node
   * only under {@code redis.degradedPublish: local} (counted), refused otherwise.
   */
  private Future<Published> degraded(String channel, byte[] push) {
    if (!localWhenDegraded) {
      return refuse(Refusal.BROKER_UNAVAILABLE, "broker unavailable: publication to " + channel + " refused");
    }
    publications.increment();
    localOnly.increment();
    deliverLocal(channel, push, 0);
    return LOCAL;
  }

  private static final Future<Published> PLAIN = Future.succeededFuture(Published.PLAIN);
  private static final Future<Published> LOCAL = Future.succeededFuture(Published.LOCAL_ONLY);

  private <T> Future<T> tooLarge(long bytes, int max) {
    return refuse(Refusal.TOO_LARGE, "publication of " + bytes + " bytes exceeds channels.maxPublicationBytes (" + max + ")");
  }

  private <T> Future<T> refuse(Refusal reason, String message) {
    refusedBy[reason.ordinal()].increment();
    long n = refusedCount();
    if (n == 1 || n % 1000 == 0) {
      log.warn("publication refused ({}), {} so far: {}", reason.tag, n, message);
    }
    return Future.failedFuture(new PublishRefused(reason, message));
  }

  /** Publications refused for {@code reason} since start. */
  public long refusedCount(Refusal reason) {
    return refusedBy[reason.ordinal()].sum();
  }

  /** Publications refused since start, all reasons. */
  public long refusedCount() {
    long n = 0;
    for (LongAdder a : refusedBy) {
      n += a.sum();
    }
    return n;
  }

  /** Publications delivered on this node only because the broker was down ({@code degradedPublish: local}). */
  public long localOnlyCount() {
    return localOnly.sum();
  }

  /**
   * Registers that {@code shard} has local subscribers of {@code channel}. Completes, on the
   * caller's context, when the node receives the channel's publications (at once with the memory
   * broker); fails within the broker's command timeout when the broker cannot confirm that (see
   * {@link Broker#ready}): the interest stays, and the shard is told to resync once it is confirmed.
   */
  /**
   * Told when a channel gets its first subscriber on this node ({@code true}) and loses its last
   * ({@code false}); called under the channel's lock, so it must only hand the news on.
   */
  public interface OccupancyListener {
    void occupancy(String channel, boolean occupied);
  }

  private final java.util.List<OccupancyListener> occupancyListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Adds a listener of channels becoming occupied / vacated on this node. */
  public void addOccupancyListener(OccupancyListener l) {
    occupancyListeners.add(l);
  }

  private void occupancy(String channel, boolean occupied) {
    for (OccupancyListener l : occupancyListeners) {
      l.occupancy(channel, occupied);
    }
  }

  public Future<Void> addInterest(String channel, Shard shard) {
    Future<Void> ready;
    synchronized (lockFor(channel)) {
      Shard[] cur = interest.get(channel);
      if (cur == null) {
        interest.put(channel, new Shard[] {shard});
        occupancy(channel, true);
      } else if (indexOf(cur, shard) < 0) {
        Shard[] next = Arrays.copyOf(cur, cur.length + 1);
        next[cur.length] = shard;
        interest.put(channel, next);
      }
      // First local subscriber: subscribe, still under the lock, so a concurrent removeInterest
      // cannot unsubscribe in between.
      ready = brokerSubscribed.add(channel) ? broker.subscribe(channel) : broker.ready(channel);
    }
    return onCaller(ready);
  }

  /**
   * Whether the node receives {@code channel}'s publications, asked again (after an earlier
   * {@link #addInterest} failed): completes, on the caller's context, once the broker confirms it,
   * fails within its command timeout otherwise.
   */
  public Future<Void> ready(String channel) {
    return onCaller(broker.ready(channel));
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
      occupancy(channel, false);
      // Re-checked under the lock: no shard has subscribers of the channel, and none can add one
      // before the broker has been told.
      if (brokerSubscribed.remove(channel)) {
        broker.unsubscribe(channel);
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
    SharedPush shared = new SharedPush(push); // one per publication and node: its Protobuf form is made once
    synchronized (lockFor(channel)) {
      Shard[] shards = interest.getOrDefault(channel, NONE);
      for (Shard shard : shards) {
        shard.context().runOnContext(v -> shard.deliver(channel, shared, offset, now));
      }
      return shards.length;
    }
  }

  /**
   * Whether some gateway instance of this node has subscribers of {@code channel} (reads the
   * interest map without the channel's lock: a subscriber arriving or leaving at the same moment
   * may or may not be seen). Any thread.
   */
  public boolean hasLocalSubscribers(String channel) {
    return interest.containsKey(channel);
  }

  /** The broker: {@link dev.tributary.broker.MemoryBroker} on one node, Redis for several. */
  public Broker broker() {
    return broker;
  }

  /** {@code channels.maxPublicationBytes} as applied now (0 = no bound); see {@link #publish}. */
  public int maxPublicationBytes() {
    return maxPublicationBytes;
  }
}
