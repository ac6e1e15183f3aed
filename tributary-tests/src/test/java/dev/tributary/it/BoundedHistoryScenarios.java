package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.config.TributaryOptions;
import dev.tributary.metrics.MetricNames;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * History and recovery larger than a connection's queue, over real sockets: {@code history} pages
 * within the reply budget (half of {@code gateway.maxQueueBytes}, here 64 KiB) and the client pages
 * on with {@code since}; a recovery larger than the budget answers {@code recovered: false} with
 * the latest position instead of a 3008 close (which the client would meet again after every
 * reconnect). Run against each history store ({@link BoundedHistoryTest},
 * {@link BoundedHistoryRedisTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BoundedHistoryScenarios {
  static final int MAX_QUEUE_BYTES = 64 * 1024;
  static final int MAX_BODY_BYTES = 8 * 1024;
  /** A publication of about 1 KB: 100 of them are more than the whole queue. */
  static final String KB = "x".repeat(1000);
  static final AtomicInteger channels = new AtomicInteger();

  TestServer server;
  Vertx client;
  WebClient web;

  /** The store under test (memory: nothing to add; Redis: its URL). */
  abstract void configureStore(TributaryOptions o);

  @BeforeAll
  void start() {
    server = TestServer.start(o -> {
      configureStore(o);
      o.getGateway().setMaxQueueBytes(MAX_QUEUE_BYTES);
      o.getHttp().setMaxBodyBytes(MAX_BODY_BYTES);
      // The most channels.maxPublicationBytes may be (a whole queue; the default is a quarter), so
      // that history meets a publication larger than a reply may be (half the queue).
      o.getChannels().setMaxPublicationBytes(MAX_QUEUE_BYTES);
      o.getChannels().putNamespace("big", new NamespaceOptions().setHistorySize(1000).setHistoryTtlSeconds(300)
          .setAllowClientPublish(true));
    });
    client = Vertx.vertx();
    web = WebClient.create(client);
  }

  @AfterAll
  void stop() {
    web.close();
    client.close().await();
    server.close();
  }

  static String channel() {
    return "big:c" + channels.incrementAndGet();
  }

  HttpResponse<Buffer> api(String method, JsonObject body) {
    return web.post(server.port, "127.0.0.1", "/api/" + method).putHeader("X-API-Key", TestServer.API_KEY)
        .sendBuffer(Buffer.buffer(body.encode())).await();
  }

  void publish(String ch, int n) {
    for (int i = 1; i <= n; i++) {
      HttpResponse<Buffer> r = api("publish", new JsonObject().put("channel", ch).put("data", new JsonObject().put("i", i).put("pad", KB)));
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    }
  }

  static JsonObject history(WsTestClient c, JsonObject params) {
    return c.reply(c.command("history", params));
  }

  static List<Long> offsets(JsonArray pubs) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < pubs.size(); i++) {
      out.add(pubs.getJsonObject(i).getLong("offset"));
    }
    return out;
  }

  static List<Long> range(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long o = from; from <= to ? o <= to : o >= to; o += from <= to ? 1 : -1) {
      out.add(o);
    }
    return out;
  }

  double tooLargeCount() {
    var c = server.server.registry().find(MetricNames.RECOVERY_TOO_LARGE).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void historyPagesWithinTheQueueBudgetAndSincePagesThroughEverything() {
    String ch = channel();
    publish(ch, 100);
    try (WsTestClient c = WsTestClient.open(client, server.port)) {
      c.connect();
      JsonObject sub = c.subscribe(ch).getJsonObject("subscribe");
      String epoch = sub.getString("epoch");
      assertThat(sub.getLong("offset")).isEqualTo(100);

      // No limit, or 0: the position only (Centrifugo's semantics since v3).
      for (JsonObject params : List.of(new JsonObject(), new JsonObject().put("limit", 0))) {
        JsonObject h = history(c, params.put("channel", ch)).getJsonObject("history");
        assertThat(h.getJsonArray("publications")).isEmpty();
        assertThat(h.getLong("offset")).isEqualTo(100);
        assertThat(h.getString("epoch")).isEqualTo(epoch);
      }
      assertThat(offsets(history(c, new JsonObject().put("channel", ch).put("limit", 10))
          .getJsonObject("history").getJsonArray("publications"))).isEqualTo(range(1, 10));

      // limit -1: everything, cut to the budget; the client pages on with since.
      List<Long> seen = new ArrayList<>();
      JsonObject since = null;
      int pages = 0;
      while (true) {
        JsonObject params = new JsonObject().put("channel", ch).put("limit", -1);
        if (since != null) {
          params.put("since", since);
        }
        JsonObject reply = history(c, params);
        assertThat(reply.encode().length()).as("a page stays within half the queue").isLessThanOrEqualTo(MAX_QUEUE_BYTES / 2);
        JsonArray pubs = reply.getJsonObject("history").getJsonArray("publications");
        if (pubs.isEmpty()) {
          break;
        }
        pages++;
        seen.addAll(offsets(pubs));
        since = new JsonObject().put("offset", seen.get(seen.size() - 1)).put("epoch", epoch);
      }
      assertThat(seen).isEqualTo(range(1, 100));
      assertThat(pages).as("100 KB of history in pages of at most 32 KiB").isBetween(4, 10);

      // Reverse: newest first, since = the oldest seen so far.
      List<Long> back = new ArrayList<>();
      since = null;
      while (true) {
        JsonObject params = new JsonObject().put("channel", ch).put("limit", -1).put("reverse", true);
        if (since != null) {
          params.put("since", since);
        }
        JsonArray pubs = history(c, params).getJsonObject("history").getJsonArray("publications");
        if (pubs.isEmpty()) {
          break;
        }
        back.addAll(offsets(pubs));
        since = new JsonObject().put("offset", back.get(back.size() - 1)).put("epoch", epoch);
      }
      assertThat(back).isEqualTo(range(100, 1));
      assertThat(c.isClosed()).isFalse();
    }
  }

  @Test
  void badHistoryRequestsGetClearErrorsAndTheConnectionStays() {
    String ch = channel();
    try (WsTestClient c = WsTestClient.open(client, server.port)) {
      c.connect();
      c.subscribe(ch);
      // One publication larger than any reply may be (half the queue): 106, not a 3008 close.
      String huge = "y".repeat(MAX_QUEUE_BYTES / 2 + 100);
      assertThat(c.reply(c.command("publish", new JsonObject().put("channel", ch).put("data", huge)))
          .containsKey("error")).isFalse();
      assertThat(c.next().getJsonObject("push").getJsonObject("pub").getString("data")).isEqualTo(huge);
      JsonObject tooLarge = history(c, new JsonObject().put("channel", ch).put("limit", -1)).getJsonObject("error");
      assertThat(tooLarge.getInteger("code")).isEqualTo(106);
      assertThat(tooLarge.getString("message")).contains("larger than a reply may be");
      String epoch = history(c, new JsonObject().put("channel", ch)).getJsonObject("history").getString("epoch");

      assertThat(history(c, new JsonObject().put("channel", ch).put("limit", 1)
          .put("since", new JsonObject().put("offset", 0).put("epoch", "another"))).getJsonObject("error").getInteger("code"))
          .isEqualTo(112);
      assertThat(history(c, new JsonObject().put("channel", ch).put("limit", 1).put("reverse", true)
          .put("since", new JsonObject().put("offset", 0).put("epoch", epoch))).getJsonObject("error").getInteger("code"))
          .as("reverse since offset 0").isEqualTo(107);
      for (JsonObject bad : List.of(new JsonObject().put("limit", "ten"), new JsonObject().put("limit", 1).put("since", "abc"),
          new JsonObject().put("limit", 1).put("since", new JsonObject().put("offset", -1)),
          new JsonObject().put("limit", 1).put("since", new JsonObject().put("offset", 1).put("epoch", 5)),
          new JsonObject().put("limit", 1).put("reverse", "yes"), new JsonObject().put("limit", 1.5))) {
        assertThat(history(c, bad.put("channel", ch)).getJsonObject("error").getInteger("code")).as(bad.encode()).isEqualTo(107);
      }
      // Past the large one, paging goes on.
      assertThat(c.reply(c.command("publish", new JsonObject().put("channel", ch).put("data", 2))).containsKey("error")).isFalse();
      c.next();
      JsonArray after = history(c, new JsonObject().put("channel", ch).put("limit", -1)
          .put("since", new JsonObject().put("offset", 1).put("epoch", epoch))).getJsonObject("history").getJsonArray("publications");
      assertThat(offsets(after)).containsExactly(2L);
      assertThat(c.isClosed()).isFalse();
    }
  }

  @Test
  void aRecoveryLargerThanTheBudgetAnswersRecoveredFalseWithTheLatestPositionAndNo3008() {
    String ch = channel();
    String epoch;
    try (WsTestClient a = WsTestClient.open(client, server.port)) {
      a.connect();
      JsonObject sub = a.subscribe(ch).getJsonObject("subscribe");
      epoch = sub.getString("epoch");
      assertThat(sub.getLong("offset")).isZero();
    }
    // Away: more than the whole queue is published.
    publish(ch, 100);
    double before = tooLargeCount();
    try (WsTestClient b = WsTestClient.open(client, server.port)) {
      b.connect();
      JsonObject r = b.reply(b.command("subscribe", new JsonObject().put("channel", ch)
          .put("recover", true).put("offset", 0).put("epoch", epoch))).getJsonObject("subscribe");
      assertThat(r.getBoolean("was_recovering")).isTrue();
      assertThat(r.getBoolean("recovered")).isFalse();
      assertThat(r.getJsonArray("publications")).as("all or nothing").isEmpty();
      assertThat(r.getLong("offset")).as("the latest position: the client starts fresh from it").isEqualTo(100);
      assertThat(r.getString("epoch")).isEqualTo(epoch);
      assertThat(tooLargeCount()).isEqualTo(before + 1);
      // Still connected, live from the next offset.
      publish(ch, 1);
      JsonObject live = b.next().getJsonObject("push").getJsonObject("pub");
      assertThat(live.getLong("offset")).isEqualTo(101);
      // A recovery that fits is still a recovery.
      b.reply(b.command("unsubscribe", new JsonObject().put("channel", ch)));
      publish(ch, 3);
      JsonObject small = b.reply(b.command("subscribe", new JsonObject().put("channel", ch)
          .put("recover", true).put("offset", 101).put("epoch", epoch))).getJsonObject("subscribe");
      assertThat(small.getBoolean("recovered")).isTrue();
      assertThat(offsets(small.getJsonArray("publications"))).containsExactly(102L, 103L, 104L);
      assertThat(tooLargeCount()).isEqualTo(before + 1);
      assertThat(b.isClosed()).isFalse();
    }
  }

  @Test
  void apiHistoryPagesWithinTwiceTheBodyLimit() {
    String ch = channel();
    publish(ch, 40);
    JsonObject positionOnly = api("history", new JsonObject().put("channel", ch)).bodyAsJsonObject().getJsonObject("result");
    assertThat(positionOnly.getJsonArray("publications")).isEmpty();
    assertThat(positionOnly.getLong("offset")).isEqualTo(40);
    String epoch = positionOnly.getString("epoch");
    List<Long> seen = new ArrayList<>();
    JsonObject since = null;
    int pages = 0;
    while (true) {
      JsonObject body = new JsonObject().put("channel", ch).put("limit", -1);
      if (since != null) {
        body.put("since", since);
      }
      HttpResponse<Buffer> r = api("history", body);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.bodyAsString().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(2 * MAX_BODY_BYTES + 256);
      JsonArray pubs = r.bodyAsJsonObject().getJsonObject("result").getJsonArray("publications");
      if (pubs.isEmpty()) {
        break;
      }
      pages++;
      seen.addAll(offsets(pubs));
      since = new JsonObject().put("offset", seen.get(seen.size() - 1)).put("epoch", epoch);
    }
    assertThat(seen).isEqualTo(range(1, 40));
    assertThat(pages).as("40 KB in pages of at most 16 KiB").isBetween(3, 6);
    HttpResponse<Buffer> bad = api("history", new JsonObject().put("channel", ch).put("limit", 1)
        .put("since", new JsonObject().put("offset", 1).put("epoch", "another")));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getJsonObject("error").getInteger("code")).isEqualTo(112);
    HttpResponse<Buffer> badLimit = api("history", new JsonObject().put("channel", ch).put("limit", true));
    assertThat(badLimit.statusCode()).isEqualTo(400);
    assertThat(badLimit.bodyAsJsonObject().getJsonObject("error").getInteger("code")).isEqualTo(107);
  }

  @Test
  void serverSideRecoveriesInTheConnectReplyShareTheBudget() {
    String secret = "a-secret-for-tests-only";
    try (TestServer auth = TestServer.start(o -> {
      configureStore(o);
      o.getAuth().setTokenHmacSecret(secret);
      o.getGateway().setMaxQueueBytes(MAX_QUEUE_BYTES);
      o.getChannels().putNamespace("big", new NamespaceOptions().setHistorySize(1000).setHistoryTtlSeconds(300));
    })) {
      String small = channel();
      String large = channel();
      String token = io.vertx.ext.auth.jwt.JWTAuth.create(client, new io.vertx.ext.auth.jwt.JWTAuthOptions().addPubSecKey(
          new io.vertx.ext.auth.PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)))
          .generateToken(new JsonObject().put("sub", "u1").put("exp", System.currentTimeMillis() / 1000 + 600)
              .put("channels", new JsonArray().add(small).add(large)));
      JsonObject positions;
      try (WsTestClient c = WsTestClient.open(client, auth.port)) {
        positions = c.connect(new JsonObject().put("token", token)).getJsonObject("connect").getJsonObject("subs");
      }
      TestServer saved = server;
      server = auth;
      try {
        publish(small, 10); // about 10 KB: within its share (a quarter of the queue)
        publish(large, 40); // about 40 KB: more than its share
        double before = tooLargeCount();
        JsonObject subs = new JsonObject();
        for (String ch : List.of(small, large)) {
          subs.put(ch, new JsonObject().put("recover", true).put("offset", 0)
              .put("epoch", positions.getJsonObject(ch).getString("epoch")));
        }
        try (WsTestClient c = WsTestClient.open(client, auth.port)) {
          JsonObject reply = c.connect(new JsonObject().put("token", token).put("subs", subs));
          assertThat(reply.encode().length()).isLessThanOrEqualTo(MAX_QUEUE_BYTES / 2);
          JsonObject got = reply.getJsonObject("connect").getJsonObject("subs");
          assertThat(got.getJsonObject(small).getBoolean("recovered")).isTrue();
          assertThat(offsets(got.getJsonObject(small).getJsonArray("publications"))).isEqualTo(range(1, 10));
          assertThat(got.getJsonObject(large).getBoolean("recovered")).isFalse();
          assertThat(got.getJsonObject(large).getJsonArray("publications")).isEmpty();
          assertThat(got.getJsonObject(large).getLong("offset")).isEqualTo(40);
          assertThat(tooLargeCount()).isEqualTo(before + 1);
          publish(large, 1);
          assertThat(c.next().getJsonObject("push").getJsonObject("pub").getLong("offset")).isEqualTo(41);
        }
      } finally {
        server = saved;
      }
    }
  }
}
