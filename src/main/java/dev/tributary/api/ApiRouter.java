package dev.tributary.api;

import dev.tributary.gateway.Gateway;
import dev.tributary.gateway.protocol.ErrorCodes;
import dev.tributary.gateway.protocol.ProtocolCodec;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The HTTP server API (Centrifugo-compatible where it overlaps): {@code POST /api/publish},
 * {@code POST /api/broadcast}, and {@code GET /health}. Handlers run on the event loop of the
 * gateway instance that accepted the HTTP connection and never block.
 */
public final class ApiRouter {
  /** Most channels one broadcast may name. */
  public static final int MAX_BROADCAST_CHANNELS = 10_000;

  private final Gateway gateway;
  private final byte[] apiKey;

  private ApiRouter(Gateway gateway) {
    this.gateway = gateway;
    String key = gateway.options().getApi().getKey();
    this.apiKey = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
  }

  public static Router create(Vertx vertx, Gateway gateway) {
    ApiRouter api = new ApiRouter(gateway);
    Router router = Router.router(vertx);
    router.get("/health").handler(api::health);
    if (gateway.registry() instanceof PrometheusMeterRegistry prometheus) {
      router.get("/metrics").handler(PrometheusScrapingHandler.create(prometheus));
    }
    router.route("/api/*").handler(api::authorize);
    router.post("/api/*").handler(BodyHandler.create(false)
        .setBodyLimit(gateway.options().getHttp().getMaxBodyBytes()));
    router.post("/api/publish").handler(api::publish);
    router.post("/api/broadcast").handler(api::broadcast);
    router.route("/api/*").last().handler(rc -> error(rc, 404, ErrorCodes.METHOD_NOT_FOUND, "no such API method"));
    router.errorHandler(413, rc -> error(rc, 413, ErrorCodes.BAD_REQUEST, "request body too large"));
    router.errorHandler(500, rc -> error(rc, 500, ErrorCodes.INTERNAL, "internal server error"));
    return router;
  }

  private void authorize(RoutingContext rc) {
    String key = rc.request().getHeader("X-API-Key");
    if (key == null) {
      String auth = rc.request().getHeader("Authorization");
      if (auth != null && auth.regionMatches(true, 0, "apikey ", 0, 7)) {
        key = auth.substring(7).trim();
      }
    }
    if (apiKey == null || key == null
        || !MessageDigest.isEqual(apiKey, key.getBytes(StandardCharsets.UTF_8))) {
      error(rc, 401, ErrorCodes.UNAUTHORIZED, apiKey == null ? "unauthorized: api.key is not configured" : "unauthorized");
      return;
    }
    rc.next();
  }

  private JsonObject body(RoutingContext rc) {
    try {
      Object v = rc.body().buffer() == null ? null : Json.decodeValue(rc.body().buffer());
      if (v instanceof JsonObject o) {
        return o;
      }
      error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request: body must be a JSON object");
    } catch (DecodeException e) {
      error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request: malformed JSON");
    }
    return null;
  }

  private void publish(RoutingContext rc) {
    JsonObject req = body(rc);
    if (req == null) {
      return;
    }
    Object channel = req.getValue("channel");
    if (channel == null) {
      error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request: channel required");
      return;
    }
    int err = gateway.rules().check(channel);
    if (err != 0) {
      error(rc, 400, err, ErrorCodes.message(err) + ": " + channel);
      return;
    }
    if (!req.containsKey("data")) {
      error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request: data required");
      return;
    }
    String ch = (String) channel;
    gateway.hub().publish(ch, ProtocolCodec.publicationPush(ch, Json.encode(req.getValue("data")), null));
    ok(rc);
  }

  private void broadcast(RoutingContext rc) {
    JsonObject req = body(rc);
    if (req == null) {
      return;
    }
    Object chs = req.getValue("channels");
    if (!(chs instanceof JsonArray arr) || arr.isEmpty()) {
      error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request: channels must be a non-empty array");
      return;
    }
    if (arr.size() > MAX_BROADCAST_CHANNELS) {
      error(rc, 400, ErrorCodes.LIMIT_EXCEEDED, "bad request: at most " + MAX_BROADCAST_CHANNELS + " channels");
      return;
    }
    for (Object ch : arr) {
      int err = gateway.rules().check(ch);
      if (err != 0) {
        error(rc, 400, err, ErrorCodes.message(err) + ": " + ch);
        return;
      }
    }
    if (!req.containsKey("data")) {
      error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request: data required");
      return;
    }
    String data = Json.encode(req.getValue("data"));
    for (Object ch : arr) {
      gateway.hub().publish((String) ch, ProtocolCodec.publicationPush((String) ch, data, null));
    }
    ok(rc);
  }

  private void health(RoutingContext rc) {
    JsonObject body = new JsonObject()
        .put("status", "ok")
        .put("connections", gateway.connectionCount())
        .put("channels", gateway.hub().channelCount())
        .put("uptimeSeconds", ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
    rc.response().putHeader("Content-Type", "application/json").end(body.encode());
  }

  private static void ok(RoutingContext rc) {
    rc.response().putHeader("Content-Type", "application/json").end("{\"result\":{}}");
  }

  static void error(RoutingContext rc, int status, int code, String message) {
    if (rc.response().ended()) {
      return;
    }
    JsonObject err = new JsonObject().put("error", new JsonObject().put("code", code).put("message", message));
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(err.encode());
  }
}
