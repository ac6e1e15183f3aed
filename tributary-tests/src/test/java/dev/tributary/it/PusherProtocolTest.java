package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.config.PusherAppOptions;
import dev.tributary.config.TributaryOptions;
import dev.tributary.testing.LogCapture;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Pusher protocol 7 over real sockets, frame by frame: connection_established, the error
 * codes at connect, subscriptions of every channel kind, presence members, client events, cache
 * channels, the mapping to Tributary channels both ways, the signed HTTP API, and a corpus of bad
 * input that gets Pusher errors and leaves no exception in the log. The signatures here are
 * computed by the test itself (HMAC-SHA256 as Pusher documents it), not by the server's code.
 */
class PusherProtocolTest {
  static final String SECRET = "test-secret-1234";
  static Vertx vertx;
  static TestServer server;
  static final HttpClient http = HttpClient.newHttpClient();

  static void configure(TributaryOptions o) {
    o.getChannels().putNamespace("room", new NamespaceOptions().setPresence(true).setJoinLeave(true)
        .setHistorySize(10).setHistoryTtlSeconds(60));
    o.getPusher().addApp(new PusherAppOptions("1", "app-key", SECRET, null, true));
    o.getPusher().addApp(new PusherAppOptions("2", "room-key", SECRET, "room", false));
  }

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    server = TestServer.start(PusherProtocolTest::configure);
  }

  @AfterAll
  static void stop() {
    server.close();
    vertx.close();
  }

  static String hmac(String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** A connected Pusher client and its socket id. */
  record Client(WsTestClient ws, String socketId) implements AutoCloseable {
    JsonObject next() {
      return ws.next();
    }

    /** The next message that is not a server ping. */
    JsonObject event() {
      while (true) {
        JsonObject m = ws.next();
        if (!"pusher:ping".equals(m.getString("event"))) {
          return m;
        }
      }
    }

    void send(String event, Object data) {
      ws.send(new JsonObject().put("event", event).put("data", data).encode());
    }

    JsonObject subscribe(String channel, String auth, String channelData) {
      JsonObject d = new JsonObject().put("channel", channel);
      if (auth != null) {
        d.put("auth", auth);
      }
      if (channelData != null) {
        d.put("channel_data", channelData);
      }
      send("pusher:subscribe", d);
      return event();
    }

    JsonObject subscribePrivate(String channel) {
      return subscribe(channel, "app-key:" + hmac(socketId + ":" + channel), null);
    }

    /** Subscribes, then a ping/pong round trip: everything the server sent before is read. */
    void roundTrip() {
      send("pusher:ping", new JsonObject());
      assertThat(event().getString("event")).isEqualTo("pusher:pong");
    }

    @Override
    public void close() {
      ws.close();
    }
  }

  static Client connect(String key) {
    return connect(vertx, server.port, key);
  }

  /** A pusher client of node {@code port}, past its connection_established. */
  static Client connect(Vertx vertx, int port, String key) {
    WsTestClient ws = WsTestClient.open(vertx, port, "/app/" + key + "?protocol=7&client=js&version=8.6.0");
    JsonObject hello = ws.next();
    assertThat(hello.getString("event")).isEqualTo("pusher:connection_established");
    JsonObject data = new JsonObject(hello.getString("data"));
    assertThat(data.getString("socket_id")).matches("\\d+\\.\\d+");
    assertThat(data.getInteger("activity_timeout")).isPositive();
    return new Client(ws, data.getString("socket_id"));
  }

  static HttpResponse<String> signed(String method, String path, Map<String, String> query, String body, String key) {
    return signed(server.port, method, path, query, body, key);
  }

  /** A request to node {@code port} signed with the test secret. */
  static HttpResponse<String> signed(int port, String method, String path, Map<String, String> query, String body, String key) {
    Map<String, String> params = new TreeMap<>(query);
    params.put("auth_key", key);
    params.put("auth_timestamp", Long.toString(System.currentTimeMillis() / 1000));
    params.put("auth_version", "1.0");
    if (body != null) {
      try {
        params.put("body_md5", HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
            .digest(body.getBytes(StandardCharsets.UTF_8))));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
    StringBuilder qs = new StringBuilder();
    params.forEach((k, v) -> qs.append(qs.isEmpty() ? "" : "&").append(k).append('=').append(v));
    String sig = hmac(method + "\n" + path + "\n" + qs);
    return raw(port, method, path + "?" + qs + "&auth_signature=" + sig, body);
  }

  static HttpResponse<String> raw(String method, String pathAndQuery, String body) {
    return raw(server.port, method, pathAndQuery, body);
  }

  static HttpResponse<String> raw(int port, String method, String pathAndQuery, String body) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
          .header("Content-Type", "application/json");
      b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static HttpResponse<String> trigger(String appId, JsonObject event) {
    return signed("POST", "/apps/" + appId + "/events", Map.of(), event.encode(), appId.equals("1") ? "app-key" : "room-key");
  }

  // ---- connect --------------------------------------------------------------------------------

  @Test
  void unknownAppKeyGets4001AndTheClose() {
    try (WsTestClient ws = WsTestClient.open(vertx, server.port, "/app/nope?protocol=7")) {
      JsonObject err = ws.next();
      assertThat(err.getString("event")).isEqualTo("pusher:error");
      assertThat(err.getJsonObject("data").getInteger("code")).isEqualTo(4001);
      assertThat(ws.awaitClose()).isEqualTo(4001);
    }
  }

  @Test
  void missingOrUnsupportedProtocolVersionGets4008Or4007() {
    try (WsTestClient ws = WsTestClient.open(vertx, server.port, "/app/app-key")) {
      assertThat(ws.next().getJsonObject("data").getInteger("code")).isEqualTo(4008);
      assertThat(ws.awaitClose()).isEqualTo(4008);
    }
    try (WsTestClient ws = WsTestClient.open(vertx, server.port, "/app/app-key?protocol=2")) {
      assertThat(ws.next().getJsonObject("data").getInteger("code")).isEqualTo(4007);
      assertThat(ws.awaitClose()).isEqualTo(4007);
    }
  }

  // ---- channels -------------------------------------------------------------------------------

  @Test
  void publicChannelGetsHttpApiEventsAndCentrifugoPublicationsAsEvents() throws Exception {
    try (Client c = connect("app-key")) {
      JsonObject ok = c.subscribe("news", null, null);
      assertThat(ok.getString("event")).isEqualTo("pusher_internal:subscription_succeeded");
      assertThat(ok.getString("channel")).isEqualTo("news");
      HttpResponse<String> r = trigger("1", new JsonObject().put("name", "greet").put("channel", "news").put("data", "{\"hi\":1}"));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{}");
      JsonObject ev = c.event();
      assertThat(ev.getString("event")).isEqualTo("greet");
      assertThat(ev.getString("channel")).isEqualTo("news");
      assertThat(ev.getString("data")).isEqualTo("{\"hi\":1}");
      // The Centrifugo-style API: {"event","data"} names the event, other data is event "message".
      apiPublish("news", new JsonObject().put("event", "named").put("data", "x"));
      JsonObject named = c.event();
      assertThat(named.getString("event")).isEqualTo("named");
      assertThat(named.getString("data")).isEqualTo("x");
      apiPublish("news", new JsonObject().put("a", 1));
      JsonObject plain = c.event();
      assertThat(plain.getString("event")).isEqualTo("message");
      assertThat(plain.getJsonObject("data")).isEqualTo(new JsonObject().put("a", 1));
    }
  }

  static void apiPublish(String channel, Object data) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port + "/api/publish"))
        .header("X-API-Key", TestServer.API_KEY)
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("channel", channel).put("data", data).encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  @Test
  void appNamespaceMapsPusherChannelsToTributaryChannelsBothWays() throws Exception {
    try (Client c = connect("room-key"); WsTestClient native1 = WsTestClient.open(vertx, server.port)) {
      assertThat(c.subscribe("lobby", null, null).getString("event")).isEqualTo("pusher_internal:subscription_succeeded");
      native1.connect();
      assertThat(native1.subscribe("room:lobby").containsKey("error")).isFalse();
      // Centrifugo publication to room:lobby -> Pusher subscriber of lobby.
      apiPublish("room:lobby", new JsonObject().put("event", "said").put("data", "hello"));
      JsonObject ev = c.event();
      assertThat(ev.getString("channel")).isEqualTo("lobby");
      assertThat(ev.getString("event")).isEqualTo("said");
      // Pusher HTTP API event to lobby -> Centrifugo subscriber of room:lobby.
      nextPublication(native1); // its own copy of the first publication
      assertThat(trigger("2", new JsonObject().put("name", "e2").put("channel", "lobby").put("data", "d2")).statusCode())
          .isEqualTo(200);
      JsonObject push = nextPublication(native1);
      assertThat(push.getString("channel")).isEqualTo("room:lobby");
      assertThat(push.getJsonObject("pub").getJsonObject("data"))
          .isEqualTo(new JsonObject().put("event", "e2").put("data", "d2"));
    }
  }

  /** The next publication push, past joins and leaves. */
  static JsonObject nextPublication(WsTestClient ws) {
    while (true) {
      JsonObject push = ws.next().getJsonObject("push");
      if (push != null && push.containsKey("pub")) {
        return push;
      }
    }
  }

  @Test
  void privateChannelNeedsTheAppSignature() {
    try (Client c = connect("app-key")) {
      JsonObject err = c.subscribe("private-a", "app-key:" + "0".repeat(64), null);
      assertThat(err.getString("event")).isEqualTo("pusher:error");
      assertThat(err.getJsonObject("data").getInteger("code")).isEqualTo(4009);
      JsonObject subErr = c.event();
      assertThat(subErr.getString("event")).isEqualTo("pusher:subscription_error");
      assertThat(subErr.getJsonObject("data").getInteger("status")).isEqualTo(401);
      assertThat(c.subscribePrivate("private-a").getString("event")).isEqualTo("pusher_internal:subscription_succeeded");
    }
  }

  @Test
  void presenceListsMembersOncePerUserAndTellsAddsAndRemovals() {
    try (Client a = connect("app-key"); Client b = connect("app-key"); Client b2 = connect("app-key")) {
      String ch = "presence-p1";
      String ad = new JsonObject().put("user_id", "u1").put("user_info", new JsonObject().put("name", "A")).encode();
      JsonObject okA = a.subscribe(ch, "app-key:" + hmac(a.socketId() + ":" + ch + ":" + ad), ad);
      JsonObject pa = new JsonObject(okA.getString("data")).getJsonObject("presence");
      assertThat(pa.getInteger("count")).isEqualTo(1);
      assertThat(pa.getJsonObject("hash").getJsonObject("u1").getString("name")).isEqualTo("A");
      String bd = new JsonObject().put("user_id", "u2").encode();
      JsonObject okB = b.subscribe(ch, "app-key:" + hmac(b.socketId() + ":" + ch + ":" + bd), bd);
      assertThat(new JsonObject(okB.getString("data")).getJsonObject("presence").getJsonArray("ids").getList())
          .containsExactlyInAnyOrder("u1", "u2");
      JsonObject added = a.event();
      assertThat(added.getString("event")).isEqualTo("pusher_internal:member_added");
      assertThat(new JsonObject(added.getString("data")).getString("user_id")).isEqualTo("u2");
      // The same user on a second connection: no second member_added, one id in the list.
      JsonObject okB2 = b2.subscribe(ch, "app-key:" + hmac(b2.socketId() + ":" + ch + ":" + bd), bd);
      assertThat(new JsonObject(okB2.getString("data")).getJsonObject("presence").getInteger("count")).isEqualTo(2);
      b.close();
      a.roundTrip(); // nothing for a yet: u2 is still there through b2
      HttpResponse<String> users = signed("GET", "/apps/1/channels/" + ch + "/users", Map.of(), null, "app-key");
      assertThat(new JsonObject(users.body()).getJsonArray("users").size()).isEqualTo(2);
      b2.close();
      JsonObject removed = a.event();
      assertThat(removed.getString("event")).isEqualTo("pusher_internal:member_removed");
      assertThat(new JsonObject(removed.getString("data")).getString("user_id")).isEqualTo("u2");
    }
  }

  @Test
  void clientEventsReachOtherSubscribersNotTheSenderAndAreRefusedWhereNotAllowed() {
    try (Client a = connect("app-key"); Client b = connect("app-key"); Client r = connect("room-key")) {
      a.subscribePrivate("private-chat");
      b.subscribePrivate("private-chat");
      a.ws().send(new JsonObject().put("event", "client-typing").put("channel", "private-chat")
          .put("data", new JsonObject().put("who", "a")).encode());
      JsonObject got = b.event();
      assertThat(got.getString("event")).isEqualTo("client-typing");
      assertThat(got.getJsonObject("data").getString("who")).isEqualTo("a");
      a.roundTrip(); // the sender does not get its own event
      // Public channel: refused with 4300.
      a.subscribe("pub", null, null);
      a.ws().send(new JsonObject().put("event", "client-x").put("channel", "pub").put("data", "1").encode());
      assertThat(a.event().getJsonObject("data").getInteger("code")).isEqualTo(4300);
      // An app without client events: refused with 4300.
      String ch = "private-r";
      r.subscribe(ch, "room-key:" + hmac(r.socketId() + ":" + ch), null);
      r.ws().send(new JsonObject().put("event", "client-x").put("channel", ch).put("data", "1").encode());
      JsonObject refused = r.event();
      assertThat(refused.getJsonObject("data").getInteger("code")).isEqualTo(4300);
      assertThat(refused.getJsonObject("data").getString("message")).contains("not enabled");
    }
  }

  @Test
  void clientEventsOverTheRateAreRefusedWith4301() {
    try (Client a = connect("app-key")) {
      a.subscribePrivate("private-rate");
      int limit = PusherAppOptions.DEFAULT_MAX_CLIENT_EVENTS_PER_SECOND;
      for (int i = 0; i < limit * 3; i++) {
        a.ws().send(new JsonObject().put("event", "client-x").put("channel", "private-rate").put("data", i).encode());
      }
      JsonObject err = a.event();
      assertThat(err.getString("event")).isEqualTo("pusher:error");
      assertThat(err.getJsonObject("data").getInteger("code")).isEqualTo(4301);
    }
  }

  @Test
  void cacheChannelReplaysTheLastEventOrSaysCacheMiss() {
    try (Client a = connect("room-key"); Client b = connect("app-key")) {
      JsonObject miss = a.subscribe("cache-c1", null, null);
      assertThat(miss.getString("event")).isEqualTo("pusher_internal:subscription_succeeded");
      assertThat(a.event().getString("event")).isEqualTo("pusher:cache_miss");
      assertThat(trigger("2", new JsonObject().put("name", "last").put("channel", "cache-c2").put("data", "v1")).statusCode()).isEqualTo(200);
      assertThat(trigger("2", new JsonObject().put("name", "last").put("channel", "cache-c2").put("data", "v2")).statusCode()).isEqualTo(200);
      a.subscribe("cache-c2", null, null);
      JsonObject replay = a.event();
      assertThat(replay.getString("event")).isEqualTo("last");
      assertThat(replay.getString("data")).isEqualTo("v2");
      // Without history in the namespace (app 1, top level): always a miss.
      b.subscribe("cache-c3", null, null);
      assertThat(b.event().getString("event")).isEqualTo("pusher:cache_miss");
    }
  }

  // ---- HTTP API -------------------------------------------------------------------------------

  @Test
  void httpApiLeavesOutTheSocketIdAndPublishesToSeveralChannels() {
    try (Client a = connect("app-key"); Client b = connect("app-key")) {
      a.subscribe("multi-1", null, null);
      b.subscribe("multi-2", null, null);
      HttpResponse<String> r = trigger("1", new JsonObject().put("name", "ev").put("data", "d")
          .put("channels", new io.vertx.core.json.JsonArray().add("multi-1").add("multi-2")).put("socket_id", a.socketId()));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(b.event().getString("channel")).isEqualTo("multi-2");
      a.roundTrip(); // excluded
      HttpResponse<String> batch = signed("POST", "/apps/1/batch_events", Map.of(), new JsonObject().put("batch",
          new io.vertx.core.json.JsonArray().add(new JsonObject().put("channel", "multi-1").put("name", "b1").put("data", "1"))
              .add(new JsonObject().put("channel", "multi-2").put("name", "b2").put("data", "2"))).encode(), "app-key");
      assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
      assertThat(a.event().getString("event")).isEqualTo("b1");
      assertThat(b.event().getString("event")).isEqualTo("b2");
      HttpResponse<String> info = signed("GET", "/apps/1/channels/multi-1", Map.of("info", "subscription_count"), null, "app-key");
      assertThat(new JsonObject(info.body())).isEqualTo(new JsonObject().put("occupied", true).put("subscription_count", 1));
      HttpResponse<String> list = signed("GET", "/apps/1/channels", Map.of("filter_by_prefix", "multi-"), null, "app-key");
      assertThat(new JsonObject(list.body()).getJsonObject("channels").fieldNames()).contains("multi-1", "multi-2");
    }
  }

  @Test
  void terminateConnectionsClosesTheUsersConnections() {
    try (Client a = connect("app-key")) {
      String ch = "presence-t";
      String d = new JsonObject().put("user_id", "victim").encode();
      a.subscribe(ch, "app-key:" + hmac(a.socketId() + ":" + ch + ":" + d), d);
      HttpResponse<String> r = signed("POST", "/apps/1/users/victim/terminate_connections", Map.of(), "{}", "app-key");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(a.event().getJsonObject("data").getInteger("code")).isEqualTo(4009);
      assertThat(a.ws().awaitClose()).isEqualTo(4009);
    }
  }

  @Test
  void badHttpSignaturesGetPushersErrors() {
    String body = new JsonObject().put("name", "e").put("channel", "c").put("data", "d").encode();
    assertThat(raw("POST", "/apps/1/events?auth_key=app-key&auth_timestamp=1&auth_version=1.0&auth_signature=x", body)
        .statusCode()).isEqualTo(401);
    HttpResponse<String> forged = raw("POST", "/apps/1/events?auth_key=app-key&auth_timestamp="
        + System.currentTimeMillis() / 1000 + "&auth_version=1.0&auth_signature=" + "0".repeat(64), body);
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(forged.body()).startsWith("Invalid");
    assertThat(signed("POST", "/apps/9/events", Map.of(), body, "app-key").statusCode()).isEqualTo(404);
    assertThat(signed("POST", "/apps/1/events", Map.of(), body, "room-key").statusCode()).isEqualTo(401);
    assertThat(signed("POST", "/apps/1/events", Map.of(), "{not json", "app-key").statusCode()).isEqualTo(400);
    assertThat(signed("POST", "/apps/1/events", Map.of(), new JsonObject().put("name", "e").put("channel", "bad name!")
        .put("data", "d").encode(), "app-key").statusCode()).isEqualTo(400);
    assertThat(signed("POST", "/apps/1/events", Map.of(), new JsonObject().put("name", "e").put("channel", "c")
        .put("data", "x".repeat(PusherAppOptions.DEFAULT_MAX_EVENT_BYTES + 1)).encode(), "app-key").statusCode()).isEqualTo(413);
    assertThat(signed("GET", "/apps/1/channels/c", Map.of("info", "user_count"), null, "app-key").statusCode()).isEqualTo(400);
  }

  // ---- bad input ------------------------------------------------------------------------------

  @Test
  void badClientInputGetsPusherErrorsKeepsTheConnectionAndLogsNoException() {
    try (LogCapture logs = LogCapture.open(); Client c = connect("app-key")) {
      String[][] corpus = {
          {"{not json", "4300"},
          {"[1,2]", "4300"},
          {"{\"data\":{}}", "4300"},
          {"{\"event\":\"pusher:nope\",\"data\":{}}", "4300"},
          {"{\"event\":\"pusher:subscribe\",\"data\":\"nope\"}", "4300"},
          {"{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"bad channel\"}}", "4300"},
          {"{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + "x".repeat(200) + "\"}}", "4300"},
          {"{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"presence-x\",\"auth\":\"app-key:00\"}}", "4009"},
          {"{\"event\":\"client-x\",\"channel\":\"nowhere\",\"data\":1}", "4300"},
          {"{\"event\":\"pusher:unsubscribe\",\"data\":7}", "4300"},
          {"{\"event\":\"pusher:signin\",\"data\":{\"user_data\":\"{}\",\"auth\":\"k:1\"}}", "4009"},
      };
      for (String[] entry : corpus) {
        c.ws().send(entry[0]);
        JsonObject err = c.event();
        assertThat(err.getString("event")).as(entry[0]).isEqualTo("pusher:error");
        assertThat(err.getJsonObject("data").getInteger("code")).as(entry[0]).isEqualTo(Integer.parseInt(entry[1]));
        if (entry[1].equals("4009") && entry[0].contains("subscribe")) {
          assertThat(c.event().getString("event")).isEqualTo("pusher:subscription_error");
        }
        if (entry[0].contains("signin")) {
          assertThat(c.ws().awaitClose()).isEqualTo(4009);
        }
      }
      assertThat(logs.exceptions()).isEmpty();
    }
  }

  @Test
  void oversizeEventIsRefusedWith4302AndTheConnectionStays() {
    try (Client a = connect("app-key")) {
      a.subscribePrivate("private-big");
      a.ws().send(new JsonObject().put("event", "client-big").put("channel", "private-big")
          .put("data", "x".repeat(PusherAppOptions.DEFAULT_MAX_EVENT_BYTES + 10)).encode());
      assertThat(a.event().getJsonObject("data").getInteger("code")).isEqualTo(4302);
      a.roundTrip();
    }
  }
}
