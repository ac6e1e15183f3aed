package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.metrics.MetricNames;
import dev.tributary.testing.RawWsClient;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Limits and bad input: each one closes or refuses the offender only. */
class LimitsTest {
  Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  @Test
  void connectionOverTheLimitIsClosedWith1013() throws Exception {
    try (TestServer s = TestServer.start(o -> o.getGateway().setMaxConnections(2));
         WsTestClient a = WsTestClient.open(vertx, s.port);
         WsTestClient b = WsTestClient.open(vertx, s.port)) {
      a.connect();
      b.connect();
      try (RawWsClient c = new RawWsClient(s.port, 0)) {
        assertThat(c.readUntilClose()).isEqualTo(1013);
      }
      assertThat(s.server.registry().get(MetricNames.CONNECTIONS_REFUSED).counter().count()).isEqualTo(1.0);
      // The two accepted connections still work.
      assertThat(a.subscribe("x").containsKey("subscribe")).isTrue();
    }
  }

  @Test
  void frameOverMaxFrameBytesClosesWith1009OnTheWire() throws Exception {
    try (TestServer s = TestServer.start(o -> o.getGateway().setMaxFrameBytes(1024));
         RawWsClient big = new RawWsClient(s.port, 0)) {
      big.sendText("{\"id\":1,\"connect\":{}}");
      big.readFrame();
      big.sendText("{\"id\":2,\"subscribe\":{\"channel\":\"" + "x".repeat(2000) + "\"}}");
      assertThat(big.readUntilClose()).isEqualTo(1009);
    }
  }

  @Test
  void frameOverMaxFrameBytesClosesWith1009() {
    try (TestServer s = TestServer.start(o -> o.getGateway().setMaxFrameBytes(1024));
         WsTestClient other = WsTestClient.open(vertx, s.port);
         WsTestClient big = WsTestClient.open(vertx, s.port)) {
      other.connect();
      big.connect();
      big.send("{\"id\":2,\"subscribe\":{\"channel\":\"" + "x".repeat(2000) + "\"}}");
      assertThat(big.awaitClose()).isEqualTo(1009);
      assertThat(other.subscribe("still-fine").containsKey("subscribe")).isTrue();
    }
  }

  @Test
  void commandsOverTheRateGet111ThenClose3013() {
    try (TestServer s = TestServer.start(o -> o.getGateway().getRateLimit()
             .setCommandsPerSecond(1).setBurst(3).setMaxRejected(3));
         WsTestClient c = WsTestClient.open(vertx, s.port)) {
      StringBuilder frame = new StringBuilder("{\"id\":1,\"connect\":{}}");
      for (int i = 2; i <= 8; i++) {
        frame.append("\n{\"id\":").append(i).append(",\"subscribe\":{\"channel\":\"c").append(i).append("\"}}");
      }
      c.send(frame.toString());
      assertThat(c.reply(1).containsKey("connect")).isTrue();
      assertThat(c.reply(2).containsKey("subscribe")).isTrue();
      assertThat(c.reply(3).containsKey("subscribe")).isTrue();
      assertThat(c.reply(4).getJsonObject("error").getInteger("code")).isEqualTo(111);
      assertThat(c.reply(5).getJsonObject("error").getInteger("code")).isEqualTo(111);
      assertThat(c.awaitClose()).isEqualTo(3013);
      assertThat(s.server.registry().get(MetricNames.RATE_LIMITED).counter().count()).isEqualTo(3.0);
    }
  }

  @Test
  void slowConsumerIsClosedWith3008AndFreed() throws Exception {
    try (TestServer s = TestServer.start(o -> {
      o.getGateway().setMaxQueueBytes(64 * 1024);
      o.getGateway().getRateLimit().setCommandsPerSecond(0);
      o.getChannels().putNamespace("slow", new NamespaceOptions().setAllowClientPublish(true));
    });
         WsTestClient fast = WsTestClient.open(vertx, s.port);
         RawWsClient slow = new RawWsClient(s.port, 4096)) {
      fast.connect();
      fast.subscribe("slow:feed");
      slow.sendText("{\"id\":1,\"connect\":{}}\n{\"id\":2,\"subscribe\":{\"channel\":\"slow:feed\"}}");
      // Wait until the slow client is subscribed: its subscribe reply is its first frame.
      assertThat(slow.readFrame().text()).contains("\"id\":2");
      // The slow client now stops reading. Publish until the server gives up on it.
      String pad = "p".repeat(8 * 1024);
      var slowCloses = s.server.registry().get(MetricNames.SLOW_CLOSES).counter();
      int published = 0;
      while (slowCloses.count() == 0 && published < 20_000) {
        fast.reply(fast.command("publish", new JsonObject().put("channel", "slow:feed").put("data", pad)));
        published++;
      }
      assertThat(slowCloses.count()).isEqualTo(1.0);
      // The well-behaved subscriber got every publication and is still connected.
      assertThat(fast.isClosed()).as("the fast subscriber must not be the one closed").isFalse();
      for (int i = 0; i < published; i++) {
        assertThat(fast.next().getJsonObject("push").getJsonObject("pub").getString("data")).hasSize(pad.length());
      }
      assertThat(fast.isClosed()).isFalse();
      // Reading the backlog, the slow client finds the close frame with 3008.
      assertThat(slow.readUntilClose()).isEqualTo(3008);
      slow.close();
      dev.tributary.testing.Poll.until("the slow client's connection gone, the fast one left", 20,
          () -> s.server.gateway().connectionCount() == 1);
      assertThat(s.server.registry().get(MetricNames.SLOW_DROPPED_BYTES).counter().count()).isPositive();
      assertThat(s.server.registry().get(MetricNames.CONNECTIONS_CLOSED).tag("code", "3008").counter().count()).isEqualTo(1.0);
    }
  }
}
