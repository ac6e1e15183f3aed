package dev.tributary.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TributaryOptionsTest {

  @Test
  void defaultsRoundTripThroughJson() {
    TributaryOptions o = new TributaryOptions();
    JsonObject json = o.toJson();
    assertThat(new TributaryOptions(json).toJson()).isEqualTo(json);
    assertThat(o.getGateway().getBatch().getMaxMessages()).isEqualTo(BatchOptions.DEFAULT_MAX_MESSAGES);
    assertThat(o.getHttp().isReusePort()).isFalse();
    assertThat(o.getGateway().getMaxQueueBytes()).isEqualTo(1 << 20);
    assertThat(o.getGateway().getPingIntervalSeconds()).isEqualTo(25);
    assertThat(o.getGateway().getPongTimeoutSeconds()).isEqualTo(8);
  }

  @Test
  void everyOptionsClassRoundTripsNonDefaultValues() {
    JsonObject json = new JsonObject()
        .put("server", new JsonObject().put("eventLoops", 3).put("shutdownTimeoutSeconds", 4).put("transport", "nio")
            .put("maxEventLoopExecuteMillis", 100).put("blockedThreadCheckIntervalMillis", 20))
        .put("http", new JsonObject().put("port", 9001).put("host", "127.0.0.1").put("maxBodyBytes", 4096).put("idleTimeoutSeconds", 30)
            .put("reusePort", true))
        .put("api", new JsonObject().put("key", "k").put("port", 9100).put("host", "127.0.0.2")
            .put("idempotencyWindowSeconds", 60).put("idempotencyMaxKeys", 1000).put("nodeInfoIntervalSeconds", 5))
        .put("auth", new JsonObject().put("tokenHmacSecret", "0123456789abcdef").put("expiredCloseDelaySeconds", 3)
            .put("expiredSubCloseDelaySeconds", 4))
        .put("gateway", new JsonObject().put("maxConnections", 10).put("maxFrameBytes", 1000)
            .put("maxQueueBytes", 5000).put("maxChannelsPerConnection", 7).put("maxChannelLength", 50)
            .put("pingIntervalSeconds", 9).put("pongTimeoutSeconds", 3).put("instances", 1)
            .put("closeTimeoutMillis", 250).put("handshakeTimeoutMillis", 2000)
            .put("batch", new JsonObject().put("maxMessages", 5).put("maxBytes", 999).put("maxDelayMillis", 15))
            .put("rateLimit", new JsonObject().put("commandsPerSecond", 4).put("burst", 6).put("maxRejected", 2)))
        .put("channels", new JsonObject().put("allowClientPublish", true).put("historyMaxChannels", 77)
            .put("historyMetaTtlSeconds", 7200).put("historyMaxBytes", 10_485_760).put("presenceTtlSeconds", 15).put("positionCheckSeconds", 7)
            .put("maxPublicationBytes", 4096)
            .put("namespaces", new JsonObject().put("chat", new JsonObject().put("allowClientPublish", true).put("stateOnSubscribe", false)
                .put("historySize", 10).put("historyTtlSeconds", 30).put("presence", true).put("joinLeave", true)
                .put("subscribeToken", "required").put("hooks", new JsonObject().put("publish", new JsonObject()
                    .put("url", "http://127.0.0.1:3000/publish").put("module", false).put("timeoutMillis", 300))))))
        .put("coordinator", new JsonObject().put("mode", "MANUAL").put("normalDelayMillis", 200).put("criticalDelayMillis", 20)
            .put("criticalBypass", true).put("maxWaitMillis", 900).put("cacheTtlMillis", 4000).put("cacheMaxEntries", 10)
            .put("batchWindowMillis", 80).put("batchMaxSize", 5))
        .put("memory", new JsonObject().put("inactiveThresholdMillis", 1000).put("sweepIntervalMillis", 500)
            .put("heapCheckIntervalMillis", 200).put("highWatermark", 0.9).put("lowWatermark", 0.5).put("shedMinUnsentBytes", 1024).put("requestGc", false))
        .put("modules", new io.vertx.core.json.JsonArray().add(new JsonObject().put("class", "dev.tributary.modules.TickerModule")
            .put("instances", 1).put("config", new JsonObject().put("intervalMillis", 10))))
        .put("metrics", new JsonObject().put("token", "m"))
        .put("dashboard", new JsonObject().put("token", "d"))
        .put("compression", new JsonObject().put("websocket", true).put("http", false).put("httpMinBytes", 10))
        .put("ids", new JsonObject().put("publicationIds", "secure"))
        .put("config", new JsonObject().put("watch", true).put("scanPeriodMillis", 500))
        .put("redis", new dev.tributary.config.RedisSettings().setPoolSize(3).toJson()
            .put("urls", new io.vertx.core.json.JsonArray().add("redis://127.0.0.1:7000").add("redis://127.0.0.1:7001"))
            .put("requiredForReadiness", true).put("degradedPublish", "local"))
        .put("rpc", new JsonObject().put("timeoutMillis", 750))
        .put("pusher", new JsonObject().put("apps", new io.vertx.core.json.JsonArray().add(new JsonObject()
            .put("id", "7").put("key", "k7").put("secret", "s7-secret").put("clientEvents", true).put("maxConnections", 5)
            .put("maxPresenceMembers", 6).put("maxClientEventsPerSecond", 7).put("maxEventBytes", 800)
            .put("maxChannelsPerEvent", 9).put("maxBatchEvents", 3)
            .put("webhooks", new io.vertx.core.json.JsonArray().add(new JsonObject().put("url", "http://127.0.0.1:9/hooks")
                .put("events", new io.vertx.core.json.JsonArray().add("client_event").add("member_added"))))
            .put("namespace", "chat"))))

        .put("hooks", new JsonObject().put("maxResponseBytes", 2048)
            .put("httpHeaders", new io.vertx.core.json.JsonArray().add("Authorization").add("X-Tenant"))
            .put("connect", new JsonObject().put("url", "https://auth.example/connect").put("module", false).put("timeoutMillis", 2500))
            .put("subRefresh", new JsonObject().put("url", "http://127.0.0.1:3000/sub").put("module", false).put("timeoutMillis", 1000)));
    ((JsonObject) json.getValue("redis")).remove("url");
    TributaryOptions o = new TributaryOptions(json);
    assertThat(o.toJson()).isEqualTo(json);
    assertThat(new TributaryOptions(o).toJson()).isEqualTo(json);
  }

  @Test
  void redisUrlAndUrlsAreExclusiveAndEnvOverrides() {
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("redis", new JsonObject()
        .put("url", "redis://a:1").put("urls", new io.vertx.core.json.JsonArray().add("redis://b:2")))))
        .hasMessageStartingWith("config: redis.urls: use either");
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("redis", new JsonObject().put("url", "http://x"))))
        .hasMessageStartingWith("config: redis.url: must be a redis:// URL");
    assertThat(ConfigLoader.load(new String[0], Map.of("TRIBUTARY_REDIS_URL", "redis://127.0.0.1:6390"))
        .getRedis().getUrls()).containsExactly("redis://127.0.0.1:6390");
  }

  @Test
  void redisClusterTakesSeedsAndExcludesTheOtherWays() {
    io.vertx.core.json.JsonArray seeds = new io.vertx.core.json.JsonArray().add("redis://127.0.0.1:7000").add("redis://127.0.0.1:7001");
    TributaryOptions o = new TributaryOptions(new JsonObject().put("redis", new JsonObject().put("cluster", seeds)));
    assertThat(o.getRedis().isEnabled()).isTrue();
    assertThat(o.getRedis().isCluster()).isTrue();
    assertThat(o.getRedis().links()).singleElement().satisfies(l -> {
      assertThat(l.isCluster()).isTrue();
      assertThat(l.getCluster()).containsExactly("redis://127.0.0.1:7000", "redis://127.0.0.1:7001");
    });
    assertThat(new TributaryOptions(o.toJson()).getRedis().getCluster()).isEqualTo(o.getRedis().getCluster());
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("redis", new JsonObject()
        .put("url", "redis://a:1").put("cluster", seeds))))
        .hasMessageStartingWith("config: redis.cluster: use one of redis.url, redis.urls and redis.cluster");
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("redis", new JsonObject()
        .put("cluster", new io.vertx.core.json.JsonArray()))))
        .hasMessageStartingWith("config: redis.cluster: must list at least one seed");
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("redis", new JsonObject()
        .put("cluster", new io.vertx.core.json.JsonArray().add("http://x:1")))))
        .hasMessageStartingWith("config: redis.cluster[0]: must be a redis:// URL");
  }

  @Test
  void subscribeTokenIsValidatedAndNeedsASecret() {
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("channels", new JsonObject().put("namespaces",
        new JsonObject().put("priv", new JsonObject().put("subscribeToken", "always"))))))
        .hasMessageStartingWith("config: channels.namespaces.priv.subscribeToken: must be \"optional\" or \"required\"");
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("channels", new JsonObject().put("namespaces",
        new JsonObject().put("priv", new JsonObject().put("subscribeToken", "required"))))))
        .hasMessageStartingWith("config: channels.namespaces.priv.subscribeToken: \"required\" needs auth.tokenHmacSecret");
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("auth", new JsonObject().put("expiredCloseDelaySeconds", -1))))
        .hasMessageStartingWith("config: auth.expiredCloseDelaySeconds: must be between 0 and 3600");
    TributaryOptions defaults = new TributaryOptions();
    assertThat(defaults.getAuth().getExpiredCloseDelaySeconds()).isEqualTo(25);
    assertThat(defaults.getAuth().getExpiredSubCloseDelaySeconds()).isEqualTo(25);
    assertThat(new NamespaceOptions().getSubscribeToken()).isEqualTo("optional");
  }

  @Test
  void rpcTimeoutDefaultsTo5000AndIsValidated() {
    assertThat(new TributaryOptions().getRpc().getTimeoutMillis()).isEqualTo(RpcOptions.DEFAULT_TIMEOUT_MILLIS).isEqualTo(5000);
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("rpc", new JsonObject().put("timeoutMillis", 0))))
        .hasMessageStartingWith("config: rpc.timeoutMillis: must be between 1 and 600000");
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("rpc", new JsonObject().put("timeout", 5))))
        .hasMessageStartingWith("config: rpc.timeout: unknown key");
    assertThatThrownBy(() -> new RpcOptions().setTimeoutMillis(-1)).hasMessageContaining("rpc.timeoutMillis");
  }

  @Test
  void pusherAppsAreValidatedAndTheFirstBadKeyNamed() {
    java.util.function.Function<JsonObject, JsonObject> conf = app -> new JsonObject()
        .put("pusher", new JsonObject().put("apps", new io.vertx.core.json.JsonArray().add(app)));
    JsonObject ok = new JsonObject().put("id", "1").put("key", "k").put("secret", "12345678");
    assertThat(new TributaryOptions(conf.apply(ok)).getPusher().getApps().get(0).isClientEvents()).isFalse();
    assertThatThrownBy(() -> new TributaryOptions(conf.apply(ok.copy().put("webhook", "x"))))
        .hasMessageStartingWith("config: pusher.apps[0].webhook: unknown key");
    assertThatThrownBy(() -> new TributaryOptions(conf.apply(ok.copy().put("secret", "short"))))
        .hasMessageStartingWith("config: pusher.apps[0].secret: is required, at least 8 characters");
    assertThatThrownBy(() -> new TributaryOptions(conf.apply(ok.copy().put("key", "a b"))))
        .hasMessageStartingWith("config: pusher.apps[0].key: is required");
    assertThatThrownBy(() -> new TributaryOptions(conf.apply(ok.copy().put("namespace", "nope"))))
        .hasMessageStartingWith("config: pusher.apps[0].namespace: no namespace \"nope\" in channels.namespaces");
    assertThatThrownBy(() -> new TributaryOptions(conf.apply(ok.copy().put("maxEventBytes", 0))))
        .hasMessageStartingWith("config: pusher.apps[0].maxEventBytes: must be between 1 and");
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("pusher", new JsonObject().put("apps",
        new io.vertx.core.json.JsonArray().add(ok).add(ok.copy().put("id", "2"))))))
        .hasMessageStartingWith("config: pusher.apps[1].key: duplicate app key k");
    assertThatThrownBy(() -> new TributaryOptions(conf.apply(ok.copy().put("webhooks", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("url", "ftp://x"))))))
        .hasMessageStartingWith("config: pusher.apps[0].webhooks[0].url: is required: an http:// or https:// URL");
    assertThatThrownBy(() -> new TributaryOptions(conf.apply(ok.copy().put("webhooks", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("url", "http://h/").put("events", new io.vertx.core.json.JsonArray().add("nope")))))))
        .hasMessageStartingWith("config: pusher.apps[0].webhooks[0].events: unknown event \"nope\"");
    assertThat(new TributaryOptions(conf.apply(ok.copy().put("webhooks", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("url", "http://h/"))))).getPusher().getApps().get(0).getWebhooks().get(0).events())
        .containsExactlyInAnyOrderElementsOf(PusherAppOptions.WEBHOOK_EVENTS);
  }

  @Test
  void hooksAreValidatedStrictlyAndNamed() {
    java.util.function.Function<JsonObject, String> error = json -> {
      try {
        new TributaryOptions(json);
        return "accepted";
      } catch (ConfigException e) {
        return e.getMessage();
      }
    };
    JsonObject ok = new JsonObject().put("hooks", new JsonObject().put("connect", new JsonObject().put("module", true)));
    assertThat(new TributaryOptions(ok).getHooks().get("connect").isModule()).isTrue();
    assertThat(new TributaryOptions(ok).getHooks().get("connect").getTimeoutMillis()).isEqualTo(1000);
    assertThat(error.apply(new JsonObject().put("hooks", new JsonObject().put("connect", new JsonObject()
        .put("module", true).put("url", "http://127.0.0.1:1/c"))))).contains("hooks.connect").contains("exactly one");
    assertThat(error.apply(new JsonObject().put("hooks", new JsonObject().put("rpc", new JsonObject()))))
        .contains("hooks.rpc").contains("exactly one");
    assertThat(error.apply(new JsonObject().put("hooks", new JsonObject().put("publish", new JsonObject()
        .put("url", "ftp://x/y"))))).contains("hooks.publish.url");
    assertThat(error.apply(new JsonObject().put("hooks", new JsonObject().put("subscribe", new JsonObject()
        .put("module", true).put("timeoutMillis", 0))))).contains("hooks.subscribe.timeoutMillis");
    assertThat(error.apply(new JsonObject().put("hooks", new JsonObject().put("subscribe", new JsonObject()
        .put("module", true).put("timeout", 5))))).contains("hooks.subscribe.timeout").contains("unknown key");
    assertThat(error.apply(new JsonObject().put("hooks", new JsonObject().put("disconnect", new JsonObject()))))
        .contains("hooks.disconnect").contains("unknown key");
    assertThat(error.apply(new JsonObject().put("hooks", new JsonObject().put("httpHeaders",
        new io.vertx.core.json.JsonArray().add("Bad Header"))))).contains("hooks.httpHeaders[0]");
    assertThat(error.apply(new JsonObject().put("channels", new JsonObject().put("namespaces", new JsonObject()
        .put("chat", new JsonObject().put("hooks", new JsonObject().put("connect", new JsonObject().put("module", true))))))))
        .as("connect is global only").contains("channels.namespaces.chat.hooks.connect").contains("unknown key");
  }

  @Test
  void unknownKeyIsNamed() {
    JsonObject json = new JsonObject().put("gateway", new JsonObject().put("maxConection", 5));
    assertThatThrownBy(() -> new TributaryOptions(json))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config: gateway.maxConection: unknown key");
  }

  @Test
  void wrongTypeIsNamed() {
    JsonObject json = new JsonObject().put("gateway", new JsonObject().put("batch", new JsonObject().put("maxMessages", "many")));
    assertThatThrownBy(() -> new TributaryOptions(json))
        .hasMessage("config: gateway.batch.maxMessages: must be an integer, got \"many\"");
  }

  @Test
  void outOfRangeIsNamed() {
    JsonObject json = new JsonObject().put("http", new JsonObject().put("port", 70000));
    assertThatThrownBy(() -> new TributaryOptions(json))
        .hasMessage("config: http.port: must be between 0 and 65535, got 70000");
  }

  @Test
  void reusePortMustBeABoolean() {
    JsonObject json = new JsonObject().put("http", new JsonObject().put("reusePort", "yes"));
    assertThatThrownBy(() -> new TributaryOptions(json))
        .hasMessage("config: http.reusePort: must be true or false, got \"yes\"");
  }

  @Test
  void blockedThreadSettingsAreRangeChecked() {
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("server", new JsonObject().put("maxEventLoopExecuteMillis", 5))))
        .hasMessage("config: server.maxEventLoopExecuteMillis: must be between 10 and 600000, got 5");
    assertThatThrownBy(() -> new ServerOptions().setBlockedThreadCheckIntervalMillis(0))
        .hasMessageStartingWith("config: server.blockedThreadCheckIntervalMillis");
  }

  @Test
  void presenceTtlOutOfRangeIsNamed() {
    JsonObject json = new JsonObject().put("channels", new JsonObject().put("presenceTtlSeconds", 0));
    assertThatThrownBy(() -> new TributaryOptions(json))
        .hasMessage("config: channels.presenceTtlSeconds: must be between 1 and 3600, got 0");
    assertThatThrownBy(() -> new ChannelsOptions().setPresenceTtlSeconds(3601))
        .hasMessageStartingWith("config: channels.presenceTtlSeconds");
  }

  @Test
  void pongTimeoutMustBeShorterThanPingInterval() {
    JsonObject json = new JsonObject().put("gateway", new JsonObject().put("pingIntervalSeconds", 5).put("pongTimeoutSeconds", 5));
    assertThatThrownBy(() -> new TributaryOptions(json)).hasMessageContaining("gateway.pongTimeoutSeconds");
  }

  @Test
  void unknownNamespaceKeyIsNamed() {
    JsonObject json = new JsonObject().put("channels", new JsonObject()
        .put("namespaces", new JsonObject().put("chat", new JsonObject().put("allowPublish", true))));
    assertThatThrownBy(() -> new TributaryOptions(json))
        .hasMessageStartingWith("config: channels.namespaces.chat.allowPublish: unknown key");
  }

  @Test
  void moduleClassMustExistAndBeAVerticle() {
    JsonObject missing = new JsonObject().put("modules", new io.vertx.core.json.JsonArray().add(new JsonObject().put("class", "no.such.Module")));
    assertThatThrownBy(() -> new TributaryOptions(missing)).hasMessage("config: modules[0].class: class not found: no.such.Module"
        + " (put its jar in a folder given to scripts/run --module-path DIR, or add it with scripts/run --classpath my.jar"
        + " or TRIBUTARY_CLASSPATH=my.jar; in Docker, mount it under /modules)");
    JsonObject notVerticle = new JsonObject().put("modules", new io.vertx.core.json.JsonArray().add(new JsonObject().put("class", "java.lang.String")));
    assertThatThrownBy(() -> new TributaryOptions(notVerticle)).hasMessageContaining("is not a Vert.x verticle");
  }

  @Test
  void badModeAndWatermarksAreNamed() {
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("coordinator", new JsonObject().put("mode", "TURBO"))))
        .hasMessageStartingWith("config: coordinator.mode: must be MANUAL, HYBRID or FULLY_AUTO");
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("memory", new JsonObject().put("highWatermark", 0.5).put("lowWatermark", 0.6))))
        .hasMessageStartingWith("config: memory.lowWatermark: must be below");
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("memory", new JsonObject().put("requestGc", "yes"))))
        .hasMessage("config: memory.requestGc: must be true or false, got \"yes\"");
    assertThat(new TributaryOptions(new JsonObject()).getMemory().isRequestGc()).isTrue();
  }

  @Test
  void setterValidates() {
    assertThatThrownBy(() -> new BatchOptions().setMaxDelayMillis(-1))
        .hasMessageStartingWith("config: gateway.batch.maxDelayMillis");
  }

  @Test
  void loaderPrefersConfArgThenEnvAndAppliesPortOverride(@TempDir Path dir) throws Exception {
    Path a = dir.resolve("a.json");
    Path b = dir.resolve("b.json");
    Files.writeString(a, "{\"http\":{\"port\":1111}}");
    Files.writeString(b, "{\"http\":{\"port\":2222}}");
    assertThat(ConfigLoader.load(new String[] {"--conf", a.toString()}, Map.of("TRIBUTARY_CONF", b.toString()))
        .getHttp().getPort()).isEqualTo(1111);
    assertThat(ConfigLoader.load(new String[0], Map.of("TRIBUTARY_CONF", b.toString())).getHttp().getPort())
        .isEqualTo(2222);
    assertThat(ConfigLoader.load(new String[] {"--conf=" + a}, Map.of("TRIBUTARY_HTTP_PORT", "3333"))
        .getHttp().getPort()).isEqualTo(3333);
  }

  @Test
  void loaderNamesMissingFileAndBadJson(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{ not json");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--conf", dir.resolve("nope.json").toString()}, Map.of()))
        .hasMessageContaining("file not found");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--conf", bad.toString()}, Map.of()))
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> ConfigLoader.load(new String[0], Map.of("TRIBUTARY_HTTP_PORT", "eighty")))
        .hasMessage("config: TRIBUTARY_HTTP_PORT: must be an integer, got \"eighty\"");
  }

  @Test
  void shippedConfigIsValid() {
    TributaryOptions o = ConfigLoader.load(new String[] {"--conf", "../conf/tributary.json"}, Map.of());
    assertThat(o.getChannels().getNamespaces()).containsKey("chat");
  }

  @Test
  void maxPublicationBytesMustFitAQueueAndDefaultsToAQuarterOfItCappedByTheBodyLimit() {
    TributaryOptions d = new TributaryOptions(new JsonObject());
    assertThat(d.effectiveMaxPublicationBytes()).isEqualTo(d.getGateway().getMaxQueueBytes() / 4);
    TributaryOptions smallBody = new TributaryOptions(new JsonObject().put("http", new JsonObject().put("maxBodyBytes", 1000)));
    assertThat(smallBody.effectiveMaxPublicationBytes()).isEqualTo(1000);
    TributaryOptions explicit = new TributaryOptions(new JsonObject()
        .put("gateway", new JsonObject().put("maxQueueBytes", 65536))
        .put("channels", new JsonObject().put("maxPublicationBytes", 65536)));
    assertThat(explicit.effectiveMaxPublicationBytes()).isEqualTo(65536);
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject()
        .put("gateway", new JsonObject().put("maxQueueBytes", 65536))
        .put("channels", new JsonObject().put("maxPublicationBytes", 65537))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("channels.maxPublicationBytes").hasMessageContaining("gateway.maxQueueBytes");
  }

  @Test
  void serverTransportIsOneOfFour() {
    assertThat(new TributaryOptions().getServer().getTransport()).isEqualTo("epoll");
    assertThat(new TributaryOptions(new JsonObject().put("server", new JsonObject().put("transport", "io_uring")))
        .getServer().getTransport()).isEqualTo("io_uring");
    assertThatThrownBy(() -> new TributaryOptions(new JsonObject().put("server", new JsonObject().put("transport", "uring"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config: server.transport: ");
  }
}
