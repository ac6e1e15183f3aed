package dev.tributary.api;

import dev.tributary.gateway.Gateway;
import dev.tributary.protocol.ErrorCodes;
import dev.tributary.protocol.ProtocolCodec;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.tributary.bus.Addresses;
import dev.tributary.metrics.MetricNames;
import dev.tributary.metrics.PerformanceMonitor;
import dev.tributary.hub.Hub;
import io.vertx.core.Future;
import dev.tributary.ops.Ops;
import dev.tributary.ops.OpsApi;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import dev.tributary.support.BodyReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import dev.tributary.control.Idempotency;
import dev.tributary.control.NodeControl;
import dev.tributary.support.Secrets;

/**
 * The HTTP server API: Centrifugo's methods ({@code POST /api/<method>}, see {@link ServerApi}),
 * {@code GET /health}, {@code GET /metrics}; coordination status, insights, module state,
 * and the admin calls (mode switch, forced cleanup), which ask the coordination verticles over the
 * event bus. Handlers run on the event loop of the
 * gateway instance that accepted the HTTP connection and never block.
 */
public final class ApiRouter {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ApiRouter.class);

  private final Gateway gateway;
  private final ServerApi server;

  private ApiRouter(Gateway gateway, ServerApi server) {
    this.gateway = gateway;
    this.server = server;
  }

  /**
   * The router of one gateway instance. {@code control} and {@code idempotency} are the node's
   * (shared by its instances).
   */
  public static Router create(Vertx vertx, Gateway gateway, Ops ops, NodeControl control, Idempotency idempotency) {
    ApiRouter api = new ApiRouter(gateway, new ServerApi(gateway, ops, control, idempotency));
    api.ops = ops;
    Router router = Router.router(vertx);
    router.route().handler(api::timeAndCompress);
    router.get("/health").handler(api::health);
    if (gateway.registry() instanceof PrometheusMeterRegistry prometheus) {
      var scrape = PrometheusScrapingHandler.create(prometheus);
      router.get("/metrics").handler(rc -> {
        String token = gateway.options().getOperations().getMetricsToken();
        String auth = rc.request().getHeader("Authorization");
        if (token != null && !Secrets.matches("Bearer " + token, auth)) {
          error(rc, 401, ErrorCodes.UNAUTHORIZED, "unauthorized: metrics.token required as a Bearer token");
          return;
        }
        scrape.handle(rc);
      });
    }
    router.route("/api/*").handler(api::authorize);
    // The body is JSON whatever Content-Type says (curl -d sends a form type); bounded -> 413.
    // (A route for any method: a POST-only one would turn "GET /api/nope" into 405 instead of 404.)
    BodyReader bodies = new BodyReader(() -> gateway.options().getHttp().getMaxBodyBytes());
    router.route("/api/*").handler(rc -> {
      if (rc.request().method() == io.vertx.core.http.HttpMethod.POST) {
        bodies.handle(rc);
      } else {
        rc.next();
      }
    });
    router.get("/api/status").handler(api::status);
    router.get("/api/insights").handler(api::insights);
    router.get("/api/state/:channel").handler(api::state);
    router.post("/api/admin/mode").handler(api::mode);
    router.post("/api/admin/cleanup").handler(api::cleanup);
    OpsApi.mount(router, ops);
    // Centrifugo's server API: one route per method name, and v4's lines of {"method","params"};
    // after every other /api route, so GET /api/status and the like are theirs.
    router.post("/api").handler(api::lines);
    router.post("/api/:method").handler(api::method);
    router.route("/api/:method").handler(rc -> {
      if (ServerApi.METHODS.contains(rc.pathParam("method"))) {
        error(rc, 405, ErrorCodes.METHOD_NOT_FOUND, "method not allowed: " + rc.request().method() + " " + rc.request().path());
      } else {
        rc.next();
      }
    });
    for (dev.tributary.gateway.ProtocolEndpoint p : gateway.protocols()) {
      p.routes(router);
    }
    // Every error the router itself answers is JSON in the API's shape, and none is logged with a
    // stack trace (vertx-web logs one for a status without an error handler).
    router.errorHandler(400, rc -> error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request"));
    router.errorHandler(404, rc -> error(rc, 404, ErrorCodes.METHOD_NOT_FOUND,
        (rc.request().path().startsWith("/api/") ? "no such API method: " : "not found: ") + rc.request().path()));
    router.errorHandler(405, rc -> error(rc, 405, ErrorCodes.METHOD_NOT_FOUND,
        "method not allowed: " + rc.request().method() + " " + rc.request().path()));
    router.errorHandler(413, rc -> error(rc, 413, ErrorCodes.BAD_REQUEST,
        "request body too large: the limit is " + gateway.options().getHttp().getMaxBodyBytes() + " bytes (http.maxBodyBytes)"));
    router.errorHandler(500, rc -> {
      // Not the client's doing: the one case that is logged, once, with its cause.
      log.error("{} {} failed", rc.request().method(), rc.request().path(), rc.failure());
      error(rc, 500, ErrorCodes.INTERNAL, "internal server error");
    });
    return router;
  }

  private Ops ops;
  private final java.util.Map<String, Timer> routeTimers = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Every HTTP request: its latency goes to {@code tributary.api.requests{route}} (route = the
   * matched path template, so tags stay bounded), and with the compression switch off responses
   * are sent uncompressed ({@code Content-Encoding: identity} tells Vert.x's compressor to skip).
   */
  private void timeAndCompress(RoutingContext rc) {
    long start = System.nanoTime();
    if (!ops.toggles().compression()) {
      rc.response().putHeader("Content-Encoding", "identity");
    }
    rc.addEndHandler(v -> {
      String route = rc.currentRoute() == null || rc.currentRoute().getPath() == null ? "other" : rc.currentRoute().getPath();
      if (route.equals("/api/:method")) {
        // One tag per known method (a bounded set), as when each had its own route.
        String m = rc.pathParam("method");
        route = m != null && ServerApi.METHODS.contains(m) ? "/api/" + m : route;
      }
      routeTimers.computeIfAbsent(route, r -> Timer.builder(MetricNames.API_REQUESTS).tag("route", r)
          .publishPercentiles(0.5, 0.95, 0.99).register(gateway.registry()))
          .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    });
    rc.next();
  }

  private void authorize(RoutingContext rc) {
    String configured = gateway.options().getApi().getKey();
    String key = rc.request().getHeader("X-API-Key");
    if (key == null) {
      String auth = rc.request().getHeader("Authorization");
      if (auth != null && auth.regionMatches(true, 0, "apikey ", 0, 7)) {
        key = auth.substring(7).trim();
      }
    }
    // Compared in constant time; neither key is ever logged or echoed.
    if (!Secrets.matches(configured, key)) {
      error(rc, 401, ErrorCodes.UNAUTHORIZED, configured == null ? "unauthorized: api.key is not configured" : "unauthorized");
      return;
    }
    rc.next();
  }

  /** The request's JSON object, or null after answering 400 (nothing is logged: it is the client's input). */
  private JsonObject body(RoutingContext rc) {
    io.vertx.core.buffer.Buffer buf = BodyReader.body(rc);
    if (buf.length() == 0) {
      error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request: empty body, a JSON object expected");
      return null;
    }
    try {
      Object v = Json.decodeValue(buf);
      if (v instanceof JsonObject o) {
        return o;
      }
      error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request: body must be a JSON object");
    } catch (DecodeException | IllegalArgumentException e) {
      error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request: malformed JSON");
    }
    return null;
  }

  /** {@code POST /api/<method>}: one call, its result as {@code {"result":…}} or its error with its status. */
  private void method(RoutingContext rc) {
    String method = rc.pathParam("method");
    if (!ServerApi.METHODS.contains(method)) {
      error(rc, 404, ErrorCodes.METHOD_NOT_FOUND, "no such API method: " + method);
      return;
    }
    JsonObject req = body(rc);
    if (req == null) {
      return;
    }
    server.call(method, req).onComplete(ar -> {
      if (ar.succeeded()) {
        rc.response().putHeader("Content-Type", "application/json").end("{\"result\":" + ar.result() + "}");
      } else {
        failed(rc, ar.cause());
      }
    });
  }

  /**
   * {@code POST /api}: Centrifugo v4's format, as cent.js's {@code pipeline} sends it: one
   * {@code {"method":M,"params":P}} per line, run in order; one line per command in the response,
   * {@code {"result":…}} or {@code {"error":…}} (status 200 unless the body is not such lines).
   */
  private void lines(RoutingContext rc) {
    String text = BodyReader.body(rc).toString(StandardCharsets.UTF_8);
    List<JsonObject> commands = new java.util.ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      try {
        if (!(Json.decodeValue(line) instanceof JsonObject c) || !(c.getValue("method") instanceof String)) {
          error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request: each line must be {\"method\": string, \"params\": object}");
          return;
        }
        commands.add(c);
      } catch (DecodeException | IllegalArgumentException e) {
        error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request: malformed JSON line");
        return;
      }
    }
    if (commands.isEmpty()) {
      error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request: empty body, JSON lines of commands expected");
      return;
    }
    List<Future<String>> replies = new java.util.ArrayList<>();
    Future<?> previous = Future.succeededFuture();
    for (JsonObject c : commands) {
      Future<String> reply = previous.transform(ar -> {
        for (String f : c.fieldNames()) {
          if (!f.equals("method") && !f.equals("params")) {
            return Future.succeededFuture(ServerApi.errorReply(ApiError.badRequest("unknown field \"" + f + "\" in a command")));
          }
        }
        String method = c.getString("method");
        if (method.equals("batch")) {
          return Future.succeededFuture(ServerApi.errorReply(ApiError.badRequest("batch is not a command of /api")));
        }
        Object params = c.getValue("params") == null ? new JsonObject() : c.getValue("params");
        return server.call(method, params).transform(r -> Future.succeededFuture(r.succeeded()
            ? "{\"result\":" + r.result() + "}" : ServerApi.errorReply(r.cause())));
      });
      replies.add(reply);
      previous = reply;
    }
    Future.join(replies).onComplete(ar -> {
      StringBuilder sb = new StringBuilder();
      for (Future<String> r : replies) {
        sb.append(sb.length() == 0 ? "" : "\n").append(r.result());
      }
      rc.response().putHeader("Content-Type", "application/json").end(sb.toString());
    });
  }

  /** A failed call: its status and error object ({@code Retry-After: 1} on a temporary refusal). */
  private static void failed(RoutingContext rc, Throwable cause) {
    if (!(cause instanceof ApiError e)) {
      log.error("{} {} failed", rc.request().method(), rc.request().path(), cause);
      error(rc, 500, ErrorCodes.INTERNAL, "internal server error");
      return;
    }
    if (e.retryAfter && !rc.response().ended()) {
      rc.response().putHeader("Retry-After", "1");
    }
    error(rc, e.status, e.code, e.getMessage());
  }

  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(5000);

  /** Gathers the coordinator's, batch processor's and memory manager's figures and the gateway's. */
  Future<JsonObject> gatherStatus(Vertx vertx) {
    Future<JsonObject> coord = vertx.eventBus().<JsonObject>request(Addresses.COORDINATOR_STATUS, null, ASK).map(Message::body);
    Future<JsonObject> batch = vertx.eventBus().<JsonObject>request(Addresses.BATCH_CONFIGURE, new JsonObject(), ASK).map(Message::body);
    Future<JsonObject> mem = vertx.eventBus().<JsonObject>request(Addresses.MEMORY_STATUS, null, ASK).map(Message::body);
    return Future.join(coord, batch, mem).transform(ar -> {
      JsonObject gw = new JsonObject()
          .put("connections", gateway.connectionCount())
          .put("channels", gateway.hub().channelCount())
          .put("publications", gateway.hub().publicationCount())
          .put("deliveries", gateway.deliveryCount())
          .put("slowConsumerCloses", (long) gateway.registry().get(MetricNames.SLOW_CLOSES).counter().count())
          .put("refusingConnections", gateway.isUnderPressure())
          .put("flushDelayMillis", gateway.options().getGateway().getBatch().getMaxDelayMillis());
      loadFigures(gw);
      JsonObject out = new JsonObject().put("gateway", gw);
      out.put("coordinator", coord.succeeded() ? coord.result() : new JsonObject().put("error", String.valueOf(coord.cause())));
      out.put("batch", batch.succeeded() ? batch.result() : new JsonObject().put("error", String.valueOf(batch.cause())));
      out.put("memory", mem.succeeded() ? mem.result() : new JsonObject().put("error", String.valueOf(mem.cause())));
      return Future.succeededFuture(out);
    });
  }

  /**
   * The figures the performance insights read: last-minute counts, deliveries per frame (10 s),
   * each event loop's busy fraction and the node's hottest channels over the last second.
   */
  private void loadFigures(JsonObject gw) {
    double deliveries = ops.deliveries().tenSeconds();
    double frames = ops.frames().tenSeconds();
    gw.put("slowConsumerClosesLastMinute", ops.slowCloses().lastMinute())
        .put("shedLastMinute", ops.shed().lastMinute())
        .put("rateLimitedLastMinute", ops.rateLimited().lastMinute())
        .put("deliveriesPerSec", deliveries)
        .put("framesPerSec", frames)
        .put("deliveriesPerFrame", frames > 0 ? deliveries / frames : 0.0);
    JsonArray loops = new JsonArray();
    java.util.Map<String, Double> byChannel = new java.util.HashMap<>();
    double lastSecond = 0;
    for (var l : gateway.loads()) {
      loops.add(new JsonObject().put("busy", l.loop().busy()).put("cpu", l.loop().cpu()));
      lastSecond += l.deliveriesPerSec();
      for (var c : l.top()) {
        byChannel.merge(c.channel(), c.deliveriesPerSec(), Double::sum);
      }
    }
    JsonArray hot = new JsonArray();
    byChannel.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).limit(5)
        .forEach(e -> hot.add(new JsonObject().put("channel", e.getKey()).put("deliveriesPerSec", e.getValue())));
    gw.put("eventLoops", loops).put("deliveriesPerSecLastSecond", lastSecond).put("hotChannels", hot);
  }

  private void status(RoutingContext rc) {
    gatherStatus(rc.vertx()).onSuccess(s -> json(rc, s));
  }

  private void insights(RoutingContext rc) {
    gatherStatus(rc.vertx()).onSuccess(s -> json(rc, new JsonObject()
        .put("insights", PerformanceMonitor.insights(s))
        .put("thresholds", new JsonObject()
            .put("coordinationLatencyP99MillisBeyondWindow", PerformanceMonitor.HIGH_LATENCY_P99_MILLIS)
            .put("eventLoopBusy", PerformanceMonitor.SATURATED_BUSY)
            .put("smallFrameDeliveries", PerformanceMonitor.SMALL_FRAMES)
            .put("noCoalescingDeliveriesPerFrame", PerformanceMonitor.NO_COALESCING)
            .put("hotChannelDeliveriesPerSec", PerformanceMonitor.HOT_CHANNEL_DELIVERIES_PER_SEC)
            .put("hotChannelShare", PerformanceMonitor.HOT_CHANNEL_SHARE)
            .put("cacheHitRate", PerformanceMonitor.LOW_HIT_RATE)
            .put("heapFraction", PerformanceMonitor.HIGH_HEAP_FRACTION)
            .put("pendingUpdates", PerformanceMonitor.MANY_PENDING))));
  }

  private void state(RoutingContext rc) {
    String channel = rc.pathParam("channel");
    int err = gateway.rules().check(channel);
    if (err != 0) {
      error(rc, 400, err, ErrorCodes.message(err) + ": " + channel);
      return;
    }
    rc.vertx().eventBus().<JsonArray>request(Addresses.COORDINATOR_STATE, channel, ASK)
        .onSuccess(m -> json(rc, new JsonObject().put("result", new JsonObject().put("channel", channel).put("states", m.body()))))
        .onFailure(e -> error(rc, 503, ErrorCodes.NOT_AVAILABLE, "coordinator not available: " + e.getMessage()));
  }

  private void mode(RoutingContext rc) {
    JsonObject req = body(rc);
    if (req == null) {
      return;
    }
    Object mode = req.getValue("mode");
    if (!(mode instanceof String m) || dev.tributary.coordinator.Mode.parse(m) == null) {
      error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request: mode must be MANUAL, HYBRID or FULLY_AUTO");
      return;
    }
    rc.vertx().eventBus().<String>request(Addresses.COORDINATOR_MODE, m, ASK)
        .onSuccess(r -> json(rc, new JsonObject().put("result", new JsonObject().put("mode", r.body()))))
        .onFailure(e -> error(rc, 503, ErrorCodes.NOT_AVAILABLE, "coordinator not available: " + e.getMessage()));
  }

  private void cleanup(RoutingContext rc) {
    rc.vertx().eventBus().<JsonObject>request(Addresses.MEMORY_CLEANUP, null, ASK)
        .onSuccess(r -> json(rc, new JsonObject().put("result", r.body())))
        .onFailure(e -> error(rc, 503, ErrorCodes.NOT_AVAILABLE, "memory manager not available: " + e.getMessage()));
  }

  private static void json(RoutingContext rc, JsonObject body) {
    rc.response().putHeader("Content-Type", "application/json").end(body.encode());
  }

  private void health(RoutingContext rc) {
    String redis = ops.redisState();
    JsonObject body = new JsonObject()
        .put("status", ops.redisUp() ? "ok" : "degraded")
        .put("redis", redis)
        .put("connections", gateway.connectionCount())
        .put("channels", gateway.hub().channelCount())
        .put("uptimeSeconds", ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
    rc.response().putHeader("Content-Type", "application/json").end(body.encode());
  }

  static void error(RoutingContext rc, int status, int code, String message) {
    if (rc.response().ended()) {
      return;
    }
    JsonObject err = new JsonObject().put("error", new JsonObject().put("code", code).put("message", message));
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(err.encode());
  }
}
