package dev.tributary.jmh;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.RedisServer;
import dev.tributary.testing.TestServer;
import io.micrometer.core.instrument.Counter;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Cross-node fan-out through Redis, measured in one JVM (docs/PERFORMANCE-REDIS.md): one
 * {@code redis-server} ({@link RedisServer}), in-process nodes ({@link TestServer}, each its own
 * Vert.x), S WebSocket subscribers on one channel and one WebSocket publisher on node A publishing
 * R publications/s for T seconds. Each payload carries {@code System.nanoTime()} (one JVM, one
 * clock) and a sequence number, so every subscriber measures end-to-end latency and checks that it
 * got every publication once and in order.
 *
 * <p>Modes, run one after another with fresh nodes (the ratios between them within one run are the
 * result; the machine is shared and noisy):
 *
 * <ul>
 *   <li>{@code local}: one node, Redis off: the in-memory hub alone (the baseline);
 *   <li>{@code local2x}: the same with twice the event loops (as many server threads as
 *       {@code redis2}'s two nodes together);
 *   <li>{@code redis1}: one node with Redis: every publication goes to Redis and comes back to the
 *       same node (the cost of the broker round trip, no second node);
 *   <li>{@code redis2}: two nodes with Redis, subscribers split evenly: A's are "local" (publisher's
 *       node), B's "remote"; both receive every publication through Redis.
 * </ul>
 *
 * <p><b>The load client runs in the same JVM</b> (raw Netty WebSocket clients: {@code clientThreads}
 * event loops for the subscribers, one for the publisher) and competes for the same cores as the
 * nodes and redis-server. Per-thread CPU (nodes' event loops, client loops) and redis-server's CPU
 * ({@code /proc}) are reported per run so that the limit can be seen.
 *
 * <p>Run (after {@code mvn -q -B -o test-compile dependency:build-classpath
 * -Dmdep.outputFile=target/cp.txt}):
 *
 * <pre>
 * java -cp "$(cat target/cp.txt):target/classes:target/test-classes" dev.tributary.jmh.CrossNodeFanout \
 *   S=1000 R=200,1000 T=15 warmup=5 modes=local,redis1,redis2 loops=1
 * </pre>
 *
 * Options: {@code S} subscribers, {@code R} comma-separated rates, {@code T} measured seconds,
 * {@code warmup} seconds, {@code P} payload bytes (100), {@code loops} event loops per node (1),
 * {@code clientThreads} (2), {@code maxDelay} ({@code gateway.batch.maxDelayMillis}, server default
 * when absent), {@code repeat} (1: each mode once per rate), {@code drain} seconds (15),
 * {@code history} (comma-separated {@code historySize} values of namespace {@code x}, 0 = no
 * history, the default; each value runs every mode, so {@code history=0,100} interleaves off and
 * on per rate), {@code historyTtl} seconds (300).
 *
 * <p>With history, every publication of {@code x:fan} is appended before it is delivered: in
 * {@code local} to the node's memory, in {@code redis1}/{@code redis2} by the Redis script that
 * also publishes the push (offset, XADD, expiries, PUBLISH). Each run checks that it measured
 * that: the first subscriber of each node counts the pushes that carry an {@code "offset"}
 * ({@code withOffset}), and in the Redis modes the run reads the channel's offset counter
 * ({@code HGET tributary.history.meta.{x:fan} s}) and {@code XLEN tributary.history.{x:fan}}
 * before and after.
 */
public final class CrossNodeFanout {
  static final String CHANNEL = "x:fan";
  static final byte[] TS = "\"ts\":".getBytes(StandardCharsets.US_ASCII);
  static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
  static final byte[] OFFSET = "\"offset\":".getBytes(StandardCharsets.US_ASCII);
  static final int TS_OFFSET = ("{\"push\":{\"channel\":\"" + "x:fan" + "\",\"pub\":{\"data\":{\"ts\":").length();
  static final long FIRST_ID = 10;

  private CrossNodeFanout() {}

  static final class Config {
    int subscribers = 1000;
    int[] rates = {200};
    double seconds = 15;
    double warmup = 5;
    int payload = 100;
    int loops = 1;
    int clientThreads = 2;
    int maxDelay = -1;
    int repeat = 1;
    double drain = 15;
    double prewarm = 8;
    List<String> modes = List.of("local", "redis1", "redis2");
    int[] history = {0};
    int historyTtl = 300;
  }

  public static void main(String[] args) throws Exception {
    Config c = new Config();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("expected key=value, got " + a);
      }
      String k = a.substring(0, eq);
      String v = a.substring(eq + 1);
      switch (k) {
        case "S" -> c.subscribers = Integer.parseInt(v);
        case "R" -> c.rates = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        case "T" -> c.seconds = Double.parseDouble(v);
        case "warmup" -> c.warmup = Double.parseDouble(v);
        case "P" -> c.payload = Integer.parseInt(v);
        case "loops" -> c.loops = Integer.parseInt(v);
        case "clientThreads" -> c.clientThreads = Integer.parseInt(v);
        case "maxDelay" -> c.maxDelay = Integer.parseInt(v);
        case "repeat" -> c.repeat = Integer.parseInt(v);
        case "drain" -> c.drain = Double.parseDouble(v);
        case "prewarm" -> c.prewarm = Double.parseDouble(v);
        case "modes" -> c.modes = List.of(v.split(","));
        case "history" -> c.history = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        case "historyTtl" -> c.historyTtl = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown option " + k);
      }
    }
    System.out.printf(Locale.ROOT, "CrossNodeFanout S=%d R=%s T=%.0f warmup=%.0f P=%d loops/node=%d clientThreads=%d "
            + "maxDelay=%s modes=%s repeat=%d history=%s; nproc=%d, %s, JDK %s, transport %s%n",
        c.subscribers, Arrays.toString(c.rates), c.seconds, c.warmup, c.payload, c.loops, c.clientThreads,
        c.maxDelay < 0 ? "default" : Integer.toString(c.maxDelay), c.modes, c.repeat, Arrays.toString(c.history),
        Runtime.getRuntime().availableProcessors(), cpuModel(), System.getProperty("java.vm.version"),
        Epoll.isAvailable() ? "epoll" : "nio");
    List<String> rows = new ArrayList<>();
    long started = System.nanoTime();
    try (RedisServer redis = RedisServer.start()) {
      long redisPid = CacheL2Latency.findRedisPid(redis.port());
      EventLoopGroup subGroup = group(c.clientThreads, "fan-sub");
      EventLoopGroup pubGroup = group(1, "fan-pub");
      try {
        if (c.prewarm > 0) {
          // JIT warm-up of every path (hub, gateway, broker, client) in a throwaway run, not reported.
          Config w = new Config();
          w.subscribers = c.subscribers;
          w.payload = c.payload;
          w.loops = c.loops;
          w.clientThreads = c.clientThreads;
          w.maxDelay = c.maxDelay;
          w.warmup = 0;
          w.seconds = c.prewarm;
          w.historyTtl = c.historyTtl;
          String mode = c.modes.contains("redis2") ? "redis2" : c.modes.get(0);
          // With history in the list, the warm-up run keeps history, so that its path is compiled too.
          int wh = Arrays.stream(c.history).max().orElse(0);
          Map<String, Object> r = new Run(w, mode, c.rates[0], wh, redis, redisPid, subGroup, pubGroup).run();
          System.out.println("prewarm (not reported): " + mode + " R=" + c.rates[0] + " for " + c.prewarm + " s, lost " + r.get("lost"));
        }
        for (int rep = 0; rep < c.repeat; rep++) {
          for (int rate : c.rates) {
            for (String mode : c.modes) {
              for (int h : c.history) {
                Map<String, Object> r = new Run(c, mode, rate, h, redis, redisPid, subGroup, pubGroup).run();
                rows.addAll(rowsOf(r));
                System.out.println("RESULT " + r);
                System.out.flush();
              }
            }
          }
        }
      } finally {
        pubGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        subGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
      }
    }
    System.out.println();
    System.out.println("| mode | history | R | node | subs | deliveries/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | lost | dup/reorder |"
        + " node A CPU | node B CPU | client CPU | redis CPU | JVM CPU | box busy | others | with offset | offsets / XLEN |");
    System.out.println("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    rows.forEach(System.out::println);
    System.out.printf(Locale.ROOT, "total %.0f s%n", (System.nanoTime() - started) / 1e9);
    System.exit(0);
  }

  @SuppressWarnings("unchecked")
  static List<String> rowsOf(Map<String, Object> r) {
    List<String> out = new ArrayList<>();
    List<Map<String, Object>> nodes = (List<Map<String, Object>>) r.get("nodes");
    Map<String, Object> cpu = (Map<String, Object>) r.get("cpu");
    for (Map<String, Object> n : nodes) {
      out.add(String.format(Locale.ROOT, "| %s | %d | %d | %s | %d | %,.0f | %.2f | %.2f | %.2f | %.2f | %.1f | %d | %d | %.2f | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s |",
          r.get("mode"), r.get("historySize"), r.get("rate"), n.get("node"), n.get("subscribers"), n.get("deliveriesPerSec"),
          n.get("p50"), n.get("p90"), n.get("p99"), n.get("p999"), n.get("max"), n.get("lost"), n.get("dupOrReorder"),
          cpu.get("nodeA"), cpu.get("nodeB") == null ? "–" : String.format(Locale.ROOT, "%.2f", cpu.get("nodeB")),
          cpu.get("client"), cpu.get("redis"), cpu.get("jvm"), cpu.get("box"), cpu.get("others"),
          n.get("withOffset") + " of " + n.get("checked"),
          r.get("redisOffsetDelta") == null ? "–" : r.get("redisOffsetDelta") + " / " + r.get("redisXlen")));
    }
    return out;
  }

  // ---- one run ------------------------------------------------------------------------------

  static final class LoopStats {
    final Histogram[] latency = {newHistogram(), newHistogram()};
    final long[] received = new long[2];
    final AtomicLongArray receivedShared = new AtomicLongArray(2);
    final long[] dupOrReorder = new long[2];
    final long[] gaps = new long[2];
    /** Pushes examined for an offset (first subscriber of each node only) and those that had one. */
    final AtomicLongArray checked = new AtomicLongArray(2);
    final AtomicLongArray withOffset = new AtomicLongArray(2);
  }

  static final class Run {
    final Config c;
    final String mode;
    final int rate;
    final int historySize;
    final RedisServer redis;
    final long redisPid;
    final EventLoopGroup subGroup;
    final EventLoopGroup pubGroup;
    final Map<EventLoop, LoopStats> stats = new IdentityHashMap<>();
    final List<EventLoop> loops = new ArrayList<>();
    final List<Channel> channels = new ArrayList<>();
    final int[] subsPerNode = new int[2];
    volatile long windowFrom = Long.MAX_VALUE;
    volatile long windowTo = Long.MAX_VALUE;
    CountDownLatch ready;
    Semaphore handshakes;
    final AtomicReference<String> setupError = new AtomicReference<>();
    final AtomicLong closedAfterSubscribe = new AtomicLong();

    Run(Config c, String mode, int rate, int historySize, RedisServer redis, long redisPid, EventLoopGroup subGroup,
        EventLoopGroup pubGroup) {
      this.c = c;
      this.mode = mode;
      this.rate = rate;
      this.historySize = historySize;
      this.redis = redis;
      this.redisPid = redisPid;
      this.subGroup = subGroup;
      this.pubGroup = pubGroup;
      for (EventExecutor e : subGroup) {
        loops.add((EventLoop) e);
        stats.put((EventLoop) e, new LoopStats());
      }
    }

    Map<String, Object> run() throws Exception {
      List<TestServer> nodes = new ArrayList<>();
      Publisher pub = null;
      try {
        switch (mode) {
          case "local" -> nodes.add(node(null, c.loops));
          case "local2x" -> nodes.add(node(null, c.loops * 2));
          case "redis1" -> nodes.add(node(redis.url(), c.loops));
          case "redis2" -> {
            nodes.add(node(redis.url(), c.loops));
            nodes.add(node(redis.url(), c.loops));
          }
          default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
        connectSubscribers(nodes);
        boolean viaRedis = !mode.startsWith("local");
        long[] redisHistory0 = viaRedis ? redisHistory(redis.port()) : null;
        if (viaRedis) {
          redisCommand(redis.port(), "CONFIG", "RESETSTAT");
        }
        pub = new Publisher(this, (EventLoop) pubGroup.next(), nodes.get(0).port);
        pub.connect();

        ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
        List<long[]> nodeThreads = new ArrayList<>();
        for (TestServer n : nodes) {
          nodeThreads.add(threadIds(n.server.vertx()));
        }
        long[] clientThreads = concat(threadIdsOf(subGroup), threadIdsOf(pubGroup));
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

        long start = System.nanoTime() + 20_000_000L;
        long warmEnd = start + (long) (c.warmup * 1e9);
        long end = warmEnd + (long) (c.seconds * 1e9);
        windowFrom = warmEnd;
        windowTo = end;
        CompletableFuture<Void> published = pub.start(rate, start, end);

        sleepUntil(warmEnd);
        long t0 = System.nanoTime();
        long[] recv0 = received();
        long acked0 = pub.acked.get();
        long[] node0 = nodeThreads.stream().mapToLong(ids -> cpu(tmx, ids)).toArray();
        long client0 = cpu(tmx, clientThreads);
        long redis0 = CacheL2Latency.procCpuNanos(redisPid);
        long jvm0 = os.getProcessCpuTime();
        long[] box0 = boxCpu();

        sleepUntil(end);
        long t1 = System.nanoTime();
        long[] recv1 = received();
        long acked1 = pub.acked.get();
        long[] node1 = nodeThreads.stream().mapToLong(ids -> cpu(tmx, ids)).toArray();
        long client1 = cpu(tmx, clientThreads);
        long redis1 = CacheL2Latency.procCpuNanos(redisPid);
        long jvm1 = os.getProcessCpuTime();
        long[] box1 = boxCpu();

        published.get((long) (c.warmup + c.seconds) * 2 + 10, TimeUnit.SECONDS);
        // Drain: every acknowledged publication at every subscriber, or no progress for 5 s.
        long drainStart = System.nanoTime();
        long drainDeadline = drainStart + (long) (c.drain * 1e9);
        long lastTotal = -1;
        long lastChange = drainStart;
        while (true) {
          long[] r = received();
          long total = r[0] + r[1];
          long expected = pub.acked.get() * c.subscribers;
          long now = System.nanoTime();
          if (total >= expected && pub.outstanding() == 0) {
            break;
          }
          if (total != lastTotal) {
            lastTotal = total;
            lastChange = now;
          }
          if (now - lastChange > 5_000_000_000L || now > drainDeadline) {
            break;
          }
          Thread.sleep(20);
        }
        double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
        windowFrom = Long.MAX_VALUE;
        windowTo = Long.MAX_VALUE;

        Histogram[] lat = {newHistogram(), newHistogram()};
        long[] dup = new long[2];
        long[] gaps = new long[2];
        for (EventLoop l : loops) {
          LoopStats s = stats.get(l);
          l.submit(() -> {
            synchronized (lat) {
              for (int n = 0; n < 2; n++) {
                lat[n].add(s.latency[n]);
                dup[n] += s.dupOrReorder[n];
                gaps[n] += s.gaps[n];
              }
            }
          }).get(10, TimeUnit.SECONDS);
        }
        long[] recvEnd = received();
        double window = (t1 - t0) / 1e9;
        long acked = pub.acked.get();

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mode", mode);
        r.put("historySize", historySize);
        r.put("rate", rate);
        r.put("subscribers", c.subscribers);
        r.put("seconds", window);
        r.put("publicationsPerSec", (acked1 - acked0) / window);
        r.put("publications", acked);
        r.put("publishErrors", pub.errors.get());
        if (pub.firstError.get() != null) {
          r.put("firstPublishError", pub.firstError.get());
        }
        r.put("publishShortfall", pub.shortfall);
        List<Map<String, Object>> perNode = new ArrayList<>();
        long totalLost = 0;
        for (int n = 0; n < nodes.size(); n++) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("node", n == 0 ? "A (publisher's)" : "B (remote)");
          m.put("subscribers", subsPerNode[n]);
          m.put("deliveriesPerSec", (recv1[n] - recv0[n]) / window);
          Histogram h = lat[n];
          m.put("p50", h.getValueAtPercentile(50) / 1000.0);
          m.put("p90", h.getValueAtPercentile(90) / 1000.0);
          m.put("p99", h.getValueAtPercentile(99) / 1000.0);
          m.put("p999", h.getValueAtPercentile(99.9) / 1000.0);
          m.put("max", h.getMaxValue() / 1000.0);
          m.put("latencySamples", h.getTotalCount());
          long expected = acked * subsPerNode[n];
          long lost = Math.max(0, expected - recvEnd[n]);
          totalLost += lost;
          m.put("expected", expected);
          m.put("received", recvEnd[n]);
          m.put("lost", lost);
          m.put("extra", Math.max(0, recvEnd[n] - expected));
          m.put("dupOrReorder", dup[n]);
          m.put("gapsSeen", gaps[n]);
          long chk = 0;
          long off = 0;
          for (LoopStats s : stats.values()) {
            chk += s.checked.get(n);
            off += s.withOffset.get(n);
          }
          m.put("checked", chk);
          m.put("withOffset", off);
          Counter rc = nodes.get(n).server.registry().find("tributary.broker.received").counter();
          Counter fc = nodes.get(n).server.registry().find("tributary.broker.publish.failed").counter();
          m.put("brokerReceived", rc == null ? null : (long) rc.count());
          m.put("brokerPublishFailed", fc == null ? null : (long) fc.count());
          perNode.add(m);
        }
        r.put("nodes", perNode);
        if (viaRedis) {
          long[] redisHistory1 = redisHistory(redis.port());
          // The channel's offset counter in Redis moved by one per appended publication.
          r.put("redisOffsetDelta", redisHistory1[0] - redisHistory0[0]);
          r.put("redisXlen", redisHistory1[1]);
          // Redis's own accounting per command (calls, usec, usec_per_call) over the run, warm-up and drain included.
          List<String> stats = new ArrayList<>();
          for (String line : redisCommand(redis.port(), "INFO", "commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_evalsha") || line.startsWith("cmdstat_publish") || line.startsWith("cmdstat_eval:")) {
              stats.add(line.trim());
            }
          }
          r.put("redisCommandStats", stats);
        }
        r.put("lost", totalLost);
        r.put("subscriberClosesDuringRun", closedAfterSubscribe.get());
        r.put("drainSeconds", drainSeconds);
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("nodeA", (node1[0] - node0[0]) / 1e9 / window);
        cpu.put("nodeB", nodes.size() > 1 ? (node1[1] - node0[1]) / 1e9 / window : null);
        cpu.put("client", (client1 - client0) / 1e9 / window);
        cpu.put("redis", redis0 < 0 ? Double.NaN : (redis1 - redis0) / 1e9 / window);
        cpu.put("jvm", (jvm1 - jvm0) / 1e9 / window);
        long busy = box1[0] - box0[0];
        long all = box1[1] - box0[1];
        double box = all == 0 ? Double.NaN : (double) busy / all * Runtime.getRuntime().availableProcessors();
        cpu.put("box", box);
        // CPU used on the machine by neither this JVM nor its redis-server (other people's work, kernel threads)
        cpu.put("others", Math.max(0, box - (jvm1 - jvm0) / 1e9 / window - (redis0 < 0 ? 0 : (redis1 - redis0) / 1e9 / window)));
        r.put("cpu", cpu);
        return r;
      } finally {
        if (pub != null) {
          pub.close();
        }
        for (Channel ch : channels) {
          ch.close();
        }
        for (Channel ch : channels) {
          ch.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        for (TestServer n : nodes) {
          n.close();
        }
      }
    }

    TestServer node(String redisUrl, int eventLoops) {
      return TestServer.start(o -> {
        o.getServer().setEventLoops(eventLoops);
        if (redisUrl != null) {
          o.getRedis().setUrls(List.of(redisUrl));
        }
        o.getGateway().getRateLimit().setCommandsPerSecond(0);
        if (c.maxDelay >= 0) {
          o.getGateway().getBatch().setMaxDelayMillis(c.maxDelay);
        }
        NamespaceOptions ns = new NamespaceOptions().setAllowClientPublish(true);
        if (historySize > 0) {
          ns.setHistorySize(historySize).setHistoryTtlSeconds(c.historyTtl);
        }
        o.getChannels().putNamespace("x", ns);
      });
    }

    void connectSubscribers(List<TestServer> nodes) throws Exception {
      ready = new CountDownLatch(c.subscribers);
      handshakes = new Semaphore(200);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      for (int i = 0; i < c.subscribers; i++) {
        if (!handshakes.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
            || setupError.get() != null) {
          break;
        }
        int n = i % nodes.size();
        subsPerNode[n]++;
        EventLoop loop = loops.get(i % loops.size());
        Sub s = new Sub(this, n, stats.get(loop), i < nodes.size());
        channels.add(connect(loop, nodes.get(n).port, s).channel());
      }
      if (!ready.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) || setupError.get() != null) {
        throw new IllegalStateException("subscribers not ready: " + (c.subscribers - ready.getCount()) + " of "
            + c.subscribers + (setupError.get() == null ? "" : "; " + setupError.get()));
      }
    }

    void subscribed() {
      handshakes.release();
      ready.countDown();
    }

    void setupFailed(String why) {
      setupError.compareAndSet(null, why);
      handshakes.release();
      while (ready.getCount() > 0) {
        ready.countDown();
      }
    }

    long[] received() {
      long[] r = new long[2];
      for (LoopStats s : stats.values()) {
        r[0] += s.receivedShared.get(0);
        r[1] += s.receivedShared.get(1);
      }
      return r;
    }
  }

  // ---- client side --------------------------------------------------------------------------

  static io.netty.channel.ChannelFuture connect(EventLoop loop, int port, SimpleChannelInboundHandler<TextWebSocketFrame> app) {
    URI uri = URI.create("ws://127.0.0.1:" + port + "/connection/websocket");
    WebSocketClientProtocolConfig cfg = WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(uri)
        .maxFramePayloadLength(64 << 20)
        .handleCloseFrames(true)
        .dropPongFrames(true)
        .handshakeTimeoutMillis(30_000)
        .withUTF8Validator(false) // the client's own cost: validation was 36 % of its samples
        .build();
    return new Bootstrap()
        .group(loop)
        .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
                new WebSocketClientProtocolHandler(cfg), app);
          }
        })
        .connect(new InetSocketAddress("127.0.0.1", port));
  }

  static void sendText(ChannelHandlerContext ctx, String s, boolean flush) {
    TextWebSocketFrame f = new TextWebSocketFrame(Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8)));
    if (flush) {
      ctx.writeAndFlush(f, ctx.voidPromise());
    } else {
      ctx.write(f, ctx.voidPromise());
    }
  }

  /** A subscriber: parses push lines in place (no JSON decoding), answers pings. */
  static final class Sub extends SimpleChannelInboundHandler<TextWebSocketFrame> {
    final Run run;
    final int node;
    final LoopStats stats;
    /** Looks for {@code "offset":} in every push (one subscriber per node: it costs a scan). */
    final boolean checkOffset;
    boolean subscribed;
    long lastSeq = -1;

    Sub(Run run, int node, LoopStats stats, boolean checkOffset) {
      this.run = run;
      this.node = node;
      this.stats = stats;
      this.checkOffset = checkOffset;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        sendText(ctx, "{\"id\":1,\"connect\":{}}\n{\"id\":2,\"subscribe\":{\"channel\":\"" + CHANNEL + "\"}}", true);
      } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
        run.setupFailed("handshake timeout");
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
      ByteBuf buf = frame.content();
      long now = System.nanoTime();
      long wFrom = run.windowFrom;
      long wTo = run.windowTo;
      int to = buf.writerIndex();
      int i = buf.readerIndex();
      int pushes = 0;
      while (i < to) {
        int nl = buf.indexOf(i, to, (byte) '\n');
        int end = nl < 0 ? to : nl;
        if (end - i >= 2) {
          byte b2 = end - i > 2 ? buf.getByte(i + 2) : 0;
          if (buf.getByte(i + 1) == '}') {
            sendText(ctx, "{}", true);
          } else if (b2 == 'p') {
            // {"push":{"channel":"x:fan","pub":{"data":{"ts": at a fixed offset; search if not
            int p = i + TS_OFFSET;
            if (!(p < end && buf.getByte(p - 1) == ':' && buf.getByte(p - 2) == '"' && buf.getByte(p - 3) == 's'
                && buf.getByte(p - 4) == 't')) {
              p = indexOf(buf, i, end, TS);
              p = p < 0 ? -1 : p + TS.length;
            }
            if (p >= 0) {
              long ts = 0;
              byte b;
              while (p < end && (b = buf.getByte(p)) >= '0' && b <= '9') {
                ts = ts * 10 + (b - '0');
                p++;
              }
              // ,"seq":
              if (!(p + 7 < end && buf.getByte(p + 6) == ':' && buf.getByte(p + 2) == 's')) {
                p = indexOf(buf, p, end, SEQ);
                p = p < 0 ? -1 : p - 1;
              }
              long seq = 0;
              if (p >= 0) {
                p += 7;
                while (p < end && (b = buf.getByte(p)) >= '0' && b <= '9') {
                  seq = seq * 10 + (b - '0');
                  p++;
                }
              }
              if (seq <= lastSeq) {
                stats.dupOrReorder[node]++;
              } else if (seq != lastSeq + 1) {
                stats.gaps[node] += seq - lastSeq - 1;
              }
              lastSeq = Math.max(lastSeq, seq);
              if (checkOffset) {
                stats.checked.incrementAndGet(node);
                if (p >= 0 && indexOf(buf, p, end, OFFSET) >= 0) {
                  stats.withOffset.incrementAndGet(node);
                }
              }
              if (ts >= wFrom && ts < wTo) {
                long us = (now - ts) / 1000;
                stats.latency[node].recordValue(Math.max(0, Math.min(us, HIGHEST_MICROS)));
              }
              pushes++;
            }
          } else if (b2 == 'i') {
            String line = buf.toString(i, end - i, StandardCharsets.UTF_8);
            if (line.contains("\"error\"")) {
              if (!subscribed) {
                subscribed = true;
                run.setupFailed("server answered " + line);
              }
            } else if (line.startsWith("{\"id\":2,") && !subscribed) {
              subscribed = true;
              run.subscribed();
            }
          }
        }
        i = end + 1;
      }
      if (pushes > 0) {
        stats.received[node] += pushes;
        stats.receivedShared.lazySet(node, stats.received[node]);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (!subscribed) {
        subscribed = true;
        run.setupFailed("closed before subscribing");
      } else if (run.windowTo != Long.MAX_VALUE) {
        run.closedAfterSubscribe.incrementAndGet();
      }
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!subscribed) {
        subscribed = true;
        run.setupFailed(cause.toString());
      }
      ctx.close();
    }
  }

  /** Publishes at a fixed rate over its own WebSocket, on its own event loop. */
  static final class Publisher extends SimpleChannelInboundHandler<TextWebSocketFrame> {
    final Run run;
    final EventLoop loop;
    final int port;
    final CompletableFuture<Void> connected = new CompletableFuture<>();
    final AtomicLong acked = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong sentShared = new AtomicLong();
    final AtomicReference<String> firstError = new AtomicReference<>();
    final StringBuilder sb = new StringBuilder(512);
    ChannelHandlerContext ctx;
    Channel channel;
    long seq;
    long sent;
    long planned;
    long start;
    long stop;
    double rate;
    volatile long shortfall;
    CompletableFuture<Void> done;

    Publisher(Run run, EventLoop loop, int port) {
      this.run = run;
      this.loop = loop;
      this.port = port;
    }

    void connect() throws Exception {
      channel = CrossNodeFanout.connect(loop, port, this).channel();
      connected.get(30, TimeUnit.SECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        this.ctx = ctx;
        sendText(ctx, "{\"id\":1,\"connect\":{}}", true);
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
      ByteBuf buf = frame.content();
      int to = buf.writerIndex();
      int i = buf.readerIndex();
      while (i < to) {
        int nl = buf.indexOf(i, to, (byte) '\n');
        int end = nl < 0 ? to : nl;
        if (end - i >= 2) {
          if (buf.getByte(i + 1) == '}') {
            sendText(ctx, "{}", true);
          } else if (end - i > 6 && buf.getByte(i + 2) == 'i') {
            long id = 0;
            int p = i + 6;
            byte b;
            while (p < end && (b = buf.getByte(p)) >= '0' && b <= '9') {
              id = id * 10 + (b - '0');
              p++;
            }
            boolean error = p + 2 < end && buf.getByte(p + 2) == 'e';
            if (id == 1) {
              if (error) {
                connected.completeExceptionally(new IllegalStateException(buf.toString(i, end - i, StandardCharsets.UTF_8)));
              } else {
                connected.complete(null);
              }
            } else if (id >= FIRST_ID) {
              if (error) {
                errors.incrementAndGet();
                firstError.compareAndSet(null, buf.toString(i, end - i, StandardCharsets.UTF_8));
              } else {
                acked.incrementAndGet();
              }
            }
          }
        }
        i = end + 1;
      }
    }

    long outstanding() {
      return sentShared.get() - acked.get() - errors.get();
    }

    CompletableFuture<Void> start(int rate, long start, long stop) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      loop.execute(() -> {
        this.done = f;
        this.rate = rate;
        this.start = start;
        this.stop = stop;
        this.planned = (long) ((stop - start) / 1e9 * rate);
        loop.schedule(this::tick, Math.max(0, start - System.nanoTime()), TimeUnit.NANOSECONDS);
      });
      return f;
    }

    private void tick() {
      long now = System.nanoTime();
      long due = now >= stop ? planned : Math.min(planned, (long) ((now - start) / 1e9 * rate) + 1);
      int n = 0;
      while (sent < due && n < 10_000 && channel.isWritable()) {
        sb.setLength(0);
        sb.append("{\"id\":").append(FIRST_ID + seq).append(",\"publish\":{\"channel\":\"").append(CHANNEL)
            .append("\",\"data\":{\"ts\":").append(System.nanoTime()).append(",\"seq\":").append(seq).append(",\"pad\":\"");
        int pad = Math.max(0, run.c.payload - 30);
        for (int k = 0; k < pad; k++) {
          sb.append('x');
        }
        sb.append("\"}}}");
        sendText(ctx, sb.toString(), false);
        seq++;
        sent++;
        n++;
      }
      if (n > 0) {
        ctx.flush();
        sentShared.lazySet(sent);
      }
      if (now >= stop) {
        shortfall = planned - sent;
        done.complete(null);
        return;
      }
      loop.schedule(this::tick, 1, TimeUnit.MILLISECONDS);
    }

    void close() {
      if (channel != null) {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
      }
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(10);

  static Histogram newHistogram() {
    return new Histogram(HIGHEST_MICROS, 3);
  }

  static int indexOf(ByteBuf buf, int from, int to, byte[] needle) {
    int last = to - needle.length;
    for (int i = from; i <= last; i++) {
      if (buf.getByte(i) == needle[0]) {
        int k = 1;
        while (k < needle.length && buf.getByte(i + k) == needle[k]) {
          k++;
        }
        if (k == needle.length) {
          return i;
        }
      }
    }
    return -1;
  }

  static EventLoopGroup group(int threads, String name) {
    IoHandlerFactory f = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), f);
  }

  static long[] threadIds(Vertx vertx) throws Exception {
    VertxInternal vi = (VertxInternal) vertx;
    return concat(threadIdsOf(vi.nettyEventLoopGroup()), threadIdsOf(vi.acceptorEventLoopGroup()));
  }

  static long[] threadIdsOf(EventLoopGroup g) throws Exception {
    List<Long> ids = new ArrayList<>();
    for (EventExecutor e : g) {
      ids.add(e.submit(() -> Thread.currentThread().getId()).get(10, TimeUnit.SECONDS));
    }
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  static long[] concat(long[] a, long[] b) {
    long[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  static long cpu(ThreadMXBean tmx, long[] ids) {
    long t = 0;
    for (long id : ids) {
      long v = tmx.getThreadCpuTime(id);
      if (v > 0) {
        t += v;
      }
    }
    return t;
  }

  /** {busy, total} jiffies of the whole machine from /proc/stat. */
  static long[] boxCpu() {
    try {
      String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = line.trim().split("\\s+");
      long total = 0;
      long idle = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        long v = Long.parseLong(f[i]);
        total += v;
        if (i == 4 || i == 5) {
          idle += v;
        }
      }
      return new long[] {total - idle, total};
    } catch (Exception e) {
      return new long[] {0, 0};
    }
  }

  /**
   * {last offset, XLEN} of {@link #CHANNEL}'s history in Redis ({@code HGET
   * tributary.history.meta.{x:fan} s}, {@code XLEN tributary.history.{x:fan}}), over a plain socket
   * in RESP; {0, 0} when there is none yet.
   */
  static long[] redisHistory(int port) {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      var out = s.getOutputStream();
      var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      out.write(resp("HGET", "tributary.history.meta.{" + CHANNEL + "}", "s"));
      out.write(resp("XLEN", "tributary.history.{" + CHANNEL + "}"));
      out.flush();
      String h = in.readLine();
      long offset = 0;
      if (h.startsWith("$") && !h.equals("$-1")) {
        offset = Long.parseLong(in.readLine().trim());
      }
      String x = in.readLine();
      long xlen = x.startsWith(":") ? Long.parseLong(x.substring(1).trim()) : -1;
      return new long[] {offset, xlen};
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the history keys from Redis: " + e, e);
    }
  }

  /** One command over a plain socket; the reply as text (a bulk string's content, else the line). */
  static String redisCommand(int port, String... args) {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(resp(args));
      s.getOutputStream().flush();
      var in = new java.io.DataInputStream(new java.io.BufferedInputStream(s.getInputStream()));
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = in.read()) >= 0 && b != '\n') {
        line.append((char) b);
      }
      String head = line.toString().trim();
      if (!head.startsWith("$") || head.equals("$-1")) {
        return head;
      }
      byte[] body = new byte[Integer.parseInt(head.substring(1))];
      in.readFully(body);
      return new String(body, StandardCharsets.UTF_8);
    } catch (Exception e) {
      throw new IllegalStateException("redis " + String.join(" ", args) + ": " + e, e);
    }
  }

  static byte[] resp(String... args) {
    StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
    for (String a : args) {
      sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
    } catch (Exception e) {
      return "?";
    }
  }

  static void sleepUntil(long deadline) throws InterruptedException {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, Math.min(100, left / 1_000_000)));
    }
  }
}
