package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.Poll;
import dev.tributary.testing.RedisClusterExtension;
import dev.tributary.testing.RedisDeployment;
import dev.tributary.testing.RedisServerExtension;
import dev.tributary.testing.ServerProcess;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two node processes sharing a real redis-server, then a Redis Cluster; one is killed (SIGKILL, no goodbye) while its
 * clients are connected. Its presence entries leave within the presence expiry, and its clients,
 * reconnecting to the other node, recover every publication they missed, once each, in order.
 */
class NodeFailoverTest {

  static JsonObject api(WebClient web, int port, String method, JsonObject body) {
    var r = web.post(port, "127.0.0.1", "/api/" + method).putHeader("X-API-Key", "k")
        .sendBuffer(Buffer.buffer(body.encode())).await();
    assertThat(r.statusCode()).as("%s %s", method, r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject().getJsonObject("result");
  }

  static int presentClients(WebClient web, int port) {
    return api(web, port, "presence_stats", new JsonObject().put("channel", "h:room")).getInteger("num_clients");
  }

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  @RegisterExtension
  static final RedisClusterExtension cluster = new RedisClusterExtension();

  /** One Redis, and a Redis Cluster: the same guarantees. */
  static List<RedisDeployment> deployments() {
    return List.of(redis, cluster);
  }

  @ParameterizedTest
  @MethodSource("deployments")
  void aKilledNodesPresenceExpiresAndItsClientsRecoverOnTheOtherNode(RedisDeployment redisAt, @TempDir Path dir)
      throws Exception {
    Vertx vertx = Vertx.vertx();
    WebClient web = WebClient.create(vertx);
    try {
      Path conf = dir.resolve("node.json");
      Files.writeString(conf, """
          {"http":{"port":0,"host":"127.0.0.1"},"api":{"key":"k"},
           "redis":%s,
           "gateway":{"rateLimit":{"commandsPerSecond":0}},
           "channels":{"presenceTtlSeconds":2,
             "namespaces":{"h":{"historySize":100,"historyTtlSeconds":300,"presence":true,"allowClientPublish":true}}}}
          """.formatted(redisAt.json().encode()));
      try (ServerProcess a = new ServerProcess(conf); ServerProcess b = new ServerProcess(conf)) {
        int portA = a.awaitPort();
        int portB = b.awaitPort();
        List<WsTestClient> onA = new ArrayList<>();
        String epoch = null;
        for (int i = 0; i < 3; i++) {
          WsTestClient c = WsTestClient.open(vertx, portA).autoPong();
          c.connect();
          epoch = c.subscribe("h:room").getJsonObject("subscribe").getString("epoch");
          onA.add(c);
        }
        WsTestClient onB = WsTestClient.open(vertx, portB).autoPong();
        onB.connect();
        assertThat(onB.subscribe("h:room").getJsonObject("subscribe").getString("epoch")).isEqualTo(epoch);
        Poll.until("presence of the 4 clients", 30, () -> presentClients(web, portB), n -> n == 4);

        for (int i = 1; i <= 3; i++) {
          assertThat(api(web, portB, "publish", new JsonObject().put("channel", "h:room").put("data", i)).getLong("offset"))
              .isEqualTo(i);
        }
        long[] lastSeen = new long[onA.size()];
        for (int k = 0; k < onA.size(); k++) {
          for (int i = 1; i <= 3; i++) {
            JsonObject pub = onA.get(k).next().getJsonObject("push").getJsonObject("pub");
            assertThat(pub.getInteger("data")).isEqualTo(i);
            lastSeen[k] = pub.getLong("offset");
          }
        }

        a.process.destroyForcibly();
        assertThat(a.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        for (WsTestClient c : onA) {
          c.awaitClose();
        }
        // Published while A's clients are away.
        for (int i = 4; i <= 6; i++) {
          api(web, portB, "publish", new JsonObject().put("channel", "h:room").put("data", i));
        }
        // A said no goodbye: its entries go when their expiry (2 s) passes without a refresh.
        Poll.until("A's presence entries gone, B's one client left", 30, () -> presentClients(web, portB), n -> n == 1);

        // A's clients come back on B and recover 4..6 once each, then get 7 live.
        List<WsTestClient> back = new ArrayList<>();
        for (int k = 0; k < onA.size(); k++) {
          onA.get(k).close();
          WsTestClient c = WsTestClient.open(vertx, portB).autoPong();
          c.connect();
          JsonObject r = c.reply(c.command("subscribe", new JsonObject().put("channel", "h:room")
              .put("recover", true).put("offset", lastSeen[k]).put("epoch", epoch))).getJsonObject("subscribe");
          assertThat(r.getBoolean("recovered")).isTrue();
          assertThat(r.getJsonArray("publications").stream().map(o -> ((JsonObject) o).getInteger("data")).toList())
              .containsExactly(4, 5, 6);
          back.add(c);
        }
        // Presence is written to Redis after the subscribe is answered: poll, bounded.
        Poll.until("presence of the 4 clients after the reconnects", 30, () -> presentClients(web, portB), n -> n == 4);
        api(web, portB, "publish", new JsonObject().put("channel", "h:room").put("data", 7));
        for (WsTestClient c : back) {
          JsonObject pub = c.next().getJsonObject("push").getJsonObject("pub");
          assertThat(pub.getInteger("data")).isEqualTo(7);
          assertThat(pub.getLong("offset")).isEqualTo(7);
          c.close();
        }
        for (int i = 1; i <= 7; i++) {
          assertThat(onB.next().getJsonObject("push").getJsonObject("pub").getInteger("data")).isEqualTo(i);
        }
        onB.close();
      }
    } finally {
      web.close();
      vertx.close().await();
    }
  }
}
