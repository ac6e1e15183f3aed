package dev.tributary.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link RedisServer} for a whole test class, started before its first test and stopped after
 * its last, instead of a {@code @BeforeAll}/{@code @AfterAll} pair in each class:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisServerExtension redis = new RedisServerExtension();
 * ... redis.url() ...
 * }</pre>
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback, RedisDeployment {
  private RedisServer server;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = RedisServer.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  /** {@code redis://127.0.0.1:<port>} of the running server. */
  public String url() {
    return server.url();
  }

  public int port() {
    return server.port();
  }

  /** Kills the server (outage tests); {@link #restart()} brings it back on the same port. */
  public void stop() {
    server.stop();
  }

  /** SIGSTOP: Redis freezes with its sockets open. */
  public void pause() {
    server.pause();
  }

  /** SIGCONT after {@link #pause()}. */
  public void resume() {
    server.resume();
  }

  /** SIGKILL: a crash; {@link #restart()} brings it back empty. */
  public void kill9() {
    server.kill9();
  }

  public void restart() throws java.io.IOException {
    server.restart();
  }

  @Override
  public void configure(dev.tributary.config.RedisOptions o) {
    o.setUrls(java.util.List.of(url()));
  }

  @Override
  public String toString() {
    return "one Redis";
  }
}
