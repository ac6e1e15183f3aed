package dev.tributary.redis;

import static dev.tributary.redis.RedisLinkTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.testing.RedisServerExtension;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RedisPipeline} against a real redis-server. */
class RedisPipelineTest {
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

  /** Runs {@code calls} in one task on {@code ctx}: all are sent before any reply can arrive. */
  private static <T> List<T> inOneTask(Context ctx, Supplier<List<Future<T>>> calls) throws Exception {
    Promise<List<T>> p = Promise.promise();
    ctx.runOnContext(v -> Future.all(calls.get()).onComplete(ar -> {
      if (ar.failed()) {
        p.fail(ar.cause());
      } else {
        p.complete(ar.result().list());
      }
    }));
    return await(p.future());
  }

  @Test
  void sendsWithoutWaitingOnOneConnectionPerEventLoopAndAnswersInOrder() throws Exception {
    pipeline = RedisPipeline.perEventLoop(vertx, "t", redis.url(), 2000, 0, List.of());
    ContextInternal a = ((VertxInternal) vertx).createEventLoopContext();
    ContextInternal b = ((VertxInternal) vertx).createEventLoopContext();
    for (int i = 0; i < 8 && b.nettyEventLoop() == a.nettyEventLoop(); i++) {
      b = ((VertxInternal) vertx).createEventLoopContext(); // the other of the 2 event loops
    }
    assertThat(b.nettyEventLoop()).isNotSameAs(a.nettyEventLoop());
    List<Response> counts = inOneTask(a, () -> {
      List<Future<Response>> fs = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        fs.add(pipeline.send(Request.cmd(Command.INCR).arg("pipe:count")));
      }
      return fs;
    });
    for (int i = 0; i < 500; i++) {
      assertThat(counts.get(i).toLong()).isEqualTo(i + 1);
    }
    List<Response> idsA = inOneTask(a, () -> List.of(pipeline.send(Request.cmd(Command.CLIENT).arg("ID")),
        pipeline.send(Request.cmd(Command.CLIENT).arg("ID"))));
    List<Response> idsB = inOneTask(b, () -> List.of(pipeline.send(Request.cmd(Command.CLIENT).arg("ID"))));
    assertThat(idsA.get(0).toLong()).isEqualTo(idsA.get(1).toLong());
    assertThat(idsB.get(0).toLong()).isNotEqualTo(idsA.get(0).toLong());
  }

  @Test
  void orderedPipelineUsesOneConnectionForEveryThread() throws Exception {
    pipeline = RedisPipeline.ordered(vertx, "t", redis.url(), 2000, 0, List.of());
    long fromMain = await(pipeline.send(Request.cmd(Command.CLIENT).arg("ID"))).toLong();
    List<Response> fromLoops = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      fromLoops.addAll(inOneTask(vertx.getOrCreateContext(), () -> List.of(pipeline.send(Request.cmd(Command.CLIENT).arg("ID")))));
    }
    assertThat(fromLoops).extracting(Response::toLong).containsOnly(fromMain);
    List<Response> batch = await(pipeline.batch(List.of(Request.cmd(Command.SET).arg("pipe:o").arg("1"),
        Request.cmd(Command.GET).arg("pipe:o"))));
    assertThat(batch.get(1).toString()).isEqualTo("1");
  }

  @Test
  void closesAConnectionThatStopsAnsweringAndOpensAnother() throws Exception {
    pipeline = RedisPipeline.perEventLoop(vertx, "t", redis.url(), 2000, 200, List.of());
    Context ctx = vertx.getOrCreateContext();
    long first = inOneTask(ctx, () -> List.of(pipeline.send(Request.cmd(Command.CLIENT).arg("ID")))).get(0).toLong();
    // Blocks this connection (only) for good: only the watchdog can end it (a BLPOP with timeout 0 never returns).
    assertThatThrownBy(() -> inOneTask(ctx, () -> List.of(pipeline.send(Request.cmd(Command.BLPOP).arg("pipe:never").arg(0)))))
        .isNotNull();
    long second = inOneTask(ctx, () -> List.of(pipeline.send(Request.cmd(Command.CLIENT).arg("ID")))).get(0).toLong();
    assertThat(second).isNotEqualTo(first);
  }

  @Test
  void loadsItsScriptsOnEveryNewConnectionAndAfterAFlush() throws Exception {
    String script = "return 'hello ' .. ARGV[1]";
    String sha = sha1(script);
    pipeline = RedisPipeline.ordered(vertx, "t", redis.url(), 2000, 0, List.of(script));
    Request call = Request.cmd(Command.EVALSHA).arg(sha).arg(0).arg("a");
    assertThat(await(pipeline.send(call)).toString()).isEqualTo("hello a");

    await(pipeline.send(Request.cmd(Command.SCRIPT).arg("FLUSH")));
    assertThatThrownBy(() -> await(pipeline.send(Request.cmd(Command.EVALSHA).arg(sha).arg(0).arg("b"))))
        .hasMessageContaining("NOSCRIPT");
    assertThat(await(pipeline.send(Request.cmd(Command.EVALSHA).arg(sha).arg(0).arg("c"))).toString()).isEqualTo("hello c");
  }

  private static String sha1(String s) throws Exception {
    byte[] d = java.security.MessageDigest.getInstance("SHA-1").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return java.util.HexFormat.of().formatHex(d);
  }
}
