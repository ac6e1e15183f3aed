package dev.tributary.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A small HTTP backend for hook tests: a Vert.x HTTP server on 127.0.0.1 (real sockets, an
 * ephemeral port) that answers each path with what the test's function returns for the request
 * body: a JsonObject (200, JSON), a {@link Raw} (any status and body), or {@link #NEVER} (no answer
 * at all). Every request is recorded (path, body, headers) in {@link #requests}.
 */
public final class HookBackend implements AutoCloseable {
  /** An answer with any status and body. */
  public record Raw(int status, String body) {}

  /** A request as received. */
  public record Request(String path, JsonObject body, MultiMap headers) {}

  /** Answer nothing: the request stays open until the caller gives up. */
  public static final Object NEVER = new Object();

  public final LinkedBlockingQueue<Request> requests = new LinkedBlockingQueue<>();
  private final Map<String, Function<JsonObject, Object>> routes = new ConcurrentHashMap<>();
  private final Vertx vertx;
  private final HttpServer server;
  public final int port;

  private HookBackend(Vertx vertx) {
    this.vertx = vertx;
    this.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(req -> req.body().onSuccess(buf -> {
          JsonObject body;
          try {
            body = buf.toJsonObject();
          } catch (RuntimeException e) {
            body = new JsonObject().put("unparsable", buf.toString());
          }
          MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
          requests.add(new Request(req.path(), body, headers));
          Function<JsonObject, Object> route = routes.get(req.path());
          Object answer = route == null ? new Raw(404, "no route") : route.apply(body);
          if (answer == NEVER) {
            return;
          }
          if (answer instanceof Raw raw) {
            req.response().setStatusCode(raw.status()).end(raw.body());
          } else {
            req.response().putHeader("Content-Type", "application/json").end(((JsonObject) answer).encode());
          }
        }));
    try {
      server.listen().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("hook backend did not start", e);
    }
    this.port = server.actualPort();
  }

  public static HookBackend start() {
    return new HookBackend(Vertx.vertx());
  }

  /** Answers {@code path} with {@code answer}(request body). */
  public HookBackend on(String path, Function<JsonObject, Object> answer) {
    routes.put(path, answer);
    return this;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** The next request received, waiting up to 10 s. */
  public Request next() {
    try {
      Request r = requests.poll(10, TimeUnit.SECONDS);
      if (r == null) {
        throw new AssertionError("the backend received no request within 10 s");
      }
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
