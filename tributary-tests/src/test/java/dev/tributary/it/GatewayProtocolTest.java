package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Centrifugo JSON protocol over real sockets: commands, replies, pushes, error codes. */
class GatewayProtocolTest {
  static TestServer server;
  static Vertx vertx;

  @BeforeAll
  static void start() {
    server = TestServer.start(o -> {
      o.getGateway().setMaxChannelsPerConnection(3);
      o.getChannels().putNamespace("chat", new NamespaceOptions().setAllowClientPublish(true));
      o.getChannels().putNamespace("news", new NamespaceOptions());
    });
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    server.close();
  }

  @Test
  void connectRepliesWithClientIdPingAndPong() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      JsonObject r = c.connect().getJsonObject("connect");
      assertThat(r.getString("client")).hasSize(36);
      assertThat(r.getInteger("ping")).isEqualTo(25);
      assertThat(r.getBoolean("pong")).isTrue();
    }
  }

  @Test
  void clientPublishReachesSubscribersWithInfo() {
    try (WsTestClient a = WsTestClient.open(vertx, server.port);
         WsTestClient b = WsTestClient.open(vertx, server.port)) {
      a.connect();
      String bId = b.connect().getJsonObject("connect").getString("client");
      assertThat(a.subscribe("chat:1")).isEqualTo(new JsonObject().put("id", 2).put("subscribe", new JsonObject()));
      long id = b.command("publish", new JsonObject().put("channel", "chat:1").put("data", new JsonObject().put("text", "hi")));
      assertThat(b.reply(id).getJsonObject("publish")).isEqualTo(new JsonObject());
      JsonObject push = a.next().getJsonObject("push");
      assertThat(push.getString("channel")).isEqualTo("chat:1");
      assertThat(push.getJsonObject("pub").getJsonObject("data").getString("text")).isEqualTo("hi");
      assertThat(push.getJsonObject("pub").getJsonObject("info").getString("client")).isEqualTo(bId);
    }
  }

  @Test
  void severalCommandsInOneFrameGetTheirRepliesInOneFrame() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      c.send("{\"id\":1,\"connect\":{}}\n{\"id\":2,\"subscribe\":{\"channel\":\"x\"}}\n{\"id\":3,\"subscribe\":{\"channel\":\"y\"}}");
      String[] lines = c.nextFrame().split("\n");
      assertThat(lines).hasSize(3);
      assertThat(new JsonObject(lines[0]).containsKey("connect")).isTrue();
      assertThat(new JsonObject(lines[1]).getLong("id")).isEqualTo(2);
      assertThat(new JsonObject(lines[2]).getLong("id")).isEqualTo(3);
    }
  }

  @Test
  void unsubscribeStopsDelivery() {
    try (WsTestClient a = WsTestClient.open(vertx, server.port)) {
      a.connect();
      a.subscribe("chat:u");
      a.subscribe("chat:v");
      a.reply(a.command("unsubscribe", new JsonObject().put("channel", "chat:u")));
      a.reply(a.command("publish", new JsonObject().put("channel", "chat:u").put("data", 1)));
      a.reply(a.command("publish", new JsonObject().put("channel", "chat:v").put("data", 2)));
      // Only chat:v's publication arrives; chat:u's would have come first.
      assertThat(a.next().getJsonObject("push").getString("channel")).isEqualTo("chat:v");
    }
  }

  @Test
  void errorCodesForPermissionUnknownChannelDuplicatesLimitsAndBadParams() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      c.connect();
      assertThat(code(c.reply(c.command("publish", new JsonObject().put("channel", "news:1").put("data", 1))))).isEqualTo(103);
      assertThat(code(c.reply(c.command("publish", new JsonObject().put("channel", "top").put("data", 1))))).isEqualTo(103);
      assertThat(code(c.subscribe("nope:1"))).isEqualTo(102);
      assertThat(code(c.reply(c.command("subscribe", new JsonObject())))).isEqualTo(107);
      assertThat(code(c.reply(c.command("subscribe", new JsonObject().put("channel", 42))))).isEqualTo(107);
      assertThat(code(c.reply(c.command("publish", new JsonObject().put("channel", "chat:1"))))).isEqualTo(107);
      assertThat(c.subscribe("a").containsKey("subscribe")).isTrue();
      assertThat(code(c.subscribe("a"))).isEqualTo(105);
      c.subscribe("b");
      c.subscribe("c");
      assertThat(code(c.subscribe("d"))).isEqualTo(106);
      assertThat(code(c.reply(c.command("history", new JsonObject().put("channel", "a"))))).isEqualTo(108);
    }
  }

  @Test
  void malformedJsonClosesWith3501AndLeavesOthersAlone() {
    try (WsTestClient good = WsTestClient.open(vertx, server.port);
         WsTestClient bad = WsTestClient.open(vertx, server.port)) {
      good.connect();
      good.subscribe("chat:calm");
      bad.connect();
      bad.send("{\"id\":2,\"subscribe\":");
      assertThat(bad.awaitClose()).isEqualTo(3501);
      long id = good.command("publish", new JsonObject().put("channel", "chat:calm").put("data", "still here"));
      assertThat(good.reply(id).containsKey("publish")).isTrue();
      assertThat(good.next().getJsonObject("push").getJsonObject("pub").getString("data")).isEqualTo("still here");
    }
  }

  @Test
  void unknownCommandClosesWith3501() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      c.connect();
      c.send("{\"id\":5,\"teleport\":{}}");
      assertThat(c.awaitClose()).isEqualTo(3501);
    }
  }

  @Test
  void commandBeforeConnectClosesWith3501() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      c.send("{\"id\":1,\"subscribe\":{\"channel\":\"a\"}}");
      assertThat(c.awaitClose()).isEqualTo(3501);
    }
  }

  @Test
  void repliesBeforeABadCommandStillArrive() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      c.send("{\"id\":1,\"connect\":{}}");
      c.reply(1);
      c.send("{\"id\":2,\"subscribe\":{\"channel\":\"q\"}}\n{\"id\":3,\"connect\":{}}");
      assertThat(c.reply(2).containsKey("subscribe")).isTrue();
      assertThat(c.awaitClose()).isEqualTo(3501);
    }
  }

  static int code(JsonObject reply) {
    JsonObject err = reply.getJsonObject("error");
    return err == null ? 0 : err.getInteger("code");
  }
}
