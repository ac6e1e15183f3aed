package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.RedisServerExtension;
import dev.tributary.testing.ServerProcess;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM under load, with Redis (issue 13: "shutdown never acknowledges what it drops"). A
 * publisher posts publications one after another, without pause, while a subscriber listens; the
 * server gets SIGTERM in the middle. Every publication answered 200 is either received by the
 * subscriber or counted in the shutdown summary as undelivered; every one answered otherwise got
 * 503 with Retry-After; the subscriber is closed with 3001. Prints sent/acked/delivered/refused/lost.
 */
class ShutdownUnderLoadTest {
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  private static final Pattern SUMMARY = Pattern.compile(
      "shutdown summary: (\\d+) publication\\(s\\) refused since shutdown began .*, (\\d+) acknowledged");

  @Test
  void everyAcknowledgedPublicationIsDeliveredOrCountedAndTheRestAreRefused(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("conf.json");
    Files.writeString(conf, """
        {"http":{"port":0,"host":"127.0.0.1"},"api":{"key":"k"},
         "server":{"shutdownTimeoutSeconds":10},
         "redis":{"url":"%s"},
         "gateway":{"rateLimit":{"commandsPerSecond":0}}}
        """.formatted(redis.url()));
    Vertx vertx = Vertx.vertx();
    try (ServerProcess p = new ServerProcess(conf)) {
      int port = p.awaitPort();
      WsTestClient c = WsTestClient.open(vertx, port);
      c.autoPong().connect();
      c.subscribe("load");
      WebClient http = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setIdleTimeout(15));
      Set<String> acked = java.util.concurrent.ConcurrentHashMap.newKeySet();
      ConcurrentLinkedQueue<String> badAnswers = new ConcurrentLinkedQueue<>();
      AtomicInteger sent = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();
      Promise<Void> sigtermSent = Promise.promise();
      Promise<Void> publisherDone = Promise.promise();
      // One after another: the next is sent when the previous is answered, until the server is gone.
      Runnable[] next = new Runnable[1];
      next[0] = () -> {
        int n = sent.incrementAndGet();
        String data = "p-" + n;
        if (n == 200) {
          sigtermSent.tryComplete(); // the test thread sends SIGTERM now
        }
        http.post(port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", "k").timeout(15_000)
            .sendBuffer(Buffer.buffer("{\"channel\":\"load\",\"data\":\"" + data + "\"}"))
            .onComplete(ar -> {
              if (ar.failed()) {
                sent.decrementAndGet(); // never reached the server's answer: the server is gone
                publisherDone.tryComplete();
                return;
              }
              int status = ar.result().statusCode();
              if (status == 200) {
                acked.add(data);
              } else if (status == 503 && "1".equals(ar.result().getHeader("Retry-After"))) {
                refused.incrementAndGet();
              } else {
                badAnswers.add(status + " " + ar.result().bodyAsString());
              }
              next[0].run();
            });
      };
      vertx.runOnContext(v -> next[0].run());
      sigtermSent.future().toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(p.process.toHandle().destroy()).isTrue();

      assertThat(c.awaitClose()).isEqualTo(3001);
      List<String> received = new ArrayList<>();
      String d;
      while ((d = c.pollNext(1)) != null) {
        received.add(d);
      }
      assertThat(p.awaitExit(30)).isEqualTo(143);
      publisherDone.future().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      http.close();

      long undelivered = -1;
      long refusedLogged = -1;
      for (String line : p.output) {
        Matcher m = SUMMARY.matcher(line);
        if (m.find()) {
          refusedLogged = Long.parseLong(m.group(1));
          undelivered = Long.parseLong(m.group(2));
        }
      }
      Set<String> lost = new LinkedHashSet<>(acked);
      received.forEach(lost::remove);
      System.out.printf("[shutdown under load] sent %d, acknowledged %d, delivered %d, refused %d (server counted %d),"
          + " acknowledged-undelivered counted %d, lost %d%n", sent.get(), acked.size(), received.size(), refused.get(),
          refusedLogged, undelivered, lost.size() - Math.max(0, undelivered));
      assertThat(badAnswers).as("every answer is 200 or 503 with Retry-After").isEmpty();
      assertThat(undelivered).as("the shutdown summary line").isGreaterThanOrEqualTo(0);
      assertThat(refusedLogged).isEqualTo(refused.get());
      assertThat((long) lost.size()).as("acknowledged but neither delivered nor counted: %s", lost).isLessThanOrEqualTo(undelivered);
      assertThat(received).as("nothing is delivered twice").doesNotHaveDuplicates()
          .allMatch(x -> x.startsWith("p-"));
      assertThat(acked.size()).as("publications acknowledged before SIGTERM").isGreaterThanOrEqualTo(199);
    } finally {
      vertx.close().await();
    }
  }
}
