package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.RpcTestModule;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Clients' {@code rpc} and {@code send} reach modules over the event bus ({@code ModuleClient#rpc},
 * {@code #onMessage}), with the official JS client in both variants and with raw JSON frames.
 */
class ModuleRpcTest {
  private static final String SECRET = "rpc-test-secret-0123456789";

  @Test
  void officialClientRpcAndSendReachTheModuleInBothVariants() throws Exception {
    CentrifugeJsConformanceTest.installClient();
    try (TestServer server = TestServer.start(o -> {
      o.getAuth().setTokenHmacSecret(SECRET);
      o.getRpc().setTimeoutMillis(300);
    })) {
      RpcTestModule module = new RpcTestModule();
      server.server.vertx().deployVerticle(module).await(10, TimeUnit.SECONDS);
      JWTAuth signer = JWTAuth.create(server.server.vertx(), new JWTAuthOptions().addPubSecKey(
          new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
      String token = signer.generateToken(new JsonObject().put("sub", "alice").put("info", new JsonObject().put("team", "blue")));
      String out = CentrifugeJsConformanceTest.run(CentrifugeJsConformanceTest.JS, 60,
          List.of("node", "rpc.mjs", server.wsUrl(), token));
      for (String v : List.of("json", "protobuf")) {
        assertThat(out).contains("ok " + v + " rpc answered with the caller identity", "ok " + v + " rpc refused by the module: 4001 refused",
            "ok " + v + " rpc without handler: 108", "ok " + v + " rpc without answer: 100 rpc timeout",
            "ok " + v + " rpc handler failure: 100", "ok " + v + " send");
      }
      assertThat(out).contains("ALL PASSED");
      for (String v : List.of("json", "protobuf")) {
        JsonObject msg = module.messages.poll(10, TimeUnit.SECONDS);
        assertThat(msg).as("the %s client's send reached the module", v).isNotNull();
        assertThat(msg.getJsonObject("data")).isEqualTo(new JsonObject().put("sent", v));
        assertThat(msg.getString("user")).isEqualTo("alice");
        assertThat(msg.getJsonObject("info")).isEqualTo(new JsonObject().put("team", "blue"));
        assertThat(msg.getString("client")).isNotEmpty();
      }
    }
  }

  @Test
  void rpcWithoutModulesIsNotAvailableAndTheConnectionStays() {
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(o -> { });
        WsTestClient c = WsTestClient.open(vertx, server.port)) {
      c.connect();
      JsonObject reply = c.reply(c.command("rpc", new JsonObject().put("method", "getScore").put("data", new JsonObject())));
      assertThat(reply.getJsonObject("error").getInteger("code")).isEqualTo(108);
      reply = c.reply(c.command("rpc", new JsonObject().put("method", 5)));
      assertThat(reply.getJsonObject("error").getInteger("code")).isEqualTo(107);
      c.send("{\"send\":{\"data\":{\"x\":1}}}"); // nobody listens: dropped, no reply
      assertThat(c.subscribe("news").containsKey("subscribe")).isTrue();
      assertThat(c.isClosed()).isFalse();
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void echoModuleAnswersRpcAndTurnsMessagesIntoPublications() {
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(o -> o.getModules().add(new dev.tributary.config.ModuleOptions(
            "dev.tributary.modules.EchoModule", 1, new JsonObject().put("id", "echo").put("channel", "echo"))));
        WsTestClient c = WsTestClient.open(vertx, server.port)) {
      String client = c.connect().getJsonObject("connect").getString("client");
      c.subscribe("echo");
      JsonObject reply = c.reply(c.command("rpc", new JsonObject().put("method", "echo").put("data", new JsonObject().put("hello", 1))));
      assertThat(reply.getJsonObject("rpc").getJsonObject("data")).isEqualTo(new JsonObject()
          .put("echo", new JsonObject().put("hello", 1)).put("client", client).put("user", ""));
      reply = c.reply(c.command("rpc", new JsonObject().put("method", "echo")));
      assertThat(reply.getJsonObject("error")).isEqualTo(new JsonObject().put("code", 107).put("message", "echo needs data"));
      c.send("{\"send\":{\"data\":{\"hi\":2}}}");
      JsonObject pub = c.next().getJsonObject("push").getJsonObject("pub");
      assertThat(pub.getJsonObject("data").getJsonObject("state")).isEqualTo(new JsonObject()
          .put("from", client).put("data", new JsonObject().put("hi", 2)));
    } finally {
      vertx.close().await();
    }
  }
}
