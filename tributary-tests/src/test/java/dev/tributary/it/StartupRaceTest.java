package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.RawHttp;
import dev.tributary.testing.ServerProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up under fire: a server process is started again and again while clients poll
 * {@code /health} from before its first millisecond. Every request is refused at TCP (not
 * listening yet), answered 503 JSON with {@code Retry-After} (listening, not every verticle
 * deployed) or served 200; none hangs (each read is bounded), and the server logs no exception.
 */
class StartupRaceTest {
  static final int RUNS = 3;
  static final int CLIENTS = 2;
  /** Far above any answer time on a busy box: a request past it is a hang, not a slow answer. */
  static final int READ_TIMEOUT_MS = 15_000;

  /** Polls /health on fresh connections until stopped, sorting every outcome. */
  static final class Hammer {
    final int port;
    final AtomicBoolean stop = new AtomicBoolean();
    final LongAdder refused = new LongAdder();
    final LongAdder ok = new LongAdder();
    final LongAdder notReady = new LongAdder();
    final CountDownLatch served;
    final Map<String, Integer> bad = new ConcurrentHashMap<>();
    final List<Thread> threads = new ArrayList<>();

    Hammer(int port, int servedToSee) {
      this.port = port;
      this.served = new CountDownLatch(servedToSee);
      for (int i = 0; i < CLIENTS; i++) {
        Thread t = new Thread(this::run, "hammer-" + i);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
    }

    void run() {
      while (!stop.get()) {
        try (RawHttp h = RawHttp.open(port, READ_TIMEOUT_MS)) {
          h.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
          RawHttp.Response r = h.read();
          if (r.status() == 200 && "ok".equals(new JsonObject(r.body()).getString("status"))) {
            ok.increment();
            served.countDown();
          } else if (r.status() == 503 && r.header("Retry-After") != null
              && new JsonObject(r.body()).getJsonObject("error").getInteger("code") == 108) {
            notReady.increment();
          } else {
            bad.merge(r.status() + " " + r.headers() + " " + r.body(), 1, Integer::sum);
          }
        } catch (ConnectException e) {
          refused.increment();
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // pacing while nothing listens, not a wait
        } catch (SocketTimeoutException e) {
          bad.merge("hung: no answer within " + READ_TIMEOUT_MS + " ms", 1, Integer::sum);
        } catch (IOException | RuntimeException e) {
          bad.merge(e.toString(), 1, Integer::sum);
        }
      }
    }

    void stop() throws InterruptedException {
      stop.set(true);
      for (Thread t : threads) {
        t.join(READ_TIMEOUT_MS + 5_000);
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void requestsDuringStartupAreServedOrRefusedCleanlyAndNothingIsLogged(@TempDir Path dir) throws Exception {
    long notReadyTotal = 0;
    for (int run = 0; run < RUNS; run++) {
      int port = freePort();
      Path conf = dir.resolve("run" + run + ".json");
      // The slow module keeps the node listening-but-not-ready for a while: the gate is exercised.
      Files.writeString(conf, """
          {"http":{"port":%d,"host":"127.0.0.1"},"api":{"key":"k"},"server":{"eventLoops":2},
           "gateway":{"instances":4},
           "modules":[{"class":"dev.tributary.testing.SlowStartModule","config":{"delayMillis":300}}]}
          """.formatted(port));
      Hammer hammer = new Hammer(port, 20);
      List<String> log;
      try (ServerProcess p = new ServerProcess(conf)) {
        p.awaitPort();
        assertThat(hammer.served.await(60, TimeUnit.SECONDS)).as("20 requests served after start").isTrue();
        hammer.stop();
        log = List.copyOf(p.output);
      } finally {
        hammer.stop();
      }
      assertThat(hammer.bad).as("run %d: every request refused at TCP, 503 JSON with Retry-After, or 200", run).isEmpty();
      assertThat(log).as("run %d: server log", run)
          .noneMatch(l -> l.contains("Exception") || l.contains(" ERROR ") || l.startsWith("\tat "));
      notReadyTotal += hammer.notReady.sum();
    }
    assertThat(notReadyTotal).as("requests answered 503 while the module was starting").isPositive();
  }
}
