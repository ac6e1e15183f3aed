package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.config.PusherAppOptions;
import dev.tributary.testing.Jwt;
import dev.tributary.testing.RedisServerExtension;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pusher connections on two nodes sharing a real redis-server: HTTP API events published on one
 * node reach Pusher subscribers on both in publish order, and presence is one set of members
 * across nodes and across protocols (a centrifuge client with a user token is a Pusher member).
 */
class PusherMultiNodeTest {
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  static final String TOKEN_SECRET = "multi-node-token-secret-0123456789";
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  static TestServer node() {
    return TestServer.start(o -> {
      o.getRedis().setUrls(List.of(redis.url()));
      o.getAuth().setTokenHmacSecret(TOKEN_SECRET);
      o.getChannels().putNamespace("room", new NamespaceOptions().setPresence(true).setJoinLeave(true));
      o.getPusher().addApp(new PusherAppOptions("1", "room-key", PusherProtocolTest.SECRET, "room", true));
    });
  }

  static HttpResponse<String> trigger(TestServer node, String channel, String name, String data) {
    return PusherProtocolTest.signed(node.port, "POST", "/apps/1/events", Map.of(),
        new JsonObject().put("name", name).put("channel", channel).put("data", data).encode(), "room-key");
  }

  static String presenceAuth(PusherProtocolTest.Client c, String channel, String channelData) {
    return "room-key:" + PusherProtocolTest.hmac(c.socketId() + ":" + channel + ":" + channelData);
  }

  @Test
  void eventsReachPusherSubscribersOnEveryNodeInOrderAndPresenceIsOneSet() {
    try (TestServer a = node(); TestServer b = node();
         PusherProtocolTest.Client onA = PusherProtocolTest.connect(vertx, a.port, "room-key");
         PusherProtocolTest.Client onB = PusherProtocolTest.connect(vertx, b.port, "room-key")) {
      onA.subscribe("lobby", null, null);
      onB.subscribe("lobby", null, null);
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> r = trigger(a, "lobby", "n", Integer.toString(i));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      }
      for (PusherProtocolTest.Client c : List.of(onA, onB)) {
        for (int i = 0; i < 20; i++) {
          assertThat(c.event().getString("data")).isEqualTo(Integer.toString(i));
        }
      }

      String ch = "presence-x";
      String d1 = new JsonObject().put("user_id", "u1").encode();
      onA.subscribe(ch, presenceAuth(onA, ch, d1), d1);
      String d2 = new JsonObject().put("user_id", "u2").encode();
      JsonObject okB = onB.subscribe(ch, presenceAuth(onB, ch, d2), d2);
      assertThat(new JsonObject(okB.getString("data")).getJsonObject("presence").getJsonArray("ids").getList())
          .containsExactlyInAnyOrder("u1", "u2");
      JsonObject added = onA.event();
      assertThat(added.getString("event")).isEqualTo("pusher_internal:member_added");
      assertThat(new JsonObject(added.getString("data")).getString("user_id")).isEqualTo("u2");

      // A centrifuge client with user u3, on node B, joining room:presence-x: a member for Pusher too.
      try (WsTestClient native3 = WsTestClient.open(vertx, b.port)) {
        String token = Jwt.sign(TOKEN_SECRET, new JsonObject().put("sub", "u3")
            .put("exp", System.currentTimeMillis() / 1000 + 600));
        assertThat(native3.connect(new JsonObject().put("token", token)).containsKey("error")).isFalse();
        assertThat(native3.subscribe("room:" + ch).containsKey("error")).isFalse();
        JsonObject u3 = onA.event();
        assertThat(u3.getString("event")).isEqualTo("pusher_internal:member_added");
        assertThat(new JsonObject(u3.getString("data")).getString("user_id")).isEqualTo("u3");
        // The native join is pushed while its presence entry is written: the list catches up.
        dev.tributary.testing.Poll.until("users of " + ch + " on node A are u1, u2, u3", 10,
            () -> new JsonObject(PusherProtocolTest.signed(a.port, "GET", "/apps/1/channels/" + ch + "/users",
                Map.of(), null, "room-key").body()).getJsonArray("users").stream()
                .map(u -> ((JsonObject) u).getString("id")).collect(java.util.stream.Collectors.toSet()),
            ids -> ids.equals(java.util.Set.of("u1", "u2", "u3")));
      }
      JsonObject gone = onA.event();
      assertThat(gone.getString("event")).isEqualTo("pusher_internal:member_removed");
      assertThat(new JsonObject(gone.getString("data")).getString("user_id")).isEqualTo("u3");
    }
  }
}
