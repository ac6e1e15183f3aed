package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.TestServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Protocol conformance with the official {@code centrifuge} JS client from npm, run under Node,
 * unchanged: connect, subscribe, client publish, server-API publish, an error code, pings with
 * pongs over several intervals, unsubscribe. The test installs the pinned npm packages itself
 * ({@code npm ci} in src/test/js); without Node it is skipped and says so.
 */
class CentrifugeJsConformanceTest {
  static final Path JS = Path.of("src/test/js");

  static boolean runs(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  static String run(Path dir, long timeoutSeconds, List<String> cmd) throws Exception {
    File log = Files.createTempFile("tributary-js", ".log").toFile();
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log).start();
    boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String out = Files.readString(log.toPath(), StandardCharsets.UTF_8);
    assertThat(done).as("%s finished within %d s; output:%n%s", cmd, timeoutSeconds, out).isTrue();
    assertThat(p.exitValue()).as("%s exit code; output:%n%s", cmd, out).isZero();
    return out;
  }

  static void installClient() throws Exception {
    assumeTrue(runs("node", "--version"), "Node.js not found on PATH: skipping the centrifuge-js conformance test");
    assumeTrue(runs("npm", "--version"), "npm not found on PATH: skipping the centrifuge-js conformance test");
    if (!Files.isDirectory(JS.resolve("node_modules/centrifuge")) || !Files.isDirectory(JS.resolve("node_modules/cent.js"))) {
      run(JS, 300, List.of("npm", "ci", "--no-audit", "--no-fund"));
    }
  }

  @Test
  void officialClientRecoversMissedPublicationsAfterReconnect() throws Exception {
    installClient();
    try (TestServer server = TestServer.start(o -> o.getChannels().putNamespace("hist",
        new NamespaceOptions().setHistorySize(100).setHistoryTtlSeconds(60)))) {
      String out = run(JS, 60, List.of("node", "recovery.mjs", server.wsUrl(),
          "http://127.0.0.1:" + server.port, TestServer.API_KEY));
      assertThat(out).contains("ok subscribed", "ok live publication", "ok recovered=true",
          "ok exactly once in order [1,2,3,4,5,6,7]", "ALL PASSED");
    }
  }

  @Test
  void officialClientStartsFreshWhenRecoveryIsTooLargeAndPagesHistory() throws Exception {
    installClient();
    try (TestServer server = TestServer.start(o -> {
      o.getGateway().setMaxQueueBytes(64 * 1024);
      o.getChannels().putNamespace("big", new NamespaceOptions().setHistorySize(1000).setHistoryTtlSeconds(300));
    })) {
      String out = run(JS, 90, List.of("node", "bounded.mjs", server.wsUrl(),
          "http://127.0.0.1:" + server.port, TestServer.API_KEY));
      assertThat(out).contains("ok subscribed", "ok recovered=false with the latest position",
          "ok history without limit is the position only", "ok paged history complete in order",
          "ok live again, never closed with 3008", "ALL PASSED");
    }
  }

  @Test
  void officialClientRecoversOnAnotherNodeAfterFailover() throws Exception {
    installClient();
    try (dev.tributary.testing.RedisServer redis = dev.tributary.testing.RedisServer.start()) {
      java.util.function.Consumer<dev.tributary.config.TributaryOptions> conf = o -> {
        o.getRedis().setUrls(List.of(redis.url()));
        o.getChannels().putNamespace("hist", new NamespaceOptions().setHistorySize(100).setHistoryTtlSeconds(60));
      };
      try (TestServer a = TestServer.start(conf); TestServer b = TestServer.start(conf)) {
        String out = run(JS, 60, List.of("node", "failover.mjs", "/connection/websocket",
            Integer.toString(a.port), Integer.toString(b.port), TestServer.API_KEY));
        assertThat(out).contains("ok subscribed through node A", "ok live publication", "ok reconnected through node B",
            "ok recovered=true on node B", "ok exactly once in order [1,2,3,4,5,6]", "ALL PASSED");
      }
    }
  }

  @Test
  void officialProtobufBuildSharesChannelsWithJsonClients() throws Exception {
    installClient();
    try (TestServer server = TestServer.start(o -> o.getChannels().putNamespace("hist", new NamespaceOptions()
        .setHistorySize(100).setHistoryTtlSeconds(60).setAllowClientPublish(true).setPresence(true)))) {
      String out = run(JS, 60, List.of("node", "protobuf.mjs", server.wsUrl(),
          "http://127.0.0.1:" + server.port, TestServer.API_KEY));
      assertThat(out).contains("ok protobuf connect (subprotocol centrifuge-protobuf)", "ok protobuf subscribe",
          "ok api publication received", "ok json client publication received",
          "ok protobuf publish received as JSON by the JSON client", "ok presence and presence stats",
          "ok history [1,2,3]", "ok recovered=true, exactly once in order [1,2,3,4,5,6]", "ALL PASSED");
    }
  }

  @Test
  void officialCentrifugeClientWorksUnchanged() throws Exception {
    installClient();
    try (TestServer server = TestServer.start(o -> {
      o.getGateway().setPingIntervalSeconds(2).setPongTimeoutSeconds(1);
      o.getChannels().putNamespace("chat", new NamespaceOptions().setAllowClientPublish(true));
    })) {
      String out = run(JS, 90, List.of("node", "conformance.mjs", server.wsUrl(),
          "http://127.0.0.1:" + server.port, TestServer.API_KEY, "5000"));
      assertThat(out).contains("ok connect", "ok subscribe", "ok client publish received",
          "ok server api publish received", "ok unknown namespace refused with 102",
          "ok still connected after 5000 ms of pings", "ok unsubscribe", "ALL PASSED");
    }
  }

  /**
   * Connection and subscription tokens that live 2 s, renewed by the client's getToken callbacks
   * (refresh / sub_refresh on the server's ttl): no reconnect, no resubscribe, publications still
   * delivered; a client whose getToken stops answering is closed with 3005. The script signs its
   * tokens with Node's HMAC. A 3 s grace keeps the client's refresh (sent when ttl runs out) in time
   * on a busy machine.
   */
  @Test
  void officialClientRefreshesShortLivedTokensThroughGetToken() throws Exception {
    installClient();
    String secret = "a-secret-for-js-tests";
    try (TestServer server = TestServer.start(o -> {
      o.getAuth().setTokenHmacSecret(secret).setExpiredCloseDelaySeconds(3).setExpiredSubCloseDelaySeconds(3);
      o.getChannels().putNamespace("priv", new NamespaceOptions().setSubscribeToken("required"));
    })) {
      String out = run(JS, 90, List.of("node", "tokens.mjs", server.wsUrl(),
          "http://127.0.0.1:" + server.port, TestServer.API_KEY, secret));
      assertThat(out).contains("ok connected and subscribed with short-lived tokens", "ok refreshed through getToken",
          "ok no reconnect and no resubscribe", "ok delivered after the original tokens expired",
          "ok expired connection closed with 3005 \"connection expired\"", "ALL PASSED");
    }
  }
}
