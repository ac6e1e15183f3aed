package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.RedisClusterExtension;
import dev.tributary.testing.RedisDeployment;
import dev.tributary.testing.RedisServerExtension;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * History shared by two nodes through a real redis-server: one offset sequence per channel
 * whichever node publishes, recovery on the other node, the history API on either, recovery after
 * a node's broker subscription was interrupted, and publications refused while Redis is down.
 */
class MultiNodeHistoryTest {
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  @RegisterExtension
  static final RedisClusterExtension cluster = new RedisClusterExtension();
  static Vertx client;
  static WebClient web;

  @BeforeAll
  static void start() throws Exception {
    client = Vertx.vertx();
    web = WebClient.create(client);
  }

  @AfterAll
  static void stop() {
    web.close();
    client.close().await();
  }

  /** The guarantees below that do not stop or cut Redis hold on one Redis and on a Redis Cluster alike. */
  static List<RedisDeployment> deployments() {
    return List.of(redis, cluster);
  }

  static TestServer node() {
    return node(redis);
  }

  static TestServer node(RedisDeployment redisAt) {
    return node(redisAt, null, 20);
  }

  static TestServer node(String tokenSecret, int positionCheckSeconds) {
    return node(redis, tokenSecret, positionCheckSeconds);
  }

  static TestServer node(RedisDeployment r, String tokenSecret, int positionCheckSeconds) {
    return TestServer.start(o -> {
      if (tokenSecret != null) {
        o.getAuth().setTokenHmacSecret(tokenSecret);
      }
      r.configure(o.getRedis());
      o.getRedis().getLink().setBreakerResetTimeoutMillis(300).setReconnectInitialDelayMillis(20)
          .setReconnectMaxDelayMillis(300);
      o.getGateway().getRateLimit().setCommandsPerSecond(0);
      o.getChannels().setPositionCheckSeconds(positionCheckSeconds);
      o.getChannels().putNamespace("h", new NamespaceOptions().setAllowClientPublish(true).setHistorySize(1000)
          .setHistoryTtlSeconds(300));
      o.getChannels().putNamespace("x", new NamespaceOptions().setAllowClientPublish(true));
    });
  }

  static HttpResponse<Buffer> api(int port, String method, JsonObject body) {
    return web.post(port, "127.0.0.1", "/api/" + method).putHeader("X-API-Key", TestServer.API_KEY)
        .sendBuffer(Buffer.buffer(body.encode())).await();
  }

  static JsonObject pub(JsonObject push) {
    return push.getJsonObject("push").getJsonObject("pub");
  }

  @ParameterizedTest
  @MethodSource("deployments")
  void offsetsAreSharedAndAClientRecoversOnTheOtherNode(RedisDeployment redisAt) {
    try (TestServer a = node(redisAt); TestServer b = node(redisAt); WsTestClient onA = WsTestClient.open(client, a.port)) {
      onA.connect();
      JsonObject sub = onA.subscribe("h:one").getJsonObject("subscribe");
      String epoch = sub.getString("epoch");
      assertThat(sub.getLong("offset")).isZero();
      TreeSet<Long> offsets = new TreeSet<>();
      for (int i = 1; i <= 10; i++) {
        HttpResponse<Buffer> r = api(i % 2 == 0 ? a.port : b.port, "publish", new JsonObject().put("channel", "h:one").put("data", i));
        assertThat(r.statusCode()).isEqualTo(200);
        offsets.add(r.bodyAsJsonObject().getJsonObject("result").getLong("offset"));
      }
      assertThat(offsets).as("one sequence whichever node published").hasSize(10).first().isEqualTo(1L);
      assertThat(offsets.last()).isEqualTo(10L);
      for (int i = 1; i <= 10; i++) {
        JsonObject p = pub(onA.next());
        assertThat(p.getInteger("data")).isEqualTo(i);
        assertThat(p.getLong("offset")).isEqualTo(i);
      }
      // The client saw 4, then its node went away: on the other node it gets 5..10, once each.
      try (WsTestClient onB = WsTestClient.open(client, b.port)) {
        onB.connect();
        JsonObject r = onB.reply(onB.command("subscribe", new JsonObject().put("channel", "h:one")
            .put("recover", true).put("offset", 4).put("epoch", epoch))).getJsonObject("subscribe");
        assertThat(r.getBoolean("recovered")).isTrue();
        assertThat(r.getString("epoch")).isEqualTo(epoch);
        assertThat(r.getJsonArray("publications").stream().map(o -> ((JsonObject) o).getInteger("data")).toList())
            .containsExactly(5, 6, 7, 8, 9, 10);
        assertThat(api(a.port, "publish", new JsonObject().put("channel", "h:one").put("data", 11)).statusCode()).isEqualTo(200);
        assertThat(pub(onB.next()).getLong("offset")).as("live again, nothing twice").isEqualTo(11);

        JsonObject hist = api(b.port, "history", new JsonObject().put("channel", "h:one").put("limit", 3).put("reverse", true))
            .bodyAsJsonObject().getJsonObject("result");
        assertThat(hist.getJsonArray("publications").stream().map(o -> ((JsonObject) o).getLong("offset")).toList())
            .containsExactly(11L, 10L, 9L);
        assertThat(hist.getString("epoch")).isEqualTo(epoch);
        JsonObject err = onB.reply(onB.command("history", new JsonObject().put("channel", "h:one")
            .put("since", new JsonObject().put("offset", 3).put("epoch", "another"))));
        assertThat(err.getJsonObject("error").getInteger("code")).isEqualTo(112);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("deployments")
  void publishersOnBothNodesGiveEverySubscriberOneGaplessOrder(RedisDeployment redisAt) {
    try (TestServer a = node(redisAt); TestServer b = node(redisAt)) {
      List<WsTestClient> subs = new ArrayList<>();
      for (TestServer n : new TestServer[] {a, b, a, b}) {
        WsTestClient s = WsTestClient.open(client, n.port);
        s.connect();
        s.subscribe("h:busy");
        subs.add(s);
      }
      List<WsTestClient> pubs = List.of(WsTestClient.open(client, a.port), WsTestClient.open(client, b.port));
      pubs.forEach(WsTestClient::connect);
      int per = 200;
      List<List<Long>> ids = List.of(new ArrayList<>(), new ArrayList<>());
      for (int i = 0; i < per; i++) {
        for (int p = 0; p < 2; p++) {
          ids.get(p).add(pubs.get(p).command("publish", new JsonObject().put("channel", "h:busy")
              .put("data", new JsonObject().put("p", p).put("i", i))));
        }
      }
      for (int p = 0; p < 2; p++) {
        for (long id : ids.get(p)) {
          assertThat(pubs.get(p).reply(id).containsKey("error")).as("publish accepted").isFalse();
        }
      }
      List<String> first = null;
      for (WsTestClient s : subs) {
        List<String> seen = new ArrayList<>();
        int[] next = new int[2];
        for (long k = 1; k <= 2L * per; k++) {
          JsonObject p = pub(s.next());
          assertThat(p.getLong("offset")).as("gapless, in order").isEqualTo(k);
          JsonObject d = p.getJsonObject("data");
          assertThat(d.getInteger("i")).as("each publisher's own order").isEqualTo(next[d.getInteger("p")]++);
          seen.add(d.encode());
        }
        if (first == null) {
          first = seen;
        } else {
          assertThat(seen).as("the same order on both nodes").isEqualTo(first);
        }
      }
      subs.forEach(WsTestClient::close);
      pubs.forEach(WsTestClient::close);
    }
  }

  @Test
  void anInterruptedBrokerSubscriptionMakesClientsRecoverWhatTheyMissed() {
    try (TestServer a = node(); TestServer b = node(); WsTestClient onB = WsTestClient.open(client, b.port)) {
      onB.autoPong().connect();
      String epoch = onB.subscribe("h:gap").getJsonObject("subscribe").getString("epoch");
      assertThat(api(a.port, "publish", new JsonObject().put("channel", "h:gap").put("data", 1)).statusCode()).isEqualTo(200);
      List<Integer> got = new ArrayList<>();
      long last = 0;
      JsonObject p1 = pub(onB.next());
      got.add(p1.getInteger("data"));
      last = p1.getLong("offset");
      // Cut every pub/sub connection (both nodes' subscribers): publications meanwhile are lost there.
      Redis admin = Redis.createClient(client, redis.url());
      try {
        admin.send(Request.cmd(Command.CLIENT).arg("KILL").arg("TYPE").arg("pubsub")).await();
      } finally {
        admin.close();
      }
      for (int i = 2; i <= 5; i++) {
        assertThat(api(a.port, "publish", new JsonObject().put("channel", "h:gap").put("data", i)).statusCode()).isEqualTo(200);
      }
      // Whatever arrived live, the node ends the subscription with 2500 once its subscriber is back.
      while (true) {
        JsonObject m = onB.next();
        JsonObject push = m.getJsonObject("push");
        assertThat(push).as("only pushes before the unsubscribe: %s", m).isNotNull();
        if (push.containsKey("unsubscribe")) {
          assertThat(push.getJsonObject("unsubscribe").getInteger("code")).isEqualTo(2500);
          break;
        }
        got.add(push.getJsonObject("pub").getInteger("data"));
        last = push.getJsonObject("pub").getLong("offset");
      }
      // The client does what centrifuge-js does: subscribes again, recovering from its position.
      JsonObject r = onB.reply(onB.command("subscribe", new JsonObject().put("channel", "h:gap")
          .put("recover", true).put("offset", last).put("epoch", epoch))).getJsonObject("subscribe");
      assertThat(r.getBoolean("recovered")).isTrue();
      for (Object o : r.getJsonArray("publications", new JsonArray())) {
        got.add(((JsonObject) o).getInteger("data"));
      }
      assertThat(api(a.port, "publish", new JsonObject().put("channel", "h:gap").put("data", 6)).statusCode()).isEqualTo(200);
      got.add(pub(onB.next()).getInteger("data"));
      assertThat(got).as("every publication once, in order").containsExactly(1, 2, 3, 4, 5, 6);
      assertThat(b.server.registry().find("tributary.subscriptions.insufficient.state").counter().count()).isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  void historyChannelsRefusePublicationsWhileRedisIsDown() throws Exception {
    try (TestServer a = node(); WsTestClient c = WsTestClient.open(client, a.port)) {
      c.autoPong().connect();
      String epoch = c.subscribe("h:down").getJsonObject("subscribe").getString("epoch");
      redis.stop();
      try {
        MultiNodeTest.eventually("breaker open", () -> !a.server.ops().redisUp());
        HttpResponse<Buffer> r = api(a.port, "publish", new JsonObject().put("channel", "h:down").put("data", "lost?"));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("h:down");
        JsonObject err = c.reply(c.command("publish", new JsonObject().put("channel", "h:down").put("data", "x")));
        assertThat(err.getJsonObject("error").getInteger("code")).isEqualTo(100);
        HttpResponse<Buffer> plain = api(a.port, "publish", new JsonObject().put("channel", "x:plain").put("data", 1));
        assertThat(plain.statusCode()).as("channels without history are refused too (redis.degradedPublish: refuse)")
            .isEqualTo(503);
        assertThat(plain.getHeader("Retry-After")).isEqualTo("1");
        assertThat(err.getJsonObject("error").getBoolean("temporary")).isTrue();
        assertThat(api(a.port, "broadcast", new JsonObject().put("channels", new JsonArray().add("x:plain").add("h:down"))
            .put("data", 1)).statusCode()).isEqualTo(503);
        assertThat(a.server.registry().find("tributary.publish.refused").tag("reason", "broker_unavailable")
            .functionCounter().count()).isGreaterThanOrEqualTo(4);
      } finally {
        redis.restart();
      }
      // The node's subscription to the channel was interrupted: the client is told to recover;
      // Redis came back empty (no persistence here), so the stream has a new epoch.
      JsonObject unsub = c.next().getJsonObject("push").getJsonObject("unsubscribe");
      assertThat(unsub.getInteger("code")).isEqualTo(2500);
      MultiNodeTest.eventually("breaker closed", () -> a.server.ops().redisUp());
      // As centrifuge-js does, a temporary error (100) is retried.
      JsonObject again = null;
      for (int attempt = 0; attempt < 50 && again == null; attempt++) {
        JsonObject reply = c.reply(c.command("subscribe", new JsonObject().put("channel", "h:down")
            .put("recover", true).put("offset", 0).put("epoch", epoch)));
        if (reply.containsKey("error")) {
          assertThat(reply.getJsonObject("error").getInteger("code")).as("%s", reply).isEqualTo(100);
        } else {
          again = reply.getJsonObject("subscribe");
        }
      }
      assertThat(again).as("subscribed again").isNotNull();
      assertThat(again.getBoolean("recovered")).isFalse();
      assertThat(again.getString("epoch")).isNotEqualTo(epoch);
      HttpResponse<Buffer> ok = api(a.port, "publish", new JsonObject().put("channel", "h:down").put("data", "back"));
      assertThat(ok.statusCode()).isEqualTo(200);
      JsonObject p = pub(c.next());
      assertThat(p.getString("data")).as("nothing refused was delivered").isEqualTo("back");
    }
  }

  @ParameterizedTest
  @MethodSource("deployments")
  void serverSideSubscriptionsRecoverThroughConnect(RedisDeployment redisAt) {
    String secret = "a-secret-for-tests-only";
    io.vertx.ext.auth.jwt.JWTAuth signer = io.vertx.ext.auth.jwt.JWTAuth.create(client,
        new io.vertx.ext.auth.jwt.JWTAuthOptions().addPubSecKey(
            new io.vertx.ext.auth.PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    String token = signer.generateToken(new JsonObject().put("sub", "u1")
        .put("exp", System.currentTimeMillis() / 1000 + 600).put("channels", new JsonArray().add("h:mine")));
    try (TestServer a = node(redisAt, secret, 20); TestServer b = node(redisAt, secret, 20)) {
      String epoch;
      try (WsTestClient c = WsTestClient.open(client, a.port)) {
        JsonObject sub = c.connect(new JsonObject().put("token", token)).getJsonObject("connect")
            .getJsonObject("subs").getJsonObject("h:mine");
        assertThat(sub.getBoolean("recoverable")).isTrue();
        epoch = sub.getString("epoch");
        for (int i = 1; i <= 2; i++) {
          assertThat(api(b.port, "publish", new JsonObject().put("channel", "h:mine").put("data", i)).statusCode()).isEqualTo(200);
          assertThat(pub(c.next()).getLong("offset")).isEqualTo(i);
        }
      }
      for (int i = 3; i <= 4; i++) {
        assertThat(api(a.port, "publish", new JsonObject().put("channel", "h:mine").put("data", i)).statusCode()).isEqualTo(200);
      }
      // Back on the other node, with its position in connect's subs (as the SDKs send it).
      try (WsTestClient c = WsTestClient.open(client, b.port)) {
        JsonObject sub = c.connect(new JsonObject().put("token", token).put("subs", new JsonObject()
            .put("h:mine", new JsonObject().put("recover", true).put("offset", 2).put("epoch", epoch))))
            .getJsonObject("connect").getJsonObject("subs").getJsonObject("h:mine");
        assertThat(sub.getBoolean("recovered")).isTrue();
        assertThat(sub.getJsonArray("publications").stream().map(o -> ((JsonObject) o).getInteger("data")).toList())
            .containsExactly(3, 4);
        assertThat(api(a.port, "publish", new JsonObject().put("channel", "h:mine").put("data", 5)).statusCode()).isEqualTo(200);
        JsonObject live = pub(c.next());
        assertThat(live.getInteger("data")).isEqualTo(5);
        assertThat(live.getLong("offset")).isEqualTo(5);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("deployments")
  void subscribingWhilePublicationsFlowGivesEachExactlyOnce(RedisDeployment redisAt) {
    try (TestServer a = node(redisAt); TestServer b = node(redisAt);
         WsTestClient pubA = WsTestClient.open(client, a.port);
         WsTestClient first = WsTestClient.open(client, b.port)) {
      pubA.connect();
      first.connect();
      String epoch = first.subscribe("h:storm").getJsonObject("subscribe").getString("epoch");
      int total = 600;
      List<Long> ids = new ArrayList<>();
      List<JsonObject> joiners = new ArrayList<>();
      List<WsTestClient> late = new ArrayList<>();
      for (int i = 1; i <= total; i++) {
        ids.add(pubA.command("publish", new JsonObject().put("channel", "h:storm").put("data", i)));
        if (i % 100 == 50) {
          // A client joins on the other node mid-stream, recovering from the very start.
          WsTestClient c = WsTestClient.open(client, b.port);
          c.connect();
          late.add(c);
          joiners.add(new JsonObject().put("id", c.command("subscribe", new JsonObject().put("channel", "h:storm")
              .put("recover", true).put("offset", 0).put("epoch", epoch))));
        }
      }
      for (long id : ids) {
        assertThat(pubA.reply(id).containsKey("error")).isFalse();
      }
      for (int k = 0; k < late.size(); k++) {
        WsTestClient c = late.get(k);
        JsonObject r = c.reply(joiners.get(k).getLong("id")).getJsonObject("subscribe");
        assertThat(r.getBoolean("recovered")).isTrue();
        List<Integer> got = new ArrayList<>();
        for (Object o : r.getJsonArray("publications")) {
          got.add(((JsonObject) o).getInteger("data"));
        }
        while (got.size() < total) {
          got.add(pub(c.next()).getInteger("data"));
        }
        for (int i = 0; i < total; i++) {
          assertThat(got.get(i)).as("joiner %d, position %d", k, i).isEqualTo(i + 1);
        }
        assertThat(c.pollNext(50)).as("nothing twice").isNull();
        c.close();
      }
    }
  }

  @Test
  void aPublicationLostOnTheWayToANodeIsRecoveredEvenIfTheChannelGoesQuiet() throws Exception {
    try (TestServer a = node(null, 1); WsTestClient c = WsTestClient.open(client, a.port)) {
      c.autoPong().connect();
      String epoch = c.subscribe("h:quiet").getJsonObject("subscribe").getString("epoch");
      assertThat(api(a.port, "publish", new JsonObject().put("channel", "h:quiet").put("data", 1)).statusCode()).isEqualTo(200);
      assertThat(pub(c.next()).getLong("offset")).isEqualTo(1);
      // Offset 2 reaches the stream but not the node (what a dropped pub/sub message looks like):
      // the history script with no pub/sub channel. Then the channel stays quiet.
      java.lang.reflect.Field f = Class.forName("dev.tributary.redis.broker.RedisHistory").getDeclaredField("APPEND");
      f.setAccessible(true);
      Redis admin = Redis.createClient(client, redis.url());
      try {
        admin.send(Request.cmd(Command.EVAL).arg(((dev.tributary.redis.LuaScript) f.get(null)).text()).arg(2).arg("tributary.history.{h:quiet}")
            .arg("tributary.history.meta.{h:quiet}").arg(1000).arg(300).arg(3600).arg("unused").arg("")
            .arg("\"h:quiet\"").arg("2").arg("").arg(System.currentTimeMillis()).arg(300_000)).await();
      } finally {
        admin.close();
      }
      // The position check notices within two periods and the client is told to recover.
      JsonObject unsub = c.next().getJsonObject("push").getJsonObject("unsubscribe");
      assertThat(unsub.getInteger("code")).isEqualTo(2500);
      JsonObject r = c.reply(c.command("subscribe", new JsonObject().put("channel", "h:quiet")
          .put("recover", true).put("offset", 1).put("epoch", epoch))).getJsonObject("subscribe");
      assertThat(r.getBoolean("recovered")).isTrue();
      assertThat(r.getJsonArray("publications").stream().map(o -> ((JsonObject) o).getInteger("data")).toList())
          .containsExactly(2);
    }
  }
}
