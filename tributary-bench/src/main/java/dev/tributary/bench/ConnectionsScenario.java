package dev.tributary.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Idle connections: open N WebSocket connections (from several 127.0.0.x source addresses when
 * one range of ephemeral ports is not enough), connect each with the protocol (and subscribe it to
 * one channel), answer every ping, hold them through two ping intervals, then report how many
 * survived and the server's memory per connection (RSS and live heap after a full GC, each as the
 * growth over the figure before the connections opened).
 */
public final class ConnectionsScenario {
  private ConnectionsScenario() {}

  public static final class Config {
    public int connections = 50_000;
    public int concurrency = 256;
    public boolean subscribe = true;
    public String channel = "idle";
    /** Seconds to hold; negative = two ping intervals (from the connect reply) plus the pong timeout and a margin. */
    public double holdSeconds = -1;
    public double pongTimeoutSeconds = 2;
    /** Connections per source address before the next 127.0.0.x is used. */
    public int perSource = 20_000;
    public int threads = Runtime.getRuntime().availableProcessors();

    static Config from(Params p) {
      Config c = new Config();
      c.connections = p.intValue("N", c.connections, 1, 10_000_000);
      c.concurrency = p.intValue("concurrency", c.concurrency, 1, 100_000);
      c.subscribe = p.bool("subscribe", c.subscribe);
      c.channel = p.string("channel", c.channel);
      c.holdSeconds = p.doubleValue("hold", c.holdSeconds, -1, 3600);
      c.pongTimeoutSeconds = p.doubleValue("pongTimeout", c.pongTimeoutSeconds, 0, 3600);
      c.perSource = p.intValue("perSource", c.perSource, 1, 60_000);
      c.threads = Net.threads(p);
      return c;
    }
  }

  static final class Stats {
    long pongs;
    final AtomicLong pongsShared = new AtomicLong();
  }

  private static final byte[] PONG = "{}".getBytes(StandardCharsets.US_ASCII);

  /** One idle client. */
  static final class Idle implements WsConn.Handler {
    final Run run;
    final Stats stats;
    WsConn conn;
    boolean ready;
    boolean done;

    Idle(Run run, Stats stats) {
      this.run = run;
      this.stats = stats;
    }

    @Override
    public void onOpen(WsConn c) {
      String cmd = run.config.subscribe
          ? "{\"id\":1,\"connect\":{}}\n{\"id\":2,\"subscribe\":{\"channel\":\"" + run.config.channel + "\"}}"
          : "{\"id\":1,\"connect\":{}}";
      c.send(cmd.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void onText(WsConn c, ByteBuf buf, int from, int to) {
      int i = from;
      while (i < to) {
        int nl = buf.indexOf(i, to, (byte) '\n');
        int end = nl < 0 ? to : nl;
        if (end - i == 2 && buf.getByte(i + 1) == '}') {
          c.send(PONG);
          stats.pongs++;
          stats.pongsShared.lazySet(stats.pongs);
        } else if (end - i > 6 && buf.getByte(i + 2) == 'i') {
          String line = buf.toString(i, end - i, StandardCharsets.UTF_8);
          if (line.contains("\"error\"")) {
            if (!done) {
              done = true;
              c.close();
              run.failed("server answered " + line);
            }
          } else if (line.startsWith("{\"id\":1,")) {
            int p = line.indexOf("\"ping\":");
            if (p > 0) {
              run.pingSeconds.compareAndSet(0, Integer.parseInt(line.substring(p + 7).split("[,}]")[0].trim()));
            }
            if (!run.config.subscribe) {
              ready();
            }
          } else if (line.startsWith("{\"id\":2,")) {
            ready();
          }
        }
        i = end + 1;
      }
    }

    private void ready() {
      if (!done) {
        done = true;
        ready = true;
        run.ready();
      }
    }

    @Override
    public void onClose(WsConn c, int code, String error) {
      if (!done) {
        done = true;
        run.failed(error != null ? error : "closed with " + code + " before the connect reply");
        return;
      }
      if (ready && !run.closing) {
        synchronized (run.closes) {
          run.closes.merge(code, 1, Integer::sum);
        }
      }
    }
  }

  /** State of one run. */
  static final class Run {
    final Config config;
    final Semaphore handshakes;
    final AtomicInteger readyCount = new AtomicInteger();
    final AtomicInteger failures = new AtomicInteger();
    final AtomicReference<String> firstError = new AtomicReference<>();
    final AtomicInteger pingSeconds = new AtomicInteger();
    final Map<Integer, Integer> closes = new TreeMap<>();
    volatile boolean closing;

    Run(Config config) {
      this.config = config;
      this.handshakes = new Semaphore(config.concurrency);
    }

    void ready() {
      readyCount.incrementAndGet();
      handshakes.release();
    }

    void failed(String why) {
      if (failures.incrementAndGet() == 1) {
        firstError.set(why);
      }
      handshakes.release();
    }
  }

  public static Result run(Target target, Config config, PrintStream out) {
    ServerProbe probe = target.probe();
    int sources = (config.connections + config.perSource - 1) / config.perSource;
    if (sources > 250) {
      throw new BenchException("N / perSource needs more than 250 source addresses");
    }
    boolean loopback = target.host().startsWith("127.");
    if (sources > 1 && !loopback) {
      throw new BenchException("several source addresses need a server on 127.0.0.1");
    }
    out.printf("connections: %d idle connection(s)%s from %d source address(es), %d handshakes in flight%n",
        config.connections, config.subscribe ? " each subscribed to \"" + config.channel + "\"" : "", sources, config.concurrency);
    long heap0 = -1;
    long rss0 = -1;
    if (probe != null) {
      heap0 = probe.liveHeapKb();
      rss0 = probe.rssKb();
      out.printf("  before: server RSS %,d KiB, live heap %,d KiB%n", rss0, heap0);
    }
    Run run = new Run(config);
    Loops<Stats> loops = new Loops<>(config.threads, "bench-conn", Stats::new);
    List<Idle> idles = new ArrayList<>(config.connections);
    Result r = new Result();
    try {
      long t0 = System.nanoTime();
      long deadline = t0 + TimeUnit.SECONDS.toNanos(60 + config.connections / 500);
      for (int i = 0; i < config.connections; i++) {
        try {
          if (!run.handshakes.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            break;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new BenchException("interrupted");
        }
        if (run.failures.get() > Math.max(100, config.connections / 100)) {
          break;
        }
        String source = sources > 1 ? "127.0.0." + (1 + i / config.perSource) : null;
        EventLoop loop = loops.nextLoop();
        Idle idle = new Idle(run, loops.stats(loop));
        idles.add(idle);
        idle.conn = WsConn.connect(loop, target.host(), target.port(), source, idle);
      }
      // Wait for the handshakes still in flight.
      Time.await(() -> run.readyCount.get() + run.failures.get() >= idles.size(),
          Math.max(TimeUnit.SECONDS.toNanos(1), deadline - System.nanoTime()));
      double openSeconds = (System.nanoTime() - t0) / 1e9;
      int connected = run.readyCount.get();
      out.printf("  opened %,d of %,d in %.1f s (%,d failed%s)%n", connected, config.connections, openSeconds,
          run.failures.get(), run.firstError.get() == null ? "" : "; first: " + run.firstError.get());
      if (connected == 0) {
        throw new BenchException("no connection could be opened to " + target.host() + ":" + target.port()
            + (run.firstError.get() == null ? "" : ": " + run.firstError.get()));
      }
      int ping = run.pingSeconds.get();
      double hold = config.holdSeconds >= 0 ? config.holdSeconds : 2 * ping + config.pongTimeoutSeconds + 2;
      out.printf("  holding for %.1f s (server ping interval %d s)%n", hold, ping);
      long cpu0 = probe == null ? 0 : probe.cpuNanos();
      long ccpu0 = ClientCpu.nanos();
      long[] box0 = BoxCpu.read();
      long h0 = System.nanoTime();
      Time.sleepUntil(h0 + Time.secondsToNanos(hold));
      long h1 = System.nanoTime();
      long cpu1 = probe == null ? 0 : probe.cpuNanos();
      long ccpu1 = ClientCpu.nanos();
      long[] box1 = BoxCpu.read();
      int alive = 0;
      for (Idle idle : idles) {
        if (idle.ready && idle.conn.isOpen()) {
          alive++;
        }
      }
      long pongs = 0;
      for (Stats s : loops.all()) {
        pongs += s.pongsShared.get();
      }
      Integer serverConnections = serverConnections(target);

      r.put("scenario", "connections");
      r.put("requested", config.connections);
      r.put("connected", connected);
      r.put("failed", run.failures.get());
      if (run.firstError.get() != null) {
        r.put("firstError", run.firstError.get());
      }
      r.put("openSeconds", openSeconds);
      r.put("connectsPerSec", connected / openSeconds);
      r.put("sourceAddresses", sources);
      r.put("subscribed", config.subscribe);
      r.put("pingIntervalSeconds", ping);
      r.put("holdSeconds", hold);
      r.put("survived", alive);
      r.put("serverConnections", serverConnections);
      r.put("pongsSent", pongs);
      Map<String, Object> closeCodes = new LinkedHashMap<>();
      synchronized (run.closes) {
        run.closes.forEach((k, v) -> closeCodes.put(Integer.toString(k), v));
      }
      r.put("closesByCode", closeCodes);
      if (probe != null) {
        long heap1 = probe.liveHeapKb();
        long rss1 = probe.rssKb();
        out.printf("  after:  server RSS %,d KiB, live heap %,d KiB%n", rss1, heap1);
        int n = Math.max(1, alive);
        r.put("serverCpuCoresIdle", (cpu1 - cpu0) / 1e9 / ((h1 - h0) / 1e9));
        r.put("serverRssKbBefore", rss0);
        r.put("serverRssKb", rss1);
        r.put("serverPeakRssKb", probe.peakRssKb());
        r.put("serverLiveHeapKbBefore", heap0);
        r.put("serverLiveHeapKb", heap1);
        r.put("rssBytesPerConnection", (rss1 - rss0) * 1024.0 / n);
        r.put("heapBytesPerConnection", heap0 < 0 || heap1 < 0 ? null : (heap1 - heap0) * 1024.0 / n);
        r.put("serverThreads", probe.threads());
      } else {
        r.put("rssBytesPerConnection", null);
        r.put("heapBytesPerConnection", null);
        r.note("server memory figures skipped: no server process to probe (serverPid= not given)");
      }
      Bench.clientCpu(r, ccpu0, ccpu1, h1 - h0, config.threads);
      BoxCpu.put(r, box0, box1, h1 - h0);
      if (alive < connected) {
        r.note((connected - alive) + " connection(s) did not survive the hold: " + closeCodes);
      }
      return r;
    } finally {
      run.closing = true;
      loops.shutdown();
    }
  }

  /** The server's own count of open connections, from GET /health, or null. */
  static Integer serverConnections(Target target) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://" + target.host() + ":" + target.port() + "/health")
          .toURL().openConnection();
      c.setConnectTimeout(5000);
      c.setReadTimeout(10_000);
      try (InputStream in = c.getInputStream()) {
        JsonObject o = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        return o.getInteger("connections");
      } finally {
        c.disconnect();
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static List<String> summary(Result r) {
    return List.of(
        "== connections ==",
        "connected            " + Bench.fmt(r.get("connected")) + " of " + Bench.fmt(r.get("requested"))
            + " in " + Bench.fmt(r.get("openSeconds")) + " s (" + Bench.fmt(r.get("connectsPerSec")) + "/s), failed " + Bench.fmt(r.get("failed")),
        "survived             " + Bench.fmt(r.get("survived")) + " after " + Bench.fmt(r.get("holdSeconds")) + " s (server counts "
            + Bench.fmt(r.get("serverConnections")) + "), closes " + r.get("closesByCode") + ", pongs sent " + Bench.fmt(r.get("pongsSent")),
        "server RSS           " + Bench.fmt(r.get("serverRssKb")) + " KiB (before " + Bench.fmt(r.get("serverRssKbBefore")) + " KiB, peak "
            + Bench.fmt(r.get("serverPeakRssKb")) + " KiB)",
        "per connection       RSS " + Bench.fmt(r.get("rssBytesPerConnection")) + " bytes, live heap "
            + Bench.fmt(r.get("heapBytesPerConnection")) + " bytes",
        "client CPU           " + Bench.fmt(r.get("clientCpuCores")) + " cores",
        "other CPU            " + Bench.fmt(r.get("otherCpuCores")) + " cores (the box " + Bench.fmt(r.get("boxCpuCores")) + " cores)");
  }
}
