package dev.tributary.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * HTTP publish: a fixed number of requests in flight, each {@code POST /api/publish}, for T
 * seconds. No pipelining; keep-alive off by default (a new TCP connection per request,
 * {@code Connection: close}, the server closes) or on ({@code keepalive=on}: one request at a time
 * per connection). Latency runs from the start of the request (including the TCP connect when
 * keep-alive is off) to the end of the response.
 */
public final class PublishHttpScenario {
  private PublishHttpScenario() {}

  public static final class Config {
    public int concurrency = 64;
    public double seconds = 20;
    public double warmupSeconds = 3;
    public boolean keepAlive = false;
    public int payloadBytes = 100;
    public String channel = "bench";
    public int threads = Runtime.getRuntime().availableProcessors();

    static Config from(Params p) {
      Config c = new Config();
      c.concurrency = p.intValue("concurrency", c.concurrency, 1, 100_000);
      c.seconds = p.doubleValue("T", c.seconds, 0.1, 86_400);
      c.warmupSeconds = p.doubleValue("warmup", c.warmupSeconds, 0, 3600);
      c.keepAlive = p.bool("keepalive", c.keepAlive);
      c.payloadBytes = p.intValue("P", c.payloadBytes, 0, 1 << 20);
      c.channel = p.string("channel", c.channel);
      c.threads = Net.threads(p);
      return c;
    }
  }

  static final class Stats {
    final Histogram latency = Loops.newHistogram();
    long ok;
    final AtomicLong okShared = new AtomicLong();
    long errors;
    final AtomicLong errorsShared = new AtomicLong();
    long connects;
  }

  /** Shared, read-only during the run. */
  static final class Run {
    final Target target;
    final Config config;
    final byte[] request;
    volatile boolean running = true;
    volatile long windowFrom = Long.MAX_VALUE;
    volatile long windowTo = Long.MAX_VALUE;
    final AtomicInteger active = new AtomicInteger();
    final AtomicReference<String> firstError = new AtomicReference<>();
    final AtomicLong non200 = new AtomicLong();

    Run(Target target, Config config) {
      this.target = target;
      this.config = config;
      StringBuilder body = new StringBuilder("{\"channel\":\"").append(config.channel).append("\",\"data\":{\"seq\":0,\"pad\":\"");
      int pad = config.payloadBytes - "{\"seq\":0,\"pad\":\"\"}".length();
      for (int i = 0; i < pad; i++) {
        body.append('x');
      }
      body.append("\"}}");
      byte[] b = body.toString().getBytes(StandardCharsets.UTF_8);
      String head = "POST /api/publish HTTP/1.1\r\nHost: " + target.host() + ":" + target.port() + "\r\n"
          + "X-API-Key: " + target.apiKey() + "\r\nContent-Type: application/json\r\n"
          + (config.keepAlive ? "" : "Connection: close\r\n")
          + "Content-Length: " + b.length + "\r\n\r\n";
      byte[] h = head.getBytes(StandardCharsets.US_ASCII);
      request = new byte[h.length + b.length];
      System.arraycopy(h, 0, request, 0, h.length);
      System.arraycopy(b, 0, request, h.length, b.length);
    }
  }

  /** One request slot: sends, waits for the response, starts over, until the run ends. */
  static final class Worker implements HttpConn.Handler {
    final Run run;
    final EventLoop loop;
    final Stats stats;
    HttpConn conn;
    long started;
    boolean awaiting;

    Worker(Run run, EventLoop loop, Stats stats) {
      this.run = run;
      this.loop = loop;
      this.stats = stats;
    }

    void next() {
      if (!run.running) {
        if (conn != null && conn.isOpen()) {
          conn.close();
        } else {
          run.active.decrementAndGet();
          conn = null;
        }
        return;
      }
      started = System.nanoTime();
      if (run.config.keepAlive && conn != null && conn.isOpen()) {
        send();
      } else {
        stats.connects++;
        conn = HttpConn.connect(loop, run.target.host(), run.target.port(), this);
      }
    }

    private void send() {
      awaiting = true;
      conn.send(conn.channel().alloc().buffer(run.request.length).writeBytes(run.request));
    }

    @Override
    public void onOpen(HttpConn c) {
      if (c == conn) {
        send();
      }
    }

    @Override
    public void onResponse(HttpConn c, int status, ByteBuf buf, int from, int to) {
      if (c != conn || !awaiting) {
        return;
      }
      awaiting = false;
      long now = System.nanoTime();
      if (status == 200) {
        stats.ok++;
        stats.okShared.lazySet(stats.ok);
        if (started >= run.windowFrom && started < run.windowTo) {
          Loops.record(stats.latency, now - started);
        }
      } else {
        run.non200.incrementAndGet();
        error("HTTP " + status + ": " + buf.toString(from, to - from, StandardCharsets.UTF_8));
      }
      if (run.config.keepAlive) {
        next();
      }
      // Keep-alive off: the server closes after the response; onClose starts the next request.
    }

    @Override
    public void onClose(HttpConn c, String why) {
      if (c != conn) {
        return;
      }
      conn = null;
      if (awaiting) {
        awaiting = false;
        error(why != null ? why : "connection closed before the response");
        if (!run.running) {
          run.active.decrementAndGet();
          return;
        }
        // Back off a little so that a dead server does not make a busy loop.
        loop.schedule(this::next, 10, TimeUnit.MILLISECONDS);
        return;
      }
      if (!run.running) {
        run.active.decrementAndGet();
        return;
      }
      next();
    }

    private void error(String why) {
      stats.errors++;
      stats.errorsShared.lazySet(stats.errors);
      run.firstError.compareAndSet(null, why);
    }
  }

  public static Result run(Target target, Config config) {
    ServerProbe probe = target.probe();
    Run run = new Run(target, config);
    Loops<Stats> loops = new Loops<>(config.threads, "bench-http", Stats::new);
    try {
      List<Worker> workers = new ArrayList<>();
      for (int i = 0; i < config.concurrency; i++) {
        EventLoop loop = loops.nextLoop();
        workers.add(new Worker(run, loop, loops.stats(loop)));
      }
      long start = System.nanoTime();
      long warmEnd = start + Time.secondsToNanos(config.warmupSeconds);
      long end = warmEnd + Time.secondsToNanos(config.seconds);
      run.windowFrom = warmEnd;
      run.windowTo = end;
      run.active.set(workers.size());
      for (Worker w : workers) {
        w.loop.execute(w::next);
      }
      // Fail fast when nothing gets through at all.
      Time.await(() -> ok(loops) > 0 || errors(loops) >= config.concurrency, TimeUnit.SECONDS.toNanos(15));
      if (ok(loops) == 0) {
        throw new BenchException("no publish request succeeded against " + target.host() + ":" + target.port()
            + (run.firstError.get() == null ? "" : ": " + run.firstError.get()));
      }
      Time.sleepUntil(warmEnd);
      long t0 = System.nanoTime();
      long ok0 = ok(loops);
      long err0 = errors(loops);
      long cpu0 = probe == null ? 0 : probe.cpuNanos();
      long ccpu0 = ClientCpu.nanos();
      long[] box0 = BoxCpu.read();
      Time.sleepUntil(end);
      long t1 = System.nanoTime();
      long ok1 = ok(loops);
      long err1 = errors(loops);
      long cpu1 = probe == null ? 0 : probe.cpuNanos();
      long ccpu1 = ClientCpu.nanos();
      long[] box1 = BoxCpu.read();
      run.running = false;
      boolean stopped = Time.await(() -> run.active.get() <= 0, TimeUnit.SECONDS.toNanos(15));
      Histogram h = loops.drainHistograms(s -> s.latency);
      long connects = 0;
      for (long c : loops.onEach(s -> s.connects)) {
        connects += c;
      }
      double window = (t1 - t0) / 1e9;
      long requests = ok1 - ok0;
      Result r = new Result();
      r.put("scenario", "publish-http");
      r.put("concurrency", config.concurrency);
      r.put("keepAlive", config.keepAlive);
      r.put("payloadBytes", config.payloadBytes);
      r.put("seconds", window);
      r.put("warmupSeconds", config.warmupSeconds);
      r.put("requestsPerSec", requests / window);
      Map<String, Object> lat = Result.latency(h);
      r.put("latencyMs", lat);
      r.put("requests", requests);
      r.put("errors", err1 - err0);
      r.put("non200", run.non200.get());
      if (run.firstError.get() != null) {
        r.put("firstError", run.firstError.get());
      }
      r.put("tcpConnections", connects);
      if (probe != null) {
        r.put("serverCpuCores", (cpu1 - cpu0) / 1e9 / window);
        r.put("serverCpuUsPerRequest", requests == 0 ? null : (cpu1 - cpu0) / 1000.0 / requests);
        r.put("serverRssKb", probe.rssKb());
        r.put("serverPeakRssKb", probe.peakRssKb());
      } else {
        r.put("serverCpuCores", null);
        r.put("serverCpuUsPerRequest", null);
        r.note("server figures skipped: no server process to probe (serverPid= not given; for an in-process server the client CPU figure includes the server)");
      }
      Bench.clientCpu(r, ccpu0, ccpu1, t1 - t0, config.threads);
      BoxCpu.put(r, box0, box1, t1 - t0);
      if (!stopped) {
        r.note("some requests were still in flight 15 s after the end");
      }
      return r;
    } finally {
      run.running = false;
      loops.shutdown();
    }
  }

  private static long ok(Loops<Stats> loops) {
    long n = 0;
    for (Stats s : loops.all()) {
      n += s.okShared.get();
    }
    return n;
  }

  private static long errors(Loops<Stats> loops) {
    long n = 0;
    for (Stats s : loops.all()) {
      n += s.errorsShared.get();
    }
    return n;
  }

  @SuppressWarnings("unchecked")
  static List<String> summary(Result r) {
    return List.of(
        "== publish-http ==",
        "requests/s           " + Bench.fmt(r.get("requestsPerSec")) + " (" + Bench.fmt(r.get("concurrency")) + " in flight, keep-alive "
            + (Boolean.TRUE.equals(r.get("keepAlive")) ? "on" : "off") + ")",
        "latency              " + Result.latencyLine((Map<String, Object>) r.get("latencyMs")),
        "errors               " + Bench.fmt(r.get("errors")) + " (non-200 " + Bench.fmt(r.get("non200")) + ")"
            + (r.get("firstError") == null ? "" : ", first: " + r.get("firstError")),
        "server CPU           " + Bench.fmt(r.get("serverCpuCores")) + " cores, " + Bench.fmt(r.get("serverCpuUsPerRequest")) + " µs per request",
        "client CPU           " + Bench.fmt(r.get("clientCpuCores")) + " cores of " + Bench.fmt(r.get("clientCpuLimitCores")),
        "other CPU            " + Bench.fmt(r.get("otherCpuCores")) + " cores (the box " + Bench.fmt(r.get("boxCpuCores"))
            + " cores, steal " + Bench.fmt(r.get("stealCores")) + ")");
  }
}
