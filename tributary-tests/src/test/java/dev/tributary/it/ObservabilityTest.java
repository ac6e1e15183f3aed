package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.coordinator.ModuleClient;
import dev.tributary.bus.Priority;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metrics, metrics API, switches, config reload, readiness, compression. */
class ObservabilityTest {
  Vertx client;
  WebClient web;

  @BeforeEach
  void setUp() {
    client = Vertx.vertx();
    web = WebClient.create(client, new WebClientOptions().setDecompressionSupported(false));
  }

  @AfterEach
  void tearDown() {
    web.close();
    client.close().await();
  }

  HttpResponse<Buffer> call(TestServer s, HttpMethod m, String path, String body, Map<String, String> headers) {
    HttpRequest<Buffer> req = web.request(m, s.port, "127.0.0.1", path);
    headers.forEach(req::putHeader);
    return (body == null ? req.send() : req.sendBuffer(Buffer.buffer(body))).await();
  }

  HttpResponse<Buffer> api(TestServer s, HttpMethod m, String path, String body) {
    return call(s, m, path, body, Map.of("X-API-Key", TestServer.API_KEY));
  }

  static void eventually(String what, BooleanSupplier cond) {
    dev.tributary.testing.Poll.until(what, 15, cond);
  }

  /** The value of one Prometheus sample line, e.g. {@code tributary_hub_publications_total}. */
  static double sample(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : 0.0;
  }

  @Test
  void prometheusCountersMoveByTheRightAmounts() {
    try (TestServer s = TestServer.start(o -> { })) {
      String before = call(s, HttpMethod.GET, "/metrics", null, Map.of()).bodyAsString();
      try (WsTestClient a = WsTestClient.open(client, s.port);
           WsTestClient b = WsTestClient.open(client, s.port);
           WsTestClient c = WsTestClient.open(client, s.port)) {
        a.connect();
        b.connect();
        c.connect();
        a.subscribe("m");
        b.subscribe("m");
        for (int i = 0; i < 5; i++) {
          assertThat(api(s, HttpMethod.POST, "/api/publish", "{\"channel\":\"m\",\"data\":" + i + "}").statusCode()).isEqualTo(200);
        }
        for (int i = 0; i < 5; i++) {
          a.next();
          b.next();
        }
      }
      eventually("connections closed", () -> s.server.gateway().connectionCount() == 0);
      String after = call(s, HttpMethod.GET, "/metrics", null, Map.of()).bodyAsString();
      assertThat(sample(after, "tributary_hub_publications_total") - sample(before, "tributary_hub_publications_total")).isEqualTo(5.0);
      assertThat(sample(after, "tributary_gateway_deliveries_messages_total") - sample(before, "tributary_gateway_deliveries_messages_total")).isEqualTo(10.0);
      assertThat(sample(after, "tributary_gateway_connections_opened_total") - sample(before, "tributary_gateway_connections_opened_total")).isEqualTo(3.0);
      assertThat(sample(after, "tributary_gateway_commands_total{method=\"subscribe\"}")).isEqualTo(2.0);
      assertThat(sample(after, "tributary_gateway_commands_total{method=\"connect\"}")).isEqualTo(3.0);
      assertThat(sample(after, "tributary_gateway_connections_closed_total{code=\"1000\"}")).isEqualTo(3.0);
      assertThat(after).contains("tributary_hub_publish_to_deliver_seconds_bucket{le=",
          "tributary_api_requests_seconds_count{route=\"/api/publish\"} 5", "jvm_memory_used_bytes", "vertx_http_server");
    }
  }

  @Test
  void metricsEndpointCanRequireAToken() {
    try (TestServer s = TestServer.start(o -> o.getOperations().setMetricsToken("scrape-me"))) {
      assertThat(call(s, HttpMethod.GET, "/metrics", null, Map.of()).statusCode()).isEqualTo(401);
      assertThat(call(s, HttpMethod.GET, "/metrics", null, Map.of("Authorization", "Bearer nope")).statusCode()).isEqualTo(401);
      assertThat(call(s, HttpMethod.GET, "/metrics", null, Map.of("Authorization", "Bearer scrape-me")).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void metricsApiJsonAndCsvAgree() {
    try (TestServer s = TestServer.start(o -> { })) {
      api(s, HttpMethod.POST, "/api/publish", "{\"channel\":\"x\",\"data\":1}");
      JsonObject json = api(s, HttpMethod.GET, "/api/metrics", null).bodyAsJsonObject();
      String csv = api(s, HttpMethod.GET, "/api/metrics?format=csv", null).bodyAsString();
      Map<String, String> fromCsv = new TreeMap<>();
      String[] lines = csv.split("\n");
      assertThat(lines[0]).isEqualTo("metric,value");
      for (int i = 1; i < lines.length; i++) {
        int comma = lines[i].indexOf(',');
        fromCsv.put(lines[i].substring(0, comma), lines[i].substring(comma + 1));
      }
      Map<String, Object> fromJson = new TreeMap<>();
      dev.tributary.ops.OpsApi.flatten("", json, fromJson);
      assertThat(fromCsv.keySet()).isEqualTo(fromJson.keySet());
      for (String stable : new String[] {"publish.count", "sessions.created", "ids.publicationIds.generated",
          "ids.publicationIds.strategy", "ids.clientIds.strategy", "pool.enabled", "updates.in"}) {
        assertThat(fromCsv.get(stable)).as(stable).isEqualTo(String.valueOf(fromJson.get(stable)));
      }
      assertThat(json.getJsonObject("publish").getLong("count")).isEqualTo(1);
      assertThat(json.getJsonObject("ids").getJsonObject("publicationIds").getLong("generated")).isEqualTo(1);
      JsonObject detailed = api(s, HttpMethod.GET, "/api/metrics/detailed", null).bodyAsJsonObject();
      JsonObject op = detailed.getJsonObject("operations").getJsonObject("tributary.api.requests{route=/api/publish}");
      assertThat(op.getLong("count")).isEqualTo(1);
      assertThat(op.fieldNames()).contains("totalMillis", "avg", "p95", "p99");
    }
  }

  @Test
  void debouncingSwitchChangesBehaviour() {
    try (TestServer s = TestServer.start(o -> o.getCoordinator().setNormalDelayMillis(60_000).setMaxWaitMillis(600_000));
         WsTestClient sub = WsTestClient.open(client, s.port)) {
      sub.connect();
      ModuleClient module = ModuleClient.create(s.server.vertx(), "sw");
      module.register("sw").await();
      sub.subscribe("sw");
      HttpResponse<Buffer> off = api(s, HttpMethod.POST, "/api/admin/optimizations", "{\"debouncing\":false,\"batching\":false}");
      assertThat(off.bodyAsJsonObject().getJsonObject("result").getBoolean("debouncing")).isFalse();
      for (int i = 0; i < 5; i++) {
        module.update(Priority.MEDIUM, new JsonObject().put("i", i));
      }
      // With a one-minute debounce, only an un-debounced pipeline delivers all five now.
      for (int i = 0; i < 5; i++) {
        assertThat(sub.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data")
            .getJsonObject("state").getInteger("i")).isEqualTo(i);
      }
      assertThat(api(s, HttpMethod.GET, "/api/admin/optimizations", null).bodyAsJsonObject()
          .getJsonObject("result").getBoolean("batching")).isFalse();
      assertThat(api(s, HttpMethod.POST, "/api/admin/optimizations", "{\"turbo\":true}").statusCode()).isEqualTo(400);
      assertThat(call(s, HttpMethod.POST, "/api/admin/optimizations", "{\"debouncing\":true}", Map.of()).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void compressionSwitchGzipsLargeResponsesOnlyWhenOn() {
    try (TestServer s = TestServer.start(o -> o.getOperations().setHttpGzipMinBytes(256))) {
      Map<String, String> h = new HashMap<>(Map.of("X-API-Key", TestServer.API_KEY, "Accept-Encoding", "gzip"));
      HttpResponse<Buffer> on = call(s, HttpMethod.GET, "/api/metrics/detailed", null, h);
      assertThat(on.getHeader("Content-Encoding")).isEqualTo("gzip");
      api(s, HttpMethod.POST, "/api/admin/optimizations", "{\"compression\":false}");
      HttpResponse<Buffer> off = call(s, HttpMethod.GET, "/api/metrics/detailed", null, h);
      assertThat(off.getHeader("Content-Encoding")).isNotEqualTo("gzip");
      assertThat(off.bodyAsJsonObject().containsKey("operations")).isTrue();
    }
  }

  @Test
  void readyTurns503UnderPressureAndBack() {
    try (TestServer s = TestServer.start(o -> { })) {
      HttpResponse<Buffer> ok = call(s, HttpMethod.GET, "/ready", null, Map.of());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.bodyAsJsonObject().getJsonObject("eventLoops").getInteger("responsive")).isEqualTo(2);
      s.server.vertx().eventBus().request(dev.tributary.bus.Addresses.MEMORY_CONFIGURE,
          new JsonObject().put("highWatermark", 0.0002).put("lowWatermark", 0.0001)).await();
      eventually("pressure", () -> s.server.gateway().isUnderPressure());
      HttpResponse<Buffer> busy = call(s, HttpMethod.GET, "/ready", null, Map.of());
      assertThat(busy.statusCode()).isEqualTo(503);
      assertThat(busy.bodyAsJsonObject().getJsonArray("reasons").getString(0)).contains("memory pressure");
      s.server.vertx().eventBus().request(dev.tributary.bus.Addresses.MEMORY_CONFIGURE,
          new JsonObject().put("highWatermark", 0.99).put("lowWatermark", 0.98)).await();
      eventually("pressure gone", () -> !s.server.gateway().isUnderPressure());
      assertThat(call(s, HttpMethod.GET, "/ready", null, Map.of()).statusCode()).isEqualTo(200);
      assertThat(call(s, HttpMethod.GET, "/health", null, Map.of()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void configEditTakesEffectAndABadEditIsRejected(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("live.json");
    String base = "{\"http\":{\"port\":0,\"host\":\"127.0.0.1\"},\"api\":{\"key\":\"k1\"},"
        + "\"config\":{\"watch\":true,\"scanPeriodMillis\":100},\"channels\":{\"namespaces\":{\"chat\":{}}}%s}";
    Files.writeString(conf, String.format(base, ""));
    try (TestServer s = TestServer.startFromFile(conf);
         WsTestClient c = WsTestClient.open(client, s.port)) {
      c.connect();
      JsonObject pub = new JsonObject().put("channel", "chat:1").put("data", 1);
      assertThat(c.reply(c.command("publish", pub)).getJsonObject("error").getInteger("code")).isEqualTo(103);
      // Live: namespace permission and API key. Restart-only: the ping interval.
      writeAtomically(conf, base.replace("\"k1\"", "\"k2\"").replace("\"chat\":{}", "\"chat\":{\"allowClientPublish\":true}")
          .replace("\"channels\":{", "\"channels\":{\"positionCheckSeconds\":5,")
          .formatted(",\"gateway\":{\"pingIntervalSeconds\":30}"));
      eventually("reload applied", () -> s.server.ops().lastReload().startsWith("applied"));
      assertThat(s.server.ops().lastReload()).contains("channels.namespaces.chat.allowClientPublish", "api.key")
          .contains("needs a restart: [channels.positionCheckSeconds, gateway.pingIntervalSeconds]");
      assertThat(s.server.gateway().options().getChannels().getPositionCheckSeconds()).as("read at start: kept").isEqualTo(20);
      assertThat(c.reply(c.command("publish", pub)).containsKey("publish")).isTrue();
      assertThat(call(s, HttpMethod.GET, "/api/metrics", null, Map.of("X-API-Key", "k2")).statusCode()).isEqualTo(200);
      assertThat(s.server.gateway().options().getGateway().getPingIntervalSeconds()).isEqualTo(25);
      // A bad edit: rejected, and the running config stays.
      writeAtomically(conf, base.replace("\"k1\"", "\"k3\"").formatted(",\"gateway\":{\"maxConnections\":\"many\"}"));
      eventually("bad edit rejected", () -> s.server.ops().lastReload().startsWith("rejected"));
      assertThat(s.server.ops().lastReload()).contains("gateway.maxConnections");
      assertThat(s.server.gateway().options().getApi().getKey()).isEqualTo("k2");
      assertThat(c.reply(c.command("publish", pub)).containsKey("publish")).isTrue();
    }
  }

  /**
   * Replaces the file in one step (write beside it, then an atomic rename): the watcher, scanning
   * every 100 ms, never reads half an edit (a plain write made it see "Unexpected token" now and then).
   */
  static void writeAtomically(Path file, String text) throws java.io.IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
