package dev.tributary.ops;

import dev.tributary.bus.Addresses;
import dev.tributary.gateway.GatewayVerticle;
import dev.tributary.metrics.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Operator endpoints: the metrics summary ({@code GET /api/metrics}, JSON or CSV), per-operation
 * breakdowns ({@code GET /api/metrics/detailed}), run-time switches
 * ({@code GET/POST /api/admin/optimizations}), the live dashboard ({@code GET /dashboard} and its
 * data), and readiness ({@code GET /ready}). Handlers run on the accepting event loop and never
 * block.
 */
public final class OpsApi {
  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(3000);

  private final Ops ops;
  private final MeterRegistry registry;
  private final byte[] dashboardHtml;

  private OpsApi(Ops ops) {
    this.ops = ops;
    this.registry = ops.gateway().registry();
    this.dashboardHtml = resource("webroot/dashboard.html");
  }

  private static byte[] resource(String name) {
    try (InputStream in = OpsApi.class.getClassLoader().getResourceAsStream(name)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      return null;
    }
  }

  /** Adds the routes; {@code /api/*} routes are behind the API key handler mounted before. */
  public static void mount(Router router, Ops ops) {
    OpsApi api = new OpsApi(ops);
    router.get("/api/metrics").handler(api::metrics);
    router.get("/api/metrics/detailed").handler(api::detailed);
    router.get("/api/admin/optimizations").handler(rc -> json(rc, new JsonObject().put("result", ops.toggles().toJson())));
    router.post("/api/admin/optimizations").handler(api::setOptimizations);
    router.get("/dashboard").handler(api::dashboard);
    router.get("/dashboard/data").handler(api::dashboardData);
    router.get("/ready").handler(api::ready);
  }

  // ---- metrics summary -----------------------------------------------------------------------

  Future<JsonObject> summary(Vertx vertx) {
    Future<JsonObject> batch = vertx.eventBus().<JsonObject>request(Addresses.BATCH_CONFIGURE, new JsonObject(), ASK)
        .map(Message::body).otherwise(new JsonObject());
    Future<JsonObject> coord = vertx.eventBus().<JsonObject>request(Addresses.COORDINATOR_STATUS, null, ASK)
        .map(Message::body).otherwise(new JsonObject());
    return Future.join(batch, coord).transform(ar -> {
      MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
      long max = heap.getMax() > 0 ? heap.getMax() : heap.getCommitted();
      Timer connect = ops.gateway().connectTimer();
      Timer publish = ops.gateway().publishToDeliverTimer();
      Timer coordination = registry.find(MetricNames.COORDINATOR_LATENCY).timer();
      long opened = (long) count(MetricNames.CONNECTIONS_OPENED);
      long frames = ops.gateway().framesOut();
      long delivered = ops.gateway().deliveryCount();
      JsonObject b = batch.result();
      JsonObject c = coord.result();
      JsonObject s = new JsonObject()
          .put("sessions", new JsonObject()
              .put("count", ops.gateway().connectionCount())
              .put("active", ops.gateway().connectionCount())
              .put("created", opened)
              .put("closed", Math.max(0, opened - ops.gateway().connectionCount()))
              .put("creationMillis", timer(connect)))
          .put("updates", new JsonObject()
              .put("in", c.getLong("updatesIn", 0L))
              .put("coalesced", c.getLong("updatesCoalesced", 0L))
              .put("emitted", c.getLong("updatesEmitted", 0L))
              .put("coordinationMillis", timer(coordination)))
          .put("publish", new JsonObject()
              .put("count", ops.gateway().hub().publicationCount())
              .put("publishToDeliverMillis", timer(publish)))
          .put("throughput", new JsonObject()
              .put("publicationsPerSec", ops.publications().lastSecond())
              .put("publicationsPerSec10s", ops.publications().tenSeconds())
              .put("deliveriesPerSec", ops.deliveries().lastSecond())
              .put("deliveriesPerSec10s", ops.deliveries().tenSeconds()))
          .put("memory", new JsonObject()
              .put("heapUsedBytes", heap.getUsed())
              .put("heapMaxBytes", max)
              .put("percent", max == 0 ? 0 : 100.0 * heap.getUsed() / max)
              .put("underPressure", ops.gateway().isUnderPressure()))
          .put("pool", new JsonObject()
              .put("enabled", false)
              .put("utilization", 0)
              .put("why", "session objects are plainly allocated: the JMH pool comparison showed no win (docs/JMH-RESULTS.md)"))
          .put("ids", new JsonObject()
              .put("clientIds", new JsonObject().put("strategy", "secure").put("generated", ops.gateway().clientIdsIssued()))
              .put("publicationIds", new JsonObject().put("strategy", ops.publicationIdStrategy())
                  .put("generated", ops.publicationIdsIssued())))
          .put("batch", new JsonObject()
              .put("coordinatorMeanSize", b.getDouble("meanBatchSize", 0.0))
              .put("coordinatorMaxSize", b.getDouble("maxBatchSize", 0.0))
              .put("coordinatorWindowMillis", b.getLong("windowMillis", 0L))
              .put("coordinatorWaitMillis", timer(coordination))
              .put("outboundMessagesPerFrame", frames == 0 ? 0.0 : (double) delivered / frames))
          .put("uptimeMillis", ops.uptimeMillis());
      return Future.succeededFuture(s);
    });
  }

  private void metrics(RoutingContext rc) {
    String format = rc.request().getParam("format");
    summary(rc.vertx()).onSuccess(s -> {
      if ("csv".equalsIgnoreCase(format)) {
        StringBuilder sb = new StringBuilder("metric,value\n");
        Map<String, Object> flat = new TreeMap<>();
        flatten("", s, flat);
        flat.forEach((k, v) -> sb.append(k).append(',').append(csv(v)).append('\n'));
        rc.response().putHeader("Content-Type", "text/csv; charset=utf-8").end(sb.toString());
      } else {
        json(rc, s);
      }
    });
  }

  /** Dotted keys of every leaf: {@code sessions.creationMillis.p99}. */
  public static void flatten(String prefix, JsonObject o, Map<String, Object> out) {
    for (Map.Entry<String, Object> e : o) {
      String k = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue() instanceof JsonObject j) {
        flatten(k, j, out);
      } else {
        out.put(k, e.getValue());
      }
    }
  }

  private static String csv(Object v) {
    String s = String.valueOf(v);
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  private double count(String name) {
    Counter c = registry.find(name).counter();
    return c == null ? 0 : c.count();
  }

  static JsonObject timer(Timer t) {
    JsonObject j = new JsonObject();
    if (t == null) {
      return j.put("count", 0L);
    }
    j.put("count", t.count())
        .put("totalMillis", t.totalTime(TimeUnit.MILLISECONDS))
        .put("avg", t.mean(TimeUnit.MILLISECONDS))
        .put("max", t.max(TimeUnit.MILLISECONDS));
    for (ValueAtPercentile v : t.takeSnapshot().percentileValues()) {
      j.put("p" + Math.round(v.percentile() * 100), v.value(TimeUnit.MILLISECONDS));
    }
    return j;
  }

  private void detailed(RoutingContext rc) {
    JsonObject ops = new JsonObject();
    for (Meter m : registry.getMeters()) {
      String name = m.getId().getName();
      if (!name.startsWith("tributary.")) {
        continue;
      }
      String key = name + m.getId().getTags().stream().map(t -> "{" + t.getKey() + "=" + t.getValue() + "}")
          .reduce("", String::concat);
      if (m instanceof Timer t) {
        ops.put(key, timer(t));
      } else if (m instanceof DistributionSummary d) {
        JsonObject j = new JsonObject().put("count", d.count()).put("total", d.totalAmount())
            .put("avg", d.mean()).put("max", d.max());
        for (ValueAtPercentile v : d.takeSnapshot().percentileValues()) {
          j.put("p" + Math.round(v.percentile() * 100), v.value());
        }
        ops.put(key, j);
      }
    }
    json(rc, new JsonObject().put("operations", ops).put("unit", "milliseconds for timers"));
  }

  // ---- switches ------------------------------------------------------------------------------

  private void setOptimizations(RoutingContext rc) {
    JsonObject req;
    try {
      req = dev.tributary.support.BodyReader.body(rc).toJsonObject();
    } catch (RuntimeException e) {
      req = null;
    }
    if (req == null || req.isEmpty()) {
      error(rc, 400, "bad request: body must be a JSON object like {\"batching\":false}");
      return;
    }
    for (String k : req.fieldNames()) {
      if (!(req.getValue(k) instanceof Boolean)) {
        error(rc, 400, "bad request: " + k + " must be true or false");
        return;
      }
      if (!ops.toggles().toJson().containsKey(k)) {
        error(rc, 400, "bad request: unknown optimization " + k + " (known: " + String.join(", ", ops.toggles().toJson().fieldNames()) + ")");
        return;
      }
    }
    for (String k : req.fieldNames()) {
      ops.toggles().set(k, req.getBoolean(k));
    }
    json(rc, new JsonObject().put("result", ops.toggles().toJson()));
  }

  // ---- dashboard -------------------------------------------------------------------------------

  private boolean dashboardAllowed(RoutingContext rc) {
    String token = ops.gateway().options().getOperations().getDashboardToken();
    if (token == null) {
      return true;
    }
    return dev.tributary.support.Secrets.matches(token, rc.request().getParam("token"));
  }

  private void dashboard(RoutingContext rc) {
    if (dashboardHtml == null) {
      rc.response().setStatusCode(404).end("dashboard page not packaged");
      return;
    }
    rc.response().putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end(io.vertx.core.buffer.Buffer.buffer(dashboardHtml));
  }

  private void dashboardData(RoutingContext rc) {
    if (!dashboardAllowed(rc)) {
      error(rc, 401, "unauthorized: dashboard.token required as ?token=");
      return;
    }
    rc.vertx().eventBus().<JsonObject>request(Addresses.COORDINATOR_STATUS, null, ASK).map(Message::body)
        .otherwise(new JsonObject())
        .onSuccess(c -> {
          MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
          Timer p = ops.gateway().publishToDeliverTimer();
          JsonObject pd = new JsonObject();
          for (ValueAtPercentile v : p.takeSnapshot().percentileValues()) {
            pd.put("p" + Math.round(v.percentile() * 100), v.value(TimeUnit.MILLISECONDS));
          }
          json(rc, new JsonObject()
              .put("ts", System.currentTimeMillis())
              .put("connections", ops.gateway().connectionCount())
              .put("publicationsTotal", ops.gateway().hub().publicationCount())
              .put("deliveriesTotal", ops.gateway().deliveryCount())
              .put("framesOutTotal", ops.gateway().framesOut())
              .put("bytesOutTotal", ops.gateway().bytesOut())
              .put("publishToDeliverMillis", pd)
              .put("mode", c.getString("mode", "unknown"))
              .put("coordinator", new JsonObject()
                  .put("pendingUpdates", c.getInteger("pendingUpdates", 0))
                  .put("updatesIn", c.getLong("updatesIn", 0L))
                  .put("updatesEmitted", c.getLong("updatesEmitted", 0L)))
              .put("cache", new JsonObject().put("l1HitRate", ops.cache().l1HitRate()).put("l1Size", ops.cache().l1Size()))
              .put("memory", new JsonObject()
                  .put("heapUsedBytes", heap.getUsed())
                  .put("heapMaxBytes", heap.getMax() > 0 ? heap.getMax() : heap.getCommitted())
                  .put("underPressure", ops.gateway().isUnderPressure()))
              .put("slowConsumerCloses", (long) count(MetricNames.SLOW_CLOSES))
              .put("rateLimited", (long) count(MetricNames.RATE_LIMITED)));
        });
  }

  // ---- readiness ---------------------------------------------------------------------------------

  private void ready(RoutingContext rc) {
    List<Future<Void>> loops = new ArrayList<>();
    for (GatewayVerticle g : ops.gateway().instances()) {
      Promise<Void> p = Promise.promise();
      g.context().runOnContext(v -> p.tryComplete());
      loops.add(p.future().timeout(1, TimeUnit.SECONDS));
    }
    Future.join(loops).onComplete(ar -> {
      JsonArray reasons = new JsonArray();
      int stuck = 0;
      for (Future<Void> f : loops) {
        if (f.failed()) {
          stuck++;
        }
      }
      if (stuck > 0) {
        reasons.add(stuck + " event loop(s) did not answer within 1 s");
      }
      if (ops.gateway().isUnderPressure()) {
        reasons.add("memory pressure: new connections are refused");
      }
      if (!ops.redisUp() && ops.gateway().options().getRedis().isRequiredForReadiness()) {
        reasons.add("redis: " + ops.redisState());
      }
      if (ops.gateway().isShuttingDown()) {
        reasons.add("shutting down");
      }
      JsonObject body = new JsonObject()
          .put("status", reasons.isEmpty() ? "ready" : "not ready")
          .put("eventLoops", new JsonObject().put("total", loops.size()).put("responsive", loops.size() - stuck))
          .put("config", new JsonObject().put("loaded", true).put("lastReload", ops.lastReload()))
          .put("redis", ops.redisState())
          .put("memoryPressure", ops.gateway().isUnderPressure());
      if (!reasons.isEmpty()) {
        body.put("reasons", reasons);
      }
      rc.response().setStatusCode(reasons.isEmpty() ? 200 : 503).putHeader("Content-Type", "application/json")
          .end(body.encode());
    });
  }

  private static void json(RoutingContext rc, JsonObject body) {
    rc.response().putHeader("Content-Type", "application/json").end(body.encode());
  }

  private static void error(RoutingContext rc, int status, String message) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", new JsonObject().put("code", status == 401 ? 101 : 107).put("message", message)).encode());
  }
}
