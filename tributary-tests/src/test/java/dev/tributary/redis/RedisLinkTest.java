package dev.tributary.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.tributary.config.RedisSettings;
import dev.tributary.metrics.MetricNames;
import dev.tributary.testing.RedisServer;
import dev.tributary.testing.RedisServerExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisLinkTest {
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  private Vertx vertx;
  private SimpleMeterRegistry registry;
  private RedisLink link;


  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (link != null) {
      await(link.close());
    }
    await(vertx.close());
  }

  /** Small timeouts so that outage tests take a second, not a minute. */
  static RedisSettings fast(String url) {
    return new RedisSettings().setUrl(url)
        .setCommandTimeoutMillis(500)
        .setBreakerMaxFailures(2)
        .setBreakerResetTimeoutMillis(200)
        .setReconnectInitialDelayMillis(20)
        .setReconnectMaxDelayMillis(200)
        .setConnectTimeoutMillis(500);
  }

  @Test
  void sendsCommandsThroughThePool() throws Exception {
    link = new RedisLink(vertx, "t", fast(redis.url()), registry);
    await(link.start());
    await(link.send(Request.cmd(Command.SET).arg("link:k").arg("v")));
    Response r = await(link.send(Request.cmd(Command.GET).arg("link:k")));
    assertThat(r.toString()).isEqualTo("v");
    List<Response> rs = await(link.batch(List.of(Request.cmd(Command.GET).arg("link:k"), Request.cmd(Command.GET).arg("link:none"))));
    assertThat(rs.get(0).toString()).isEqualTo("v");
    assertThat(rs.get(1)).isNull();
    assertThat(link.isAvailable()).isTrue();
    assertThat(link.state()).isEqualTo("closed");
  }

  @Test
  void deliversMessagesToEveryHandlerOfAChannelUntilUnsubscribed() throws Exception {
    link = new RedisLink(vertx, "t", fast(redis.url()), registry);
    await(link.start());
    List<String> a = new CopyOnWriteArrayList<>();
    List<String> b = new CopyOnWriteArrayList<>();
    RedisSubscription subA = await(link.subscribe("link:ch", m -> a.add(m.toString())));
    await(link.subscribe("link:ch", m -> b.add(m.toString())));

    assertThat(await(link.publish("link:ch", "one"))).isEqualTo(1L); // one subscriber connection
    until("both handlers got 'one'", () -> a.contains("one") && b.contains("one"));

    await(subA.unsubscribe());
    await(link.publish("link:ch", "two"));
    until("b got 'two'", () -> b.contains("two"));
    assertThat(a).containsExactly("one");
  }

  @Test
  void deliversMessagesInPublicationOrderOnTheSubscribingContext() throws Exception {
    link = new RedisLink(vertx, "t", fast(redis.url()), registry);
    await(link.start());
    io.vertx.core.Context subscriber = vertx.getOrCreateContext();
    List<Integer> got = new CopyOnWriteArrayList<>();
    AtomicInteger wrongContext = new AtomicInteger();
    io.vertx.core.Promise<RedisSubscription> subscribed = io.vertx.core.Promise.promise();
    subscriber.runOnContext(v -> link.subscribe("link:order", m -> {
      if (Vertx.currentContext() != subscriber) {
        wrongContext.incrementAndGet();
      }
      got.add(Integer.parseInt(m.toString()));
    }).onComplete(subscribed));
    await(subscribed.future());

    List<Request> burst = new java.util.ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      burst.add(Request.cmd(Command.PUBLISH).arg("link:order").arg(Integer.toString(i)));
    }
    await(link.batch(burst)); // one connection, pipelined: Redis sees them in this order
    until("all 2000 delivered", () -> got.size() == 2000);
    for (int i = 0; i < 2000; i++) {
      assertThat(got.get(i)).isEqualTo(i);
    }
    assertThat(wrongContext).hasValue(0);
  }

  @Test
  void redisErrorRepliesFailTheCommandButNotTheBreaker() throws Exception {
    link = new RedisLink(vertx, "t", fast(redis.url()), registry);
    await(link.start());
    await(link.send(Request.cmd(Command.SET).arg("link:str").arg("x")));
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> await(link.send(Request.cmd(Command.LPUSH).arg("link:str").arg("y"))))
          .hasRootCauseMessage("WRONGTYPE Operation against a key holding the wrong kind of value")
          .cause().isNotInstanceOf(RedisUnavailableException.class);
    }
    assertThat(link.isAvailable()).isTrue();
    assertThat(link.state()).isEqualTo("closed");
  }

  @Test
  void opensWhenRedisDiesFailsFastAndRecoversAndResubscribesByItself() throws Exception {
    try (RedisServer own = RedisServer.start()) {
      link = new RedisLink(vertx, "t", fast(own.url()), registry);
      List<Boolean> availability = new CopyOnWriteArrayList<>();
      AtomicInteger restored = new AtomicInteger();
      link.addListener(new RedisLink.Listener() {
        @Override
        public void availabilityChanged(boolean available) {
          availability.add(available);
        }

        @Override
        public void subscriptionsRestored() {
          restored.incrementAndGet();
        }
      });
      await(link.start());
      List<String> got = new CopyOnWriteArrayList<>();
      await(link.subscribe("link:out", m -> got.add(m.toString())));

      own.stop();
      // No traffic: the lost subscriber alone must notice the outage.
      until("breaker open", () -> !link.isAvailable());
      assertThat(link.state()).isIn("open", "half_open");
      // Fails fast: refused by the open breaker (RedisUnavailableException), not a command timeout.
      assertThatThrownBy(() -> await(link.send(Request.cmd(Command.PING))))
          .cause().isInstanceOf(RedisUnavailableException.class);
      assertThat(registry.get(MetricNames.REDIS_AVAILABLE).gauge().value()).isZero();

      own.restart();
      until("breaker closed", link::isAvailable);
      until("subscriptions restored", () -> restored.get() == 1);
      // Listeners run on the link's context, after the flag they report flipped.
      until("listener told of both changes", () -> availability.size() >= 2);
      assertThat(availability).containsExactly(false, true);
      assertThat(link.state()).isEqualTo("closed");
      assertThat(await(link.send(Request.cmd(Command.PING))).toString()).isEqualTo("PONG");
      await(link.publish("link:out", "after"));
      until("message after restart", () -> got.contains("after"));
      assertThat(registry.get(MetricNames.REDIS_RECONNECTS).counter().count()).isGreaterThanOrEqualTo(1);
      await(link.close()); // before the server goes, or teardown logs a second outage
      link = null;
    }
  }

  @Test
  void pipelinedCommandsGoThroughTheSameBreaker() throws Exception {
    try (RedisServer own = RedisServer.start()) {
      link = new RedisLink(vertx, "t", fast(own.url()), registry);
      await(link.start());
      assertThat(await(link.sendPipelined(Request.cmd(Command.SET).arg("link:p").arg("x"))).toString()).isEqualTo("OK");
      List<Response> rs = await(link.batchPipelined(List.of(Request.cmd(Command.GET).arg("link:p"),
          Request.cmd(Command.GET).arg("link:none"))));
      assertThat(rs.get(0).toString()).isEqualTo("x");
      assertThat(rs.get(1)).isNull();
      for (int i = 0; i < 3; i++) { // an error reply proves Redis is up: it does not count
        assertThatThrownBy(() -> await(link.sendPipelined(Request.cmd(Command.LPUSH).arg("link:p").arg("y"))))
            .hasRootCauseMessage("WRONGTYPE Operation against a key holding the wrong kind of value")
            .cause().isNotInstanceOf(RedisUnavailableException.class);
      }
      assertThat(link.state()).isEqualTo("closed");

      own.stop();
      until("breaker open", () -> {
        try {
          await(link.sendPipelined(Request.cmd(Command.PING)));
        } catch (Exception e) {
          assertThat(e).cause().isInstanceOf(RedisUnavailableException.class);
        }
        return !link.isAvailable();
      });
      assertThatThrownBy(() -> await(link.sendPipelined(Request.cmd(Command.PING))))
          .cause().isInstanceOf(RedisUnavailableException.class).hasMessageContaining("circuit breaker open");
      assertThat(registry.get(MetricNames.REDIS_COMMANDS_REJECTED).counter().count()).isGreaterThanOrEqualTo(1);

      own.restart();
      until("breaker closed", link::isAvailable);
      assertThat(await(link.sendPipelined(Request.cmd(Command.PING))).toString()).isEqualTo("PONG"); // a new connection
      await(link.close()); // before the server goes, or teardown logs a second outage
      link = null;
    }
  }

  @Test
  void aPipelinedConnectionThatStopsAnsweringFailsItsRequestsAndIsReplaced() throws Exception {
    link = new RedisLink(vertx, "t", fast(redis.url()), registry); // commandTimeoutMillis 500
    await(link.start());
    // Blocks only this connection, for good; a pooled command would time out by the breaker's timer instead.
    assertThatThrownBy(() -> await(link.sendPipelined(Request.cmd(Command.BLPOP).arg("link:never").arg(0))))
        .cause().isInstanceOf(RedisUnavailableException.class);
    assertThat(link.isAvailable()).isTrue(); // one failure of the two that open it
    assertThat(await(link.sendPipelined(Request.cmd(Command.PING))).toString()).isEqualTo("PONG");
  }

  @Test
  void startReportsAnAbsentRedisAndTheLinkStaysDegraded() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    link = new RedisLink(vertx, "t", fast("redis://127.0.0.1:" + port), registry);
    assertThatThrownBy(() -> await(link.start())).cause().isInstanceOf(RedisUnavailableException.class);
    until("breaker open", () -> !link.isAvailable());
    assertThat(link.status().getBoolean("available")).isFalse();
    assertThat(link.status().getString("subscriber")).isEqualTo("disconnected");
  }

  static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e;
    }
  }

  static void until(String what, BooleanSupplier condition) {
    dev.tributary.testing.Poll.until(what, 10, condition);
  }
}
