package dev.tributary.redis;

import dev.tributary.config.RedisSettings;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commands over dedicated connections, each request written as soon as it is sent, without
 * waiting for the replies before it; Redis answers a connection in order and the client matches
 * replies to requests in that order. Many requests then share each system call on both sides,
 * where the pooled {@link Redis} client keeps one request per connection in flight (on this
 * project's 2-CPU VM: 45–53 k GET/s pooled against 250–320 k/s on one pipelined connection,
 * docs/PERFORMANCE-REDIS.md).
 *
 * <p>A pipeline has <b>lanes</b>, each one connection owned by one event-loop context, with its
 * state touched only there (no lock):
 *
 * <ul>
 *   <li>{@link #ordered}: one lane on a context of its own. Every call is queued to it, also from
 *       its own event loop, so requests leave in the order of the calls from all threads; Redis
 *       keeps order only within a connection (the broker's {@code PUBLISH}: one order per channel).
 *   <li>{@link #perEventLoop}: one lane per event-loop thread of the callers, on that same thread
 *       (its context is the first caller's there), so a caller on an event loop sends and is
 *       answered without a thread hop. A caller that is not on an event loop always goes through
 *       the pipeline's own lane, queued. Order holds per caller thread only.
 * </ul>
 *
 * <p>Each connection has a {@link Redis} client of its own (created on the pipeline's context, so
 * no verticle's undeployment closes it): closing that client is how a connection is really closed
 * with only the public API ({@code RedisConnection.close()} of a pooled connection hands it back to
 * its pool, where it could be handed out again with whatever it still waits for).
 *
 * <p>A lane connects on its first request and again on the first request after a loss; requests
 * in flight on a lost connection fail (and fail fast while it cannot connect: no queueing behind a
 * dead Redis). Scripts given at construction are loaded ({@code SCRIPT LOAD}) on every new
 * connection before anything else is sent on it, so {@code EVALSHA} never meets a Redis that
 * restarted without them; a {@code NOSCRIPT} reply (someone ran {@code SCRIPT FLUSH}) fails that
 * command, and the lane sets the connection aside (the replies still due on it arrive) and loads
 * the scripts again before its next request.
 *
 * <p>With a {@code stallMillis} above 0, every request has that bound: a lane whose connection has
 * requests in flight and received no reply for {@code stallMillis} (noticed within a quarter of it
 * more) closes it, failing everything in flight on it; a connection that is not ready within
 * {@code stallMillis} (TCP accepted but the handshake or {@code SCRIPT LOAD} unanswered, as from a
 * paused Redis) is given up, failing the requests that waited for it. A Redis that stopped
 * answering (paused, or a peer gone without a FIN) would otherwise hold every later request of the
 * lane. One periodic timer per pipeline (on its own context), no timer per request.
 *
 * <p>Not a circuit breaker: callers that want one wrap it (as {@link RedisLink#sendPipelined}).
 * One slow command delays every request behind it on its lane: send short commands only.
 */
public final class RedisPipeline {
  private static final Logger log = LoggerFactory.getLogger(RedisPipeline.class);
  /** Requests one connection holds before it fails new ones ("waiting queue is full"). */
  static final int MAX_IN_FLIGHT = 1 << 16;

  private final Vertx vertx;
  private final String name;
  private final RedisOptions options;
  private final List<String> scripts;
  private final long stallMillis;
  private final boolean perEventLoop;
  /** The lane of callers off any event loop, and the only lane of an ordered pipeline. */
  private final Lane own;
  /** Per-event-loop lanes by the thread of their event loop. */
  private final ConcurrentHashMap<Thread, Lane> lanes = new ConcurrentHashMap<>();
  private volatile long watchdog = -1;
  private volatile boolean closed;

  private RedisPipeline(Vertx vertx, String name, RedisSettings target, long stallMillis,
      List<String> scripts, boolean perEventLoop) {
    this.vertx = vertx;
    this.name = name;
    this.scripts = List.copyOf(scripts);
    this.stallMillis = stallMillis;
    this.perEventLoop = perEventLoop;
    // One connection per client: the pool only holds the lane's connection.
    // On a cluster, a lane's "connection" is a cluster connection: one socket per node, each
    // request on the socket of its keys' master, so a lane still keeps the order of one channel.
    this.options = target.clientOptions()
        .setMaxPoolSize(1)
        .setMaxPoolWaiting(4)
        .setMaxWaitingHandlers(MAX_IN_FLIGHT);
    // A context of our own, not a caller's verticle's: undeploying a verticle must not strand a lane.
    this.own = new Lane(RedisLink.newContext(vertx));
    if (stallMillis > 0) {
      own.ctx.runOnContext(v -> {
        if (!closed) {
          watchdog = vertx.setPeriodic(Math.max(1, stallMillis / 4), id -> {
            for (Lane l : allLanes()) {
              l.ctx.runOnContext(x -> l.checkStall());
            }
          });
        }
      });
    }
  }

  /**
   * One connection; requests leave in the order of the calls, from any thread.
   *
   * @param name short name for logs
   * @param stallMillis close the connection after this long without a reply while requests are in
   *     flight; 0: never
   * @param scripts loaded with {@code SCRIPT LOAD} on every new connection
   */
  public static RedisPipeline ordered(Vertx vertx, String name, String url, int connectTimeoutMillis, long stallMillis,
      List<String> scripts) {
    return ordered(vertx, name, standalone(url, connectTimeoutMillis), stallMillis, scripts);
  }

  /** As {@link #ordered(Vertx, String, String, int, long, List)}, to one Redis or a cluster as {@code target} says. */
  public static RedisPipeline ordered(Vertx vertx, String name, RedisSettings target, long stallMillis,
      List<String> scripts) {
    return new RedisPipeline(vertx, name, target, stallMillis, scripts, false);
  }

  /** One connection per caller event loop (see the class doc); parameters as {@link #ordered}. */
  public static RedisPipeline perEventLoop(Vertx vertx, String name, String url, int connectTimeoutMillis,
      long stallMillis, List<String> scripts) {
    return perEventLoop(vertx, name, standalone(url, connectTimeoutMillis), stallMillis, scripts);
  }

  /** As {@link #perEventLoop(Vertx, String, String, int, long, List)}, to one Redis or a cluster. */
  public static RedisPipeline perEventLoop(Vertx vertx, String name, RedisSettings target, long stallMillis,
      List<String> scripts) {
    return new RedisPipeline(vertx, name, target, stallMillis, scripts, true);
  }

  private static RedisSettings standalone(String url, int connectTimeoutMillis) {
    return new RedisSettings().setUrl(url).setConnectTimeoutMillis(connectTimeoutMillis);
  }

  /**
   * Sends {@code request} on the caller's lane. A caller on an event loop of a per-event-loop
   * pipeline sends at once and its future completes on that event loop; every other call is queued
   * to the lane's context and completes there ({@link RedisLink#onContext} moves it).
   */
  public Future<Response> send(Request request) {
    Lane mine = callersLane();
    if (mine != null) {
      return mine.send(request);
    }
    // Always queued, also from the lane's own event loop: a call made there must not overtake
    // calls from other threads that are already queued on the lane's context.
    Promise<Response> done = Promise.promise();
    own.ctx.runOnContext(v -> own.send(request).onComplete(done));
    return done.future();
  }

  /** Sends {@code requests} back to back on the caller's lane (pipelined, not atomic). */
  public Future<List<Response>> batch(List<Request> requests) {
    Lane mine = callersLane();
    if (mine != null) {
      return mine.batch(requests);
    }
    Promise<List<Response>> done = Promise.promise();
    own.ctx.runOnContext(v -> own.batch(requests).onComplete(done));
    return done.future();
  }

  /** Closes every lane's connection (requests in flight fail). */
  public Future<Void> close() {
    closed = true;
    List<Future<Void>> all = new ArrayList<>();
    Promise<Void> timer = Promise.promise();
    own.ctx.runOnContext(v -> {
      if (watchdog != -1) {
        vertx.cancelTimer(watchdog);
        watchdog = -1;
      }
      timer.complete();
    });
    all.add(timer.future());
    for (Lane l : allLanes()) {
      Promise<Void> p = Promise.promise();
      l.ctx.runOnContext(v -> l.drop("pipeline closed").onComplete(p));
      all.add(p.future());
    }
    return Future.join(all).mapEmpty();
  }

  private List<Lane> allLanes() {
    List<Lane> all = new ArrayList<>(lanes.values());
    all.add(own);
    return all;
  }

  /**
   * The lane of the calling event-loop thread of a per-event-loop pipeline (made on its first
   * call, on the caller's context); null for an ordered pipeline or a caller off any event loop.
   */
  private Lane callersLane() {
    if (!perEventLoop || !Context.isOnEventLoopThread()) {
      return null;
    }
    Context c = Vertx.currentContext();
    if (c == null || !c.isEventLoopContext()) {
      return null;
    }
    Thread t = Thread.currentThread();
    Lane l = lanes.get(t);
    return l != null ? l : lanes.computeIfAbsent(t, x -> new Lane(c));
  }

  /** One connection with its own client. */
  private static final class Conn {
    final Redis client;
    final RedisConnection connection;
    /** Replies (or failures) of requests sent on it not yet received. */
    long inFlight;
    /** No longer the lane's: closed once its replies have all arrived. */
    boolean retired;

    Conn(Redis client, RedisConnection connection) {
      this.client = client;
      this.connection = connection;
    }
  }

  /** One connection at a time and its state, touched only on {@code ctx}'s thread. */
  private final class Lane {
    final Context ctx;
    Conn conn;
    Future<Conn> connecting;
    long replies;
    /** When the lane last saw progress (a reply, or the first request after none in flight). */
    long progressNanos = System.nanoTime();
    /** When the connection being opened was asked for; 0 when none is. */
    long connectingSinceNanos;
    Promise<Conn> connectingPromise;

    Lane(Context ctx) {
      this.ctx = ctx;
    }

    Future<Response> send(Request request) {
      Conn c = conn;
      if (c != null) {
        return sent(c, c.connection.send(request));
      }
      return connection().compose(x -> sent(x, x.connection.send(request)));
    }

    Future<List<Response>> batch(List<Request> requests) {
      Conn c = conn;
      if (c != null) {
        return sent(c, c.connection.batch(requests));
      }
      return connection().compose(x -> sent(x, x.connection.batch(requests)));
    }

    private <T> Future<T> sent(Conn c, Future<T> reply) {
      if (c.inFlight++ == 0 && c == conn) {
        progressNanos = System.nanoTime(); // the clock starts with the first request in flight
      }
      return reply.andThen(ar -> {
        c.inFlight--;
        if (c == conn) {
          replies++;
          progressNanos = System.nanoTime();
          if (ar.failed() && LuaScript.isNoScript(ar.cause())) {
            // Not a forced close: the requests behind it may have run, their replies must still
            // arrive. The next request opens a new connection, which loads the scripts first.
            forget();
            retire(c);
            log.info("redis pipeline {}: NOSCRIPT (scripts flushed?), loading them again on a new connection", name);
          }
        } else if (c.retired && c.inFlight == 0) {
          c.client.close();
        }
      });
    }

    private void retire(Conn c) {
      c.retired = true;
      if (c.inFlight == 0) {
        c.client.close();
      }
    }

    private Future<Conn> connection() {
      if (closed) {
        return Future.failedFuture(new RedisUnavailableException("redis pipeline " + name + ": closed", null));
      }
      if (connecting == null) {
        Promise<Conn> connected = Promise.promise();
        connectingPromise = connected;
        connectingSinceNanos = System.nanoTime();
        // The client is made on the pipeline's own context (no verticle's undeployment closes it),
        // the connection from the lane's, so that its socket is on the lane's event loop.
        own.ctx.runOnContext(v -> {
          Redis client = Redis.createClient(vertx, options);
          ctx.runOnContext(x -> client.connect()
              .compose(this::loadScripts)
              .map(rc -> new Conn(client, rc))
              .onComplete(ar -> {
                boolean taken = ar.succeeded() ? connected.tryComplete(ar.result()) : connected.tryFail(ar.cause());
                if (!taken || ar.failed()) {
                  client.close(); // failed, or ready after the lane gave up on it
                }
              }));
        });
        connecting = connected.future().andThen(ar -> {
          connecting = null;
          connectingPromise = null;
          connectingSinceNanos = 0;
          if (ar.failed()) {
            return;
          }
          Conn c = ar.result();
          if (closed) {
            c.client.close();
            return;
          }
          conn = c;
          progressNanos = System.nanoTime();
          c.connection.exceptionHandler(err -> ctx.runOnContext(v -> lost(c, err.toString())));
          c.connection.endHandler(v -> ctx.runOnContext(x -> lost(c, "closed")));
        });
      }
      return connecting;
    }

    private Future<RedisConnection> loadScripts(RedisConnection c) {
      if (scripts.isEmpty()) {
        return Future.succeededFuture(c);
      }
      List<Request> loads = new ArrayList<>();
      for (String script : scripts) {
        loads.add(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script));
      }
      return c.batch(loads).map(r -> c);
    }

    /**
     * Closes the connection when it has requests in flight and no reply came for
     * {@code stallMillis}; gives up a connection not ready within {@code stallMillis}.
     */
    void checkStall() {
      long now = System.nanoTime();
      long bound = stallMillis * 1_000_000L;
      Promise<Conn> opening = connectingPromise;
      if (opening != null && connectingSinceNanos != 0 && now - connectingSinceNanos >= bound) {
        // Fails the requests waiting for it; a connection that completes later is closed then.
        if (opening.tryFail(new RedisUnavailableException("redis pipeline " + name + ": not connected within "
            + stallMillis + " ms", null))) {
          log.info("redis pipeline {}: connection not ready within {} ms, given up", name, stallMillis);
        }
      }
      Conn c = conn;
      if (c == null) {
        return;
      }
      if (c.inFlight > 0 && now - progressNanos >= bound) {
        drop("no reply for " + stallMillis + " ms with " + c.inFlight + " request(s) in flight");
      }
    }

    private void lost(Conn c, String why) {
      if (conn == c) {
        forget();
        log.debug("redis pipeline {} connection lost: {}", name, why);
      }
      c.client.close();
    }

    /** Closes the connection (its requests in flight fail). */
    Future<Void> drop(String why) {
      Conn c = conn;
      if (c == null) {
        return Future.succeededFuture();
      }
      forget();
      log.info("redis pipeline {}: dropping connection ({})", name, why);
      return c.client.close();
    }

    private void forget() {
      conn = null;
    }
  }
}
