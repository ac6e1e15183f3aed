package dev.tributary.redis.broker;

import dev.tributary.metrics.MetricNames;
import dev.tributary.broker.Broker;
import dev.tributary.protocol.ProtocolCodec;
import dev.tributary.redis.ConsistentHash;
import dev.tributary.redis.HashSlot;
import dev.tributary.redis.RedisLink;
import dev.tributary.redis.RedisPipeline;
import dev.tributary.redis.RedisSubscription;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-node fan-out over Redis pub/sub: a channel {@code C} is the Redis channel
 * {@code tributary.ch.{C}} on the Redis instance the ring picks for it (several URLs shard
 * channels), or on a Redis Cluster a sharded channel ({@code SSUBSCRIBE}/{@code SPUBLISH}) that
 * lives on the master of its hash slot, the slot of the channel's history keys too. A message is {@code <offset>\n<push>}: the publication's history offset (0 without
 * history) and the push bytes, delivered as they are. Channels with history are published by
 * {@link RedisHistory}'s script, which appends and publishes in one step. A node is subscribed while it has local subscribers; a publication goes to Redis and
 * comes back to every subscribed node, this one included, so all nodes see one order per channel.
 *
 * <p>Redis pub/sub delivers every message to every subscribed node and keeps nothing: a node whose
 * link is down misses what is published meanwhile (its local publications still reach its own
 * subscribers through the hub's fallback). {@link RedisLink} reconnects and resubscribes.
 *
 * <p>Order: a node's publications of a channel leave over one connection per Redis (an ordered
 * {@link RedisPipeline}: every call queued to it, from any thread), and a channel's messages are
 * handed to the hub on the link's subscriber thread as Redis delivers them. {@link #subscribe} and
 * {@link #unsubscribe} reach the link in the order they are called (each only queues its request
 * to the link's context); the hub calls them under the channel's lock. Thread-safe.
 */
public final class RedisBroker implements Broker {
  static final String PREFIX = "tributary.ch.";
  private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

  /**
   * One channel's subscription; the handler delivers only while it is the current one. Its messages
   * are handled on the link's subscriber thread, in Redis's order, and handed to the hub there.
   */
  private final class Sub {
    final String channel;
    final RedisSubscription redis;
    final Future<Void> confirmed;
    /** Someone was told the subscription was not ready (bounded wait): tell the receiver when it is. */
    volatile boolean answeredNotReady;

    Sub(String channel, RedisLink link) {
      this.channel = channel;
      Promise<Void> p = Promise.promise();
      this.redis = link.subscribeOnLink(pubsubChannel(channel), this::onMessage, p);
      this.confirmed = p.future();
      // On the link's thread, before any message of the channel is handed on.
      confirmed.onSuccess(v -> {
        if (answeredNotReady && subs.get(channel) == this) {
          answeredNotReady = false;
          lateConfirmations.increment();
          receiver.confirmedLate(channel);
        }
      });
    }

    /** On the link's subscriber thread, one message after the other. */
    void onMessage(Buffer message) {
      if (subs.get(channel) == this) {
        received.increment();
        // "<offset>\n<push>": the offset (0 = no history) for the subscribers' recovery de-duplication.
        long offset = 0;
        int i = 0;
        int n = message.length();
        byte b;
        while (i < n && (b = message.getByte(i)) != '\n') {
          offset = offset * 10 + (b - '0');
          i++;
        }
        receiver.receive(channel, message.getBytes(i + 1, n), offset);
      }
    }
  }

  private final List<RedisLink> links;
  /** Per link, its ordered pipeline: one connection, so one node's publications of a channel keep their order. */
  private final java.util.Map<RedisLink, RedisPipeline> publishers = new java.util.HashMap<>();
  private final ConsistentHash<RedisLink> ring;
  private final ConcurrentHashMap<String, Sub> subs = new ConcurrentHashMap<>();
  private final Counter published;
  private final Counter received;
  private final Counter failed;
  private final Counter lateConfirmations;
  private final io.vertx.core.Vertx vertx;
  private final long readyTimeoutMillis;
  private volatile Receiver receiver;

  private final RedisHistory history;

  /**
   * @param links the node's Redis links: several standalone ones (channels sharded over them by
   *     the ring), or one to a cluster
   * @param commandTimeoutMillis the bound of every wait on Redis: a publication without reply (its
   *     lane is then reconnected) and a subscription not confirmed fail after it
   * @param historyMetaTtlSeconds how long a history stream's epoch outlives its last publication
   */
  public RedisBroker(io.vertx.core.Vertx vertx, List<RedisLink> links, int commandTimeoutMillis, MeterRegistry registry,
      dev.tributary.support.Clock clock, int historyMetaTtlSeconds) {
    this.vertx = vertx;
    this.readyTimeoutMillis = commandTimeoutMillis;
    this.links = List.copyOf(links);
    for (RedisLink link : links) {
      // SCRIPT LOAD has no key: a cluster would load it on one node only. There the script goes by EVAL.
      publishers.put(link, RedisPipeline.ordered(vertx, link.name() + "-publish", link.settings(), commandTimeoutMillis,
          link.isCluster() ? List.of() : List.of(RedisHistory.APPEND.text())));
    }
    this.ring = new ConsistentHash<>(this.links, RedisLink::name);
    this.history = new RedisHistory(this::linkFor, c -> publishers.get(linkFor(c)), clock, historyMetaTtlSeconds);
    this.published = Counter.builder(MetricNames.BROKER_PUBLISHED).register(registry);
    this.received = Counter.builder(MetricNames.BROKER_RECEIVED).register(registry);
    this.failed = Counter.builder(MetricNames.BROKER_PUBLISH_FAILED).register(registry);
    this.lateConfirmations = Counter.builder(dev.tributary.metrics.MetricNames.BROKER_LATE_SUBSCRIPTIONS)
        .description("Channel subscriptions Redis confirmed after their subscribers were answered without it")
        .register(registry);
  }

  @Override
  public void start(Receiver r) {
    this.receiver = r;
    for (RedisLink link : links) {
      link.addListener(new RedisLink.Listener() {
        @Override
        public void subscriptionsRestored() {
          for (String channel : subs.keySet()) {
            if (linkFor(channel) == link) {
              receiver.interrupted(channel);
            }
          }
        }
      });
    }
  }

  RedisLink linkFor(String channel) {
    return ring.nodeFor(channel);
  }

  /**
   * The Redis pub/sub channel of {@code channel}: hash-tagged like its history keys
   * ({@link RedisHistory}), so that on a cluster the history script's {@code SPUBLISH} stays in the
   * slot of the keys it writes.
   */
  static String pubsubChannel(String channel) {
    return PREFIX + "{" + channel + "}";
  }

  /**
   * Subscribes the channel at Redis (the subscription stays, and is renewed after reconnects, until
   * {@link #unsubscribe}) and answers as {@link #ready}.
   */
  @Override
  public Future<Void> subscribe(String channel) {
    subs.computeIfAbsent(channel, c -> new Sub(c, linkFor(c)));
    return ready(channel);
  }

  /**
   * Completes once Redis confirmed the channel's subscription; fails at once while its link is
   * unavailable and after {@code commandTimeoutMillis} otherwise. Either failure leaves the
   * subscription pending: when Redis confirms it later, the receiver is told the channel was
   * {@linkplain Receiver#interrupted interrupted}, so subscribers answered without the broker
   * recover or resubscribe instead of missing other nodes' publications silently.
   */
  @Override
  public Future<Void> ready(String channel) {
    Sub s = subs.get(channel);
    if (s == null) {
      return Future.failedFuture(new IllegalStateException("not subscribed: " + channel));
    }
    if (s.confirmed.succeeded()) {
      return Future.succeededFuture();
    }
    RedisLink link = linkFor(channel);
    if (!link.isAvailable()) {
      s.answeredNotReady = true;
      if (s.confirmed.succeeded()) {
        return Future.succeededFuture(); // confirmed meanwhile
      }
      return Future.failedFuture(new dev.tributary.redis.RedisUnavailableException(
          "redis " + link.name() + " unavailable: subscription to " + channel + " pending", null));
    }
    return within(s.confirmed, readyTimeoutMillis, () -> {
      s.answeredNotReady = true;
      return new dev.tributary.redis.RedisUnavailableException("redis " + link.name() + ": subscription to " + channel
          + " not confirmed within " + readyTimeoutMillis + " ms", null);
    });
  }

  /**
   * {@code f}, or a failure from {@code timedOut} (run once, only if {@code f} is not complete by
   * then) after {@code millis}: one timer per call, cancelled when {@code f} completes.
   */
  private Future<Void> within(Future<Void> f, long millis, java.util.function.Supplier<RuntimeException> timedOut) {
    Promise<Void> p = Promise.promise();
    long timer = vertx.setTimer(millis, id -> {
      if (!p.future().isComplete()) {
        p.tryFail(timedOut.get());
      }
    });
    f.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        p.tryComplete();
      } else {
        p.tryFail(ar.cause());
      }
    });
    return p.future();
  }

  @Override
  public void unsubscribe(String channel) {
    Sub s = subs.remove(channel);
    if (s != null) {
      // Queued to the link behind this channel's earlier subscribe: applied in call order, also
      // when Redis has not confirmed that subscribe yet.
      s.redis.unsubscribe();
    }
  }

  @Override
  public dev.tributary.history.HistoryStore history() {
    return history;
  }

  @Override
  public Future<dev.tributary.history.HistoryStore.Position> publish(String channel, String dataJson,
      String infoJson, int historySize, long historyTtlMillis) {
    if (historySize <= 0) {
      return publish(channel, ProtocolCodec.publicationPush(channel, dataJson, infoJson, 0)).map(NO_POSITION);
    }
    return history.appendAndPublish(channel, dataJson, infoJson, historySize, historyTtlMillis, pubsubChannel(channel))
        .onSuccess(n -> published.increment())
        .onFailure(err -> failed.increment());
  }

  @Override
  public Future<Void> publish(String channel, byte[] push) {
    Buffer message = Buffer.buffer(push.length + 2).appendByte((byte) '0').appendByte((byte) '\n').appendBytes(push);
    RedisLink link = linkFor(channel);
    return link.accounted(publishers.get(link).send(Request.cmd(link.shardedPublish()).arg(pubsubChannel(channel)).arg(message)))
        .onSuccess(n -> published.increment())
        .onFailure(err -> failed.increment())
        .mapEmpty();
  }

  @Override
  public boolean available() {
    for (RedisLink l : links) {
      if (!l.isAvailable()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean available(String channel) {
    return linkFor(channel).isAvailable();
  }

  /**
   * Per link: subscribes to a channel of its own (on the link's subscriber connection, the one
   * every channel's messages arrive on), then publishes a marker on it through the link's ordered
   * publish lane, behind every publication sent before. Redis runs one connection's commands in
   * order and writes to one subscriber connection in that order, so the marker arrives after them.
   */
  @Override
  public Future<Void> barrier() {
    List<Future<Void>> all = new java.util.ArrayList<>();
    for (RedisLink link : links) {
      if (link.isCluster()) {
        // One marker per master: a lane and the subscriber each have one socket per node, and only
        // the order on one socket is Redis's promise. A tag in a master's slots routes the marker.
        all.add(within(link.send(Request.cmd(Command.CLUSTER).arg("SLOTS")).compose(slots -> {
          java.util.Map<String, String> tagByMaster = new java.util.HashMap<>();
          for (io.vertx.redis.client.Response range : slots) {
            tagByMaster.computeIfAbsent(range.get(2).get(0) + ":" + range.get(2).get(1),
                m -> HashSlot.tagIn(range.get(0).toInteger(), range.get(1).toInteger()));
          }
          List<Future<Void>> markers = new java.util.ArrayList<>();
          tagByMaster.values().forEach(tag -> markers.add(marker(link, "{" + tag + "}.")));
          return Future.all(markers).<Void>mapEmpty();
        }), readyTimeoutMillis * 2L, () -> barrierLate(link)));
      } else {
        all.add(within(marker(link, ""), readyTimeoutMillis * 2L, () -> barrierLate(link)));
      }
    }
    return Future.all(all).mapEmpty();
  }

  /** Subscribes a channel of its own, publishes a marker on it through the link's ordered lane, waits for it. */
  private Future<Void> marker(RedisLink link, String tag) {
    String ch = "tributary.barrier." + tag + java.util.UUID.randomUUID();
    Promise<Void> arrived = Promise.promise();
    Promise<Void> confirmed = Promise.promise();
    RedisSubscription sub = link.subscribeOnLink(ch, m -> arrived.tryComplete(), confirmed);
    return confirmed.future()
        .compose(v -> link.accounted(publishers.get(link).send(Request.cmd(link.shardedPublish()).arg(ch).arg("barrier"))))
        .compose(v -> arrived.future())
        .andThen(ar -> sub.unsubscribe());
  }

  private RuntimeException barrierLate(RedisLink link) {
    return new dev.tributary.redis.RedisUnavailableException(
        "redis " + link.name() + ": barrier not back within " + readyTimeoutMillis * 2L + " ms", null);
  }

  /** Channels this node is subscribed to. */
  public int subscriptions() {
    return subs.size();
  }

  @Override
  public Future<Void> close() {
    subs.clear();
    List<Future<Void>> all = new java.util.ArrayList<>();
    publishers.values().forEach(p -> all.add(p.close()));
    return Future.join(all).mapEmpty();
  }

  /**
   * {@code PUBSUB NUMSUB} of the channels, one command per Redis link (each channel asked on the
   * link the ring picks for it, through that link's breaker). A link that cannot answer (down,
   * breaker open) reports all of its channels as subscribed, so nothing is skipped on a guess; the
   * publish path then decides what happens to them. Completes on any thread.
   */
  @Override
  public Future<java.util.Set<String>> withSubscribers(List<String> channels) {
    java.util.Map<RedisLink, List<String>> byLink = new java.util.HashMap<>();
    for (String ch : channels) {
      byLink.computeIfAbsent(linkFor(ch), l -> new java.util.ArrayList<>()).add(ch);
    }
    List<Future<java.util.Set<String>>> asks = new java.util.ArrayList<>(byLink.size());
    byLink.forEach((link, chs) -> asks.add(numsub(link, chs)));
    return Future.join(asks).map(cf -> {
      java.util.Set<String> out = new java.util.HashSet<>();
      for (Future<java.util.Set<String>> f : asks) {
        out.addAll(f.result());
      }
      return out;
    });
  }

  /** The channels of {@code chs} with a subscriber on {@code link}; all of them if it cannot say. */
  private Future<java.util.Set<String>> numsub(RedisLink link, List<String> chs) {
    if (link.isCluster()) {
      // PUBSUB SHARDNUMSUB answers for the node it is sent to, and a cluster client sends a command
      // without key to any node: it cannot say, so nothing is skipped.
      return Future.succeededFuture(new java.util.HashSet<>(chs));
    }
    Request req = Request.cmd(Command.PUBSUB).arg("NUMSUB");
    for (String ch : chs) {
      req.arg(pubsubChannel(ch));
    }
    return link.send(req).<java.util.Set<String>>map(r -> {
      // [name1, count1, name2, count2, ...], in the order asked.
      java.util.Set<String> out = new java.util.HashSet<>();
      for (int i = 0; i + 1 < r.size() && i / 2 < chs.size(); i += 2) {
        if (r.get(i + 1).toLong() > 0) {
          out.add(chs.get(i / 2));
        }
      }
      return out;
    }).recover(err -> {
      log.debug("PUBSUB NUMSUB on {} failed, skipping nothing: {}", link.name(), err.toString());
      return Future.succeededFuture(new java.util.HashSet<>(chs));
    });
  }
}
