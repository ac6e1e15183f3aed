package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tributary.config.PusherAppOptions;
import dev.tributary.testing.TestServer;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Pusher ecosystem's own clients, unchanged from npm, against Tributary: pusher-js 8.6.0 (two
 * clients), the {@code pusher} 5.3.4 server SDK (triggers, channel auth in a real auth endpoint,
 * HTTP API reads) and laravel-echo 2.5.0 with the pusher connector. See src/test/js/pusher.mjs for
 * each step; the test installs the pinned packages ({@code npm ci} in src/test/js) and is skipped,
 * saying so, without Node.
 */
class PusherJsConformanceTest {
  @Test
  void pusherJsPusherSdkAndLaravelEchoWorkUnchanged() throws Exception {
    assumeTrue(CentrifugeJsConformanceTest.runs("node", "--version"), "Node.js not found on PATH: skipping the pusher-js test");
    assumeTrue(CentrifugeJsConformanceTest.runs("npm", "--version"), "npm not found on PATH: skipping the pusher-js test");
    if (!Files.isDirectory(CentrifugeJsConformanceTest.JS.resolve("node_modules/pusher-js"))
        || !Files.isDirectory(CentrifugeJsConformanceTest.JS.resolve("node_modules/laravel-echo"))) {
      CentrifugeJsConformanceTest.run(CentrifugeJsConformanceTest.JS, 300, List.of("npm", "ci", "--no-audit", "--no-fund"));
    }
    try (TestServer server = TestServer.start(o -> o.getPusher()
        .addApp(new PusherAppOptions("42", "js-key", "js-secret-123", null, true)))) {
      String out = CentrifugeJsConformanceTest.run(CentrifugeJsConformanceTest.JS, 60, List.of("node", "pusher.mjs",
          Integer.toString(server.port), "42", "js-key", "js-secret-123", TestServer.API_KEY));
      assertThat(out).contains("ok connected socket ids true", "ok public event from the pusher SDK",
          "ok socket_id excluded the sender", "ok event from the Centrifugo-style API",
          "ok private channel and client event", "ok presence members, member_added, member_removed",
          "ok HTTP API users and channel info through the pusher SDK",
          "ok laravel-echo private channel event and whisper", "ALL PASSED");
    }
  }
}
