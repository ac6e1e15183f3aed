package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.bus.Priority;
import dev.tributary.config.NamespaceOptions;
import dev.tributary.coordinator.ModuleClient;
import dev.tributary.metrics.PerformanceMonitor;
import dev.tributary.testing.Poll;
import dev.tributary.testing.RawWsClient;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/insights} tells what the server is going through: each insight is provoked here
 * with real clients over real sockets and must appear; an idle or healthy server shows none.
 */
class InsightsTest {
  Vertx vertx;
  WebClient web;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    web = WebClient.create(vertx);
  }

  @AfterEach
  void tearDown() {
    web.close();
    vertx.close().await();
  }

  JsonArray insights(TestServer s) {
    return web.get(s.port, "127.0.0.1", "/api/insights").putHeader("X-API-Key", TestServer.API_KEY).send()
        .await().bodyAsJsonObject().getJsonArray("insights");
  }

  static List<String> ids(JsonArray insights) {
    List<String> ids = new ArrayList<>();
    insights.forEach(i -> ids.add(((JsonObject) i).getString("id")));
    return ids;
  }

  JsonArray awaitInsight(TestServer s, String id, long maxSeconds) {
    return Poll.until("insight " + id, maxSeconds, () -> insights(s), all -> ids(all).contains(id));
  }

  static JsonObject find(JsonArray insights, String id) {
    for (int i = 0; i < insights.size(); i++) {
      if (insights.getJsonObject(i).getString("id").equals(id)) {
        return insights.getJsonObject(i);
      }
    }
    throw new AssertionError("no insight " + id + " in " + insights);
  }

  void publish(TestServer s, String channel, int n) {
    var body = Buffer.buffer(new JsonObject().put("channel", channel).put("data", new JsonObject().put("n", n)).encode());
    int status = web.post(s.port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", TestServer.API_KEY)
        .sendBuffer(body).await().statusCode();
    assertThat(status).isEqualTo(200);
  }

  @Test
  void anIdleOrHealthyServerShowsNoInsightAlsoInHybridMode() throws Exception {
    try (TestServer s = TestServer.start();
         WsTestClient c = WsTestClient.open(vertx, s.port)) {
      assertThat(s.server.options().getCoordinator().getMode()).isEqualTo("HYBRID");
      assertThat(insights(s)).as("idle").isEmpty();
      c.connect();
      c.subscribe("room");
      // A module's updates go through HYBRID's 100 ms batch window: that wait is no slowness.
      ModuleClient module = ModuleClient.create(s.server.vertx(), "presence");
      module.register("room").await(10, TimeUnit.SECONDS);
      for (int i = 0; i < 5; i++) {
        module.update(Priority.MEDIUM, new JsonObject().put("n", i));
        c.next();
        publish(s, "room", i);
        c.next();
      }
      JsonObject status = web.get(s.port, "127.0.0.1", "/api/status").putHeader("X-API-Key", TestServer.API_KEY).send()
          .await().bodyAsJsonObject();
      // The window's wait is in the coordination latency (it cannot end before the window does).
      assertThat(status.getJsonObject("coordinator").getJsonObject("latencyMillis").getDouble("max")).isGreaterThanOrEqualTo(50.0);
      assertThat(status.getJsonObject("gateway").getJsonArray("eventLoops")).hasSize(2);
      assertThat(insights(s)).as("healthy").isEmpty();
    }
  }

  @Test
  void slowConsumersAndRateLimitedClientsAreReported() throws Exception {
    try (TestServer s = TestServer.start(o -> {
      o.getGateway().setMaxQueueBytes(64 * 1024);
      o.getGateway().getRateLimit().setCommandsPerSecond(1).setBurst(3).setMaxRejected(100);
      o.getChannels().putNamespace("slow", new NamespaceOptions().setAllowClientPublish(true));
    });
         WsTestClient limited = WsTestClient.open(vertx, s.port);
         RawWsClient slow = new RawWsClient(s.port, 4096)) {
      // Rate limit: a burst of 3 commands, then 111.
      limited.connect();
      long id = 0;
      for (int i = 0; i < 4; i++) {
        id = limited.command("subscribe", new JsonObject().put("channel", "c" + i));
      }
      assertThat(limited.reply(id).getJsonObject("error").getInteger("code")).isEqualTo(111);
      JsonObject rl = find(awaitInsight(s, "rate-limited-clients", 20), "rate-limited-clients");
      assertThat(rl.getLong("value")).isPositive();

      // Slow consumer: stops reading; the server publishes until it gives up on it (3008).
      slow.sendText("{\"id\":1,\"connect\":{}}\n{\"id\":2,\"subscribe\":{\"channel\":\"slow:feed\"}}");
      assertThat(slow.readFrame().text()).contains("\"id\":2");
      String pad = "p".repeat(8 * 1024);
      var slowCloses = s.server.registry().get(dev.tributary.metrics.MetricNames.SLOW_CLOSES).counter();
      for (int i = 0; slowCloses.count() == 0 && i < 20_000; i++) {
        var body = Buffer.buffer(new JsonObject().put("channel", "slow:feed").put("data", pad).encode());
        web.post(s.port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", TestServer.API_KEY).sendBuffer(body).await();
      }
      JsonObject sc = find(awaitInsight(s, "slow-consumers", 20), "slow-consumers");
      assertThat(sc.getLong("value")).isEqualTo(1L);
      assertThat(sc.getString("message")).contains("gateway.maxQueueBytes");
      // (Not read back here: by the time the insight is seen the server may have reset the socket
      // after gateway.closeTimeoutMillis; LimitsTest reads the 3008 close frame itself.)
    }
  }

  @Test
  void aChannelTakingMostDeliveriesIsHot() {
    List<WsTestClient> subscribers = new ArrayList<>();
    try (TestServer s = TestServer.start(o -> o.getGateway().getRateLimit().setCommandsPerSecond(0))) {
      for (int i = 0; i < 20; i++) {
        WsTestClient c = WsTestClient.open(vertx, s.port);
        subscribers.add(c);
        c.connect();
        c.subscribe("news");
      }
      WsTestClient other = WsTestClient.open(vertx, s.port);
      subscribers.add(other);
      other.connect();
      other.subscribe("quiet");
      publish(s, "quiet", 0);
      // Load: publications to "news" (20 deliveries each) until the last second shows it hot.
      int[] n = {0};
      JsonArray all = Poll.until("hot-channel for news", 40, () -> {
        for (int i = 0; i < 100; i++) {
          publish(s, "news", n[0]++);
        }
        return insights(s);
      }, a -> ids(a).contains("hot-channel"));
      JsonObject hot = find(all, "hot-channel");
      assertThat(hot.getString("message")).contains("Channel news ");
      assertThat(hot.getDouble("value")).isGreaterThanOrEqualTo(PerformanceMonitor.HOT_CHANNEL_DELIVERIES_PER_SEC);
    } finally {
      subscribers.forEach(WsTestClient::close);
    }
  }

  @Test
  void aSaturatedEventLoopIsReportedWithTheFlushBoundWhenFramesAreSmall() {
    try (TestServer s = TestServer.start(o -> o.getGateway().getBatch().setMaxDelayMillis(2));
         WsTestClient c = WsTestClient.open(vertx, s.port)) {
      c.connect();
      c.subscribe("ticks");
      for (int i = 0; i < 10; i++) {
        publish(s, "ticks", i);
        c.next(); // one delivery per frame
      }
      // Load for one gateway event loop: back-to-back 100 ms stretches of work, the loop's I/O
      // served between them (a 1 ms timer chains them), until the insight is seen.
      AtomicBoolean stop = new AtomicBoolean();
      Context loop = s.server.gateway().instances().get(0).context();
      loop.runOnContext(v -> work(loop, stop));
      try {
        JsonArray all = awaitInsight(s, "event-loop-saturated", 30);
        assertThat(find(all, "event-loop-saturated").getDouble("value")).isGreaterThanOrEqualTo(PerformanceMonitor.SATURATED_BUSY);
        assertThat(find(all, "flush-bound").getString("recommendation"))
            .contains("gateway.batch.maxDelayMillis from 2 to " + PerformanceMonitor.RECOMMENDED_FLUSH_DELAY_MILLIS);
      } finally {
        stop.set(true);
      }
      Poll.until("saturation gone once the work stops", 30, () -> !ids(insights(s)).contains("event-loop-saturated"));
    }
  }

  /** 100 ms of CPU work on {@code loop}, again 1 ms later until {@code stop}: load, not a wait. */
  static void work(Context loop, AtomicBoolean stop) {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
    if (!stop.get()) {
      loop.owner().setTimer(1, id -> work(loop, stop));
    }
  }

  @Test
  void aLongFlushDelayThatCoalescesNothingIsReported() {
    try (TestServer s = TestServer.start(o -> o.getGateway().getBatch().setMaxDelayMillis(20));
         WsTestClient c = WsTestClient.open(vertx, s.port)) {
      c.connect();
      c.subscribe("slowly");
      int[] n = {0};
      // One publication at a time, each received before the next: every frame carries one delivery.
      JsonArray all = Poll.until("flush-delay-without-gain", 30, () -> {
        for (int i = 0; i < 5; i++) {
          publish(s, "slowly", n[0]++);
          c.next();
        }
        return insights(s);
      }, a -> ids(a).contains("flush-delay-without-gain"));
      JsonObject i = find(all, "flush-delay-without-gain");
      assertThat(i.getDouble("value")).isLessThanOrEqualTo(PerformanceMonitor.NO_COALESCING);
      assertThat(i.getString("message")).contains("20 ms flush delay");
    }
  }
}
