package dev.tributary.testing;

import dev.tributary.TributaryServer;
import dev.tributary.config.TributaryOptions;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Starts a whole Tributary node in-process on a free loopback port. */
public final class TestServer implements AutoCloseable {
  public static final String API_KEY = "test-api-key";

  public final TributaryServer server;
  public final int port;

  private TestServer(TributaryServer server, int port) {
    this.server = server;
    this.port = port;
  }

  /** Defaults for tests: loopback, port 0, 2 event loops, an API key; then {@code tweak}. */
  public static TestServer start(Consumer<TributaryOptions> tweak) {
    return start(dev.tributary.support.Clock.SYSTEM, tweak);
  }

  /** As {@link #start(Consumer)}, the server reading time from {@code clock} (e.g. a {@link FakeClock}). */
  public static TestServer start(dev.tributary.support.Clock clock, Consumer<TributaryOptions> tweak) {
    TributaryOptions o = new TributaryOptions();
    o.getHttp().setHost("127.0.0.1").setPort(0);
    o.getApi().setKey(API_KEY);
    o.getServer().setEventLoops(2).setShutdownTimeoutSeconds(5);
    tweak.accept(o);
    TributaryServer s = new TributaryServer(o, clock);
    try {
      int port = s.start().await(30, TimeUnit.SECONDS);
      return new TestServer(s, port);
    } catch (Exception e) {
      throw new IllegalStateException("server did not start", e);
    }
  }

  /** A server whose config comes from {@code file} (so {@code config.watch} can watch it). */
  public static TestServer startFromFile(java.nio.file.Path file) {
    TributaryOptions o = dev.tributary.config.ConfigLoader.load(new String[] {"--conf", file.toString()}, java.util.Map.of());
    TributaryServer s = new TributaryServer(o).configFile(file);
    try {
      int port = s.start().await(30, TimeUnit.SECONDS);
      return new TestServer(s, port);
    } catch (Exception e) {
      throw new IllegalStateException("server did not start", e);
    }
  }

  public static TestServer start() {
    return start(o -> { });
  }

  public String wsUrl() {
    return "ws://127.0.0.1:" + port + "/connection/websocket";
  }

  @Override
  public void close() {
    try {
      server.stop().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("server did not stop", e);
    }
  }
}
