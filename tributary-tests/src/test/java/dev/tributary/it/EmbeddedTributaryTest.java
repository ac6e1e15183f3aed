package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.Tributary;
import dev.tributary.TributaryServer;
import dev.tributary.config.TributaryOptions;
import dev.tributary.coordinator.ModuleClient;
import dev.tributary.bus.Priority;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's "Embedding Tributary": one call, {@link Tributary#start}, starts a node in the
 * application's JVM with its options and its own module verticles; a module given that way
 * publishes to WebSocket subscribers as one named in a config does; a verticle that fails to start
 * fails the call with its cause, and the node it started is stopped.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddedTributaryTest {
  /** An application's module: registers {@code scores} and publishes its state every 100 ms. */
  static final class ScoreModule extends VerticleBase {
    @Override
    public Future<?> start() {
      ModuleClient client = ModuleClient.create(vertx, "scores");
      return client.register("scores").onSuccess(v -> vertx.setPeriodic(100, t ->
          client.update(Priority.HIGH, new JsonObject().put("home", 2).put("away", 1))));
    }
  }

  static final class BrokenModule extends VerticleBase {
    @Override
    public Future<?> start() {
      return Future.failedFuture("no database configured");
    }
  }

  private static TributaryOptions options() {
    TributaryOptions o = new TributaryOptions();
    o.getHttp().setHost("127.0.0.1").setPort(0);
    o.getServer().setEventLoops(1).setShutdownTimeoutSeconds(5);
    return o;
  }

  @Test
  void oneCallStartsANodeWithTheApplicationsModule() throws Exception {
    TributaryServer server = Tributary.start(options(), new ScoreModule()).await(30, TimeUnit.SECONDS);
    Vertx client = Vertx.vertx();
    try (WsTestClient sub = WsTestClient.open(client, server.port())) {
      sub.connect();
      sub.subscribe("scores");
      JsonObject data = sub.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data");
      assertThat(data.getString("module")).isEqualTo("scores");
      assertThat(data.getJsonObject("state")).isEqualTo(new JsonObject().put("home", 2).put("away", 1));
    } finally {
      client.close().await(10, TimeUnit.SECONDS);
      server.stop().await(30, TimeUnit.SECONDS);
    }
    assertThat(server.vertx()).as("stopped: Vert.x closed").isNull();
  }

  @Test
  void aModuleThatFailsToStartFailsTheCallAndStopsTheNode() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    TributaryOptions o = options();
    o.getHttp().setPort(port);
    Future<TributaryServer> f = Tributary.start(o, new BrokenModule());
    assertThatThrownBy(() -> f.await(30, TimeUnit.SECONDS)).hasMessageContaining("no database configured");
    // The node had listened on the port before the modules were deployed: stopped, it is free again.
    try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertThat(again.getLocalPort()).isEqualTo(port);
    }
  }
}
