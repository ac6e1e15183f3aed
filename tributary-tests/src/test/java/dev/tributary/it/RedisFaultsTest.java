package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.RedisServerExtension;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis trouble has a bound and a name (issue 13): with a real redis-server frozen by SIGSTOP or
 * killed, a subscribe is answered and a publication is answered or refused within
 * {@code redis.commandTimeoutMillis}, never left hanging; what is refused is counted by reason; and
 * a plain channel's subscribers answered without the broker are made to subscribe again once it
 * confirms the channel. Every wait below is on an observable event (a reply, a push, a counter);
 * the HTTP client's own timeout (15 s) is only a guard against a hang, far above the 500 ms bound.
 */
class RedisFaultsTest {
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  static Vertx client;
  static WebClient web;

  @BeforeAll
  static void start() {
    client = Vertx.vertx();
    web = WebClient.create(client, new WebClientOptions().setIdleTimeout(15));
  }

  @AfterAll
  static void stop() {
    web.close();
    client.close().await();
  }

  @AfterEach
  void redisBack() throws Exception {
    if (!redisRunning) {
      redis.restart();
      redisRunning = true;
    }
  }

  private boolean redisRunning = true;

  static TestServer node() {
    return TestServer.start(o -> {
      o.getRedis().setUrls(List.of(redis.url()));
      o.getRedis().getLink().setCommandTimeoutMillis(500).setBreakerResetTimeoutMillis(300)
          .setReconnectInitialDelayMillis(20).setReconnectMaxDelayMillis(300);
      o.getGateway().getRateLimit().setCommandsPerSecond(0);
      o.getChannels().putNamespace("h", new NamespaceOptions().setAllowClientPublish(true).setHistorySize(100)
          .setHistoryTtlSeconds(300));
      o.getChannels().putNamespace("x", new NamespaceOptions().setAllowClientPublish(true));
    });
  }

  static HttpResponse<Buffer> publish(int port, String channel, Object data) {
    return web.post(port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", TestServer.API_KEY).timeout(15_000)
        .sendBuffer(Buffer.buffer(new JsonObject().put("channel", channel).put("data", data).encode())).await();
  }

  static double refused(TestServer n, String reason) {
    var c = n.server.registry().find("tributary.publish.refused").tag("reason", reason).functionCounter();
    return c == null ? 0 : c.count();
  }

  static void eventually(String what, java.util.function.BooleanSupplier cond) {
    dev.tributary.testing.Poll.until(what, 20, cond);
  }

  /**
   * Redis down from before the first subscribe of a channel: a plain channel is subscribed for
   * this node's deliveries, a history channel gets a temporary error 100 (the SDKs retry); when
   * Redis is back the plain channel's subscriber is told to subscribe again (2500) and then gets
   * another node's publications.
   */
  @Test
  void subscribeIsAnsweredWhileRedisIsDownAndRejoinsWhenItIsBack() throws Exception {
    try (TestServer a = node(); TestServer b = node(); WsTestClient c = WsTestClient.open(client, a.port)) {
      c.autoPong().connect();
      redis.kill9();
      redisRunning = false;
      eventually("breaker open on a", () -> !a.server.ops().redisUp());

      JsonObject plain = c.reply(c.command("subscribe", new JsonObject().put("channel", "x:fresh")));
      assertThat(plain.containsKey("error")).as("plain channel: subscribed for local delivery: %s", plain).isFalse();
      JsonObject hist = c.reply(c.command("subscribe", new JsonObject().put("channel", "h:fresh")));
      assertThat(hist.getJsonObject("error").getInteger("code")).isEqualTo(100);
      assertThat(hist.getJsonObject("error").getBoolean("temporary")).isTrue();

      redis.restart();
      redisRunning = true;
      // The broker confirms x:fresh late: the subscriber is told to subscribe again.
      JsonObject unsub = c.next().getJsonObject("push");
      assertThat(unsub.getString("channel")).isEqualTo("x:fresh");
      assertThat(unsub.getJsonObject("unsubscribe").getInteger("code")).isEqualTo(2500);
      assertThat(a.server.registry().get("tributary.broker.subscriptions.late").counter().count()).isEqualTo(1);
      eventually("breaker closed on both", () -> a.server.ops().redisUp() && b.server.ops().redisUp());
      c.subscribe("x:fresh");
      // Now through Redis: b's publication reaches a's subscriber.
      assertThat(publish(b.port, "x:fresh", "from-b").statusCode()).isEqualTo(200);
      assertThat(c.next().getJsonObject("push").getJsonObject("pub").getString("data")).isEqualTo("from-b");
      System.out.printf("[redis kill -9 + restart] subscribe plain: answered (local), subscribe history: error 100"
          + " temporary; after restart: 2500 then subscribed through Redis; late confirmations %d%n",
          (long) a.server.registry().get("tributary.broker.subscriptions.late").counter().count());
    }
  }

  /**
   * Redis frozen (SIGSTOP): a publication to a history channel and one to a plain channel are
   * refused (503, Retry-After; client: error 100 temporary) once the broker does not confirm them
   * within the command timeout; /health turns degraded; a subscribe to a new channel is answered.
   * After SIGCONT publications are accepted again.
   */
  @Test
  void frozenRedisRefusesWithinTheBoundAndRecovers() throws Exception {
    try (TestServer a = node(); WsTestClient c = WsTestClient.open(client, a.port)) {
      c.autoPong().connect();
      c.subscribe("h:frozen");
      assertThat(publish(a.port, "h:frozen", "before").statusCode()).isEqualTo(200);
      assertThat(c.next().getJsonObject("push").getJsonObject("pub").getString("data")).isEqualTo("before");
      redis.pause();
      double[] refusedInFreeze = new double[2];
      try {
        HttpResponse<Buffer> h = publish(a.port, "h:frozen", "during");
        assertThat(h.statusCode()).isEqualTo(503);
        assertThat(h.getHeader("Retry-After")).isEqualTo("1");
        HttpResponse<Buffer> p = publish(a.port, "x:frozen", "during");
        assertThat(p.statusCode()).isEqualTo(503);
        JsonObject err = c.reply(c.command("publish", new JsonObject().put("channel", "h:frozen").put("data", "x")));
        assertThat(err.getJsonObject("error").getInteger("code")).isEqualTo(100);
        assertThat(err.getJsonObject("error").getBoolean("temporary")).isTrue();
        assertThat(refused(a, "broker_timeout") + refused(a, "broker_unavailable")).isGreaterThanOrEqualTo(3);
        eventually("health degraded while commands time out", () -> "degraded".equals(
            web.get(a.port, "127.0.0.1", "/health").timeout(15_000).send().await().bodyAsJsonObject().getString("status")));
        JsonObject sub = c.reply(c.command("subscribe", new JsonObject().put("channel", "x:new")));
        assertThat(sub.containsKey("error")).as("subscribe answered: %s", sub).isFalse();
        refusedInFreeze[0] = refused(a, "broker_timeout");
        refusedInFreeze[1] = refused(a, "broker_unavailable");
      } finally {
        redis.resume();
      }
      eventually("publications accepted again", () -> publish(a.port, "h:frozen", "after").statusCode() == 200);
      System.out.printf("[redis SIGSTOP/SIGCONT] sent 3 during the freeze, acknowledged 0, refused %.0f"
          + " (broker_timeout %.0f, broker_unavailable %.0f), lost 0; accepted again after SIGCONT%n",
          refusedInFreeze[0] + refusedInFreeze[1], refusedInFreeze[0], refusedInFreeze[1]);
    }
  }
}
