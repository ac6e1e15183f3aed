package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sizes agree with each other (issue 13): a publication no subscriber queue could hold is refused
 * at the API (413, code 106) and at a client's publish (error 106), at the limit it is delivered,
 * and nobody is disconnected. The size of a publication is its push: data JSON + client info JSON
 * (+ 8) + the channel as a JSON string + 80 bytes of envelope (docs/CONFIGURATION.md).
 */
class PublicationLimitsTest {
  static final int QUEUE = 64 * 1024;
  static final int MAX = QUEUE / 4; // the default: a quarter of gateway.maxQueueBytes
  static Vertx client;
  static WebClient web;

  @BeforeAll
  static void start() {
    client = Vertx.vertx();
    web = WebClient.create(client);
  }

  @AfterAll
  static void stop() {
    web.close();
    client.close().await();
  }

  static HttpResponse<Buffer> publish(int port, String channel, String data) {
    return web.post(port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", TestServer.API_KEY)
        .sendBuffer(Buffer.buffer(new JsonObject().put("channel", channel).put("data", data).encode())).await();
  }

  @Test
  void atTheLimitDeliveredOneBytePastRefusedNobodyDisconnected() {
    try (TestServer s = TestServer.start(o -> {
          o.getGateway().setMaxQueueBytes(QUEUE);
          o.getGateway().getRateLimit().setCommandsPerSecond(0);
          o.getChannels().putNamespace("x", new NamespaceOptions().setAllowClientPublish(true));
        });
        WsTestClient a = WsTestClient.open(client, s.port);
        WsTestClient b = WsTestClient.open(client, s.port)) {
      a.connect();
      b.connect();
      a.subscribe("x:big");
      b.subscribe("x:big");
      // "x:big" as JSON is 7 bytes, a JSON string of n characters n + 2: the push is n + 89.
      int atLimit = MAX - 89;
      HttpResponse<Buffer> over = publish(s.port, "x:big", "y".repeat(atLimit + 1));
      assertThat(over.statusCode()).isEqualTo(413);
      assertThat(over.bodyAsJsonObject().getJsonObject("error").getInteger("code")).isEqualTo(106);
      assertThat(over.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("channels.maxPublicationBytes");
      assertThat(publish(s.port, "x:big", "y".repeat(atLimit)).statusCode()).isEqualTo(200);
      assertThat(a.next().getJsonObject("push").getJsonObject("pub").getString("data")).hasSize(atLimit);
      assertThat(b.next().getJsonObject("push").getJsonObject("pub").getString("data")).hasSize(atLimit);

      JsonObject err = a.reply(a.command("publish", new JsonObject().put("channel", "x:big").put("data", "y".repeat(MAX))));
      assertThat(err.getJsonObject("error").getInteger("code")).isEqualTo(106);
      assertThat(a.isClosed()).isFalse();
      assertThat(s.server.registry().find("tributary.publish.refused").tag("reason", "too_large").functionCounter().count())
          .isEqualTo(2);
      // Both still subscribed and served.
      assertThat(publish(s.port, "x:big", "small").statusCode()).isEqualTo(200);
      assertThat(a.next().getJsonObject("push").getJsonObject("pub").getString("data")).isEqualTo("small");
      assertThat(b.next().getJsonObject("push").getJsonObject("pub").getString("data")).isEqualTo("small");
      System.out.printf("[publication size] limit %d bytes: at the limit acknowledged and delivered to 2 of 2;"
          + " one byte past: 413/106; client past it: error 106; refused too_large 2, disconnected 0, lost 0%n", MAX);
    }
  }
}
