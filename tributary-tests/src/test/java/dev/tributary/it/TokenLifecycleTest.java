package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.FakeClock;
import dev.tributary.testing.Jwt;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Token lifecycle over real sockets, time from a fake clock (no sleeps): connection expiry (3005
 * after {@code auth.expiredCloseDelaySeconds}), {@code refresh}, subscription tokens in a
 * {@code subscribeToken: "required"} namespace, their expiry (unsubscribe 2501 after
 * {@code auth.expiredSubCloseDelaySeconds}) and {@code sub_refresh}.
 *
 * <p>One gateway instance, so one expiry timer serves every connection: when a probe connection's
 * later deadline has fired, every earlier one has been handled too. Each test advances the clock;
 * the total stays well under the ping interval (3600 s) so heartbeats never interfere.
 */
class TokenLifecycleTest {
  static final String SECRET = "a-secret-for-tests-only";
  static final int GRACE = 10;
  static final FakeClock clock = new FakeClock();
  static TestServer server;
  static Vertx vertx;

  @BeforeAll
  static void start() {
    server = TestServer.start(clock, o -> {
      o.getAuth().setTokenHmacSecret(SECRET).setExpiredCloseDelaySeconds(GRACE).setExpiredSubCloseDelaySeconds(GRACE);
      o.getGateway().setInstances(1).setPingIntervalSeconds(3600).setPongTimeoutSeconds(60);
      o.getChannels().putNamespace("priv", new NamespaceOptions().setSubscribeToken("required").setPresence(true));
      o.getChannels().putNamespace("open", new NamespaceOptions().setAllowClientPublish(true));
    });
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    server.close();
  }

  static long now() {
    return clock.epochMillis() / 1000;
  }

  static String token(String user, long exp) {
    JsonObject claims = new JsonObject().put("sub", user);
    if (exp > 0) {
      claims.put("exp", exp);
    }
    return Jwt.sign(SECRET, claims);
  }

  static String subToken(String user, String channel, long exp) {
    JsonObject claims = new JsonObject().put("sub", user).put("channel", channel);
    if (exp > 0) {
      claims.put("exp", exp);
    }
    return Jwt.sign(SECRET, claims);
  }

  static WsTestClient connected(String user, long exp) {
    WsTestClient c = WsTestClient.open(vertx, server.port);
    assertThat(c.connect(new JsonObject().put("token", token(user, exp))).containsKey("connect")).isTrue();
    return c;
  }

  static JsonObject subscribe(WsTestClient c, String channel, String token) {
    JsonObject params = new JsonObject().put("channel", channel);
    if (token != null) {
      params.put("token", token);
    }
    return c.reply(c.command("subscribe", params));
  }

  /** The connection still answers commands (it was not closed). */
  static void stillOpen(WsTestClient c) {
    assertThat(c.reply(c.command("presence_stats", new JsonObject().put("channel", "priv:none"))).containsKey("id")).isTrue();
    assertThat(c.isClosed()).isFalse();
  }

  @Test
  void connectReplySaysExpiresAndTtlOnlyWhenTheTokenHasExp() {
    try (WsTestClient c = WsTestClient.open(vertx, server.port); WsTestClient d = WsTestClient.open(vertx, server.port)) {
      JsonObject r = c.connect(new JsonObject().put("token", token("u1", now() + 120))).getJsonObject("connect");
      assertThat(r.getBoolean("expires")).isTrue();
      assertThat(r.getLong("ttl")).isEqualTo(120);
      JsonObject plain = d.connect(new JsonObject().put("token", token("u1", 0))).getJsonObject("connect");
      assertThat(plain.containsKey("expires")).isFalse();
      assertThat(plain.containsKey("ttl")).isFalse();
    }
  }

  @Test
  void expiredConnectionIsClosedWith3005OnlyAfterTheGraceDelay() {
    try (WsTestClient c = connected("u1", now() + 30); WsTestClient probe = connected("p", now() + 5)) {
      // A subscription token of its own does not change the connection's expiry.
      assertThat(subscribe(c, "priv:e", subToken("u1", "priv:e", now() + 100)).containsKey("subscribe")).isTrue();
      clock.advanceMillis(20_000); // past the probe's deadline (5 + 10), before c's (30 + 10)
      assertThat(probe.awaitClose()).isEqualTo(3005);
      stillOpen(c);
      clock.advanceMillis(21_000);
      assertThat(c.awaitClose()).isEqualTo(3005);
    }
  }

  @Test
  void refreshExtendsTheConnection() {
    try (WsTestClient c = connected("u1", now() + 30)) {
      clock.advanceMillis(25_000);
      JsonObject r = c.reply(c.command("refresh", new JsonObject().put("token", token("u1", now() + 100))));
      JsonObject result = r.getJsonObject("refresh");
      assertThat(result.getBoolean("expires")).isTrue();
      assertThat(result.getLong("ttl")).isEqualTo(100);
      assertThat(result.getString("client")).isNotEmpty();
      try (WsTestClient probe = connected("p", now() + 25)) {
        clock.advanceMillis(40_000); // past the old deadline (and the probe's), before the new one
        assertThat(probe.awaitClose()).isEqualTo(3005);
        stillOpen(c);
      }
      clock.advanceMillis(71_000);
      assertThat(c.awaitClose()).isEqualTo(3005);
    }
  }

  @Test
  void refreshWithoutExpEndsExpiry() {
    try (WsTestClient c = connected("u1", now() + 30)) {
      JsonObject result = c.reply(c.command("refresh", new JsonObject().put("token", token("u1", 0)))).getJsonObject("refresh");
      assertThat(result.getBoolean("expires")).isFalse();
      assertThat(result.containsKey("ttl")).isFalse();
      try (WsTestClient probe = connected("p", now() + 50)) {
        clock.advanceMillis(61_000);
        assertThat(probe.awaitClose()).isEqualTo(3005);
        stillOpen(c);
      }
    }
  }

  @Test
  void refreshErrorsFollowCentrifugo() {
    try (WsTestClient c = connected("u1", now() + 30)) {
      c.command("refresh", new JsonObject().put("token", token("someone-else", now() + 100)));
      assertThat(c.awaitClose()).as("another user's token").isEqualTo(3500);
    }
    try (WsTestClient c = connected("u1", now() + 30)) {
      c.command("refresh", new JsonObject().put("token", token("u1", now() - 1)));
      assertThat(c.awaitClose()).as("expired token").isEqualTo(3005);
    }
    try (WsTestClient c = connected("u1", now() + 30)) {
      c.command("refresh", new JsonObject().put("token", Jwt.sign(SECRET, "{\"sub\":\"u1\",\"exp\":\"soon\"}")));
      assertThat(c.awaitClose()).as("malformed token").isEqualTo(3500);
    }
    try (WsTestClient c = connected("u1", now() + 30)) {
      c.command("refresh", new JsonObject());
      assertThat(c.awaitClose()).as("no token").isEqualTo(3501);
    }
  }

  @Test
  void subscribeTokenIsRequiredAndChecked() {
    try (WsTestClient c = connected("u1", 0)) {
      assertThat(subscribe(c, "priv:a", null).getJsonObject("error").getInteger("code")).as("missing").isEqualTo(103);
      assertThat(subscribe(c, "priv:a", subToken("u1", "priv:a", now() - 1)).getJsonObject("error").getInteger("code"))
          .as("expired").isEqualTo(109);
      JsonObject ok = subscribe(c, "priv:a", subToken("u1", "priv:a", now() + 60)).getJsonObject("subscribe");
      assertThat(ok.getBoolean("expires")).isTrue();
      assertThat(ok.getLong("ttl")).isEqualTo(60);
      JsonObject noExp = subscribe(c, "priv:b", subToken("u1", "priv:b", 0)).getJsonObject("subscribe");
      assertThat(noExp.containsKey("expires")).isFalse();
    }
    try (WsTestClient c = connected("u1", 0)) {
      c.command("subscribe", new JsonObject().put("channel", "priv:a").put("token", subToken("u1", "priv:other", now() + 60)));
      assertThat(c.awaitClose()).as("token for another channel").isEqualTo(3500);
    }
    try (WsTestClient c = connected("u1", 0)) {
      c.command("subscribe", new JsonObject().put("channel", "priv:a").put("token", subToken("u2", "priv:a", now() + 60)));
      assertThat(c.awaitClose()).as("token of another user").isEqualTo(3500);
    }
    try (WsTestClient c = connected("u1", 0)) {
      c.command("subscribe", new JsonObject().put("channel", "priv:a").put("token", "not.a.token"));
      assertThat(c.awaitClose()).as("garbage").isEqualTo(3500);
    }
  }

  @Test
  void optionalNamespaceTakesATokenWhenGiven() {
    try (WsTestClient c = connected("u1", 0)) {
      assertThat(subscribe(c, "open:a", null).containsKey("subscribe")).isTrue();
      JsonObject withToken = subscribe(c, "open:b", subToken("u1", "open:b", now() + 45)).getJsonObject("subscribe");
      assertThat(withToken.getLong("ttl")).isEqualTo(45);
    }
  }

  @Test
  void expiredSubscriptionEndsWith2501UnlessRefreshed() {
    try (WsTestClient c = connected("u1", 0)) {
      subscribe(c, "priv:x", subToken("u1", "priv:x", now() + 20));
      subscribe(c, "priv:y", subToken("u1", "priv:y", now() + 20));
      JsonObject r = c.reply(c.command("sub_refresh", new JsonObject().put("channel", "priv:x")
          .put("token", subToken("u1", "priv:x", now() + 200)))).getJsonObject("sub_refresh");
      assertThat(r.getBoolean("expires")).isTrue();
      assertThat(r.getLong("ttl")).isEqualTo(200);
      clock.advanceMillis(31_000);
      JsonObject unsub = c.next().getJsonObject("push");
      assertThat(unsub.getString("channel")).as("the refreshed priv:x goes on").isEqualTo("priv:y");
      assertThat(unsub.getJsonObject("unsubscribe").getInteger("code")).isEqualTo(2501);
      assertThat(unsub.getJsonObject("unsubscribe").getString("reason")).isEqualTo("subscription expired");
      // Subscribing again with a new token works (what the SDKs do on 2501).
      assertThat(subscribe(c, "priv:y", subToken("u1", "priv:y", now() + 20)).containsKey("subscribe")).isTrue();
      stillOpen(c);
    }
  }

  @Test
  void subscriptionTokenInfoIsTheSubscribersChannelInfo() {
    JsonObject info = new JsonObject().put("name", "Ann").put("role", "editor");
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      String client = c.connect(new JsonObject().put("token", token("u7", 0))).getJsonObject("connect").getString("client");
      String t = Jwt.sign(SECRET, new JsonObject().put("sub", "u7").put("channel", "priv:info").put("info", info));
      assertThat(subscribe(c, "priv:info", t).containsKey("subscribe")).isTrue();
      JsonObject entry = c.reply(c.command("presence", new JsonObject().put("channel", "priv:info")))
          .getJsonObject("presence").getJsonObject("presence").getJsonObject(client);
      assertThat(entry.getString("user")).isEqualTo("u7");
      assertThat(entry.getJsonObject("chan_info")).isEqualTo(info);

      String ot = Jwt.sign(SECRET, new JsonObject().put("sub", "u7").put("channel", "open:info").put("info", info));
      assertThat(subscribe(c, "open:info", ot).containsKey("subscribe")).isTrue();
      c.reply(c.command("publish", new JsonObject().put("channel", "open:info").put("data", new JsonObject().put("n", 1))));
      JsonObject pub = c.next().getJsonObject("push").getJsonObject("pub");
      assertThat(pub.getJsonObject("info").getJsonObject("chan_info")).isEqualTo(info);
    }
  }

  @Test
  void subRefreshErrorsFollowCentrifugo() {
    try (WsTestClient c = connected("u1", 0)) {
      subscribe(c, "priv:r", subToken("u1", "priv:r", now() + 20));
      assertThat(c.reply(c.command("sub_refresh", new JsonObject().put("channel", "priv:not-mine")
          .put("token", subToken("u1", "priv:not-mine", now() + 60)))).getJsonObject("error").getInteger("code"))
          .as("not subscribed").isEqualTo(103);
      assertThat(c.reply(c.command("sub_refresh", new JsonObject().put("channel", "priv:r")))
          .getJsonObject("error").getInteger("code")).as("no token").isEqualTo(107);
      assertThat(c.reply(c.command("sub_refresh", new JsonObject().put("channel", "priv:r")
          .put("token", subToken("u1", "priv:r", now() - 1)))).getJsonObject("error").getInteger("code"))
          .as("expired").isEqualTo(109);
      c.command("sub_refresh", new JsonObject().put("channel", "priv:r").put("token", subToken("u1", "priv:q", now() + 60)));
      assertThat(c.awaitClose()).as("token for another channel").isEqualTo(3500);
    }
  }
}
