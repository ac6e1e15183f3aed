package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.metrics.MetricNames;
import dev.tributary.testing.RawWsClient;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Server pings every pingIntervalSeconds; a client that does not pong is closed with 3012. */
class HeartbeatTest {
  static TestServer server;
  static Vertx vertx;

  @BeforeAll
  static void start() {
    server = TestServer.start(o -> o.getGateway().setPingIntervalSeconds(2).setPongTimeoutSeconds(1));
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    server.close();
  }

  @Test
  void clientThatPongsStaysAndSilentClientIsClosedWith3012() {
    try (WsTestClient polite = WsTestClient.open(vertx, server.port).autoPong();
         WsTestClient silent = WsTestClient.open(vertx, server.port)) {
      assertThat(polite.connect().getJsonObject("connect").getInteger("ping")).isEqualTo(2);
      silent.connect();
      assertThat(silent.nextFrame()).isEqualTo("{}");
      assertThat(silent.awaitClose()).isEqualTo(3012);
      // The polite client saw at least one ping too and is still served.
      assertThat(polite.isClosed()).isFalse();
      assertThat(polite.subscribe("after-ping").containsKey("subscribe")).isTrue();
      assertThat(server.server.registry().get(MetricNames.HEARTBEAT_CLOSES).counter().count()).isGreaterThanOrEqualTo(1.0);
    }
  }

  @Test
  void politeClientSurvivesSeveralPingIntervals() throws Exception {
    try (RawWsClient c = new RawWsClient(server.port, 0)) {
      c.sendText("{\"id\":1,\"connect\":{}}");
      assertThat(c.readFrame().text()).contains("\"connect\"");
      for (int i = 0; i < 3; i++) {
        assertThat(c.readFrame().text()).isEqualTo("{}");
        c.sendText("{}");
      }
      c.sendText("{\"id\":2,\"subscribe\":{\"channel\":\"still-here\"}}");
      assertThat(c.readFrame().text()).contains("\"id\":2");
    }
  }

  @Test
  void connectionThatNeverConnectsIsClosedAsStale() throws Exception {
    try (RawWsClient c = new RawWsClient(server.port, 0)) {
      assertThat(c.readUntilClose()).isEqualTo(3502);
    }
  }
}
