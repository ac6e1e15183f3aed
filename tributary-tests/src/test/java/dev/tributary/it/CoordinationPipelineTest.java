package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.bus.Addresses;
import dev.tributary.coordinator.ModuleClient;
import dev.tributary.bus.Priority;
import dev.tributary.testing.RawWsClient;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The coordination pipeline end to end: modules on the event bus, coordinator, batch processor,
 * hub, real WebSocket subscribers; memory manager; admin and status API.
 */
class CoordinationPipelineTest {
  Vertx client;

  @BeforeEach
  void setUp() {
    client = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    client.close().await();
  }

  static JsonObject data(JsonObject pushLine) {
    return pushLine.getJsonObject("push").getJsonObject("pub").getJsonObject("data");
  }

  static JsonObject ask(TestServer s, String address, Object body) {
    try {
      return s.server.vertx().eventBus().<JsonObject>request(address, body).await(10, TimeUnit.SECONDS).body();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Waits (bounded) for a condition the server reaches by itself. */
  static void eventually(String what, BooleanSupplier cond) {
    dev.tributary.testing.Poll.until(what, 15, cond);
  }

  HttpResponse<Buffer> http(TestServer s, String method, String path, String key, String body) {
    WebClient web = WebClient.create(client);
    try {
      var req = web.request(io.vertx.core.http.HttpMethod.valueOf(method), s.port, "127.0.0.1", path);
      if (key != null) {
        req.putHeader("X-API-Key", key);
      }
      return (body == null ? req.send() : req.sendBuffer(Buffer.buffer(body))).await();
    } finally {
      web.close();
    }
  }

  @Test
  void rapidUpdatesReachSubscribersAsAFewCoalescedPublicationsWithTheLatestState() {
    try (TestServer s = TestServer.start(o -> { });
         WsTestClient sub = WsTestClient.open(client, s.port)) {
      sub.connect();
      ModuleClient module = ModuleClient.create(s.server.vertx(), "counter");
      module.register("counter").await();
      sub.subscribe("counter");
      for (int i = 0; i < 1000; i++) {
        module.update(Priority.MEDIUM, new JsonObject().put("n", i));
      }
      int publications = 0;
      int last = -1;
      while (last != 999) {
        JsonObject d = data(sub.next());
        assertThat(d.getString("module")).isEqualTo("counter");
        assertThat(d.getInteger("seq")).isEqualTo(publications + 1);
        last = d.getJsonObject("state").getInteger("n");
        publications++;
      }
      // 1,000 updates in a burst: debounced (300 ms, max wait 1 s) into a handful.
      assertThat(publications).isBetween(1, 10);
      JsonObject st = ask(s, Addresses.COORDINATOR_STATUS, null);
      assertThat(st.getLong("updatesIn")).isEqualTo(1000);
      assertThat(st.getLong("updatesCoalesced")).isGreaterThanOrEqualTo(990);
    }
  }

  @Test
  void criticalUpdateOvertakesQueuedNormalOnes() {
    try (TestServer s = TestServer.start(o -> o.getCoordinator().setNormalDelayMillis(3000).setCriticalDelayMillis(20));
         WsTestClient sub = WsTestClient.open(client, s.port)) {
      sub.connect();
      ModuleClient slow = ModuleClient.create(s.server.vertx(), "slow");
      ModuleClient urgent = ModuleClient.create(s.server.vertx(), "urgent");
      slow.register("alerts").await();
      urgent.register("alerts").await();
      sub.subscribe("alerts");
      slow.update(Priority.LOW, new JsonObject().put("what", "low"));
      slow.update("other", Priority.HIGH, new JsonObject().put("what", "high"));
      urgent.update(Priority.CRITICAL, new JsonObject().put("what", "fire"));
      assertThat(data(sub.next()).getJsonObject("state").getString("what")).isEqualTo("fire");
      // The normal ones follow after their (long) debounce.
      Map<String, Integer> rest = new HashMap<>();
      for (int i = 0; i < 2; i++) {
        rest.merge(data(sub.next()).getJsonObject("state").getString("what"), 1, Integer::sum);
      }
      assertThat(rest).containsOnlyKeys("low", "high");
    }
  }

  @Test
  void modeSwitchUnderLoadLosesNothing() {
    try (TestServer s = TestServer.start(o -> o.getCoordinator().setNormalDelayMillis(100));
         WsTestClient sub = WsTestClient.open(client, s.port)) {
      sub.connect();
      ModuleClient module = ModuleClient.create(s.server.vertx(), "many");
      module.register("many").await();
      sub.subscribe("many");
      int keys = 40;
      String[] modes = {"MANUAL", "FULLY_AUTO", "HYBRID"};
      for (int round = 0; round < 30; round++) {
        for (int k = 0; k < keys; k++) {
          module.update("k" + k, Priority.MEDIUM, new JsonObject().put("round", round));
        }
        if (round % 10 == 5) {
          HttpResponse<Buffer> r = http(s, "POST", "/api/admin/mode", TestServer.API_KEY,
              new JsonObject().put("mode", modes[(round / 10) % 3]).encode());
          assertThat(r.statusCode()).isEqualTo(200);
        }
      }
      // Every key's final state (round 29) must arrive; earlier ones may be coalesced away.
      Map<String, Integer> latest = new HashMap<>();
      while (latest.size() < keys || latest.values().stream().anyMatch(r -> r != 29)) {
        JsonObject d = data(sub.next());
        int round = d.getJsonObject("state").getInteger("round");
        Integer before = latest.put(d.getString("key"), round);
        assertThat(before == null || before <= round).as("per-key order").isTrue();
      }
      JsonObject st = ask(s, Addresses.COORDINATOR_STATUS, null);
      assertThat(st.getInteger("pendingUpdates")).isZero();
      assertThat(st.getLong("updatesDropped")).isZero();
    }
  }

  @Test
  void newSubscriberGetsCurrentStateFirstAndStateApiReturnsIt() {
    try (TestServer s = TestServer.start(o -> o.getCoordinator().setMode("MANUAL").setNormalDelayMillis(10));
         WsTestClient early = WsTestClient.open(client, s.port)) {
      early.connect();
      ModuleClient module = ModuleClient.create(s.server.vertx(), "presence");
      module.register("room").await();
      early.subscribe("room");
      module.update(Priority.HIGH, new JsonObject().put("online", 7));
      assertThat(data(early.next()).getJsonObject("state").getInteger("online")).isEqualTo(7);
      try (WsTestClient late = WsTestClient.open(client, s.port)) {
        late.connect();
        late.subscribe("room");
        assertThat(data(late.next()).getJsonObject("state").getInteger("online")).isEqualTo(7);
      }
      HttpResponse<Buffer> r = http(s, "GET", "/api/state/room", TestServer.API_KEY, null);
      assertThat(r.statusCode()).isEqualTo(200);
      JsonArray states = r.bodyAsJsonObject().getJsonObject("result").getJsonArray("states");
      assertThat(states).hasSize(1);
      assertThat(states.getJsonObject(0).getJsonObject("state").getInteger("online")).isEqualTo(7);
      assertThat(http(s, "GET", "/api/state/room", null, null).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void inactiveModuleIsCleanedUp() {
    try (TestServer s = TestServer.start(o -> o.getMemory().setInactiveThresholdMillis(300).setSweepIntervalMillis(100))) {
      ModuleClient module = ModuleClient.create(s.server.vertx(), "ghost");
      module.register("ghost").await();
      assertThat(ask(s, Addresses.COORDINATOR_STATUS, null).getJsonArray("activeModules")).hasSize(1);
      eventually("ghost unregistered", () -> ask(s, Addresses.COORDINATOR_STATUS, null).getJsonArray("activeModules").isEmpty());
      // An update from the swept module is refused and counted, never published.
      module.update(Priority.MEDIUM, new JsonObject().put("boo", true));
      eventually("update rejected", () -> ask(s, Addresses.COORDINATOR_STATUS, null).getLong("updatesRejected") == 1);
    }
  }

  @Test
  void heapPressureRefusesConnectionsWith1013AndRecovers() throws Exception {
    // A high watermark below any real heap use: pressure from the first check.
    try (TestServer s = TestServer.start(o -> o.getMemory().setHighWatermark(0.0002).setLowWatermark(0.0001))) {
      eventually("pressure on", () -> s.server.gateway().isUnderPressure());
      try (RawWsClient refused = new RawWsClient(s.port, 0)) {
        assertThat(refused.readUntilClose()).isEqualTo(1013);
      }
      HttpResponse<Buffer> insights = http(s, "GET", "/api/insights", TestServer.API_KEY, null);
      assertThat(insights.bodyAsJsonObject().getJsonArray("insights").getJsonObject(0).getString("id")).isEqualTo("memory-pressure");
      // Raise the watermarks at run time: use is now below the low one, pressure ends.
      JsonObject st = ask(s, Addresses.MEMORY_CONFIGURE, new JsonObject().put("highWatermark", 0.99).put("lowWatermark", 0.98));
      assertThat(st.getBoolean("underPressure")).isFalse();
      eventually("pressure off", () -> !s.server.gateway().isUnderPressure());
      try (WsTestClient ok = WsTestClient.open(client, s.port)) {
        assertThat(ok.connect().containsKey("connect")).isTrue();
      }
    }
  }

  @Test
  void adminAndStatusApi() {
    try (TestServer s = TestServer.start(o -> { })) {
      assertThat(http(s, "POST", "/api/admin/mode", null, "{\"mode\":\"MANUAL\"}").statusCode()).isEqualTo(401);
      assertThat(http(s, "POST", "/api/admin/mode", TestServer.API_KEY, "{\"mode\":\"TURBO\"}").statusCode()).isEqualTo(400);
      HttpResponse<Buffer> m = http(s, "POST", "/api/admin/mode", TestServer.API_KEY, "{\"mode\":\"fully_auto\"}");
      assertThat(m.bodyAsJsonObject().getJsonObject("result").getString("mode")).isEqualTo("FULLY_AUTO");
      JsonObject status = http(s, "GET", "/api/status", TestServer.API_KEY, null).bodyAsJsonObject();
      assertThat(status.getJsonObject("coordinator").getString("mode")).isEqualTo("FULLY_AUTO");
      assertThat(status.getJsonObject("coordinator").getBoolean("cacheEnabled")).isFalse();
      assertThat(status.getJsonObject("batch").getLong("windowMillis")).isEqualTo(50L);
      assertThat(status.getJsonObject("memory").getLong("heapMaxBytes")).isPositive();
      assertThat(status.getJsonObject("gateway").getInteger("connections")).isZero();
      HttpResponse<Buffer> cleanup = http(s, "POST", "/api/admin/cleanup", TestServer.API_KEY, null);
      assertThat(cleanup.statusCode()).isEqualTo(200);
      assertThat(cleanup.bodyAsJsonObject().getJsonObject("result").getJsonObject("sweep").getInteger("modulesActive")).isZero();
    }
  }

  @Test
  void exampleModuleIsDeployableFromConfig() {
    try (TestServer s = TestServer.start(o -> o.getModules().add(new dev.tributary.config.ModuleOptions(
        "dev.tributary.modules.TickerModule", 1, new JsonObject().put("channel", "ticker").put("intervalMillis", 20))));
         WsTestClient sub = WsTestClient.open(client, s.port)) {
      sub.connect();
      sub.subscribe("ticker");
      JsonObject d = data(sub.next());
      assertThat(d.getString("module")).isEqualTo("ticker");
      assertThat(d.getJsonObject("state").getLong("tick")).isPositive();
    }
  }
}
