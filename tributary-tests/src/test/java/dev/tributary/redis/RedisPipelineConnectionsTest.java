package dev.tributary.redis;

import static dev.tributary.redis.RedisLinkTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.testing.Poll;
import dev.tributary.testing.RedisServerExtension;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RedisPipeline} really closes the connections it gives up (seen from Redis: the client id
 * leaves {@code CLIENT LIST}), using only the public client API.
 */
class RedisPipelineConnectionsTest {
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();

  private Vertx vertx;
  private RedisPipeline pipeline;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (pipeline != null) {
      await(pipeline.close());
    }
    await(vertx.close());
  }

  private long clientId() throws Exception {
    return await(pipeline.send(Request.cmd(Command.CLIENT).arg("ID"))).toLong();
  }

  private boolean listed(long id) {
    try {
      return await(pipeline.send(Request.cmd(Command.CLIENT).arg("LIST"))).toString().contains("id=" + id + " ");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aStalledConnectionIsClosedAtRedisNotHandedBackToAPool() throws Exception {
    pipeline = RedisPipeline.ordered(vertx, "t", redis.url(), 2000, 200, List.of());
    long stalled = clientId();
    // Only the watchdog can end a BLPOP with timeout 0.
    assertThatThrownBy(() -> await(pipeline.send(Request.cmd(Command.BLPOP).arg("pipe:never").arg(0)))).isNotNull();
    assertThat(clientId()).isNotEqualTo(stalled);
    Poll.until("stalled connection gone from CLIENT LIST", 10, () -> !listed(stalled));
  }

  @Test
  void aConnectionSetAsideAfterNoscriptIsClosedOnceItsRepliesArrived() throws Exception {
    String script = "return 'hi'";
    pipeline = RedisPipeline.ordered(vertx, "t", redis.url(), 2000, 0, List.of(script));
    long first = clientId();
    await(pipeline.send(Request.cmd(Command.SCRIPT).arg("FLUSH")));
    String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
        .digest(script.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> await(pipeline.send(Request.cmd(Command.EVALSHA).arg(sha).arg(0))))
        .hasMessageContaining("NOSCRIPT");
    assertThat(await(pipeline.send(Request.cmd(Command.EVALSHA).arg(sha).arg(0))).toString()).isEqualTo("hi");
    assertThat(clientId()).isNotEqualTo(first);
    Poll.until("set-aside connection gone from CLIENT LIST", 10, () -> !listed(first));
  }
}
