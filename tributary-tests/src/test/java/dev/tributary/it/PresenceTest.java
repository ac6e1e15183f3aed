package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

/** Presence, presence stats, join and leave on one node. */
class PresenceTest {

  @Test
  void presenceJoinAndLeave() {
    Vertx client = Vertx.vertx();
    try (TestServer s = TestServer.start(o -> {
      o.getChannels().putNamespace("room", new NamespaceOptions().setPresence(true).setJoinLeave(true));
      o.getChannels().putNamespace("quiet", new NamespaceOptions());
    });
         WsTestClient a = WsTestClient.open(client, s.port)) {
      String aId = a.connect().getJsonObject("connect").getString("client");
      a.subscribe("room:1");
      assertThat(a.next().getJsonObject("push").getJsonObject("join").getJsonObject("info").getString("client")).isEqualTo(aId);
      String bId;
      try (WsTestClient b = WsTestClient.open(client, s.port)) {
        bId = b.connect().getJsonObject("connect").getString("client");
        b.subscribe("room:1");
        assertThat(a.next().getJsonObject("push").getJsonObject("join").getJsonObject("info").getString("client")).isEqualTo(bId);
        JsonObject p = a.reply(a.command("presence", new JsonObject().put("channel", "room:1"))).getJsonObject("presence")
            .getJsonObject("presence");
        assertThat(p.fieldNames()).containsExactlyInAnyOrder(aId, bId);
        JsonObject stats = a.reply(a.command("presence_stats", new JsonObject().put("channel", "room:1")))
            .getJsonObject("presence_stats");
        assertThat(stats.getInteger("num_clients")).isEqualTo(2);
        assertThat(stats.getInteger("num_users")).as("both anonymous").isEqualTo(1);
      }
      JsonObject leave = a.next().getJsonObject("push");
      assertThat(leave.getJsonObject("leave").getJsonObject("info").getString("client")).isEqualTo(bId);
      WebClient web = WebClient.create(client);
      JsonObject viaApi = web.post(s.port, "127.0.0.1", "/api/presence").putHeader("X-API-Key", TestServer.API_KEY)
          .sendBuffer(Buffer.buffer("{\"channel\":\"room:1\"}")).await().bodyAsJsonObject();
      assertThat(viaApi.getJsonObject("result").getJsonObject("presence").fieldNames()).containsExactly(aId);
      int quiet = web.post(s.port, "127.0.0.1", "/api/presence_stats").putHeader("X-API-Key", TestServer.API_KEY)
          .sendBuffer(Buffer.buffer("{\"channel\":\"quiet:1\"}")).await().statusCode();
      assertThat(quiet).isEqualTo(400);
      web.close();
      a.subscribe("quiet:1");
      assertThat(a.reply(a.command("presence", new JsonObject().put("channel", "quiet:1"))).getJsonObject("error")
          .getInteger("code")).isEqualTo(108);
    } finally {
      client.close().await();
    }
  }
}
