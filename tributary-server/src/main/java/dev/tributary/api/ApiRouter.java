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
import java.security.MessageDigest;

/**
 * The HTTP server API (Centrifugo-compatible where it overlaps): {@code POST /api/publish},
 * {@code POST /api/broadcast}, {@code GET /health}; coordination status, insights, module state,
 * and the admin calls (mode switch, forced cleanup), which ask the coordination verticles over the
 * event bus. Handlers run on the event loop of the
 * gateway instance that accepted the HTTP connection and never block.
 */
public final class ApiRouter {
  /** Most channels one broadcast may name. */
  public static final int MAX_BROADCAST_CHANNELS = 10_000;

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ApiRouter.class);

  private final Gateway gateway;

  private final io.micrometer.core.instrument.Counter broadcastSkipped;

  private ApiRouter(Gateway gateway) {
    this.gateway = gateway;
    this.broadcastSkipped = io.micrometer.core.instrument.Counter.builder(MetricNames.BROADCAST_SKIPPED)
        .description("broadcast channels not published to: no subscriber anywhere, no history")
        .register(gateway.registry());
  }

  public static Router create(Vertx vertx, Gateway gateway, Ops ops) {
    ApiRouter api = new ApiRouter(gateway);
    api.ops = ops;
    Router router = Router.router(vertx);
    router.route().handler(api::timeAndCompress);
    router.get("/health").handler(api::health);
    if (gateway.registry() instanceof PrometheusMeterRegistry prometheus) {
      var scrape = PrometheusScrapingHandler.create(prometheus);
      router.get("/metrics").handler(rc -> {
        String token = gateway.options().getOperations().getMetricsToken();
        String auth = rc.request().getHeader("Authorization");
        if (token != null && (auth == null || !MessageDigest.isEqual(("Bearer " + token).getBytes(StandardCharsets.UTF_8),
            auth.getBytes(StandardCharsets.UTF_8)))) {
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
    router.post("/api/publish").handler(api::publish);
    router.post("/api/broadcast").handler(api::broadcast);
    router.post("/api/history").handler(api::history);
    router.post("/api/presence").handler(rc -> api.presence(rc, false));
    router.post("/api/presence_stats").handler(rc -> api.presence(rc, true));
    router.get("/api/status").handler(api::status);
    router.get("/api/insights").handler(api::insights);
    router.get("/api/state/:channel").handler(api::state);
    router.post("/api/admin/mode").handler(api::mode);
    router.post("/api/admin/cleanup").handler(api::cleanup);
    OpsApi.mount(router, ops);
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
      routeTimers.computeIfAbsent(route, r -> Timer.builder(MetricNames.API_REQUESTS).tag("route", r)
          .publishPercentiles(0.5, 0.95, 0.99).register(gateway.registry()))
          .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    });
    rc.next();
  }

  private void authorize(RoutingContext rc) {
    String configured = gateway.options().getApi().getKey();
    byte[] apiKey = configured == null ? null : configured.getBytes(StandardCharsets.UTF_8);
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
    here(gateway.hub().publishExternal(ch, Json.encode(req.getValue("data")), null)).onComplete(ar -> {
      if (ar.failed()) {
        refused(rc, List.of(ch), ar.cause());
        return;
      }
      long offset = ar.result().offset();
      rc.response().putHeader("Content-Type", "application/json")
          .end("{\"result\":{\"id\":\"" + ops.nextPublicationId() + "\"" + (offset > 0 ? ",\"offset\":" + offset : "")
              + (ar.result().localOnly() ? ",\"local_only\":true" : "") + "}}");
    });
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
    if (!req.containsKey("data")) {
      error(rc, 400, ErrorCodes.BAD_REQUEST, "bad request: data required");
      return;
    }
    String data = Json.encode(req.getValue("data"));
    // Names checked, then published, in slices on this request's context, skipping channels nobody
    // subscribes to (see Broadcast).
    Broadcast.run(Vertx.currentContext(), gateway.hub(), gateway.rules(), arr.getList(), data, broadcastSkipped)
        .onComplete(ar -> {
          if (ar.failed() && ar.cause() instanceof Broadcast.InvalidChannel bad) {
            error(rc, 400, bad.code, ErrorCodes.message(bad.code) + ": " + bad.channel);
          } else if (ar.failed()) {
            error(rc, 500, ErrorCodes.INTERNAL, "broadcast failed: " + ar.cause().getMessage());
          } else if (ar.result().refused().isEmpty()) {
            ok(rc);
          } else {
            refused(rc, ar.result().refused(), ar.result().cause());
          }
        });
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

  private void presence(RoutingContext rc, boolean stats) {
    JsonObject req = body(rc);
    if (req == null) {
      return;
    }
    Object channel = req.getValue("channel");
    int err = gateway.rules().check(channel);
    if (err != 0) {
      error(rc, 400, err, ErrorCodes.message(err) + ": " + channel);
      return;
    }
    if (!gateway.rules().presence((String) channel)) {
      error(rc, 400, ErrorCodes.NOT_AVAILABLE, "not available: no presence in this channel's namespace");
      return;
    }
    // Answered on this request's context (a Redis answer may complete on another one).
    dev.tributary.redis.RedisLink.onContext(Vertx.currentContext(),
        dev.tributary.presence.PresenceJson.result(gateway.presence(), (String) channel, stats)).onComplete(ar -> {
          if (ar.succeeded()) {
            json(rc, new JsonObject().put("result", ar.result()));
          } else {
            error(rc, 503, ErrorCodes.INTERNAL, "presence not available: " + ar.cause().getMessage());
          }
        });
  }

  private void history(RoutingContext rc) {
    JsonObject req = body(rc);
    if (req == null) {
      return;
    }
    Object channel = req.getValue("channel");
    int err = gateway.rules().check(channel);
    if (err != 0) {
      error(rc, 400, err, ErrorCodes.message(err) + ": " + channel);
      return;
    }
    int size = gateway.rules().historySize((String) channel);
    if (size == 0 || gateway.hub().history() == null) {
      error(rc, 400, ErrorCodes.NOT_AVAILABLE, "not available: no history in this channel's namespace");
      return;
    }
    dev.tributary.history.HistoryJson.Query query;
    try {
      query = dev.tributary.history.HistoryJson.query(req, size);
    } catch (dev.tributary.history.HistoryJson.BadRequest e) {
      error(rc, 400, ErrorCodes.BAD_REQUEST, e.getMessage());
      return;
    }
    long budget = historyReplyBudget();
    here(dev.tributary.history.HistoryJson.read(gateway.hub().history(), (String) channel, query, budget)).onComplete(ar -> {
      if (ar.succeeded()) {
        String result;
        try {
          result = dev.tributary.history.HistoryJson.encode((String) channel, ar.result(), budget);
        } catch (dev.tributary.history.HistoryJson.TooLarge e) {
          error(rc, 400, ErrorCodes.LIMIT_EXCEEDED, e.getMessage());
          return;
        }
        rc.response().putHeader("Content-Type", "application/json").end("{\"result\":" + result + "}");
      } else if (ar.cause() instanceof dev.tributary.history.HistoryJson.UnrecoverablePosition u) {
        error(rc, 400, ErrorCodes.UNRECOVERABLE_POSITION, u.getMessage());
      } else {
        error(rc, 503, ErrorCodes.INTERNAL, "history unavailable: " + ar.cause().getMessage());
      }
    });
  }

  /**
   * Bytes of publications one {@code POST /api/history} reply carries at most: twice
   * {@code http.maxBodyBytes}, so a publication the API accepted (its body within that bound)
   * always fits, and a reply is never built larger than that; callers page on with {@code since}.
   */
  private long historyReplyBudget() {
    return 2L * gateway.options().getHttp().getMaxBodyBytes();
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

  /** {@code f}, completing on the calling request's context (the response is written there). */
  private static <T> Future<T> here(Future<T> f) {
    return f.isComplete() ? f : dev.tributary.redis.RedisLink.onContext(Vertx.currentContext(), f);
  }

  /** 503: publications not accepted because their history could not be appended. */
  /**
   * A refused publication: 413 with code 106 when too large (retrying cannot help); otherwise 503
   * with {@code Retry-After: 1} and code 100 (the broker is unavailable or did not confirm it, or
   * this node is shutting down: retry, here or on another node).
   */
  private static void refused(RoutingContext rc, List<String> channels, Throwable cause) {
    String which = channels.size() == 1 ? channels.get(0) : channels.size() + " channel(s): " + String.join(", ",
        channels.subList(0, Math.min(10, channels.size()))) + (channels.size() > 10 ? ", …" : "");
    if (cause instanceof Hub.PublishRefused r && !r.reason().temporary) {
      error(rc, 413, ErrorCodes.LIMIT_EXCEEDED, "publication refused for " + which + ": " + r.getMessage());
      return;
    }
    String reason = cause instanceof Hub.PublishRefused r ? r.reason().tag : "internal";
    if (!rc.response().ended()) {
      rc.response().putHeader("Retry-After", "1");
    }
    error(rc, 503, ErrorCodes.INTERNAL, "publication refused (" + reason + ") for " + which
        + (cause == null ? "" : ": " + cause.getMessage()));
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
