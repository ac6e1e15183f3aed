package dev.tributary.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Fan-out: S subscribers spread over C channels, one publisher at R publications/s of P-byte
 * payloads, each carrying its send time ({@code {"ts":<nanoTime>,"seq":n,"pad":"…"}}). The
 * subscribers find the {@code "ts":} bytes at a known offset of each push line, without decoding
 * JSON, and record the end-to-end latency in one HdrHistogram per client event loop.
 *
 * <p>The publisher publishes over its own WebSocket ({@code publish} command, needs a namespace
 * that allows client publish and no command rate limit) or over HTTP ({@code POST /api/publish},
 * a few keep-alive connections). A {@link Rig} stays connected across several runs (the sweep).
 *
 * <p>Several nodes (the {@code crossnode} scenario, {@link CrossNodeScenario}): subscriber {@code i}
 * connects to node {@code i % nodes}, the publisher to the first node; the run then reports, per
 * node, its subscribers' deliveries and latency and the node's CPU, and the server figures are
 * the nodes' sums.
 */
public final class FanoutScenario {
  private FanoutScenario() {}

  /** What to run. */
  public static final class Config {
    public int subscribers = 1000;
    public int channels = 1;
    public int rate = 1000;
    public int payloadBytes = 100;
    public double seconds = 20;
    public double warmupSeconds = 15;
    /** {@code ws} (client publish over a WebSocket) or {@code http} (POST /api/publish). */
    public String publishVia = "ws";
    /** Channel names are {@code prefix + index}. */
    public String channelPrefix = "bench:";
    public int threads = Runtime.getRuntime().availableProcessors();
    /** Handshakes in flight while the subscribers connect. */
    public int connectConcurrency = 200;
    /** HTTP publisher connections. */
    public int httpConnections = 8;
    /** Longest wait for the last deliveries after the publisher stopped. */
    public double drainSeconds = 20;
    /**
     * The subscribers' protocol: {@code json}, {@code protobuf} (WebSocket subprotocol
     * {@code centrifuge-protobuf}, binary frames) or {@code mix} (every other subscriber protobuf).
     */
    public String proto = "json";

    static Config from(Params p) {
      Config c = new Config();
      c.subscribers = p.intValue("S", c.subscribers, 1, 1_000_000);
      c.channels = p.intValue("C", c.channels, 1, 100_000);
      c.rate = p.intValue("R", c.rate, 1, 10_000_000);
      c.payloadBytes = p.intValue("P", c.payloadBytes, 0, 1 << 20);
      c.seconds = p.doubleValue("T", c.seconds, 0.1, 86_400);
      c.warmupSeconds = p.doubleValue("warmup", c.warmupSeconds, 0, 3600);
      c.publishVia = p.string("pub", c.publishVia);
      if (!c.publishVia.equals("ws") && !c.publishVia.equals("http")) {
        throw new BenchException("option pub must be ws or http, got " + c.publishVia);
      }
      c.channelPrefix = p.string("channelPrefix", c.channelPrefix);
      c.threads = Net.threads(p);
      c.connectConcurrency = p.intValue("connectConcurrency", c.connectConcurrency, 1, 100_000);
      c.httpConnections = p.intValue("httpConnections", c.httpConnections, 1, 1024);
      c.drainSeconds = p.doubleValue("drain", c.drainSeconds, 1, 600);
      c.proto = p.string("proto", c.proto);
      if (!c.proto.equals("json") && !c.proto.equals("protobuf") && !c.proto.equals("mix")) {
        throw new BenchException("option proto must be json, protobuf or mix, got " + c.proto);
      }
      if (c.channels > c.subscribers) {
        throw new BenchException("C (" + c.channels + ") must not exceed S (" + c.subscribers + ")");
      }
      return c;
    }
  }

  /** One full fan-out run: connect, warm up, measure, drain, disconnect. */
  public static Result run(Target target, Config config) {
    return run(List.of(target), config, Map.of());
  }

  /**
   * The same over several nodes (subscribers spread round robin, the publisher on the first);
   * {@code sideProcesses} are other processes of the system under test (e.g. {@code redis}) whose
   * CPU over the window is reported as {@code <name>CpuCores}.
   */
  public static Result run(List<Target> nodes, Config config, Map<String, ServerProbe> sideProcesses) {
    try (Rig rig = Rig.open(nodes, config)) {
      rig.sideProcesses.putAll(sideProcesses);
      return rig.run(config.rate, config.warmupSeconds, config.seconds);
    }
  }

  // ---- per-loop statistics ------------------------------------------------------------------

  static final class SubStats {
    final Histogram latency = Loops.newHistogram();
    /** Per node, when there is more than one (else null): latency, pushes received. */
    final Histogram[] latencyByNode;
    final long[] receivedByNode;
    final AtomicLongArray receivedByNodeShared;
    /** Pushes received (owner loop's count, published with release semantics below). */
    long received;
    final AtomicLong receivedShared = new AtomicLong();
    long outOfOrder;
    final AtomicLong outOfOrderShared = new AtomicLong();
    long pings;
    /** WebSocket frame payload bytes and pushes received, by protocol: [0] JSON, [1] Protobuf. */
    final long[] bytes = new long[2];
    final long[] pushes = new long[2];
    final AtomicLongArray bytesShared = new AtomicLongArray(2);
    final AtomicLongArray pushesShared = new AtomicLongArray(2);

    SubStats(int nodes) {
      latencyByNode = nodes > 1 ? new Histogram[nodes] : null;
      for (int n = 0; n < nodes && nodes > 1; n++) {
        latencyByNode[n] = Loops.newHistogram();
      }
      receivedByNode = new long[nodes];
      receivedByNodeShared = new AtomicLongArray(nodes);
    }
  }

  // ---- the rig ------------------------------------------------------------------------------

  /** Subscribers and publisher, connected. */
  public static final class Rig implements AutoCloseable {
    private static final byte[] PONG = "{}".getBytes(StandardCharsets.US_ASCII);

    /** The node the publisher uses (the first of {@link #nodes}). */
    final Target target;
    final List<Target> nodes;
    final Config config;
    /** Other processes of the system under test whose CPU the run reports, by name. */
    final Map<String, ServerProbe> sideProcesses = new java.util.LinkedHashMap<>();
    final long[] subsPerNode;
    final Loops<SubStats> subLoops;
    final Loops<Object> pubLoops;
    final List<Sub> subs = new ArrayList<>();
    final long[] subsPerChannel;
    final String[] channelNames;
    volatile long windowFrom = Long.MAX_VALUE;
    volatile long windowTo = Long.MAX_VALUE;
    /** Subscribers closed after they had subscribed, by close code. */
    final Map<Integer, Integer> closes = new TreeMap<>();
    final AtomicInteger slowCloses = new AtomicInteger();
    private final Publisher publisher;
    private final CountDownLatch ready;
    private final Semaphore handshakes;
    private final AtomicInteger setupFailures = new AtomicInteger();
    private final AtomicReference<String> firstSetupError = new AtomicReference<>();

    private Rig(List<Target> nodes, Config config) {
      if (nodes.isEmpty()) {
        throw new BenchException("no server to drive");
      }
      this.nodes = List.copyOf(nodes);
      this.target = nodes.get(0);
      this.config = config;
      this.subsPerNode = new long[nodes.size()];
      this.subLoops = new Loops<>(config.threads, "bench-sub", () -> new SubStats(nodes.size()));
      this.pubLoops = new Loops<>(1, "bench-pub", Object::new);
      this.subsPerChannel = new long[config.channels];
      this.channelNames = new String[config.channels];
      for (int c = 0; c < config.channels; c++) {
        channelNames[c] = config.channelPrefix + c;
      }
      this.ready = new CountDownLatch(config.subscribers);
      this.handshakes = new Semaphore(config.connectConcurrency);
      this.publisher = config.publishVia.equals("http") ? new HttpPublisher(this) : new WsPublisher(this);
    }

    /** Connects every subscriber and the publisher; throws if any of them fails. */
    public static Rig open(Target target, Config config) {
      return open(List.of(target), config);
    }

    /** Connects every subscriber (round robin over {@code nodes}) and the publisher (first node). */
    public static Rig open(List<Target> nodes, Config config) {
      Rig rig = new Rig(nodes, config);
      try {
        rig.connectAll();
        return rig;
      } catch (RuntimeException e) {
        rig.close();
        throw e;
      }
    }

    private void connectAll() {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60 + config.subscribers / 200);
      for (int i = 0; i < config.subscribers; i++) {
        try {
          if (!handshakes.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            break;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new BenchException("interrupted");
        }
        if (setupFailures.get() > 0) {
          break;
        }
        int ch = i % config.channels;
        subsPerChannel[ch]++;
        EventLoop loop = subLoops.nextLoop();
        boolean protobuf = config.proto.equals("protobuf") || config.proto.equals("mix") && i % 2 == 1;
        int node = i % nodes.size();
        subsPerNode[node]++;
        Sub s = new Sub(this, ch, node, subLoops.stats(loop), protobuf);
        subs.add(s);
        Target t = nodes.get(node);
        s.conn = WsConn.connect(loop, t.host(), t.port(), null, protobuf ? Sub.PROTOBUF : null, s);
      }
      boolean all;
      try {
        all = ready.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      }
      if (setupFailures.get() > 0 || !all) {
        throw new BenchException(String.format("only %d of %d subscribers connected and subscribed to %s:%s (%d failed%s)",
            config.subscribers - ready.getCount(), config.subscribers, target.host(),
            nodes.stream().map(n -> Integer.toString(n.port())).collect(java.util.stream.Collectors.joining(",")), setupFailures.get(),
            firstSetupError.get() == null ? ", the rest timed out" : "; first error: " + firstSetupError.get()));
      }
      publisher.connect();
    }

    void setupFailed(String why) {
      if (setupFailures.incrementAndGet() == 1) {
        firstSetupError.set(why);
      }
      handshakes.release();
      // Unblock the waiting thread at once.
      while (ready.getCount() > 0) {
        ready.countDown();
      }
    }

    void subscribed() {
      handshakes.release();
      ready.countDown();
    }

    long received() {
      long n = 0;
      for (SubStats s : subLoops.all()) {
        n += s.receivedShared.get();
      }
      return n;
    }

    long[] receivedByNode() {
      long[] r = new long[nodes.size()];
      for (SubStats s : subLoops.all()) {
        for (int n = 0; n < r.length; n++) {
          r[n] += s.receivedByNodeShared.get(n);
        }
      }
      return r;
    }

    /** CPU time of every node (index = node), of the side processes after them; -1 where unknown. */
    long[] cpuNanos() {
      long[] r = new long[nodes.size() + sideProcesses.size()];
      int i = 0;
      for (Target t : nodes) {
        r[i++] = t.probe() == null ? -1 : t.probe().cpuNanos();
      }
      for (ServerProbe p : sideProcesses.values()) {
        r[i++] = p.cpuNanos();
      }
      return r;
    }

    /** Frame payload bytes ({@code what=0}) or pushes ({@code what=1}) received over {@code proto}. */
    long counted(int what, int proto) {
      long n = 0;
      for (SubStats s : subLoops.all()) {
        n += (what == 0 ? s.bytesShared : s.pushesShared).get(proto);
      }
      return n;
    }

    long expected() {
      long n = 0;
      for (int c = 0; c < channelNames.length; c++) {
        n += publisher.acked(c) * subsPerChannel[c];
      }
      return n;
    }

    /**
     * Publishes at {@code rate}/s for {@code warmup + seconds}, measures the last {@code seconds},
     * then waits for the deliveries still under way.
     */
    public Result run(int rate, double warmup, double seconds) {
      boolean probed = nodes.stream().allMatch(n -> n.probe() != null);
      int closesBefore;
      int slowBefore = slowCloses.get();
      synchronized (closes) {
        closesBefore = closes.values().stream().mapToInt(Integer::intValue).sum();
      }
      long start = System.nanoTime() + 20_000_000L;
      long warmEnd = start + Time.secondsToNanos(warmup);
      long end = warmEnd + Time.secondsToNanos(seconds);
      windowFrom = warmEnd;
      windowTo = end;
      long publishedBefore = publisher.ackedTotal();
      long receivedBefore = received();
      long expectedBefore = expected();
      CompletableFuture<Void> published = publisher.start(rate, start, end);

      Time.sleepUntil(warmEnd);
      long t0 = System.nanoTime();
      long recv0 = received();
      long[] wire0 = {counted(0, 0), counted(0, 1), counted(1, 0), counted(1, 1)};
      long acked0 = publisher.ackedTotal();
      long sent0 = publisher.sentTotal.get();
      long[] nodeRecv0 = receivedByNode();
      long[] cpus0 = cpuNanos();
      long ccpu0 = ClientCpu.nanos();
      long[] box0 = BoxCpu.read();

      Time.sleepUntil(end);
      long t1 = System.nanoTime();
      long recv1 = received();
      long[] wire1 = {counted(0, 0), counted(0, 1), counted(1, 0), counted(1, 1)};
      long acked1 = publisher.ackedTotal();
      long sent1 = publisher.sentTotal.get();
      long[] nodeRecv1 = receivedByNode();
      long[] cpus1 = cpuNanos();
      long ccpu1 = ClientCpu.nanos();
      long[] box1 = BoxCpu.read();

      try {
        published.get(Math.max(5, (long) (2 * (warmup + seconds))), TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new BenchException("publisher did not finish: " + e, e);
      }
      // Drain: wait until every accepted publication reached every subscriber, or progress stops.
      long drainStart = System.nanoTime();
      long drainDeadline = drainStart + Time.secondsToNanos(config.drainSeconds);
      long[] last = {received(), System.nanoTime()};
      Time.await(() -> {
        long r = received();
        long now = System.nanoTime();
        if (r != last[0]) {
          last[0] = r;
          last[1] = now;
        }
        return r >= expected() && publisher.outstanding() == 0
            || now - last[1] > 5_000_000_000L || now > drainDeadline;
      }, Time.secondsToNanos(config.drainSeconds + 1));
      boolean drained = received() >= expected();
      windowFrom = Long.MAX_VALUE;
      windowTo = Long.MAX_VALUE;

      Histogram h = subLoops.drainHistograms(s -> s.latency);
      List<Histogram> byNode = new ArrayList<>();
      for (int n = 0; n < nodes.size() && nodes.size() > 1; n++) {
        int node = n;
        byNode.add(subLoops.drainHistograms(s -> s.latencyByNode[node]));
      }
      long outOfOrder = 0;
      for (SubStats s : subLoops.all()) {
        outOfOrder += s.outOfOrderShared.get();
      }
      long expectedStep = expected() - expectedBefore;
      long receivedStep = received() - receivedBefore;
      long lost = Math.max(0, expectedStep - receivedStep);
      double window = (t1 - t0) / 1e9;
      long deliveries = recv1 - recv0;

      Result r = new Result();
      r.put("scenario", nodes.size() > 1 || !sideProcesses.isEmpty() ? "crossnode" : "fanout");
      r.put("subscribers", config.subscribers);
      r.put("channels", config.channels);
      r.put("targetRate", rate);
      r.put("payloadBytes", config.payloadBytes);
      r.put("seconds", window);
      r.put("warmupSeconds", warmup);
      r.put("publishVia", config.publishVia);
      r.put("publicationsPerSec", (acked1 - acked0) / window);
      r.put("publicationsSentPerSec", (sent1 - sent0) / window);
      // Publications sent but not yet acknowledged when the window opened: a server still
      // catching up from the warm-up (JIT on one pinned core) starts the window behind, and its
      // catch-up shows as a long tail and as more publications acknowledged than sent.
      long backlog0 = Math.max(0, sent0 - acked0);
      r.put("backlogAtWindowStart", backlog0);
      r.put("backlogAtWindowStartMs", 1000.0 * backlog0 / rate);
      r.put("deliveriesPerSec", deliveries / window);
      r.put("proto", config.proto);
      long wireBytes = wire1[0] - wire0[0] + wire1[1] - wire0[1];
      r.put("wireBytesPerSec", wireBytes / window);
      r.put("bytesPerDelivery", deliveries == 0 ? null : (double) wireBytes / deliveries);
      for (int pr = 0; pr < 2; pr++) {
        long b = wire1[pr] - wire0[pr];
        long d = wire1[2 + pr] - wire0[2 + pr];
        if (d > 0) {
          r.put((pr == 0 ? "json" : "protobuf") + "BytesPerDelivery", (double) b / d);
        }
      }
      r.put("targetDeliveriesPerSec", (double) rate * config.subscribers / config.channels);
      Map<String, Object> lat = Result.latency(h);
      r.put("latencyMs", lat);
      r.put("publications", publisher.ackedTotal() - publishedBefore);
      r.put("expectedDeliveries", expectedStep);
      r.put("receivedDeliveries", receivedStep);
      r.put("lost", lost);
      r.put("duplicates", Math.max(0, receivedStep - expectedStep));
      r.put("outOfOrder", outOfOrder);
      r.put("slowConsumerCloses", slowCloses.get() - slowBefore);
      int closesNow;
      Map<String, Object> closeCodes = new java.util.LinkedHashMap<>();
      synchronized (closes) {
        closesNow = closes.values().stream().mapToInt(Integer::intValue).sum();
        closes.forEach((k, v) -> closeCodes.put(Integer.toString(k), v));
      }
      r.put("subscriberCloses", closesNow - closesBefore);
      r.put("subscriberClosesByCode", closeCodes);
      r.put("publishErrors", publisher.errors());
      r.put("publishShortfall", publisher.shortfall());
      if (publisher.firstError() != null) {
        r.put("firstPublishError", publisher.firstError());
      }
      r.put("drainSeconds", (System.nanoTime() - drainStart) / 1e9);
      r.put("drainComplete", drained);
      if (probed) {
        long cpu = 0;
        long rss = 0;
        long peak = 0;
        for (int n = 0; n < nodes.size(); n++) {
          cpu += cpus1[n] - cpus0[n];
          rss += nodes.get(n).probe().rssKb();
          peak += nodes.get(n).probe().peakRssKb();
        }
        r.put("serverCpuCores", cpu / 1e9 / window);
        r.put("serverCpuUsPerDelivery", deliveries == 0 ? null : cpu / 1000.0 / deliveries);
        r.put("serverRssKb", rss);
        r.put("serverPeakRssKb", peak);
      } else {
        r.put("serverCpuCores", null);
        r.put("serverCpuUsPerDelivery", null);
        r.put("serverRssKb", null);
        r.put("serverPeakRssKb", null);
        r.note("server figures skipped: no server process to probe (serverPid= not given; for an in-process server the client CPU figure includes the server)");
      }
      int side = nodes.size();
      for (String name : sideProcesses.keySet()) {
        r.put(name + "CpuCores", (cpus1[side] - cpus0[side]) / 1e9 / window);
        side++;
      }
      if (nodes.size() > 1) {
        List<Object> perNode = new ArrayList<>();
        for (int n = 0; n < nodes.size(); n++) {
          Map<String, Object> m = new java.util.LinkedHashMap<>();
          m.put("node", n == 0 ? "A (the publisher's)" : "remote " + n);
          m.put("port", nodes.get(n).port());
          m.put("subscribers", subsPerNode[n]);
          m.put("deliveriesPerSec", (nodeRecv1[n] - nodeRecv0[n]) / window);
          m.put("latencyMs", Result.latency(byNode.get(n)));
          m.put("serverCpuCores", cpus0[n] < 0 ? null : (cpus1[n] - cpus0[n]) / 1e9 / window);
          perNode.add(m);
        }
        r.put("nodes", perNode);
      }
      Bench.clientCpu(r, ccpu0, ccpu1, t1 - t0, config.threads);
      BoxCpu.put(r, box0, box1, t1 - t0);
      if (1000.0 * backlog0 / rate > 50) {
        r.note(String.format("the window opened with %,d publications (%.0f ms) not yet acknowledged: the server was"
            + " still catching up from the warm-up, and that catch-up is in the latency figures (a longer warmup= avoids it)",
            backlog0, 1000.0 * backlog0 / rate));
      }
      if (lost > 0) {
        r.note(lost + " deliveries lost" + (slowCloses.get() > slowBefore
            ? " (" + (slowCloses.get() - slowBefore) + " slow-consumer close(s) with 3008)" : "")
            + (drained ? "" : "; the server was still delivering when the drain gave up (no progress for 5 s or "
                + config.drainSeconds + " s in all): late deliveries count as lost"));
      }
      return r;
    }

    @Override
    public void close() {
      publisher.stop();
      pubLoops.shutdown();
      subLoops.shutdown();
    }
  }

  // ---- subscriber ---------------------------------------------------------------------------

  static final class Sub implements WsConn.Handler {
    private static final byte[] TS = "\"ts\":".getBytes(StandardCharsets.US_ASCII);

    static final String PROTOBUF = "centrifuge-protobuf";
    /** The Protobuf pong: one frame holding an empty Command (its length prefix, 0). */
    private static final byte[] PB_PONG = {0};

    final Rig rig;
    final int channel;
    /** Index of the node it is connected to. */
    final int node;
    final SubStats stats;
    final boolean protobuf;
    /**
     * Where the {@code ts} digits start in a push: fixed for JSON; for Protobuf learnt from the
     * first push (the varint lengths before it depend on the payload size).
     */
    int tsOffset;
    WsConn conn;
    private boolean subscribed;
    private long lastSeq = -1;
    private long seq;

    Sub(Rig rig, int channel, int node, SubStats stats, boolean protobuf) {
      this.rig = rig;
      this.channel = channel;
      this.node = node;
      this.stats = stats;
      this.protobuf = protobuf;
      // {"push":{"channel":"<ch>","pub":{"data":{"ts":
      this.tsOffset = ("{\"push\":{\"channel\":\"" + rig.channelNames[channel] + "\",\"pub\":{\"data\":{\"ts\":").length();
    }

    @Override
    public void onOpen(WsConn c) {
      if (protobuf) {
        c.sendBinary(protobufConnectSubscribe(rig.channelNames[channel]), true);
        return;
      }
      String cmds = "{\"id\":1,\"connect\":{}}\n{\"id\":2,\"subscribe\":{\"channel\":\"" + rig.channelNames[channel] + "\"}}";
      c.send(cmds.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Two varint-length-delimited Commands in one frame: {@code Command{id=1, connect={}}} and
     * {@code Command{id=2, subscribe={channel}}} (field numbers from client.proto).
     */
    static byte[] protobufConnectSubscribe(String channel) {
      byte[] ch = channel.getBytes(StandardCharsets.UTF_8);
      java.io.ByteArrayOutputStream sub = new java.io.ByteArrayOutputStream();
      sub.write(0x0A); // SubscribeRequest.channel = 1, length-delimited
      writeVarint(sub, ch.length);
      sub.writeBytes(ch);
      java.io.ByteArrayOutputStream cmd2 = new java.io.ByteArrayOutputStream();
      cmd2.write(0x08); // Command.id = 1, varint
      cmd2.write(2);
      cmd2.write(0x2A); // Command.subscribe = 5, length-delimited
      writeVarint(cmd2, sub.size());
      cmd2.writeBytes(sub.toByteArray());
      java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
      frame.writeBytes(new byte[] {4, 0x08, 1, 0x22, 0}); // Command{id=1, connect={}} (field 4)
      writeVarint(frame, cmd2.size());
      frame.writeBytes(cmd2.toByteArray());
      return frame.toByteArray();
    }

    private static void writeVarint(java.io.ByteArrayOutputStream out, int v) {
      while ((v & ~0x7f) != 0) {
        out.write((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      out.write(v);
    }

    @Override
    public void onText(WsConn c, ByteBuf buf, int from, int to) {
      if (protobuf) {
        onBinary(c, buf, from, to);
        return;
      }
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
            stats.pings++;
            c.send(Rig.PONG);
          } else if (end - i > 8 && buf.getByte(i + 2) == 'p' && buf.getByte(i + 3) == 'u') {
            if (delivered(parsePush(buf, i, end), now, wFrom, wTo)) {
              pushes++;
            }
          } else if (b1 == '"' && buf.getByte(i + 2) == 'i') {
            reply(buf, i, end);
          }
        }
        i = end + 1;
      }
      count(0, pushes, to - from);
    }

    /**
     * One push's send time ({@code -1}: not a publication), from either protocol: its latency is
     * recorded when it was sent in the measured window, and its {@code seq} checked for order.
     */
    private boolean delivered(long ts, long now, long wFrom, long wTo) {
      if (ts < 0) {
        return false;
      }
      if (ts >= wFrom && ts < wTo) {
        Loops.record(stats.latency, now - ts);
        if (stats.latencyByNode != null) {
          Loops.record(stats.latencyByNode[node], now - ts);
        }
      }
      if (seq <= lastSeq) {
        stats.outOfOrder++;
        stats.outOfOrderShared.lazySet(stats.outOfOrder);
      }
      lastSeq = seq;
      return true;
    }

    private void count(int proto, int pushes, int bytes) {
      stats.bytes[proto] += bytes;
      stats.bytesShared.lazySet(proto, stats.bytes[proto]);
      if (pushes > 0) {
        stats.received += pushes;
        stats.receivedShared.lazySet(stats.received);
        stats.receivedByNode[node] += pushes;
        stats.receivedByNodeShared.lazySet(node, stats.receivedByNode[node]);
        stats.pushes[proto] += pushes;
        stats.pushesShared.lazySet(proto, stats.pushes[proto]);
      }
    }

    /**
     * A Protobuf frame: varint-length-delimited Replies. An empty one is the ping; one that starts
     * with field 4 (push) carries the publication, whose data bytes are the publisher's JSON text,
     * so its {@code "ts":} digits are found as in a JSON push; one that starts with field 1 (id) is
     * a command's reply, an error if field 2 follows.
     */
    private void onBinary(WsConn c, ByteBuf buf, int from, int to) {
      long now = System.nanoTime();
      long wFrom = rig.windowFrom;
      long wTo = rig.windowTo;
      int pushes = 0;
      int i = from;
      while (i < to) {
        int len = 0;
        int shift = 0;
        byte b;
        do {
          b = buf.getByte(i++);
          len |= (b & 0x7f) << shift;
          shift += 7;
        } while (b < 0 && i < to && shift < 35);
        int end = Math.min(to, i + len);
        if (len == 0) {
          stats.pings++;
          c.sendBinary(PB_PONG, true);
        } else {
          byte tag = buf.getByte(i);
          if (tag == 0x22) {
            if (delivered(parsePush(buf, i, end), now, wFrom, wTo)) {
              pushes++;
            }
          } else if (tag == 0x08) {
            long id = 0;
            int p = i + 1;
            shift = 0;
            do {
              b = buf.getByte(p++);
              id |= (long) (b & 0x7f) << shift;
              shift += 7;
            } while (b < 0 && p < end && shift < 64);
            boolean error = p < end && buf.getByte(p) == 0x12;
            replied(id, error, buf, i, end);
          }
        }
        i = end;
      }
      count(1, pushes, to - from);
    }

    /** The {@code ts} of a push line (and {@link #seq}), or -1 if it has none. */
    private long parsePush(ByteBuf buf, int from, int to) {
      int p = from + tsOffset;
      if (!(p < to && buf.getByte(p - 1) == ':' && buf.getByte(p - 2) == '"' && buf.getByte(p - 3) == 's'
          && buf.getByte(p - 4) == 't' && buf.getByte(p - 5) == '"')) {
        p = WsConn.indexOf(buf, from, to, TS);
        if (p < 0) {
          return -1;
        }
        p += TS.length;
        if (protobuf) {
          tsOffset = p - from;
        }
      }
      long ts = WsConn.number(buf, p, to);
      // ,"seq":
      seq = WsConn.number(buf, WsConn.afterDigits(buf, p, to) + 7, to);
      return ts;
    }

    private void reply(ByteBuf buf, int from, int to) {
      replied(WsConn.replyId(buf, from, to), WsConn.replyIsError(buf, from, to), buf, from, to);
    }

    private void replied(long id, boolean error, ByteBuf buf, int from, int to) {
      if (error) {
        if (!subscribed) {
          subscribed = true; // report once
          conn.close();
          rig.setupFailed("server answered " + (protobuf ? "with a Protobuf error reply: "
              + io.netty.buffer.ByteBufUtil.hexDump(buf, from, to - from) : buf.toString(from, to - from, StandardCharsets.UTF_8)));
        }
        return;
      }
      if (id == 2 && !subscribed) {
        subscribed = true;
        rig.subscribed();
      }
    }

    @Override
    public void onClose(WsConn c, int code, String error) {
      if (!subscribed) {
        subscribed = true;
        rig.setupFailed(error != null ? error : "closed with " + code + " before subscribing");
        return;
      }
      if (code == 3008) {
        rig.slowCloses.incrementAndGet();
      }
      synchronized (rig.closes) {
        rig.closes.merge(code, 1, Integer::sum);
      }
    }
  }

  // ---- publishers ---------------------------------------------------------------------------

  /** Publishes at a fixed rate on its own event loop. */
  abstract static class Publisher {
    final Rig rig;
    final EventLoop loop;
    final long[] acked;
    final AtomicLong ackedTotal = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong sentTotal = new AtomicLong();
    volatile String firstError;
    private final byte[] pad;
    private final StringBuilder sb = new StringBuilder(256);
    private long seq;
    private long sent;
    private long planned;
    private long start;
    private long stop;
    private double rate;
    private long tickNanos;
    private volatile boolean running;
    private volatile long shortfall;
    private CompletableFuture<Void> done;

    Publisher(Rig rig) {
      this.rig = rig;
      this.loop = rig.pubLoops.nextLoop();
      this.acked = new long[rig.config.channels];
      this.pad = new byte[rig.config.payloadBytes];
      Arrays.fill(pad, (byte) 'x');
    }

    abstract void connect();

    /** Whether a publication can be handed to the transport now. */
    abstract boolean canSend();

    /** Sends one publication's {@code data} to {@code channel}; {@code flush} at the tick's end. */
    abstract void send(int channel, long id, StringBuilder data);

    abstract void flush();

    abstract long outstanding();

    abstract void stop();

    long acked(int channel) {
      synchronized (acked) {
        return acked[channel];
      }
    }

    void ack(int channel) {
      synchronized (acked) {
        acked[channel]++;
      }
      ackedTotal.lazySet(ackedTotal.get() + 1);
    }

    void error(String why) {
      if (errors.incrementAndGet() == 1) {
        firstError = why;
      }
    }

    long ackedTotal() {
      return ackedTotal.get();
    }

    long errors() {
      return errors.get();
    }

    String firstError() {
      return firstError;
    }

    long shortfall() {
      return shortfall;
    }

    CompletableFuture<Void> start(int rate, long start, long stop) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      loop.execute(() -> {
        this.done = f;
        this.rate = rate;
        this.start = start;
        this.stop = stop;
        this.sent = 0;
        this.planned = (long) ((stop - start) / 1e9 * rate);
        this.tickNanos = Math.max(200_000L, Math.min(1_000_000L, (long) (1e9 / rate)));
        this.running = true;
        long delay = start - System.nanoTime();
        loop.schedule(this::tick, Math.max(0, delay), TimeUnit.NANOSECONDS);
      });
      return f;
    }

    private void tick() {
      if (!running) {
        return;
      }
      long now = System.nanoTime();
      long due = now >= stop ? planned : Math.min(planned, (long) ((now - start) / 1e9 * rate) + 1);
      int n = 0;
      while (sent < due && n < 10_000 && canSend()) {
        int ch = (int) (seq % rig.config.channels);
        sb.setLength(0);
        sb.append("{\"ts\":").append(System.nanoTime()).append(",\"seq\":").append(seq).append(",\"pad\":\"");
        int padLen = rig.config.payloadBytes - sb.length() - 2;
        for (int i = 0; i < padLen; i++) {
          sb.append('x');
        }
        sb.append("\"}");
        send(ch, seq, sb);
        seq++;
        sent++;
        n++;
      }
      if (n > 0) {
        sentTotal.lazySet(sentTotal.get() + n);
      }
      if (n > 0) {
        flush();
      }
      if (now >= stop) {
        running = false;
        shortfall = planned - sent;
        done.complete(null);
        return;
      }
      loop.schedule(this::tick, tickNanos, TimeUnit.NANOSECONDS);
    }

    /** The {@code data} bytes of the current publication. */
    static byte[] utf8(StringBuilder sb) {
      return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
  }

  /** Client publish over one WebSocket: {@code {"id":N,"publish":{"channel":C,"data":D}}}. */
  static final class WsPublisher extends Publisher implements WsConn.Handler {
    /** Publication ids start above the connect command's. */
    private static final long FIRST_ID = 10;
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private final StringBuilder cmd = new StringBuilder(512);
    private WsConn conn;
    private long sentCount;
    private final AtomicLong sentShared = new AtomicLong();
    private final AtomicLong repliesShared = new AtomicLong();
    private long replies;

    WsPublisher(Rig rig) {
      super(rig);
    }

    @Override
    void connect() {
      conn = WsConn.connect(loop, rig.target.host(), rig.target.port(), null, this);
      try {
        connected.get(15, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new BenchException("publisher: " + e.getCause().getMessage());
      } catch (Exception e) {
        throw new BenchException("publisher did not connect within 15 s: " + e);
      }
    }

    @Override
    public void onOpen(WsConn c) {
      c.send("{\"id\":1,\"connect\":{}}".getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void onText(WsConn c, ByteBuf buf, int from, int to) {
      int i = from;
      while (i < to) {
        int nl = buf.indexOf(i, to, (byte) '\n');
        int end = nl < 0 ? to : nl;
        if (end - i >= 2) {
          if (buf.getByte(i + 1) == '}') {
            c.send(Rig.PONG);
          } else if (buf.getByte(i + 2) == 'i') {
            long id = 0;
            int p = i + 6;
            byte b;
            while (p < end && (b = buf.getByte(p)) >= '0' && b <= '9') {
              id = id * 10 + (b - '0');
              p++;
            }
            boolean error = p + 2 < end && buf.getByte(p + 2) == 'e';
            String line = error ? buf.toString(i, end - i, StandardCharsets.UTF_8) : null;
            if (id == 1) {
              if (error) {
                connected.completeExceptionally(new BenchException("connect refused: " + line));
              } else {
                connected.complete(null);
              }
            } else if (id >= FIRST_ID) {
              replies++;
              repliesShared.lazySet(replies);
              if (error) {
                error("server answered " + line + " (does the namespace allow client publish, and is"
                    + " gateway.rateLimit.commandsPerSecond 0?)");
              } else {
                ack((int) ((id - FIRST_ID) % rig.config.channels));
              }
            }
          }
        }
        i = end + 1;
      }
    }

    @Override
    public void onClose(WsConn c, int code, String why) {
      String msg = "publisher connection closed (" + code + (why == null ? "" : ", " + why) + ")";
      connected.completeExceptionally(new BenchException(msg));
      error(msg);
    }

    @Override
    boolean canSend() {
      return conn.isOpen() && conn.channel().isWritable();
    }

    @Override
    void send(int channel, long seq, StringBuilder data) {
      cmd.setLength(0);
      cmd.append("{\"id\":").append(FIRST_ID + seq).append(",\"publish\":{\"channel\":\"")
          .append(rig.channelNames[channel]).append("\",\"data\":").append(data).append("}}");
      conn.send(utf8(cmd), false);
      sentCount++;
      sentShared.lazySet(sentCount);
    }

    @Override
    void flush() {
      conn.flush();
    }

    @Override
    long outstanding() {
      return sentShared.get() - repliesShared.get();
    }

    @Override
    void stop() {
      if (conn != null) {
        conn.close();
      }
    }
  }

  /** {@code POST /api/publish} over a few keep-alive connections, one request in flight on each. */
  static final class HttpPublisher extends Publisher implements HttpConn.Handler {
    private final List<HttpConn> idle = new ArrayList<>();
    private final List<HttpConn> all = new ArrayList<>();
    private final CountDownLatch opened;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final String head;
    private final StringBuilder body = new StringBuilder(512);

    HttpPublisher(Rig rig) {
      super(rig);
      opened = new CountDownLatch(rig.config.httpConnections);
      head = "POST /api/publish HTTP/1.1\r\nHost: " + rig.target.host() + ":" + rig.target.port()
          + "\r\nX-API-Key: " + rig.target.apiKey() + "\r\nContent-Type: application/json\r\nContent-Length: ";
    }

    @Override
    void connect() {
      for (int i = 0; i < rig.config.httpConnections; i++) {
        HttpConn c = HttpConn.connect(loop, rig.target.host(), rig.target.port(), this);
        all.add(c);
      }
      try {
        if (!opened.await(15, TimeUnit.SECONDS) || firstError != null) {
          throw new BenchException("HTTP publisher: " + (firstError == null ? "connections not open within 15 s" : firstError));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      }
    }

    @Override
    public void onOpen(HttpConn c) {
      idle.add(c);
      opened.countDown();
    }

    @Override
    public void onResponse(HttpConn c, int status, ByteBuf buf, int from, int to) {
      inFlight.decrementAndGet();
      int ch = (Integer) c.attachment;
      if (status == 200) {
        ack(ch);
      } else {
        error("HTTP " + status + ": " + buf.toString(from, to - from, StandardCharsets.UTF_8));
      }
      idle.add(c);
    }

    @Override
    public void onClose(HttpConn c, String why) {
      error("HTTP publisher connection closed" + (why == null ? "" : ": " + why));
      idle.remove(c);
      opened.countDown();
    }

    @Override
    boolean canSend() {
      return !idle.isEmpty();
    }

    @Override
    void send(int channel, long seq, StringBuilder data) {
      HttpConn c = idle.remove(idle.size() - 1);
      c.attachment = channel;
      body.setLength(0);
      body.append("{\"channel\":\"").append(rig.channelNames[channel]).append("\",\"data\":").append(data).append('}');
      byte[] b = utf8(body);
      byte[] h = (head + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      inFlight.incrementAndGet();
      c.send(c.channel().alloc().buffer(h.length + b.length).writeBytes(h).writeBytes(b));
    }

    @Override
    void flush() {
      // Each request is flushed when sent.
    }

    @Override
    long outstanding() {
      return inFlight.get();
    }

    @Override
    void stop() {
      for (HttpConn c : all) {
        c.close();
      }
    }
  }
}
