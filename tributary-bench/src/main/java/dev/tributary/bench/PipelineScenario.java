package dev.tributary.bench;

import dev.tributary.TributaryServer;
import dev.tributary.bus.Addresses;
import dev.tributary.config.NamespaceOptions;
import dev.tributary.config.TributaryOptions;
import dev.tributary.coordinator.ModuleClient;
import dev.tributary.bus.Priority;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The coordination pipeline, end to end and in-process (modules must share the server's Vert.x to
 * reach the coordinator over the event bus): a {@link TributaryServer} is started in this JVM, M
 * modules register through {@link ModuleClient} on channels {@code pipe:m0…}, a driver sends U
 * updates/s round robin over their M×K keys ({@code {"ts":<nanoTime>,"n":<per-key count>,"pad":…}}),
 * and S WebSocket subscribers per module channel (raw Netty clients on their own event loops)
 * count the publications that come out, check their order and that every key's last value
 * arrives, and record the update-to-delivery latency of each delivered value. The coordinator's
 * own counters ({@code updatesIn}, {@code updatesCoalesced}, {@code updatesEmitted}) come from a
 * {@code tributary.coordinator.status} request over the event bus.
 *
 * <p>CPU: the whole process ({@code OperatingSystemMXBean.getProcessCpuTime}) and, per Java
 * thread ({@code ThreadMXBean}), the server's event loops, the driver and the subscribers;
 * GC, JIT and VM threads are the difference. With {@code driver=thread} (the default) the updates
 * are produced on a thread of their own, so the server's event-loop CPU per update is the
 * coordination overhead (event-bus delivery, debounce, emission, batch processor, hub, WebSocket
 * writes) without the module's own work; {@code driver=verticle} runs the driver as a module
 * verticle on the server's event loops, as a real module would.
 *
 * <p>Each mode runs on a fresh server (same JVM); each rate of a mode is one step: warm-up,
 * measured window, then a drain until every key's last value reached every subscriber.
 */
public final class PipelineScenario {
  private PipelineScenario() {}

  public static final String NAMESPACE = "pipe";

  /** What to run. */
  public static final class Config {
    public List<String> modes = List.of("MANUAL", "HYBRID", "FULLY_AUTO");
    /** M: modules, one channel each. */
    public int modules = 10;
    /** K: keys per module. */
    public int keys = 10;
    /** U: updates/s offered, one step per value. */
    public List<Integer> rates = List.of(10_000);
    public double seconds = 20;
    public double warmupSeconds = 5;
    /** S: WebSocket subscribers per module channel. */
    public int subscribers = 1;
    /** Size of the update's JSON payload (the state), bytes. */
    public int payloadBytes = 64;
    /** Share of updates sent with priority critical (the rest: medium), percent. */
    public int criticalPercent = 0;
    /** {@code thread}: a thread of its own; {@code verticle}: a module verticle on the server's event loops. */
    public String driver = "thread";
    /** Subscriber client event loops. */
    public int threads = 1;
    /** Longest wait after a step for every key's last value to arrive. */
    public double drainSeconds = 15;
    /** The server's configuration (mode overridden per run). */
    public TributaryOptions server = defaultServer(1);

    public static TributaryOptions defaultServer(int eventLoops) {
      TributaryOptions o = new TributaryOptions();
      o.getHttp().setHost("127.0.0.1").setPort(0);
      o.getServer().setEventLoops(eventLoops).setShutdownTimeoutSeconds(5);
      o.getGateway().getRateLimit().setCommandsPerSecond(0);
      o.getChannels().putNamespace(NAMESPACE, new NamespaceOptions());
      return o;
    }

    static Config from(Params p) {
      Config c = new Config();
      String modes = p.string("modes", p.string("mode", null));
      if (modes != null) {
        List<String> list = new ArrayList<>();
        for (String m : modes.split(",")) {
          String u = m.trim().toUpperCase(java.util.Locale.ROOT);
          if (dev.tributary.coordinator.Mode.parse(u) == null) {
            throw new BenchException("option modes: unknown mode " + m + " (MANUAL, HYBRID, FULLY_AUTO)");
          }
          list.add(u);
        }
        c.modes = list;
      }
      c.modules = p.intValue("M", c.modules, 1, 10_000);
      c.keys = p.intValue("K", c.keys, 1, 1_000_000);
      c.rates = p.intList("U", c.rates, 1, 10_000_000);
      c.seconds = p.doubleValue("T", c.seconds, 0.1, 86_400);
      c.warmupSeconds = p.doubleValue("warmup", c.warmupSeconds, 0, 3600);
      c.subscribers = p.intValue("S", c.subscribers, 0, 10_000);
      c.payloadBytes = p.intValue("P", c.payloadBytes, 0, 1 << 20);
      c.criticalPercent = p.intValue("critical", c.criticalPercent, 0, 100);
      c.driver = p.string("driver", c.driver);
      if (!c.driver.equals("thread") && !c.driver.equals("verticle")) {
        throw new BenchException("option driver must be thread or verticle, got " + c.driver);
      }
      c.threads = p.intValue("threads", c.threads, 1, 64);
      c.drainSeconds = p.doubleValue("drain", c.drainSeconds, 1, 600);
      // The in-process server's configuration: the same builder as scripts/bench's server config
      // (loopback, port 0, conf.KEY=VALUE overrides), one event loop unless eventLoops= says otherwise.
      if (!p.has("eventLoops")) {
        p.set("eventLoops", 1);
      }
      JsonObject conf = BenchConfig.build(p);
      conf.getJsonObject("channels").getJsonObject("namespaces")
          .put(NAMESPACE, new NamespaceOptions().toJson());
      c.server = new TributaryOptions(conf);
      if ((long) c.modules * c.keys > 10_000_000L) {
        throw new BenchException("M × K must not exceed 10,000,000");
      }
      return c;
    }
  }

  /** Every mode, each on a fresh in-process server; one result with a step per (mode, rate). */
  public static Result run(Config c, PrintStream out) {
    out.printf("pipeline: %d module(s) × %d key(s), %d subscriber(s) per module channel, updates/s %s of %d-byte"
            + " payloads (%d%% critical) from a %s driver, %s s measured after %s s warm-up, modes %s, %d server event loop(s)%n",
        c.modules, c.keys, c.subscribers, c.rates, c.payloadBytes, c.criticalPercent, c.driver, c.seconds,
        c.warmupSeconds, c.modes, c.server.getServer().effectiveEventLoops());
    List<Object> steps = new ArrayList<>();
    for (String mode : c.modes) {
      try (Rig rig = Rig.open(c, mode, out)) {
        for (int rate : c.rates) {
          out.printf("  %s at %,d updates/s ...%n", mode, rate);
          Result step = rig.step(rate);
          out.println("    " + stepLine(step));
          steps.add(step);
        }
      }
    }
    Result r = new Result();
    r.put("scenario", "pipeline");
    r.put("modules", c.modules);
    r.put("keysPerModule", c.keys);
    r.put("keys", (long) c.modules * c.keys);
    r.put("subscribersPerChannel", c.subscribers);
    r.put("payloadBytes", c.payloadBytes);
    r.put("criticalPercent", c.criticalPercent);
    r.put("driver", c.driver);
    r.put("serverEventLoops", c.server.getServer().effectiveEventLoops());
    r.put("coordinator", c.server.getCoordinator().toJson().getMap());
    r.put("seconds", c.seconds);
    r.put("warmupSeconds", c.warmupSeconds);
    r.put("steps", steps);
    for (Object o : steps) {
      for (String n : ((Result) o).notes()) {
        r.note(((Result) o).get("mode") + " at " + ((Result) o).get("targetRate") + "/s: " + n);
      }
    }
    return r;
  }

  @SuppressWarnings("unchecked")
  static String stepLine(Result s) {
    Map<String, Object> lat = (Map<String, Object>) s.get("latencyMs");
    return String.format("in %s/s (sent %s/s), out %s publications/s, %s deliveries/s, coalesced %s, %s µs CPU/update"
            + " (server loops %s µs), delivered-value latency p50 %s / p99 %s ms, lost %s, final values missing %s, out of order %s",
        Bench.fmt(s.get("updatesInPerSec")), Bench.fmt(s.get("updatesSentPerSec")), Bench.fmt(s.get("publicationsOutPerSec")),
        Bench.fmt(s.get("deliveriesPerSec")), Bench.fmt(s.get("coalescedRatio")), Bench.fmt(s.get("cpuUsPerUpdate")),
        Bench.fmt(s.get("serverLoopCpuUsPerUpdate")), lat == null ? "n/a" : lat.get("p50"), lat == null ? "n/a" : lat.get("p99"),
        Bench.fmt(s.get("lostDeliveries")), Bench.fmt(s.get("finalValuesMissing")), Bench.fmt(s.get("outOfOrder")));
  }

  @SuppressWarnings("unchecked")
  static List<String> summary(Result r) {
    List<String> lines = new ArrayList<>();
    lines.add("== pipeline == " + r.get("modules") + " modules × " + r.get("keysPerModule") + " keys, "
        + r.get("subscribersPerChannel") + " subscriber(s) per channel, driver " + r.get("driver") + ", "
        + r.get("serverEventLoops") + " server event loop(s)");
    lines.add(String.format("%-10s %10s %10s %10s %10s %9s %9s %9s %8s %8s %8s %8s %6s",
        "mode", "U/s", "in/s", "pubs/s", "deliv/s", "coalesced", "cpu µs/u", "loop µs/u", "p50 ms", "p99 ms",
        "coordP99", "holdP99", "lost"));
    for (Object o : (List<Object>) r.get("steps")) {
      Result s = (Result) o;
      Map<String, Object> lat = (Map<String, Object>) s.get("latencyMs");
      Map<String, Object> cl = (Map<String, Object>) s.get("coordinatorLatencyMs");
      Map<String, Object> hold = (Map<String, Object>) s.get("coordinatorHoldMs");
      lines.add(String.format("%-10s %10s %10s %10s %10s %9s %9s %9s %8s %8s %8s %8s %6s",
          s.get("mode"), Bench.fmt(s.get("targetRate")), Bench.fmt(s.get("updatesInPerSec")),
          Bench.fmt(s.get("publicationsOutPerSec")), Bench.fmt(s.get("deliveriesPerSec")), Bench.fmt(s.get("coalescedRatio")),
          Bench.fmt(s.get("cpuUsPerUpdate")), Bench.fmt(s.get("serverLoopCpuUsPerUpdate")),
          lat.get("p50"), lat.get("p99"), cl == null ? "n/a" : cl.get("p99"), hold == null ? "n/a" : hold.get("p99"),
          Bench.fmt(s.get("lostDeliveries"))));
    }
    lines.add("(in/s: updates the coordinator accepted; pubs/s: publications it emitted; coalesced: share of updates"
        + " replaced by a later one; cpu: whole process per update in; loop: server event loops per update in;"
        + " p50/p99: update-to-delivery latency of the values delivered; coordP99/holdP99: the coordinator's own"
        + " release-to-publish and first-offer-to-publish p99)");
    return lines;
  }

  // ---- per-loop statistics of the subscribers -----------------------------------------------

  static final class SubStats {
    final Histogram latency = Loops.newHistogram();
    final List<Sub> subs = new ArrayList<>();
    long received;
    final AtomicLong receivedShared = new AtomicLong();
    long outOfOrder;
    final AtomicLong outOfOrderShared = new AtomicLong();
    long malformed;
  }

  // ---- one server and its clients -----------------------------------------------------------

  static final class Rig implements AutoCloseable {
    private static final byte[] PONG = "{}".getBytes(StandardCharsets.US_ASCII);

    final Config config;
    final String mode;
    final PrintStream out;
    TributaryServer server;
    Vertx vertx;
    int port;
    Loops<SubStats> loops;
    final ModuleClient[] clients;
    final String[] channelNames;
    final String[] keyNames;
    Driver driver;
    volatile long windowFrom = Long.MAX_VALUE;
    volatile long windowTo = Long.MAX_VALUE;
    final Map<Integer, Integer> closes = new TreeMap<>();
    private CountDownLatch ready;
    private final AtomicInteger setupFailures = new AtomicInteger();
    private final AtomicReference<String> firstSetupError = new AtomicReference<>();
    private String driverDeployment;

    private Rig(Config config, String mode, PrintStream out) {
      this.config = config;
      this.mode = mode;
      this.out = out;
      this.clients = new ModuleClient[config.modules];
      this.channelNames = new String[config.modules];
      this.keyNames = new String[config.keys];
      for (int k = 0; k < config.keys; k++) {
        keyNames[k] = "k" + k;
      }
    }

    static Rig open(Config config, String mode, PrintStream out) {
      Rig rig = new Rig(config, mode, out);
      try {
        rig.start();
        return rig;
      } catch (RuntimeException e) {
        rig.close();
        throw e;
      }
    }

    private void start() {
      TributaryOptions o = new TributaryOptions(config.server);
      o.getCoordinator().setMode(mode);
      server = new TributaryServer(o);
      try {
        port = server.start().await(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new BenchException("in-process server did not start: " + e, e);
      }
      vertx = server.vertx();
      List<Future<Void>> regs = new ArrayList<>();
      for (int m = 0; m < config.modules; m++) {
        channelNames[m] = NAMESPACE + ":m" + m;
        clients[m] = ModuleClient.create(vertx, "m" + m);
        regs.add(clients[m].register(channelNames[m]));
      }
      try {
        Future.all(regs).await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new BenchException("modules did not register with the coordinator: " + e, e);
      }
      connectSubscribers();
      driver = new Driver(this);
      if (config.driver.equals("verticle")) {
        try {
          driverDeployment = vertx.deployVerticle(new DriverVerticle(driver)).await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new BenchException("driver verticle did not deploy: " + e, e);
        }
      }
    }

    private void connectSubscribers() {
      int total = config.subscribers * config.modules;
      loops = new Loops<>(config.threads, "bench-pipe-sub", SubStats::new);
      ready = new CountDownLatch(total);
      for (int m = 0; m < config.modules; m++) {
        for (int s = 0; s < config.subscribers; s++) {
          EventLoop loop = loops.nextLoop();
          SubStats st = loops.stats(loop);
          Sub sub = new Sub(this, m, st);
          loop.execute(() -> st.subs.add(sub));
          sub.conn = WsConn.connect(loop, "127.0.0.1", port, null, sub);
        }
      }
      boolean all;
      try {
        all = ready.await(60 + total / 200, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      }
      if (setupFailures.get() > 0 || !all) {
        throw new BenchException(String.format("only %d of %d pipeline subscribers connected and subscribed (%d failed%s)",
            total - ready.getCount(), total, setupFailures.get(),
            firstSetupError.get() == null ? ", the rest timed out" : "; first error: " + firstSetupError.get()));
      }
    }

    void setupFailed(String why) {
      if (setupFailures.incrementAndGet() == 1) {
        firstSetupError.set(why);
      }
      while (ready.getCount() > 0) {
        ready.countDown();
      }
    }

    long received() {
      long n = 0;
      for (SubStats s : loops.all()) {
        n += s.receivedShared.get();
      }
      return n;
    }

    long outOfOrder() {
      long n = 0;
      for (SubStats s : loops.all()) {
        n += s.outOfOrderShared.get();
      }
      return n;
    }

    /** (subscriber, key) pairs whose last delivered value is not the last one sent; on the loops. */
    long finalMismatches() {
      long[] sent = driver.lastSentSnapshot();
      long n = 0;
      for (long x : loops.onEach(s -> {
        long bad = 0;
        for (Sub sub : s.subs) {
          for (int k = 0; k < config.keys; k++) {
            if (sub.lastN[k] != sent[sub.module * config.keys + k]) {
              bad++;
            }
          }
        }
        return bad;
      })) {
        n += x;
      }
      return n;
    }

    JsonObject status() {
      try {
        return vertx.eventBus().<JsonObject>request(Addresses.COORDINATOR_STATUS, null).await(30, TimeUnit.SECONDS).body();
      } catch (Exception e) {
        throw new BenchException("coordinator status request failed: " + e, e);
      }
    }

    Result step(int rate) {
      long start = System.nanoTime() + 20_000_000L;
      long warmEnd = start + Time.secondsToNanos(config.warmupSeconds);
      long end = warmEnd + Time.secondsToNanos(config.seconds);
      windowFrom = warmEnd;
      windowTo = end;
      JsonObject before = status();
      long sentBefore = driver.sentTotal();
      long receivedBefore = received();
      long outOfOrderBefore = outOfOrder();
      CompletableFuture<Void> driven = driver.start(rate, start, end);

      Time.sleepUntil(warmEnd);
      Snapshot s0 = Snapshot.take(this);
      Time.sleepUntil(end);
      Snapshot s1 = Snapshot.take(this);
      try {
        driven.get(Math.max(10, (long) (2 * (config.warmupSeconds + config.seconds))), TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new BenchException("pipeline driver did not finish: " + e, e);
      }
      // Drain: every key's last value must reach every subscriber (debounce + max wait + batch window).
      long drainStart = System.nanoTime();
      boolean drained = Time.await(() -> finalMismatches() == 0, Time.secondsToNanos(config.drainSeconds));
      // Then the counters must settle (nothing pending in the coordinator or on its way).
      long settleDeadline = System.nanoTime() + Time.secondsToNanos(config.drainSeconds);
      JsonObject after = status();
      while (System.nanoTime() < settleDeadline) {
        long expected = (after.getLong("updatesEmitted") - before.getLong("updatesEmitted")) * config.subscribers;
        long got = received() - receivedBefore;
        if (after.getInteger("pendingUpdates", 0) == 0 && got >= expected) {
          break;
        }
        Time.sleepUntil(System.nanoTime() + 50_000_000L);
        after = status();
      }
      double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
      windowFrom = Long.MAX_VALUE;
      windowTo = Long.MAX_VALUE;
      long missing = finalMismatches();
      Histogram h = loops.drainHistograms(st -> st.latency);

      double window = (s1.nanos - s0.nanos) / 1e9;
      long in = s1.updatesIn - s0.updatesIn;
      long coalesced = s1.coalesced - s0.coalesced;
      long emitted = s1.emitted - s0.emitted;
      long delivered = s1.received - s0.received;
      long emittedStep = after.getLong("updatesEmitted") - before.getLong("updatesEmitted");
      long receivedStep = received() - receivedBefore;
      long expectedStep = emittedStep * config.subscribers;

      Result r = new Result();
      r.put("mode", mode);
      r.put("targetRate", rate);
      r.put("seconds", window);
      r.put("updatesSentPerSec", (s1.sent - s0.sent) / window);
      r.put("updatesInPerSec", in / window);
      r.put("publicationsOutPerSec", emitted / window);
      r.put("deliveriesPerSec", delivered / window);
      r.put("coalescedRatio", in == 0 ? null : (double) coalesced / in);
      r.put("updatesPerPublication", emitted == 0 ? null : (double) in / emitted);
      r.put("latencyMs", Result.latency(h));
      r.put("coordinatorLatencyMs", timer(after.getJsonObject("latencyMillis")));
      r.put("coordinatorHoldMs", timer(after.getJsonObject("holdMillis")));
      double cpu = (s1.processCpu - s0.processCpu) / 1e9;
      Map<String, Double> byGroup = Snapshot.cpuByGroup(s0, s1);
      double loopsCpu = byGroup.get("serverEventLoops");
      r.put("processCpuCores", cpu / window);
      r.put("cpuUsPerUpdate", in == 0 ? null : cpu * 1e6 / in);
      r.put("serverLoopCpuCores", loopsCpu / window);
      r.put("serverLoopCpuUsPerUpdate", in == 0 ? null : loopsCpu * 1e6 / in);
      Map<String, Object> threads = new LinkedHashMap<>();
      threads.put("serverEventLoops", loopsCpu / window);
      threads.put("driver", byGroup.get("driver") / window);
      threads.put("subscribers", byGroup.get("subscribers") / window);
      threads.put("otherJavaThreads", byGroup.get("otherJavaThreads") / window);
      threads.put("gcJitVm", Math.max(0, cpu - byGroup.get("javaThreads")) / window);
      r.put("cpuCoresByThread", threads);
      Map<String, Object> perLoop = new LinkedHashMap<>();
      byGroup.forEach((name, sec) -> {
        if (name.startsWith("vert.x-eventloop-thread")) {
          perLoop.put(name, sec / window);
        }
      });
      r.put("cpuCoresByEventLoop", perLoop);
      r.put("gcCount", s1.gcCount - s0.gcCount);
      r.put("gcMillis", s1.gcMillis - s0.gcMillis);
      r.put("backlogAtWindowEnd", Math.max(0, s1.sent - s1.updatesIn));
      r.put("statusRttMs", s1.statusRttMs);
      r.put("updatesRejected", after.getLong("updatesRejected") - before.getLong("updatesRejected"));
      r.put("updatesSent", driver.sentTotal() - sentBefore);
      r.put("driverShortfall", driver.shortfall());
      r.put("publications", emittedStep);
      r.put("expectedDeliveries", expectedStep);
      r.put("receivedDeliveries", receivedStep);
      r.put("lostDeliveries", Math.max(0, expectedStep - receivedStep));
      r.put("duplicateDeliveries", Math.max(0, receivedStep - expectedStep));
      r.put("finalValuesMissing", missing);
      r.put("outOfOrder", outOfOrder() - outOfOrderBefore);
      synchronized (closes) {
        r.put("subscriberCloses", closes.values().stream().mapToInt(Integer::intValue).sum());
      }
      r.put("drainSeconds", drainSeconds);
      r.put("drainComplete", drained);
      r.put("driverThread", driver.threadName);
      if (in < 0.95 * (s1.sent - s0.sent)) {
        r.note(String.format("the coordinator accepted %.0f%% of the updates sent in the window: it is saturated"
            + " (backlog %,d at the window's end, status round trip %.0f ms)", 100.0 * in / Math.max(1, s1.sent - s0.sent),
            Math.max(0, s1.sent - s1.updatesIn), s1.statusRttMs));
      }
      if (driver.shortfall() > 0) {
        r.note("the driver sent " + driver.shortfall() + " fewer updates than planned (its thread could not keep the rate)");
      }
      if (missing > 0) {
        r.note(missing + " (subscriber, key) pairs did not receive the key's last value within " + config.drainSeconds + " s");
      }
      return r;
    }

    private static Map<String, Object> timer(JsonObject t) {
      if (t == null) {
        return null;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      for (String k : List.of("count", "p50", "p95", "p99", "mean", "max")) {
        Object v = t.getValue(k);
        m.put(k, v instanceof Double d ? Result.round(d, 3) : v);
      }
      return m;
    }

    @Override
    public void close() {
      if (driver != null) {
        driver.stop();
      }
      if (server != null) {
        try {
          if (driverDeployment != null && vertx != null) {
            vertx.undeploy(driverDeployment).await(10, TimeUnit.SECONDS);
          }
        } catch (Exception e) {
          // the server's stop closes Vert.x anyway
        }
        try {
          // Before the clients go: the server closes them with 3001 and they answer.
          server.stop().await(60, TimeUnit.SECONDS);
        } catch (Exception e) {
          out.println("pipeline: warning: server stop: " + e);
        }
      }
      if (loops != null) {
        loops.shutdown();
      }
    }
  }

  /** Counters and CPU times at one instant. */
  static final class Snapshot {
    long nanos;
    long sent;
    long received;
    long updatesIn;
    long coalesced;
    long emitted;
    double statusRttMs;
    long processCpu;
    long gcCount;
    long gcMillis;
    /** CPU time per live Java thread (by id), and its name. */
    final Map<Long, Long> threadCpu = new java.util.HashMap<>();
    final Map<Long, String> threadNames = new java.util.HashMap<>();

    static Snapshot take(Rig rig) {
      Snapshot s = new Snapshot();
      s.sent = rig.driver.sentTotal();
      long t0 = System.nanoTime();
      JsonObject st = rig.status();
      s.statusRttMs = (System.nanoTime() - t0) / 1e6;
      s.nanos = System.nanoTime();
      s.received = rig.received();
      s.updatesIn = st.getLong("updatesIn");
      s.coalesced = st.getLong("updatesCoalesced");
      s.emitted = st.getLong("updatesEmitted");
      s.processCpu = ClientCpu.nanos();
      ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
      long[] ids = tmx.getAllThreadIds();
      ThreadInfo[] infos = tmx.getThreadInfo(ids);
      for (int i = 0; i < ids.length; i++) {
        long cpu = tmx.getThreadCpuTime(ids[i]);
        if (infos[i] != null && cpu >= 0) {
          s.threadCpu.put(ids[i], cpu);
          s.threadNames.put(ids[i], infos[i].getThreadName());
        }
      }
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        s.gcCount += Math.max(0, gc.getCollectionCount());
        s.gcMillis += Math.max(0, gc.getCollectionTime());
      }
      return s;
    }

    /**
     * CPU seconds between two snapshots by thread group: {@code serverEventLoops} (a verticle
     * driver's work is in there), {@code driver}, {@code subscribers}, {@code otherJavaThreads},
     * {@code javaThreads} (their sum), and per event loop under its thread name. A thread that
     * ended between the two is not counted (its time stays in the process total).
     */
    static Map<String, Double> cpuByGroup(Snapshot s0, Snapshot s1) {
      Map<String, Double> m = new TreeMap<>();
      for (String g : List.of("serverEventLoops", "driver", "subscribers", "otherJavaThreads", "javaThreads")) {
        m.put(g, 0.0);
      }
      s1.threadCpu.forEach((id, cpu) -> {
        double d = (cpu - s0.threadCpu.getOrDefault(id, 0L)) / 1e9;
        String name = s1.threadNames.get(id);
        String group;
        if (name.startsWith("vert.x-eventloop-thread")) {
          group = "serverEventLoops";
          m.merge(name, d, Double::sum);
        } else if (name.equals(Driver.THREAD_NAME)) {
          group = "driver";
        } else if (name.startsWith("bench-pipe-sub")) {
          group = "subscribers";
        } else {
          group = "otherJavaThreads";
        }
        m.merge(group, d, Double::sum);
        m.merge("javaThreads", d, Double::sum);
      });
      return m;
    }
  }

  // ---- the driver (the modules' updates) ----------------------------------------------------

  /** Sends updates round robin over every (module, key) at a fixed rate. */
  static final class Driver {
    static final String THREAD_NAME = "bench-pipe-driver";
    final Rig rig;
    final int modules;
    final int keys;
    /** Last value number sent per key (module * K + key); written by the driver only. */
    final long[] lastN;
    private final String pad;
    private final SplittableRandom random = new SplittableRandom(42);
    private long g;
    private long sent;
    private final AtomicLong sentShared = new AtomicLong();
    private long planned;
    private long start;
    private long stop;
    private double rate;
    private volatile long shortfall;
    private volatile boolean running;
    private volatile boolean closed;
    private CompletableFuture<Void> done;
    private Thread thread;
    private final Object lock = new Object();
    private boolean go;
    volatile String threadName = THREAD_NAME;
    private DriverVerticle verticle;

    Driver(Rig rig) {
      this.rig = rig;
      this.modules = rig.config.modules;
      this.keys = rig.config.keys;
      this.lastN = new long[modules * keys];
      Arrays.fill(lastN, -1);
      // {"ts":1234567890123456,"n":123,"pad":"xx"}: pad to payloadBytes overall (typical sizes).
      int fixed = "{\"ts\":1234567890123456,\"n\":1234,\"pad\":\"\"}".length();
      this.pad = "x".repeat(Math.max(0, rig.config.payloadBytes - fixed));
      if (rig.config.driver.equals("thread")) {
        // One thread for every step, so that its CPU time is measured across the whole window.
        thread = new Thread(this::threadLoop, THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
      }
    }

    private void threadLoop() {
      while (true) {
        synchronized (lock) {
          while (!go && !closed) {
            try {
              lock.wait();
            } catch (InterruptedException e) {
              return;
            }
          }
          go = false;
        }
        if (closed) {
          finish();
          return;
        }
        runThread();
      }
    }

    long sentTotal() {
      return sentShared.get();
    }

    long shortfall() {
      return shortfall;
    }

    /** A copy of the last value sent per key, taken after the driver stopped (or on its thread). */
    long[] lastSentSnapshot() {
      synchronized (lastN) {
        return lastN.clone();
      }
    }

    CompletableFuture<Void> start(int rate, long start, long stop) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      this.done = f;
      this.rate = rate;
      this.start = start;
      this.stop = stop;
      this.sent = 0;
      this.planned = (long) ((stop - start) / 1e9 * rate);
      this.shortfall = 0;
      this.running = true;
      if (verticle != null) {
        verticle.begin();
      } else {
        synchronized (lock) {
          go = true;
          lock.notifyAll();
        }
      }
      return f;
    }

    private void runThread() {
      // One burst per millisecond, as a module on a 1 ms timer would send (a wake-up per update
      // would cost the driver more than the updates).
      long tick = 1_000_000L;
      long next = start;
      while (running && !closed) {
        long now = System.nanoTime();
        if (now < next) {
          LockSupport.parkNanos(next - now);
          continue;
        }
        if (tick(now)) {
          return;
        }
        next = now + tick;
      }
      finish();
    }


    /** Sends what is due; returns true when the run is over. Driver thread / verticle only. */
    boolean tick(long now) {
      if (!running || closed) {
        finish();
        return true;
      }
      if (now < start) {
        return false;
      }
      long due = now >= stop ? planned : Math.min(planned, (long) ((now - start) / 1e9 * rate) + 1);
      int n = 0;
      synchronized (lastN) {
        while (sent < due && n < 100_000) {
          sendOne();
          n++;
        }
      }
      if (n > 0) {
        sentShared.lazySet(sentShared.get() + n);
      }
      if (now >= stop) {
        shortfall = planned - sent;
        finish();
        return true;
      }
      return false;
    }

    private void finish() {
      running = false;
      CompletableFuture<Void> f = done;
      if (f != null) {
        f.complete(null);
      }
    }

    private void sendOne() {
      int m = (int) (g % modules);
      int k = (int) ((g / modules) % keys);
      int idx = m * keys + k;
      long n = ++lastN[idx];
      Priority p = rig.config.criticalPercent > 0 && random.nextInt(100) < rig.config.criticalPercent
          ? Priority.CRITICAL : Priority.MEDIUM;
      JsonObject state = new JsonObject().put("ts", System.nanoTime()).put("n", n).put("pad", pad);
      rig.clients[m].update(rig.keyNames[k], p, state);
      g++;
      sent++;
    }

    void stop() {
      closed = true;
      running = false;
      synchronized (lock) {
        lock.notifyAll();
      }
      Thread t = thread;
      if (t != null) {
        LockSupport.unpark(t);
      }
    }
  }

  /** The driver as a module verticle: a 1 ms periodic timer on one of the server's event loops. */
  static final class DriverVerticle extends VerticleBase {
    private final Driver driver;
    private long timer = -1;

    DriverVerticle(Driver driver) {
      this.driver = driver;
      driver.verticle = this;
    }

    @Override
    public Future<?> start() {
      context.runOnContext(v -> driver.threadName = Thread.currentThread().getName());
      return Future.succeededFuture();
    }

    void begin() {
      context.runOnContext(v -> {
        if (timer >= 0) {
          vertx.cancelTimer(timer);
        }
        timer = vertx.setPeriodic(1, id -> {
          if (driver.tick(System.nanoTime())) {
            vertx.cancelTimer(id);
            timer = -1;
          }
        });
      });
    }

    @Override
    public Future<?> stop() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      return Future.succeededFuture();
    }
  }

  // ---- subscriber ---------------------------------------------------------------------------

  static final class Sub implements WsConn.Handler {
    private static final byte[] KEY = "\"key\":\"k".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TS = "\"state\":{\"ts\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] N = ",\"n\":".getBytes(StandardCharsets.US_ASCII);

    final Rig rig;
    final int module;
    final SubStats stats;
    /** Last value number received per key of this module (-1: none). Owner loop only. */
    final long[] lastN;
    final long[] lastSeq;
    WsConn conn;
    private boolean subscribed;

    Sub(Rig rig, int module, SubStats stats) {
      this.rig = rig;
      this.module = module;
      this.stats = stats;
      this.lastN = new long[rig.config.keys];
      this.lastSeq = new long[rig.config.keys];
      Arrays.fill(lastN, -1);
      Arrays.fill(lastSeq, -1);
    }

    @Override
    public void onOpen(WsConn c) {
      String cmds = "{\"id\":1,\"connect\":{}}\n{\"id\":2,\"subscribe\":{\"channel\":\"" + rig.channelNames[module] + "\"}}";
      c.send(cmds.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void onText(WsConn c, ByteBuf buf, int from, int to) {
      long now = System.nanoTime();
      long wFrom = rig.windowFrom;
      long wTo = rig.windowTo;
      int pushes = 0;
      int i = from;
      while (i < to) {
        int nl = buf.indexOf(i, to, (byte) '\n');
        int end = nl < 0 ? to : nl;
        if (end - i >= 2) {
          byte b1 = buf.getByte(i + 1);
          if (b1 == '}') {
            c.send(Rig.PONG);
          } else if (end - i > 8 && buf.getByte(i + 2) == 'p' && buf.getByte(i + 3) == 'u') {
            if (push(buf, i, end, now, wFrom, wTo)) {
              pushes++;
            } else {
              stats.malformed++;
            }
          } else if (b1 == '"' && buf.getByte(i + 2) == 'i') {
            reply(buf, i, end);
          }
        }
        i = end + 1;
      }
      if (pushes > 0) {
        stats.received += pushes;
        stats.receivedShared.lazySet(stats.received);
      }
    }

    private boolean push(ByteBuf buf, int from, int to, long now, long wFrom, long wTo) {
      int p = WsConn.indexOf(buf, from, to, KEY);
      if (p < 0) {
        return false;
      }
      p += KEY.length;
      int k = (int) WsConn.number(buf, p, to);
      int q = WsConn.indexOf(buf, WsConn.afterDigits(buf, p, to), to, SEQ);
      if (q < 0 || k < 0 || k >= lastN.length) {
        return false;
      }
      q += SEQ.length;
      long seq = WsConn.number(buf, q, to);
      int t = WsConn.indexOf(buf, WsConn.afterDigits(buf, q, to), to, TS);
      if (t < 0) {
        return false;
      }
      t += TS.length;
      long ts = WsConn.number(buf, t, to);
      t = WsConn.afterDigits(buf, t, to);
      if (t + N.length > to || buf.getByte(t) != ',' || buf.getByte(t + 1) != '"' || buf.getByte(t + 2) != 'n') {
        return false;
      }
      long n = WsConn.number(buf, t + N.length, to);
      if (n <= lastN[k] || seq <= lastSeq[k]) {
        stats.outOfOrder++;
        stats.outOfOrderShared.lazySet(stats.outOfOrder);
      }
      lastN[k] = Math.max(lastN[k], n);
      lastSeq[k] = Math.max(lastSeq[k], seq);
      // Steady state only: sent and delivered inside the window (the values released by the
      // trailing edge after the driver stops would all add the full debounce delay).
      if (ts >= wFrom && now < wTo) {
        Loops.record(stats.latency, now - ts);
      }
      return true;
    }

    private void reply(ByteBuf buf, int from, int to) {
      long id = WsConn.replyId(buf, from, to);
      if (WsConn.replyIsError(buf, from, to)) {
        if (!subscribed) {
          subscribed = true;
          conn.close();
          rig.setupFailed("server answered " + buf.toString(from, to - from, StandardCharsets.UTF_8));
        }
        return;
      }
      if (id == 2 && !subscribed) {
        subscribed = true;
        rig.ready.countDown();
      }
    }

    @Override
    public void onClose(WsConn c, int code, String error) {
      if (!subscribed) {
        subscribed = true;
        rig.setupFailed(error != null ? error : "closed with " + code + " before subscribing");
        return;
      }
      synchronized (rig.closes) {
        rig.closes.merge(code, 1, Integer::sum);
      }
    }
  }
}
