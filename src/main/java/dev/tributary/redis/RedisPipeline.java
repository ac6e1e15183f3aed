package dev.tributary.redis;

import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.PooledRedisConnection;
import io.vertx.redis.client.impl.RedisConnectionInternal;
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
 *   <li>{@link #ordered}: one lane on a context of its own. Every call hops to it, so requests
 *       leave in the order of the calls from all threads; Redis keeps order only within a
 *       connection (the broker's {@code PUBLISH}: one order per channel).
 *   <li>{@link #perEventLoop}: one lane per event loop of the callers, on that same event loop, so
 *       a caller on an event loop sends and is answered without a thread hop. A caller that is not
 *       on an event loop uses the pipeline's own lane. Order holds per caller event loop only.
 * </ul>
 *
 * <p>A lane connects on its first request and again on the first request after a loss; requests
 * in flight on a lost connection fail (and fail fast while it cannot connect: no queueing behind a
 * dead Redis). Scripts given at construction are loaded ({@code SCRIPT LOAD}) on every new
 * connection before anything else is sent on it, so {@code EVALSHA} never meets a Redis that
 * restarted without them; a {@code NOSCRIPT} reply (someone ran {@code SCRIPT FLUSH}) fails that
 * command, and the lane sets the connection aside (the replies still due on it arrive) and loads
 * the scripts again before its next request.
 *
 * <p>With a {@code stallMillis} above 0, a lane whose connection has requests in flight and
 * received no reply for between one and two {@code stallMillis} closes it: a Redis that stopped
 * answering (paused, or a peer gone without a FIN) would otherwise hold every later request of the
 * lane. One periodic timer per connected lane, no timer per request.
 *
 * <p>Not a circuit breaker: callers that want one wrap it (as {@link RedisLink#sendPipelined}).
 * One slow command delays every request behind it on its lane: send short commands only.
 */
public final class RedisPipeline {
  private static final Logger log = LoggerFactory.getLogger(RedisPipeline.class);
  /** Requests one connection holds before it fails new ones ("waiting queue is full"). */
  static final int MAX_IN_FLIGHT = 1 << 16;

  private final VertxInternal vertx;
  private final String name;
  private final Redis client;
  private final List<String> scripts;
  private final long stallMillis;
  private final boolean perEventLoop;
  /** The lane of callers off any event loop, and the only lane of an ordered pipeline. */
  private final Lane own;
  private final ConcurrentHashMap<EventLoop, Lane> lanes = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private RedisPipeline(Vertx vertx, String name, String url, int connectTimeoutMillis, long stallMillis,
      List<String> scripts, boolean perEventLoop) {
    this.vertx = (VertxInternal) vertx;
    this.name = name;
    this.scripts = List.copyOf(scripts);
    this.stallMillis = stallMillis;
    this.perEventLoop = perEventLoop;
    RedisOptions ro = new RedisOptions().setConnectionString(url)
        // A lane holds its connection for good: the pool only caps how many lanes can connect.
        .setMaxPoolSize(perEventLoop ? 256 : 1)
        .setMaxPoolWaiting(perEventLoop ? 256 : 4)
        .setMaxWaitingHandlers(MAX_IN_FLIGHT);
    ro.getNetClientOptions().setConnectTimeout(connectTimeoutMillis).setTcpNoDelay(true).setTcpKeepAlive(true);
    this.client = Redis.createClient(vertx, ro);
    // A context of our own, not a caller's verticle's: undeploying a verticle must not strand a lane.
    this.own = new Lane(this.vertx.createEventLoopContext());
    if (perEventLoop) {
      lanes.put(own.ctx.nettyEventLoop(), own);
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
    return new RedisPipeline(vertx, name, url, connectTimeoutMillis, stallMillis, scripts, false);
  }

  /** One connection per caller event loop (see the class doc); parameters as {@link #ordered}. */
  public static RedisPipeline perEventLoop(Vertx vertx, String name, String url, int connectTimeoutMillis,
      long stallMillis, List<String> scripts) {
    return new RedisPipeline(vertx, name, url, connectTimeoutMillis, stallMillis, scripts, true);
  }

  /**
   * Sends {@code request} on the caller's lane. The future completes on the caller's context when
   * the caller runs on the lane's event loop, otherwise on the lane's context ({@link
   * RedisLink#onContext} moves it).
   */
  public Future<Response> send(Request request) {
    Lane lane = lane();
    if (lane.ctx.nettyEventLoop().inEventLoop() && perEventLoop) {
      return lane.send(request);
    }
    // An ordered pipeline always hops, even from its own event loop: a call made there must not
    // overtake calls from other threads that are already queued on the lane's context.
    Promise<Response> done = Promise.promise();
    lane.ctx.runOnContext(v -> lane.send(request).onComplete(done));
    return done.future();
  }

  /** Sends {@code requests} back to back on the caller's lane (pipelined, not atomic). */
  public Future<List<Response>> batch(List<Request> requests) {
    Lane lane = lane();
    if (lane.ctx.nettyEventLoop().inEventLoop() && perEventLoop) {
      return lane.batch(requests);
    }
    Promise<List<Response>> done = Promise.promise();
    lane.ctx.runOnContext(v -> lane.batch(requests).onComplete(done));
    return done.future();
  }

  /** Closes every lane's connection (requests in flight fail) and the client. */
  public Future<Void> close() {
    closed = true;
    List<Future<Void>> all = new ArrayList<>();
    for (Lane l : perEventLoop ? new ArrayList<>(lanes.values()) : List.of(own)) {
      Promise<Void> p = Promise.promise();
      l.ctx.runOnContext(v -> {
        l.drop("pipeline closed");
        p.complete();
      });
      all.add(p.future());
    }
    return Future.join(all).compose(v -> client.close());
  }

  private Lane lane() {
    if (!perEventLoop) {
      return own;
    }
    ContextInternal c = ContextInternal.current();
    if (c == null) {
      return own;
    }
    EventLoop loop = c.nettyEventLoop();
    Lane l = lanes.get(loop);
    return l != null ? l : lanes.computeIfAbsent(loop, el -> new Lane(vertx.contextBuilder()
        .withThreadingModel(ThreadingModel.EVENT_LOOP).withEventLoop(el).build()));
  }

  /** One connection and its state, touched only on {@code ctx}. */
  private final class Lane {
    final ContextInternal ctx;
    RedisConnection conn;
    Future<RedisConnection> connecting;
    /** Replies (or failures) of requests sent on {@code conn} not yet received. */
    long inFlight;
    long replies;
    long repliesAtLastCheck;
    boolean inFlightAtLastCheck;
    long watchdog = -1;

    Lane(ContextInternal ctx) {
      this.ctx = ctx;
    }

    Future<Response> send(Request request) {
      RedisConnection c = conn;
      if (c != null) {
        return sent(c, c.send(request));
      }
      return connection().compose(x -> sent(x, x.send(request)));
    }

    Future<List<Response>> batch(List<Request> requests) {
      RedisConnection c = conn;
      if (c != null) {
        return sent(c, c.batch(requests));
      }
      return connection().compose(x -> sent(x, x.batch(requests)));
    }

    private <T> Future<T> sent(RedisConnection c, Future<T> reply) {
      if (c != conn) {
        return reply;
      }
      inFlight++;
      return reply.andThen(ar -> {
        if (c == conn) {
          inFlight--;
          replies++;
        }
        if (ar.failed() && c == conn && LuaScript.isNoScript(ar.cause())) {
          // Not a force close: the requests behind it may have run, their replies must still arrive.
          forget();
          log.info("redis pipeline {}: NOSCRIPT (scripts flushed?), loading them again on the next request", name);
          c.close(); // back to the pool, which may hand it out again: connection() loads the scripts first
        }
      });
    }

    private Future<RedisConnection> connection() {
      if (closed) {
        return Future.failedFuture(new RedisUnavailableException("redis pipeline " + name + ": closed", null));
      }
      if (connecting == null) {
        // Connected from the lane's own context, not the caller's (which may be a verticle's that
        // goes away): the connection and its handlers belong to the lane.
        Promise<RedisConnection> connected = Promise.promise();
        ctx.runOnContext(v -> client.connect().compose(this::loadScripts).onComplete(connected));
        connecting = connected.future().andThen(ar -> {
          connecting = null;
          if (ar.failed()) {
            return;
          }
          RedisConnection c = ar.result();
          if (closed) {
            forceClose(c);
            return;
          }
          conn = c;
          inFlight = 0;
          inFlightAtLastCheck = false;
          c.exceptionHandler(err -> lost(c, err.toString()));
          c.endHandler(v -> lost(c, "closed"));
          if (stallMillis > 0) {
            watchdog = vertx.setPeriodic(stallMillis, id -> ctx.runOnContext(x -> checkStall(c)));
          }
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
      return c.batch(loads).map(r -> c).onFailure(err -> forceClose(c));
    }

    /** Closes the connection when it had requests in flight at the last check and answered none since. */
    private void checkStall(RedisConnection c) {
      if (c != conn) {
        return;
      }
      if (inFlightAtLastCheck && inFlight > 0 && replies == repliesAtLastCheck) {
        drop("no reply for " + stallMillis + " ms with " + inFlight + " request(s) in flight");
        return;
      }
      inFlightAtLastCheck = inFlight > 0;
      repliesAtLastCheck = replies;
    }

    private void lost(RedisConnection c, String why) {
      if (conn == c) {
        forget();
        log.debug("redis pipeline {} connection lost: {}", name, why);
      }
    }

    void drop(String why) {
      RedisConnection c = conn;
      if (c != null) {
        forget();
        log.info("redis pipeline {}: dropping connection ({})", name, why);
        forceClose(c);
      }
    }

    private void forget() {
      conn = null;
      if (watchdog != -1) {
        vertx.cancelTimer(watchdog);
        watchdog = -1;
      }
    }
  }

  /**
   * Closes the socket itself. {@code RedisConnection.close()} of a pooled connection only hands it
   * back to the pool, with whatever it still waits for: a stalled or script-less connection could
   * then be handed out again.
   */
  private static void forceClose(RedisConnection c) {
    RedisConnection actual = c instanceof PooledRedisConnection p ? p.actual() : c;
    if (actual instanceof RedisConnectionInternal i) {
      i.forceClose();
    } else {
      c.close();
    }
  }
}
