package dev.tributary.broker.internal;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PUBLISH (and the history script, which publishes) over one dedicated, pipelined connection. A pool would spread consecutive publications
 * of a channel over several connections, and Redis only keeps order within a connection; one
 * connection keeps publish order per channel without waiting for each reply. Reconnects on the
 * next publish after a loss (the failed ones fall back to local delivery in the hub).
 *
 * <p>Scripts given at construction are loaded (SCRIPT LOAD) on every new connection before
 * anything else is sent on it, so EVALSHA never meets a Redis that restarted without them; a
 * NOSCRIPT reply (someone ran SCRIPT FLUSH) fails that command and drops the connection, which
 * reloads them on the next send.
 *
 * <p>All state lives on one Vert.x context (the first caller's event loop is not assumed: every
 * call hops to {@code ctx}), so there is no lock.
 */
final class OrderedPublisher {
  private static final Logger log = LoggerFactory.getLogger(OrderedPublisher.class);

  private final Redis client;
  private final io.vertx.core.Context ctx;
  private RedisConnection conn; // ctx
  private Future<RedisConnection> connecting; // ctx
  private final java.util.List<String> scripts;

  OrderedPublisher(Vertx vertx, String url, int connectTimeoutMillis, java.util.List<String> scripts) {
    this.scripts = java.util.List.copyOf(scripts);
    this.client = Redis.createClient(vertx, new RedisOptions().setConnectionString(url)
        .setMaxPoolSize(1).setMaxWaitingHandlers(1 << 16));
    this.ctx = vertx.getOrCreateContext();
  }

  Future<Void> publish(String channel, Buffer message) {
    return send(Request.cmd(Command.PUBLISH).arg(channel).arg(message)).mapEmpty();
  }

  /** Sends {@code request} on the ordered connection: requests leave in the order of the calls. */
  Future<Response> send(Request request) {
    Promise<Response> done = Promise.promise();
    ctx.runOnContext(v -> connection().compose(c -> c.send(request).onFailure(err -> {
      if (err.getMessage() != null && err.getMessage().startsWith("NOSCRIPT")) {
        lost(c, err);
        c.close();
      }
    })).onComplete(done));
    return done.future();
  }

  private Future<RedisConnection> connection() {
    if (conn != null) {
      return Future.succeededFuture(conn);
    }
    if (connecting == null) {
      connecting = client.connect().compose(this::loadScripts).onComplete(ar -> {
        connecting = null;
        if (ar.succeeded()) {
          RedisConnection c = ar.result();
          conn = c;
          c.exceptionHandler(err -> lost(c, err));
          c.endHandler(v -> lost(c, null));
        }
      });
    }
    return connecting;
  }

  private Future<RedisConnection> loadScripts(RedisConnection c) {
    if (scripts.isEmpty()) {
      return Future.succeededFuture(c);
    }
    java.util.List<Request> loads = new java.util.ArrayList<>();
    for (String script : scripts) {
      loads.add(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script));
    }
    return c.batch(loads).map(r -> c).onFailure(err -> c.close());
  }

  private void lost(RedisConnection c, Throwable err) {
    if (conn == c) {
      conn = null;
      log.debug("publish connection lost: {}", err == null ? "closed" : err.toString());
    }
  }

  Future<Void> close() {
    Promise<Void> p = Promise.promise();
    ctx.runOnContext(v -> {
      if (conn != null) {
        conn.close();
        conn = null;
      }
      client.close();
      p.complete();
    });
    return p.future();
  }
}
