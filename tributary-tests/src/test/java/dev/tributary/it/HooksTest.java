package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.HookOptions;
import dev.tributary.config.NamespaceOptions;
import dev.tributary.coordinator.ModuleClient;
import dev.tributary.coordinator.RpcException;
import dev.tributary.hooks.Hook;
import dev.tributary.metrics.MetricNames;
import dev.tributary.testing.HookBackend;
import dev.tributary.testing.LogCapture;
import dev.tributary.testing.Poll;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hooks (Centrifugo's proxy) over both transports behind one contract: a module on the event bus
 * ({@code ModuleClient.hook}) and a small HTTP backend on 127.0.0.1 started here. Allow (user,
 * info, data, server-side channels, meta), deny with a code, disconnect, data rewrite on publish,
 * rpc, refresh and sub_refresh; and the failures: timeout, nobody there, non-200, malformed
 * answers, each answered with error 100, counted, logged without a stack trace, the connection
 * left usable.
 */
class HooksTest {
  private static final String SECRET = "hooks-test-secret-0123456789";
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private static double calls(TestServer s, String hook, String outcome) {
    var c = s.server.registry().find(MetricNames.HOOK_CALLS).tag("hook", hook).tag("outcome", outcome).counter();
    return c == null ? 0 : c.count();
  }

  private static JsonObject error(JsonObject reply) {
    assertThat(reply.containsKey("error")).as("an error reply: %s", reply).isTrue();
    return reply.getJsonObject("error");
  }

  // ---- modules -----------------------------------------------------------------------------

  @Test
  void moduleConnectHookLetsATokenlessClientInWithUserInfoDataMetaAndServerSideChannels() throws Exception {
    try (TestServer server = TestServer.start(o -> {
      o.getAuth().setTokenHmacSecret(SECRET); // without the hook a tokenless connect is 101
      o.getHooks().set("connect", HookOptions.module()).set("subscribe", HookOptions.module());
    })) {
      ModuleClient module = ModuleClient.create(server.server.vertx(), "auth");
      LinkedBlockingQueue<JsonObject> seen = new LinkedBlockingQueue<>();
      module.hook(Hook.CONNECT, null, req -> {
        seen.add(req);
        JsonObject data = req.getJsonObject("data");
        if (data != null && "mallory".equals(data.getString("name"))) {
          return Future.failedFuture(new RpcException(4001, "not you"));
        }
        if (data != null && "eve".equals(data.getString("name"))) {
          return Future.succeededFuture(Hook.disconnect(4501, "banned"));
        }
        return Future.succeededFuture(Hook.result(new JsonObject().put("user", "bob")
            .put("info", new JsonObject().put("role", "admin")).put("data", new JsonObject().put("welcome", true))
            .put("channels", new JsonArray().add("news")).put("meta", new JsonObject().put("tenant", 7))));
      }).await(10, TimeUnit.SECONDS);
      module.hook(Hook.SUBSCRIBE, null, req -> {
        seen.add(req);
        return Future.succeededFuture(req.getString("channel").equals("secret")
            ? Hook.error(4003, "no secrets") : Hook.result(new JsonObject().put("data", new JsonObject().put("hello", 1))));
      }).await(10, TimeUnit.SECONDS);

      try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
        JsonObject connect = c.connect(new JsonObject().put("data", new JsonObject().put("name", "bob")).put("name", "js"))
            .getJsonObject("connect");
        String client = connect.getString("client");
        assertThat(connect.getJsonObject("data")).isEqualTo(new JsonObject().put("welcome", true));
        assertThat(connect.getJsonObject("subs").containsKey("news")).as("server-side channel from the hook").isTrue();
        JsonObject req = seen.poll(10, TimeUnit.SECONDS);
        assertThat(req.getString("client")).isEqualTo(client);
        assertThat(req.getString("transport")).isEqualTo("websocket");
        assertThat(req.getString("protocol")).isEqualTo("json");
        assertThat(req.getString("encoding")).isEqualTo("json");
        assertThat(req.getString("name")).isEqualTo("js");
        assertThat(req.containsKey("user")).isFalse();
        // The server-side subscription receives publications.
        assertThat(io.vertx.ext.web.client.WebClient.create(vertx).post(server.port, "127.0.0.1", "/api/publish")
            .putHeader("X-API-Key", TestServer.API_KEY)
            .sendJsonObject(new JsonObject().put("channel", "news").put("data", new JsonObject().put("n", 1)))
            .await().statusCode()).isEqualTo(200);
        assertThat(c.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data")).isEqualTo(new JsonObject().put("n", 1));
        // The subscribe hook gets the user and the connect hook's meta; its data is in the reply.
        JsonObject sub = c.reply(c.command("subscribe", new JsonObject().put("channel", "room")));
        assertThat(sub.getJsonObject("subscribe").getJsonObject("data")).isEqualTo(new JsonObject().put("hello", 1));
        JsonObject subReq = seen.poll(10, TimeUnit.SECONDS);
        assertThat(subReq.getString("user")).isEqualTo("bob");
        assertThat(subReq.getString("channel")).isEqualTo("room");
        assertThat(subReq.getJsonObject("meta")).isEqualTo(new JsonObject().put("tenant", 7));
        // Denied with the module's code.
        assertThat(error(c.reply(c.command("subscribe", new JsonObject().put("channel", "secret")))))
            .isEqualTo(new JsonObject().put("code", 4003).put("message", "no secrets"));
        // The presence of the connect's info: a rpc to a module sees it (set by the hook).
        assertThat(c.isClosed()).isFalse();
      }
      // Deny with a code (RpcException): the connect's error, the socket stays for another try.
      try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
        JsonObject reply = c.reply(c.command("connect", new JsonObject().put("data", new JsonObject().put("name", "mallory"))));
        assertThat(error(reply)).isEqualTo(new JsonObject().put("code", 4001).put("message", "not you"));
        assertThat(c.isClosed()).isFalse();
      }
      // Disconnect: closed with the hook's code and reason.
      try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
        c.command("connect", new JsonObject().put("data", new JsonObject().put("name", "eve")));
        assertThat(c.awaitClose()).isEqualTo(4501);
        assertThat(c.closeReason()).isEqualTo("banned");
      }
      assertThat(calls(server, "connect", "allow")).isEqualTo(1);
      assertThat(calls(server, "connect", "deny")).isEqualTo(1);
      assertThat(calls(server, "connect", "disconnect")).isEqualTo(1);
      assertThat(calls(server, "subscribe", "deny")).isEqualTo(1);
    }
  }

  @Test
  void modulePublishHookPerNamespaceRewritesOrRefusesAndTheRpcHookAnswersEveryMethod() throws Exception {
    try (TestServer server = TestServer.start(o -> {
      NamespaceOptions chat = new NamespaceOptions(); // allowClientPublish false: the hook decides
      chat.getHooks().set("publish", HookOptions.module());
      o.getChannels().putNamespace("chat", chat);
      o.getHooks().set("rpc", HookOptions.module());
    })) {
      ModuleClient module = ModuleClient.create(server.server.vertx(), "moderator");
      module.hook(Hook.PUBLISH, "chat", req -> {
        JsonObject data = req.getJsonObject("data");
        if (data.getString("text").contains("spam")) {
          return Future.succeededFuture(Hook.error(4004, "spam"));
        }
        return Future.succeededFuture(Hook.result(new JsonObject().put("data",
            data.copy().put("text", data.getString("text").toUpperCase()).put("by", req.getString("client")))));
      }).await(10, TimeUnit.SECONDS);
      module.hook(Hook.RPC, null, req -> Future.succeededFuture(Hook.result(new JsonObject()
          .put("data", new JsonObject().put("method", req.getString("method")).put("args", req.getValue("data"))))))
          .await(10, TimeUnit.SECONDS);
      try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
        String client = c.connect().getJsonObject("connect").getString("client");
        c.subscribe("chat:lobby");
        JsonObject reply = c.reply(c.command("publish", new JsonObject().put("channel", "chat:lobby")
            .put("data", new JsonObject().put("text", "hi"))));
        assertThat(reply.containsKey("publish")).as("allowed: %s", reply).isTrue();
        JsonObject pub = c.next().getJsonObject("push").getJsonObject("pub");
        assertThat(pub.getJsonObject("data")).isEqualTo(new JsonObject().put("text", "HI").put("by", client));
        reply = c.reply(c.command("publish", new JsonObject().put("channel", "chat:lobby")
            .put("data", new JsonObject().put("text", "buy spam"))));
        assertThat(error(reply)).isEqualTo(new JsonObject().put("code", 4004).put("message", "spam"));
        // Channels outside the namespace have no publish hook: the static rule (no client publish) holds.
        reply = c.reply(c.command("publish", new JsonObject().put("channel", "plain").put("data", new JsonObject())));
        assertThat(error(reply).getInteger("code")).isEqualTo(103);
        reply = c.reply(c.command("rpc", new JsonObject().put("method", "any.thing").put("data", new JsonObject().put("x", 1))));
        assertThat(reply.getJsonObject("rpc").getJsonObject("data")).isEqualTo(new JsonObject()
            .put("method", "any.thing").put("args", new JsonObject().put("x", 1)));
        assertThat(c.pollNext(200)).as("the refused publication was not delivered").isNull();
      }
    }
  }

  @Test
  void publishHookSkipHistoryKeepsThatPublicationOutOfHistory() throws Exception {
    try (TestServer server = TestServer.start(o -> {
      NamespaceOptions log = new NamespaceOptions().setHistorySize(10).setHistoryTtlSeconds(60);
      log.getHooks().set("publish", HookOptions.module());
      o.getChannels().putNamespace("log", log);
    })) {
      ModuleClient module = ModuleClient.create(server.server.vertx(), "ephemeral");
      module.hook(Hook.PUBLISH, "log", req -> Future.succeededFuture(Hook.result(new JsonObject()
          .put("skip_history", req.getJsonObject("data").getBoolean("ephemeral", false)))))
          .await(10, TimeUnit.SECONDS);
      try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
        c.connect();
        c.subscribe("log:a");
        for (String text : new String[] {"kept 1", "ephemeral", "kept 2"}) {
          JsonObject reply = c.reply(c.command("publish", new JsonObject().put("channel", "log:a")
              .put("data", new JsonObject().put("text", text).put("ephemeral", text.equals("ephemeral")))));
          assertThat(reply.containsKey("publish")).as("%s: %s", text, reply).isTrue();
        }
        // All three delivered live, in order; the skipped one without an offset.
        java.util.List<JsonObject> pubs = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
          pubs.add(c.next().getJsonObject("push").getJsonObject("pub"));
        }
        assertThat(pubs).extracting(p -> p.getJsonObject("data").getString("text"))
            .containsExactly("kept 1", "ephemeral", "kept 2");
        assertThat(pubs.get(1).containsKey("offset")).as("skipped history: no offset").isFalse();
        JsonObject history = c.reply(c.command("history", new JsonObject().put("channel", "log:a").put("limit", 10)));
        assertThat(history.getJsonObject("history").getJsonArray("publications").stream()
            .map(p -> ((JsonObject) p).getJsonObject("data").getString("text")).toList())
            .as("history holds what the hook did not skip").containsExactly("kept 1", "kept 2");
      }
    }
  }

  @Test
  void moduleHookThatIsSilentAbsentOrThrowingAnswers100AndTheConnectionStays() throws Exception {
    try (LogCapture logs = LogCapture.open();
        TestServer server = TestServer.start(o -> {
          o.getHooks().set("subscribe", HookOptions.module().setTimeoutMillis(300));
          NamespaceOptions ns = new NamespaceOptions();
          ns.getHooks().set("subscribe", HookOptions.module().setTimeoutMillis(300));
          o.getChannels().putNamespace("absent", ns);
          o.getChannels().putNamespace("boom", new NamespaceOptions());
        })) {
      ModuleClient module = ModuleClient.create(server.server.vertx(), "silent");
      Promise<JsonObject> never = Promise.promise();
      module.hook(Hook.SUBSCRIBE, null, req -> never.future()).await(10, TimeUnit.SECONDS);
      module.hook(Hook.SUBSCRIBE, "boom", req -> {
        throw new IllegalStateException("module bug");
      }).await(10, TimeUnit.SECONDS);
      try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
        c.connect();
        for (String ch : List.of("quiet", "absent:x", "boom:x")) {
          JsonObject e = error(c.reply(c.command("subscribe", new JsonObject().put("channel", ch))));
          assertThat(e.getInteger("code")).as(ch).isEqualTo(100);
          assertThat(e.getBoolean("temporary")).as(ch).isTrue();
        }
        assertThat(c.reply(c.command("rpc", new JsonObject().put("method", "m"))).getJsonObject("error").getInteger("code"))
            .as("still answering").isEqualTo(108);
      }
      assertThat(calls(server, "subscribe", "timeout")).isEqualTo(1);
      assertThat(calls(server, "subscribe", "unavailable")).isEqualTo(1);
      assertThat(calls(server, "subscribe", "error")).isEqualTo(1);
      assertThat(logs.events()).as("no stack trace logged").allMatch(e -> e.getThrowableProxy() == null);
      assertThat(logs.mentioning("hook failure")).isNotEmpty();
    }
  }

  @Test
  void refreshAndSubRefreshHooksExtendThenExpire() throws Exception {
    try (TestServer server = TestServer.start(o -> {
      o.getHooks().set("connect", HookOptions.module()).set("refresh", HookOptions.module())
          .set("subscribe", HookOptions.module()).set("subRefresh", HookOptions.module());
    })) {
      ModuleClient module = ModuleClient.create(server.server.vertx(), "sessions");
      LinkedBlockingQueue<String> refreshes = new LinkedBlockingQueue<>();
      module.hook(Hook.CONNECT, null, req -> Future.succeededFuture(Hook.result(new JsonObject().put("user", "u1")
          .put("expire_at", inSeconds(1))))).await(10, TimeUnit.SECONDS);
      module.hook(Hook.SUBSCRIBE, null, req -> Future.succeededFuture(Hook.result(new JsonObject()
          .put("expire_at", inSeconds(1))))).await(10, TimeUnit.SECONDS);
      // sub_refresh: extended once, then expired; refresh: extended until then, then expired.
      module.hook(Hook.SUB_REFRESH, null, req -> {
        refreshes.add("sub_refresh " + req.getString("channel") + " " + req.getString("user"));
        return Future.succeededFuture(refreshes.size() < 2 ? Hook.result(new JsonObject().put("expire_at", inSeconds(1)))
            : Hook.result(new JsonObject().put("expired", true)));
      }).await(10, TimeUnit.SECONDS);
      LinkedBlockingQueue<String> connRefreshes = new LinkedBlockingQueue<>();
      module.hook(Hook.REFRESH, null, req -> {
        connRefreshes.add("refresh " + req.getString("user"));

        // Extended until the subscription has expired (so the order of the two ends is known).
        return Future.succeededFuture(refreshes.size() < 2 ? Hook.result(new JsonObject().put("expire_at", inSeconds(1)))
            : Hook.result(new JsonObject().put("expired", true)));
      }).await(10, TimeUnit.SECONDS);
      try (WsTestClient c = WsTestClient.open(vertx, server.port).autoPong()) {
        JsonObject connect = c.connect().getJsonObject("connect");
        assertThat(connect.containsKey("expires")).as("the server refreshes it: the client is not told").isFalse();
        JsonObject sub = c.subscribe("s").getJsonObject("subscribe");
        assertThat(sub == null || !sub.containsKey("expires")).isTrue();
        JsonObject push;
        do {
          push = c.next().getJsonObject("push");
        } while (push == null || !push.containsKey("unsubscribe"));
        assertThat(push.getString("channel")).isEqualTo("s");
        assertThat(push.getJsonObject("unsubscribe").getInteger("code")).isEqualTo(2501);
        assertThat(c.awaitClose()).isEqualTo(3005);
      }
      assertThat(refreshes).containsExactly("sub_refresh s u1", "sub_refresh s u1");
      assertThat(connRefreshes).hasSizeGreaterThanOrEqualTo(2).allMatch(r -> r.equals("refresh u1"));
    }
  }

  /** Unix seconds {@code n} seconds from now: an expire_at the hook answers. */
  private static long inSeconds(int n) {
    return System.currentTimeMillis() / 1000 + n;
  }

  // ---- HTTP backend ------------------------------------------------------------------------

  @Test
  void httpBackendGetsCentrifugoProxyRequestsWithAllowListedHeadersAndDecides() throws Exception {
    try (HookBackend backend = HookBackend.start()) {
      backend.on("/connect", req -> new JsonObject().put("result", new JsonObject().put("user", "carol")
              .put("channels", new JsonArray().add("feed")).put("meta", new JsonObject().put("plan", "pro"))))
          .on("/subscribe", req -> req.getString("channel").equals("vip")
              ? new JsonObject().put("error", new JsonObject().put("code", 4010).put("message", "members only"))
              : new JsonObject().put("result", new JsonObject()))
          .on("/publish", req -> new JsonObject().put("result", new JsonObject().put("data",
              new JsonObject().put("clean", req.getJsonObject("data").getString("text")))))
          .on("/rpc", req -> new JsonObject().put("result", new JsonObject().put("data", new JsonObject().put("sum",
              req.getJsonObject("data").getInteger("a") + req.getJsonObject("data").getInteger("b")))));
      try (TestServer server = TestServer.start(o -> o.getHooks()
          .set("connect", HookOptions.http(backend.url("/connect")))
          .set("subscribe", HookOptions.http(backend.url("/subscribe")))
          .set("publish", HookOptions.http(backend.url("/publish")))
          .set("rpc", HookOptions.http(backend.url("/rpc"))));
          WsTestClient c = WsTestClient.open(vertx, server.port, MultiMap.caseInsensitiveMultiMap()
              .add("Authorization", "Bearer session-1").add("X-Not-Listed", "secret").add("Cookie", "sid=9"))) {
        JsonObject connect = c.connect().getJsonObject("connect");
        assertThat(connect.getJsonObject("subs").containsKey("feed")).isTrue();
        HookBackend.Request req = backend.next();
        assertThat(req.path()).isEqualTo("/connect");
        assertThat(req.body().getString("client")).isEqualTo(connect.getString("client"));
        assertThat(req.body().getString("transport")).isEqualTo("websocket");
        assertThat(req.body().getString("protocol")).isEqualTo("json");
        assertThat(req.headers().get("Authorization")).isEqualTo("Bearer session-1");
        assertThat(req.headers().get("Cookie")).isEqualTo("sid=9");
        assertThat(req.headers().get("X-Not-Listed")).as("not on the allow-list").isNull();
        assertThat(req.headers().get("Content-Type")).isEqualTo("application/json");

        assertThat(error(c.reply(c.command("subscribe", new JsonObject().put("channel", "vip")))))
            .isEqualTo(new JsonObject().put("code", 4010).put("message", "members only"));
        req = backend.next();
        assertThat(req.body().getString("user")).isEqualTo("carol");
        assertThat(req.body().getJsonObject("meta")).isEqualTo(new JsonObject().put("plan", "pro"));
        assertThat(c.subscribe("room").containsKey("subscribe")).isTrue();
        backend.next();
        assertThat(c.reply(c.command("publish", new JsonObject().put("channel", "room")
            .put("data", new JsonObject().put("text", "raw")))).containsKey("publish")).isTrue();
        assertThat(backend.next().body().getString("channel")).isEqualTo("room");
        assertThat(c.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data"))
            .isEqualTo(new JsonObject().put("clean", "raw"));
        JsonObject rpc = c.reply(c.command("rpc", new JsonObject().put("method", "add")
            .put("data", new JsonObject().put("a", 2).put("b", 3))));
        assertThat(rpc.getJsonObject("rpc").getJsonObject("data")).isEqualTo(new JsonObject().put("sum", 5));
        assertThat(backend.next().body().getString("method")).isEqualTo("add");
      }
    }
  }

  @Test
  void httpBackendFailuresAnswer100TemporaryAreCountedAndLoggedWithoutStackTraces() throws Exception {
    int downPort;
    try (HookBackend gone = HookBackend.start()) {
      downPort = gone.port;
    }
    try (LogCapture logs = LogCapture.open(); HookBackend backend = HookBackend.start()) {
      backend.on("/slow", req -> HookBackend.NEVER)
          .on("/status", req -> new HookBackend.Raw(500, "{\"result\":{}}"))
          .on("/text", req -> new HookBackend.Raw(200, "not json"))
          .on("/shape", req -> new JsonObject().put("result", 5))
          .on("/field", req -> new JsonObject().put("result", new JsonObject().put("user", 42)))
          .on("/big", req -> new HookBackend.Raw(200, "{\"result\":{\"data\":\"" + "x".repeat(4096) + "\"}}"))
          .on("/ok", req -> new JsonObject().put("result", new JsonObject()));
      try (TestServer server = TestServer.start(o -> {
        o.getHooks().setMaxResponseBytes(1024).set("connect", HookOptions.http(backend.url("/ok")));
        String[][] namespaces = {{"slow", backend.url("/slow")}, {"down", "http://127.0.0.1:" + downPort + "/x"},
            {"status", backend.url("/status")}, {"text", backend.url("/text")}, {"shape", backend.url("/shape")},
            {"big", backend.url("/big")}};
        for (String[] ns : namespaces) {
          NamespaceOptions n = new NamespaceOptions();
          n.getHooks().set("subscribe", HookOptions.http(ns[1]).setTimeoutMillis(500));
          o.getChannels().putNamespace(ns[0], n);
        }
      })) {
        try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
          c.connect();
          for (String ns : List.of("slow", "down", "status", "text", "shape", "big")) {
            JsonObject e = error(c.reply(c.command("subscribe", new JsonObject().put("channel", ns + ":1"))));
            assertThat(e.getInteger("code")).as(ns).isEqualTo(100);
            assertThat(e.getBoolean("temporary")).as(ns).isTrue();
          }
          assertThat(c.subscribe("fine").containsKey("subscribe")).as("the connection still works").isTrue();
        }
        assertThat(calls(server, "subscribe", "timeout")).isEqualTo(1);
        assertThat(calls(server, "subscribe", "unavailable")).isEqualTo(1);
        assertThat(calls(server, "subscribe", "status")).isEqualTo(1);
        assertThat(calls(server, "subscribe", "malformed")).isEqualTo(3);
      }
      // A malformed connect answer (a field of the wrong type): the connect gets 100, nothing else.
      backend.on("/ok", req -> new JsonObject().put("result", new JsonObject().put("user", 42)));
      try (TestServer server = TestServer.start(o -> o.getHooks().set("connect", HookOptions.http(backend.url("/ok"))));
          WsTestClient c = WsTestClient.open(vertx, server.port)) {
        JsonObject e = error(c.reply(c.command("connect", new JsonObject())));
        assertThat(e.getInteger("code")).isEqualTo(100);
        assertThat(calls(server, "connect", "malformed")).isEqualTo(1);
      }
      assertThat(logs.events()).as("no stack trace logged").allMatch(e -> e.getThrowableProxy() == null);
      Poll.until("a hook failure line", 10, () -> !logs.mentioning("hook failure").isEmpty());
    }
  }

  @Test
  void officialJsClientConnectsWithoutATokenThroughAnHttpConnectHook() throws Exception {
    CentrifugeJsConformanceTest.installClient();
    try (HookBackend backend = HookBackend.start()) {
      backend.on("/connect", req -> new JsonObject().put("result", new JsonObject().put("user", "js")
              .put("data", new JsonObject().put("hello", req.getJsonObject("data").getString("login")))
              .put("channels", new JsonArray().add("feed"))))
          .on("/subscribe", req -> req.getString("channel").equals("vip")
              ? new JsonObject().put("error", new JsonObject().put("code", 4010).put("message", "members only"))
              : new JsonObject().put("result", new JsonObject()))
          .on("/publish", req -> new JsonObject().put("result", new JsonObject().put("data",
              new JsonObject().put("clean", req.getJsonObject("data").getString("text")))));
      try (TestServer server = TestServer.start(o -> {
        o.getAuth().setTokenHmacSecret(SECRET); // a tokenless connect would be 101 without the hook
        o.getHooks().set("connect", HookOptions.http(backend.url("/connect")))
            .set("subscribe", HookOptions.http(backend.url("/subscribe")));
        NamespaceOptions room = new NamespaceOptions();
        room.getHooks().set("publish", HookOptions.http(backend.url("/publish")));
        o.getChannels().putNamespace("room", room);
      })) {
        String out = CentrifugeJsConformanceTest.run(CentrifugeJsConformanceTest.JS, 60,
            List.of("node", "hooks.mjs", server.wsUrl()));
        for (String v : List.of("json", "protobuf")) {
          assertThat(out).contains("ok " + v + " connected without a token, the hook's data received",
              "ok " + v + " server-side channel from the connect hook subscribed",
              "ok " + v + " subscribe denied by the hook: 4010", "ok " + v + " publish rewritten by the hook");
        }
        assertThat(out).contains("ALL PASSED");
        assertThat(calls(server, "connect", "allow")).isEqualTo(2);
      }
    }
  }
}
