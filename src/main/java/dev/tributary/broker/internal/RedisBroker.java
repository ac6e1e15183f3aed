package dev.tributary.broker.internal;

import dev.tributary.broker.Broker;
import dev.tributary.redis.ConsistentHash;
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
 * {@code tributary.ch.C} on the Redis instance the ring picks for it (several URLs shard
 * channels). A message is {@code <offset>\n<push>}: the publication's history offset (0 without
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

    Sub(String channel, RedisLink link) {
      this.channel = channel;
      Promise<Void> p = Promise.promise();
      this.redis = link.subscribeOnLink(PREFIX + channel, this::onMessage, p);
      this.confirmed = p.future();
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
  private volatile Receiver receiver;

  private final RedisHistory history;

  /**
   * @param urls the URL of each link, same order
   * @param historyMetaTtlSeconds how long a history stream's epoch outlives its last publication
   */
  public RedisBroker(io.vertx.core.Vertx vertx, List<RedisLink> links, List<String> urls, int connectTimeoutMillis,
      MeterRegistry registry, dev.tributary.support.Clock clock, int historyMetaTtlSeconds) {
    this.links = List.copyOf(links);
    for (int i = 0; i < links.size(); i++) {
      publishers.put(links.get(i), RedisPipeline.ordered(vertx, links.get(i).name() + "-publish", urls.get(i),
          connectTimeoutMillis, 0, List.of(RedisHistory.APPEND.text())));
    }
    this.ring = new ConsistentHash<>(this.links, RedisLink::name);
    this.history = new RedisHistory(this::linkFor, c -> publishers.get(linkFor(c)), clock, historyMetaTtlSeconds);
    this.published = Counter.builder("tributary.broker.published").register(registry);
    this.received = Counter.builder("tributary.broker.received").register(registry);
    this.failed = Counter.builder("tributary.broker.publish.failed").register(registry);
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

  /** Completes (on the link's thread) once Redis confirmed the subscription. */
  @Override
  public Future<Void> subscribe(String channel) {
    Sub s = subs.computeIfAbsent(channel, c -> new Sub(c, linkFor(c)));
    return s.confirmed.recover(err -> {
      log.debug("subscribe {} not confirmed yet: {}", channel, err.toString());
      return Future.succeededFuture();
    });
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
  public Future<dev.tributary.history.HistoryStore.Position> publishWithHistory(String channel, String dataJson,
      String infoJson, int maxSize, long ttlMillis) {
    return history.appendAndPublish(channel, dataJson, infoJson, maxSize, ttlMillis, PREFIX + channel)
        .onSuccess(n -> published.increment())
        .onFailure(err -> failed.increment());
  }

  @Override
  public Future<Void> publish(String channel, byte[] push) {
    Buffer message = Buffer.buffer(push.length + 2).appendByte((byte) '0').appendByte((byte) '\n').appendBytes(push);
    return publishers.get(linkFor(channel)).send(Request.cmd(Command.PUBLISH).arg(PREFIX + channel).arg(message))
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
}
