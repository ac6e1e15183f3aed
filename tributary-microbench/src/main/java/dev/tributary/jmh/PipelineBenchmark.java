package dev.tributary.jmh;

import dev.tributary.TributaryServer;
import dev.tributary.bus.Addresses;
import dev.tributary.config.NamespaceOptions;
import dev.tributary.config.TributaryOptions;
import dev.tributary.coordinator.ModuleClient;
import dev.tributary.bus.Priority;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The coordination pipeline's cost per update, end to end through a real server started in
 * {@code @Setup} (one event loop, so the coordinator, the batch processor and the gateway share
 * one thread, as on the pinned bench server): {@code ModuleClient.update} on the benchmark thread
 * (payload encoding, event-bus send), delivery to the coordinator's event loop, debounce, and —
 * where the update is released — envelope and push encoding, coordination cache, batch processor
 * and hub (no subscribers: the WebSocket fan-out is measured by {@code scripts/bench fanout}).
 *
 * <p>One invocation sends {@value #BATCH} updates and then waits for the reply to a
 * {@code tributary.coordinator.status} request, which the coordinator answers after the updates
 * before it (one consumer context, FIFO): so the time per update is the pipeline's throughput
 * limit with one sending thread, and at most {@value #BATCH} updates are ever queued.
 *
 * <ul>
 *   <li>{@code path=coalesce}: 100 hot keys (10 modules × 10 keys), default delays (300 ms, max
 *       wait 1 s): nearly every update replaces a pending one; the cost of accepting an update.
 *   <li>{@code path=emit}: 10,000 keys updated round robin with {@code normalDelayMillis=0}: every
 *       update is released on the next 1 ms timer tick and published (through the batch processor
 *       in HYBRID): the full cost of an update that becomes a publication.
 * </ul>
 *
 * <p>Compare with {@code DebouncerBench} (the debouncer alone, ~tens of ns): the rest is event-bus
 * hand-off, encoding and metrics. {@code scripts/bench pipeline} measures the same path with CPU
 * time and WebSocket subscribers.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-DTRIBUTARY_LOG_LEVEL=WARN"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PipelineBenchmark {
  static final int BATCH = 1000;
  static final int MODULES = 10;

  @Param({"MANUAL", "HYBRID", "FULLY_AUTO"})
  public String mode;

  @Param({"coalesce", "emit"})
  public String path;

  private TributaryServer server;
  private Vertx vertx;
  private ModuleClient[] clients;
  private String[] keys;
  private JsonObject payload;
  private long n;

  @Setup(Level.Trial)
  public void start() throws Exception {
    TributaryOptions o = new TributaryOptions();
    o.getHttp().setHost("127.0.0.1").setPort(0);
    o.getServer().setEventLoops(1).setShutdownTimeoutSeconds(5);
    o.getChannels().putNamespace("pipe", new NamespaceOptions());
    o.getCoordinator().setMode(mode);
    int keysPerModule = path.equals("emit") ? 1000 : 10;
    if (path.equals("emit")) {
      o.getCoordinator().setNormalDelayMillis(0).setCriticalDelayMillis(0);
    }
    server = new TributaryServer(o);
    server.start().await(60, TimeUnit.SECONDS);
    vertx = server.vertx();
    clients = new ModuleClient[MODULES];
    List<Future<Void>> regs = new ArrayList<>();
    for (int m = 0; m < MODULES; m++) {
      clients[m] = ModuleClient.create(vertx, "m" + m);
      regs.add(clients[m].register("pipe:m" + m));
    }
    Future.all(regs).await(30, TimeUnit.SECONDS);
    keys = new String[keysPerModule];
    for (int k = 0; k < keysPerModule; k++) {
      keys[k] = "k" + k;
    }
    payload = new JsonObject().put("ts", 0L).put("n", 0L).put("pad", "x".repeat(24));
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    if (server != null) {
      server.stop().await(60, TimeUnit.SECONDS);
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object update() throws Exception {
    for (int i = 0; i < BATCH; i++) {
      long g = n++;
      int m = (int) (g % MODULES);
      int k = (int) ((g / MODULES) % keys.length);
      payload.put("ts", System.nanoTime()).put("n", g);
      clients[m].update(keys[k], Priority.MEDIUM, payload);
    }
    return vertx.eventBus().request(Addresses.COORDINATOR_STATUS, null).await(30, TimeUnit.SECONDS).body();
  }
}
