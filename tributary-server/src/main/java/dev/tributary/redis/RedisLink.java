package dev.tributary.redis;

import dev.tributary.config.RedisSettings;
import dev.tributary.metrics.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.circuitbreaker.TimeoutException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's link to one Redis: pooled command connections behind a circuit breaker, and one
 * dedicated pub/sub subscriber connection that reconnects by itself and re-subscribes. Shared by
 * every Redis user of the node (the two-level cache, the Redis broker).
 *
 * <h2>Commands</h2>
 * {@link #send} and {@link #batch} go through a Vert.x {@link CircuitBreaker}. A command that
 * fails (connection refused or lost, no reply within {@code commandTimeoutMillis}, pool queue full,
 * or a Redis error meaning "not now": {@code LOADING}, {@code BUSY}, {@code MASTERDOWN},
 * {@code CLUSTERDOWN}, {@code TRYAGAIN}, {@code NOAUTH}, {@code WRONGPASS}) counts as a failure and
 * fails with {@link RedisUnavailableException}; {@code breakerMaxFailures} of them within 10 s open
 * the breaker, after which commands fail fast with it, without touching the network. Any other
 * Redis error reply (say {@code WRONGTYPE}) proves Redis is up: it fails that command with the
 * reply and does not count. After {@code breakerResetTimeoutMillis} the breaker lets one probe
 * through (the link sends a {@code PING} itself, so recovery needs no traffic); success closes it.
 *
 * <p>{@link #sendPipelined} and {@link #batchPipelined} send short hot-path commands over one
 * dedicated connection per caller event loop ({@link RedisPipeline}) instead of the pool, under
 * the same breaker (see there for how they report to it and how a silent connection is detected).
 *
 * <h2>Availability</h2>
 * {@link #isAvailable()} is true while the breaker is closed. Each change is logged once (WARN when
 * it opens, INFO when it closes, not once per probe) and reported to {@link Listener}s. A lost
 * subscriber connection whose immediate reconnect fails also opens the breaker, so an outage is
 * seen within one connect attempt even on an idle node.
 *
 * <h2>Pub/sub</h2>
 * Vert.x 5 no longer forwards pub/sub messages anywhere by itself; this link installs its own
 * handler on the subscriber connection and dispatches by channel. After the connection is lost it
 * reconnects with a doubling backoff ({@code reconnectInitialDelayMillis} up to
 * {@code reconnectMaxDelayMillis}, with jitter), subscribes again to every channel that still has a
 * handler and, once Redis confirmed all of them, calls {@link Listener#subscriptionsRestored()}:
 * messages published meanwhile are lost (Redis pub/sub keeps nothing), and users that cache
 * derived state must assume they missed some.
 *
 * <h2>Threads and order</h2>
 * Every method may be called from any thread. Futures complete on the caller's context when the
 * caller runs on one. Subscriber state lives on the link's own event-loop context (a context of no
 * deployment, see {@link #newContext}); listeners run there and must not block.
 *
 * <p>The subscriber connection is opened from the link's context, so Vert.x runs its handler on
 * that context's event loop: each message is processed on the spot, in the order Redis sent it
 * (one connection, one thread, one FIFO). Every other event that touches subscriber state (connect
 * results, losses, timers, subscribe and unsubscribe calls) is always queued to the link's context,
 * so calls from one thread are applied in the order they were made. A handler given to
 * {@link #subscribeOnLink} runs on the spot too, in Redis's order; a handler given to
 * {@link #subscribe} always gets its messages through its subscribing context's queue. No step
 * decides per message between "now" and "later".
 */
public final class RedisLink {
  /** Reacts to changes of this link's state. Runs on the link's context; must not block. */
  public interface Listener {
    /** The breaker closed ({@code true}) or opened ({@code false}); once per change. */
    default void availabilityChanged(boolean available) {}

    /**
     * The subscriber connection came back after a loss and every channel is subscribed again.
     * Messages published while it was down are lost.
     */
    default void subscriptionsRestored() {}
  }

  private static final Logger log = LoggerFactory.getLogger(RedisLink.class);

  private final String name;
  private final Vertx vertx;
  private final RedisSettings settings;
  /** Owns the subscriber state below: every field marked "ctx" is touched only on it. */
  private final Context ctx;
  /** The thread of {@link #ctx}'s event loop (for assertions). */
  private volatile Thread linkThread;
  private final Redis commands;
  private final Redis subscriberClient;
  private final CircuitBreaker breaker;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Counter failed;
  private final Counter rejected;
  private final Counter reconnects;

  private volatile boolean available = true;
  private volatile boolean closed;
  private volatile boolean subscriberUp;
  private volatile Throwable lastFailure;
  /** A pipelined command failure was reported to the breaker since the last pipelined success. */
  private volatile boolean pipelinedFailures;
  /** A command failed in a way that counts (timeout, lost connection) and none succeeded since. */
  private volatile boolean failing;
  /** Connects a lane on its first request only: a link whose users never pipeline opens nothing. */
  private final RedisPipeline pipeline;

  private final Map<String, Channel> channels = new LinkedHashMap<>(); // ctx
  private RedisConnection subscriber; // ctx
  private boolean connecting; // ctx
  private boolean lostSinceRestore; // ctx: a subscriber was lost and not yet fully restored
  private long reconnectTimer = -1; // ctx
  private long backoffMillis; // ctx
  private boolean reportedAvailable = true; // ctx
  private int unconfirmed; // ctx: channels whose SUBSCRIBE Redis has not confirmed yet

  /**
   * Creates the link; nothing connects before {@link #start()}.
   *
   * @param name short, bounded name for logs and the {@code redis} metric tag, e.g. {@code main}
   */
  public RedisLink(Vertx vertx, String name, RedisSettings settings, MeterRegistry registry) {
    this.vertx = vertx;
    this.name = name;
    this.settings = new RedisSettings(settings);
    // A context of its own (not the caller's verticle) so that undeploying some verticle never
    // cancels the reconnect timer or strands the subscriber.
    this.ctx = newContext(vertx);
    ctx.runOnContext(v -> linkThread = Thread.currentThread());
    this.commands = Redis.createClient(vertx, settings.clientOptions()
        .setMaxPoolSize(settings.getPoolSize())
        .setMaxPoolWaiting(settings.getMaxPoolWaiting()));
    // Pub/sub taints a connection: it gets its own client so it never takes a command slot.
    this.subscriberClient = Redis.createClient(vertx, settings.clientOptions().setMaxPoolSize(1).setMaxPoolWaiting(4));
    this.pipeline = RedisPipeline.perEventLoop(vertx, name, settings, settings.getCommandTimeoutMillis(), List.of());
    this.breaker = CircuitBreaker.create("redis-" + name, vertx, new CircuitBreakerOptions()
        .setTimeout(settings.getCommandTimeoutMillis())
        .setMaxFailures(settings.getBreakerMaxFailures())
        .setResetTimeout(settings.getBreakerResetTimeoutMillis())
        .setFallbackOnFailure(true));
    breaker.failurePolicy(RedisLink::countsAsFailure);
    // These run inside the breaker's lock, on whatever thread made the transition: flip the
    // volatile flag at once (so isAvailable() is exact) and do the rest on the link's context.
    breaker.openHandler(v -> {
      available = false;
      ctx.runOnContext(x -> breakerOpened());
    });
    breaker.halfOpenHandler(v -> ctx.runOnContext(x -> probe()));
    breaker.closeHandler(v -> {
      available = true;
      ctx.runOnContext(x -> breakerClosed());
    });
    this.failed = Counter.builder(MetricNames.REDIS_COMMANDS_FAILED).tag("redis", name).register(registry);
    this.rejected = Counter.builder(MetricNames.REDIS_COMMANDS_REJECTED).tag("redis", name).register(registry);
    this.reconnects = Counter.builder(MetricNames.REDIS_RECONNECTS).tag("redis", name).register(registry);
    Gauge.builder(MetricNames.REDIS_AVAILABLE, this, l -> l.isAvailable() ? 1 : 0).tag("redis", name).register(registry);
  }

  /**
   * Connects the subscriber and sends a first {@code PING}. The returned future reports that
   * {@code PING} (failing with {@link RedisUnavailableException} when Redis is not reachable) so
   * the caller may decide to refuse to start; the link keeps retrying in the background either way.
   */
  public Future<Void> start() {
    ctx.runOnContext(v -> connectSubscriber());
    return send(Request.cmd(Command.PING)).mapEmpty();
  }

  /** Sends one command through the breaker. See the class doc for what fails and how. */
  public Future<Response> send(Request request) {
    if (closed) {
      return Future.failedFuture(new RedisUnavailableException("redis " + name + ": link closed", null));
    }
    return breaker.executeWithFallback(() -> commands.send(request), this::fallback).andThen(ar -> {
      if (ar.succeeded()) {
        failing = false;
      }
    });
  }

  /** Sends several commands pipelined on one connection (not atomic) through the breaker. */
  public Future<List<Response>> batch(List<Request> requests) {
    if (closed) {
      return Future.failedFuture(new RedisUnavailableException("redis " + name + ": link closed", null));
    }
    return breaker.executeWithFallback(() -> commands.batch(requests), this::fallback);
  }

  /**
   * Like {@link #send}, but over this link's pipelined connections (one per caller event loop, each
   * opened on its first request; see {@link RedisPipeline}) instead of the pool: many requests
   * share a connection and its system calls, and a caller on an event loop is answered without a
   * thread hop. For short commands on a hot path only ({@code GET}, {@code SET}, {@code PUBLISH}):
   * a slow one delays every request behind it on its connection.
   *
   * <p>The same breaker decides, more cheaply than {@link #send} (whose breaker call arms a timer
   * and queues a task per command): while it is open these fail fast; a failure that
   * {@link #send} would count is reported to it, and a success clears the failures reported since
   * the last success, as it does for {@link #send}. There is no timer per command: a connection
   * that has requests in flight and answers none for {@code commandTimeoutMillis} (noticed within a
   * quarter of it more) is closed, which fails everything in flight on it, and the next request
   * opens a new one.
   */
  public Future<Response> sendPipelined(Request request) {
    return pipelined(pipeline::send, request);
  }

  /** Like {@link #batch}, over the pipelined connections of {@link #sendPipelined}. */
  public Future<List<Response>> batchPipelined(List<Request> requests) {
    return pipelined(pipeline::batch, requests);
  }

  private <A, T> Future<T> pipelined(java.util.function.Function<A, Future<T>> op, A arg) {
    if (closed) {
      return Future.failedFuture(new RedisUnavailableException("redis " + name + ": link closed", null));
    }
    if (!available) {
      return Future.failedFuture(unavailable(OpenCircuitException.INSTANCE));
    }
    Context caller = Vertx.currentContext();
    return onContext(caller, accounted(op.apply(arg)));
  }

  /**
   * {@code f}, a command this link's user sent over a connection of its own (say an ordered
   * {@link RedisPipeline} lane), accounted for by this link's breaker as {@link #sendPipelined}
   * accounts for its own: a failure that counts (lost connection, no reply in time) is reported,
   * may open the breaker, and comes back as {@link RedisUnavailableException}; a success clears the
   * failures reported since the last one. So {@code /health} shows the link degraded while such
   * commands time out, not only while its sockets are closed.
   */
  public <T> Future<T> accounted(Future<T> f) {
    return f.transform(ar -> {
      if (ar.succeeded()) {
        failing = false;
        if (pipelinedFailures) {
          pipelinedFailures = false;
          if (breaker.state() == CircuitBreakerState.CLOSED) {
            breaker.reset(); // in the closed state: only clears the failure count, as a success through it would
          }
        }
        return Future.succeededFuture(ar.result());
      }
      Future<T> failure = Future.failedFuture(ar.cause());
      if (!countsAsFailure(failure)) {
        return failure; // a Redis error reply such as WRONGTYPE: Redis is up
      }
      pipelinedFailures = true;
      // Through the breaker so that it counts (and may open); answers RedisUnavailableException.
      return breaker.executeWithFallback(() -> failure, this::fallback);
    });
  }

  /** This link's settings (a copy is kept at construction; do not change it). */
  public RedisSettings settings() {
    return settings;
  }

  /** True when this link talks to a Redis Cluster ({@code redis.cluster}). */
  public boolean isCluster() {
    return settings.isCluster();
  }

  /**
   * The command that publishes to a channel subscribed with {@link #subscribeOnLink}:
   * {@code SPUBLISH} on a cluster (sharded pub/sub: the message only travels within the shard that
   * owns the channel's slot), {@code PUBLISH} on one Redis (which may be older than 7).
   */
  public Command shardedPublish() {
    return isCluster() ? Command.SPUBLISH : Command.PUBLISH;
  }

  /** {@code PUBLISH channel message}; the number of subscribers (all nodes) that received it. */
  public Future<Long> publish(String channel, Buffer message) {
    return send(Request.cmd(Command.PUBLISH).arg(channel).arg(message)).map(r -> r == null ? 0L : r.toLong());
  }

  /** {@code PUBLISH channel message} of a UTF-8 string. */
  public Future<Long> publish(String channel, String message) {
    return publish(channel, Buffer.buffer(message));
  }

  /**
   * Adds a handler for the messages of {@code channel}. The future completes once Redis confirmed
   * the subscription, so a message published after that reaches the handler; while the subscriber
   * connection is down it completes when the connection is back. The subscription survives
   * reconnects until {@link RedisSubscription#unsubscribe()}.
   */
  public Future<RedisSubscription> subscribe(String channel, Handler<Buffer> handler) {
    Context caller = Vertx.currentContext();
    Promise<RedisSubscription> promise = Promise.promise();
    ctx.runOnContext(v -> addSubscription(new Sub(channel, handler, caller == null ? ctx : caller, false), promise));
    return onContext(caller, promise.future());
  }

  /**
   * Adds a handler for the messages of {@code channel} that runs on the link's subscriber thread,
   * on the spot, in the order Redis delivers them; it must be quick and must not block (it holds
   * up every channel of the link). For fan-out that must keep Redis's order per channel (the
   * broker). Unlike {@link #subscribe}, the subscription is returned at once: subscribe and
   * unsubscribe calls made from one thread are applied in that order, also before Redis confirmed.
   * On a cluster it is a sharded subscription ({@code SSUBSCRIBE}, on the master of the channel's
   * slot): publish to it with {@link #shardedPublish()}. When the cluster moves that slot (a
   * failover or a resharding), the link reconnects its subscriber and reports
   * {@link Listener#subscriptionsRestored()}, as after any loss.
   *
   * @param confirmed completed (on the link's thread) once Redis confirmed the subscription; failed
   *     if it ends before that (unsubscribed, link closed)
   */
  public RedisSubscription subscribeOnLink(String channel, Handler<Buffer> handler, Promise<Void> confirmed) {
    Sub sub = new Sub(channel, handler, ctx, isCluster());
    Promise<RedisSubscription> p = Promise.promise();
    p.future().<Void>mapEmpty().onComplete(confirmed);
    ctx.runOnContext(v -> addSubscription(sub, p));
    return sub;
  }

  /** Adds a listener of availability and subscription changes. */
  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  /** True while the breaker is closed: commands are sent to Redis. */
  public boolean isAvailable() {
    return available && !closed;
  }

  /**
   * True while the breaker is closed and the last command that ended either way succeeded: false
   * as soon as commands time out or connections break, before enough of them open the breaker.
   */
  public boolean isHealthy() {
    return isAvailable() && !failing;
  }

  /** The breaker's state: {@code closed}, {@code open} or {@code half_open}. */
  public String state() {
    return breaker.state().name().toLowerCase(java.util.Locale.ROOT);
  }

  /** True while the subscriber connection is up (its subscriptions may still be in flight). */
  public boolean isSubscriberConnected() {
    return subscriberUp;
  }

  /** The link's name (logs, metric tag). */
  public String name() {
    return name;
  }

  /** For {@code /health} and {@code /api/status}: availability, breaker state, subscriber. */
  public JsonObject status() {
    Throwable f = lastFailure;
    return new JsonObject()
        .put("name", name)
        .put("available", isAvailable())
        .put("healthy", isHealthy())
        .put("breaker", state())
        .put("subscriber", subscriberUp ? "connected" : "disconnected")
        .put("lastFailure", f == null ? null : String.valueOf(f.getMessage()));
  }

  /** Closes the subscriber and every pooled connection; later commands fail at once. */
  public Future<Void> close() {
    closed = true;
    available = false;
    Promise<Void> done = Promise.promise();
    ctx.runOnContext(v -> {
      if (reconnectTimer != -1) {
        vertx.cancelTimer(reconnectTimer);
        reconnectTimer = -1;
      }
      RedisConnection c = subscriber;
      subscriber = null;
      subscriberUp = false;
      if (c != null) {
        c.close();
      }
      channels.clear();
      breaker.close();
      Future.join(commands.close(), subscriberClient.close(), pipeline.close())
          .<Void>mapEmpty().onComplete(done);
    });
    return done.future();
  }

  // ---- commands and breaker ----

  private static boolean countsAsFailure(Future<?> f) {
    if (!f.failed()) {
      return false;
    }
    if (f.cause() instanceof Response r && r.type() == ResponseType.ERROR) {
      String m = String.valueOf(f.cause().getMessage());
      // CONNECTION_CLOSED and ILLEGAL_STATE are the client's own "replies" for a lost connection and
      // a broken stream: everything in flight on a connection fails with them when it goes.
      return m.startsWith("LOADING") || m.startsWith("BUSY") || m.startsWith("MASTERDOWN")
          || m.startsWith("CLUSTERDOWN") || m.startsWith("TRYAGAIN") || m.startsWith("NOAUTH")
          || m.startsWith("WRONGPASS") || m.startsWith("CONNECTION_CLOSED") || m.startsWith("ILLEGAL_STATE");
    }
    return true;
  }

  private <T> T fallback(Throwable cause) {
    throw unavailable(cause);
  }

  /** Counts {@code cause} (rejected by the open breaker, or failed) and says why Redis is unavailable. */
  private RedisUnavailableException unavailable(Throwable cause) {
    if (cause instanceof OpenCircuitException) {
      rejected.increment();
      return new RedisUnavailableException("redis " + name + ": circuit breaker open", cause);
    }
    failed.increment();
    lastFailure = cause;
    failing = true;
    scheduleHealthProbe();
    String what = cause instanceof TimeoutException
        ? "no reply within " + settings.getCommandTimeoutMillis() + " ms"
        : String.valueOf(cause.getMessage());
    return new RedisUnavailableException("redis " + name + ": " + what, cause);
  }

  private void breakerOpened() {
    if (reportedAvailable && !closed) {
      reportedAvailable = false;
      Throwable f = lastFailure;
      log.warn("redis {} unavailable ({}): circuit breaker open, commands fail fast; users degrade until it closes",
          name, f == null ? "subscriber cannot connect" : f.getMessage());
      for (Listener l : listeners) {
        safely(() -> l.availabilityChanged(false));
      }
    }
  }

  private void breakerClosed() {
    if (!reportedAvailable && !closed) {
      reportedAvailable = true;
      log.info("redis {} available again: circuit breaker closed", name);
      for (Listener l : listeners) {
        safely(() -> l.availabilityChanged(true));
      }
    }
    if (subscriber == null && !connecting && !closed) {
      // Redis answers again: do not wait for the subscriber's backoff.
      if (reconnectTimer != -1) {
        vertx.cancelTimer(reconnectTimer);
        reconnectTimer = -1;
      }
      connectSubscriber();
    }
  }

  private final AtomicBoolean healthProbeScheduled = new AtomicBoolean();

  /**
   * While commands fail but the breaker stays closed, a PING every {@code breakerResetTimeoutMillis}
   * finds out when Redis answers again, so an idle node does not report itself degraded forever.
   */
  private void scheduleHealthProbe() {
    if (closed || !healthProbeScheduled.compareAndSet(false, true)) {
      return;
    }
    vertx.setTimer(settings.getBreakerResetTimeoutMillis(), id -> {
      healthProbeScheduled.set(false);
      if (failing && !closed && breaker.state() == CircuitBreakerState.CLOSED) {
        send(Request.cmd(Command.PING)).onFailure(t -> log.debug("redis {} health probe failed: {}", name, t.getMessage()));
      }
    });
  }

  /** Half-open: let one PING through so the breaker closes without waiting for traffic. */
  private void probe() {
    if (!closed && breaker.state() == CircuitBreakerState.HALF_OPEN) {
      send(Request.cmd(Command.PING)).onFailure(t -> log.debug("redis {} probe failed: {}", name, t.getMessage()));
    }
  }

  // ---- subscriber (link context only) ----

  private void connectSubscriber() {
    if (closed || subscriber != null || connecting) {
      return;
    }
    connecting = true;
    subscriberClient.connect().onComplete(ar -> onLink(() -> {
      connecting = false;
      if (ar.failed()) {
        subscriberConnectFailed(ar.cause());
        return;
      }
      RedisConnection c = ar.result();
      if (closed) {
        c.close();
        return;
      }
      subscriber = c;
      subscriberUp = true;
      // On the spot: this handler runs on the link's event loop (the connection was opened from
      // its context), once per message, in Redis's order.
      c.handler(r -> onPush(c, r));
      c.endHandler(v -> onLink(() -> subscriberLost(c, null)));
      c.exceptionHandler(t -> onLink(() -> subscriberLost(c, t)));
      unconfirmed = channels.size();
      if (unconfirmed == 0) {
        allSubscribed();
        return;
      }
      // In chunks: a broker may hold thousands of channels. Sharded ones one by one: a cluster
      // routes each SSUBSCRIBE to the master of its channel's slot.
      List<String> names = new ArrayList<>();
      channels.forEach((name, ch) -> {
        if (ch.sharded) {
          c.send(Request.cmd(Command.SSUBSCRIBE).arg(name)).onFailure(t -> onLink(() -> subscriberLost(c, t)));
        } else {
          names.add(name);
        }
      });
      for (int i = 0; i < names.size(); i += 512) {
        Request sub = Request.cmd(Command.SUBSCRIBE);
        names.subList(i, Math.min(names.size(), i + 512)).forEach(sub::arg);
        c.send(sub).onFailure(t -> onLink(() -> subscriberLost(c, t)));
      }
    }));
  }

  private void subscriberConnectFailed(Throwable cause) {
    lastFailure = cause;
    log.debug("redis {} subscriber cannot connect: {}", name, cause.getMessage());
    if (breaker.state() == CircuitBreakerState.CLOSED) {
      // An idle node would otherwise not notice the outage until its next commands failed.
      breaker.open();
    }
    scheduleReconnect();
  }

  private void scheduleReconnect() {
    if (closed || reconnectTimer != -1) {
      return;
    }
    long max = settings.effectiveReconnectMaxDelayMillis();
    backoffMillis = backoffMillis == 0 ? settings.getReconnectInitialDelayMillis() : Math.min(max, backoffMillis * 2);
    // +-20% jitter so that many nodes do not reconnect in lockstep.
    long delay = Math.max(1, (long) (backoffMillis * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble())));
    reconnectTimer = vertx.setTimer(delay, id -> onLink(() -> {
      reconnectTimer = -1;
      connectSubscriber();
    }));
  }

  private void subscriberLost(RedisConnection c, Throwable cause) {
    subscriberLost(c, cause, true);
  }

  private void subscriberLost(RedisConnection c, Throwable cause, boolean reconnectNow) {
    if (c != subscriber) {
      return;
    }
    subscriber = null;
    subscriberUp = false;
    lostSinceRestore = true;
    for (Channel ch : channels.values()) {
      ch.confirmed = false;
    }
    unconfirmed = channels.size();
    reconnects.increment();
    c.close();
    log.info("redis {} subscriber connection lost ({}), reconnecting", name,
        cause == null ? "closed by peer" : cause.getMessage());
    if (reconnectNow) {
      connectSubscriber(); // at once; the backoff starts if this attempt fails
    }
  }

  /**
   * The cluster moved a slot of a subscribed channel, or refused a subscription (say MOVED while
   * the client's slot map is stale): drop the subscriber and connect again after the backoff (the
   * client refreshes its slot map meanwhile), so a slot map that is still settling is not hammered.
   */
  private void subscriberMoved(RedisConnection c, String why) {
    if (c != subscriber) {
      return;
    }
    subscriberLost(c, new IllegalStateException(why), false);
    scheduleReconnect();
  }

  private void onPush(RedisConnection c, Response r) {
    assert Thread.currentThread() == linkThread : "subscriber handler off the link's thread: " + Thread.currentThread();
    if (c != subscriber || r == null) {
      return;
    }
    if (r.type() == ResponseType.ERROR) {
      // A (S)SUBSCRIBE refused, say MOVED while a cluster's slot map changes: start over.
      onLink(() -> subscriberMoved(c, "refused: " + r));
      return;
    }
    if (r.size() < 2) {
      return;
    }
    String kind = r.get(0).toString();
    if ("sunsubscribe".equals(kind)) {
      Channel ch = channels.get(r.get(1).toString());
      if (ch != null && ch.confirmed) {
        // Not ours (a channel we unsubscribed is gone from the map, or unconfirmed if subscribed
        // again): the cluster moved the channel's slot to another master. Start over there.
        onLink(() -> subscriberMoved(c, "slot of " + r.get(1) + " moved"));
      }
      return;
    }
    if (("message".equals(kind) || "smessage".equals(kind)) && r.size() >= 3) {
      Channel ch = channels.get(r.get(1).toString());
      if (ch != null) {
        Buffer payload = r.get(2).toBuffer();
        for (Sub s : ch.subs) {
          s.deliver(payload);
        }
      }
    } else if ("subscribe".equals(kind) || "ssubscribe".equals(kind)) {
      Channel ch = channels.get(r.get(1).toString());
      if (ch != null && !ch.confirmed) {
        ch.confirmed = true;
        List<Promise<Void>> w = new ArrayList<>(ch.waiting);
        ch.waiting.clear();
        w.forEach(Promise::tryComplete);
        if (--unconfirmed == 0) {
          allSubscribed();
        }
      }
    }
  }

  private void allSubscribed() {
    backoffMillis = 0;
    if (lostSinceRestore) {
      lostSinceRestore = false;
      log.info("redis {} subscriber restored, {} channel(s) subscribed again", name, channels.size());
      for (Listener l : listeners) {
        safely(l::subscriptionsRestored);
      }
    }
  }

  private void addSubscription(Sub sub, Promise<RedisSubscription> promise) {
    if (closed) {
      promise.fail(new RedisUnavailableException("redis " + name + ": link closed", null));
      return;
    }
    Channel ch = channels.get(sub.channel);
    if (ch == null) {
      ch = new Channel(sub.sharded);
      channels.put(sub.channel, ch);
      unconfirmed++;
    }
    boolean first = ch.subs.isEmpty();
    ch.subs.add(sub);
    if (ch.confirmed) {
      promise.complete(sub);
      return;
    }
    Promise<Void> confirmed = Promise.promise();
    confirmed.future().onComplete(ar -> {
      if (ar.succeeded()) {
        promise.tryComplete(sub);
      } else {
        promise.tryFail(ar.cause());
      }
    });
    ch.waiting.add(confirmed);
    RedisConnection c = subscriber;
    if (first && c != null) {
      c.send(Request.cmd(ch.sharded ? Command.SSUBSCRIBE : Command.SUBSCRIBE).arg(sub.channel))
          .onFailure(t -> onLink(() -> subscriberLost(c, t)));
    }
  }

  private void removeSubscription(Sub sub) {
    Channel ch = channels.get(sub.channel);
    if (ch == null || !ch.subs.remove(sub)) {
      return;
    }
    if (ch.subs.isEmpty()) {
      channels.remove(sub.channel);
      if (!ch.confirmed) {
        unconfirmed--;
      }
      ch.waiting.forEach(p -> p.tryFail("unsubscribed"));
      RedisConnection c = subscriber;
      if (c != null) {
        c.send(Request.cmd(ch.sharded ? Command.SUNSUBSCRIBE : Command.UNSUBSCRIBE).arg(sub.channel))
            .onFailure(t -> onLink(() -> subscriberLost(c, t)));
      }
    }
  }

  /** Always queued (never run inline): events reach the subscriber state in the order they were handed over. */
  private void onLink(Runnable r) {
    ctx.runOnContext(v -> r.run());
  }

  /**
   * A new event-loop context that belongs to no deployment: undeploying a verticle never cancels
   * its timers or closes what it opened. Public API only: {@link Vertx#getOrCreateContext()} makes
   * a new one when called off any Vert.x thread (on a Vert.x thread it would answer the caller's
   * own context), so it is called on a short-lived thread of ours; each such thread gets the next
   * event loop, as Vert.x's own contexts do. Construction time only (it waits for that thread).
   */
  static Context newContext(Vertx vertx) {
    Context[] made = new Context[1];
    Thread t = new Thread(() -> made[0] = vertx.getOrCreateContext(), "tributary-new-context");
    t.start();
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (made[0] == null || !made[0].isEventLoopContext()) {
      throw new IllegalStateException("no event-loop context from " + vertx);
    }
    return made[0];
  }

  private static void safely(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.warn("redis listener failed", e);
    }
  }

  /**
   * {@code f}, completing on {@code target} (when not null) rather than on the completing thread:
   * its completion is always queued to {@code target}, also when it completes on target's own
   * event loop, so two futures completed in one order are seen there in that order.
   */
  public static <T> Future<T> onContext(Context target, Future<T> f) {
    if (target == null) {
      return f;
    }
    Promise<T> p = Promise.promise();
    f.onComplete(ar -> target.runOnContext(v -> p.handle(ar)));
    return p.future();
  }

  private static final class Channel {
    final List<Sub> subs = new ArrayList<>(2);
    final List<Promise<Void>> waiting = new ArrayList<>(1);
    /** SSUBSCRIBE (a cluster's sharded pub/sub), else SUBSCRIBE. */
    final boolean sharded;
    boolean confirmed;

    Channel(boolean sharded) {
      this.sharded = sharded;
    }
  }

  private final class Sub implements RedisSubscription {
    final String channel;
    final Handler<Buffer> handler;
    final Context target;
    final boolean sharded;
    final AtomicBoolean active = new AtomicBoolean(true);

    Sub(String channel, Handler<Buffer> handler, Context target, boolean sharded) {
      this.channel = channel;
      this.handler = handler;
      this.target = target;
      this.sharded = sharded;
    }

    /** On the link's thread. Inline or queued is decided once per subscription, never per message. */
    void deliver(Buffer payload) {
      if (target == ctx) {
        handle(payload);
      } else {
        target.runOnContext(v -> handle(payload));
      }
    }

    private void handle(Buffer payload) {
      if (!active.get()) {
        return;
      }
      try {
        handler.handle(payload);
      } catch (RuntimeException e) {
        log.warn("redis {} subscriber handler of {} failed", name, channel, e);
      }
    }

    @Override
    public String channel() {
      return channel;
    }

    @Override
    public Future<Void> unsubscribe() {
      if (!active.compareAndSet(true, false)) {
        return Future.succeededFuture();
      }
      Context caller = Vertx.currentContext();
      Promise<Void> done = Promise.promise();
      ctx.runOnContext(v -> {
        removeSubscription(this);
        done.complete();
      });
      return onContext(caller, done.future());
    }
  }
}
