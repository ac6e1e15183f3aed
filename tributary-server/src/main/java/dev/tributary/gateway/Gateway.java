package dev.tributary.gateway;

import dev.tributary.channels.ChannelRules;
import dev.tributary.config.TributaryOptions;
import dev.tributary.coordinator.ModuleChannels;
import dev.tributary.protocol.ProtocolCodec;
import dev.tributary.hub.Hub;
import dev.tributary.metrics.MetricNames;
import dev.tributary.support.Clock;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import dev.tributary.presence.MemoryPresence;
import dev.tributary.presence.PresenceStore;
import dev.tributary.support.IdGenerator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;

/**
 * State the gateway instances of one node share: options, hub, the node-wide connection count,
 * and the meters. Thread-safe. Hot-path counts (deliveries, frames, bytes) live as plain fields in
 * each instance and are summed here only when metrics are read.
 */
public final class Gateway {
  /** The server's version, in connect replies and the API's {@code info}. */
  public static final String VERSION = "tributary 0.1.0";
  private static final List<Integer> KNOWN_CLOSE_CODES = List.of(1000, 1001, 1002, 1006, 1007, 1008, 1009, 1011, 1013,
      3000, 3001, 3004, 3005, 3008, 3009, 3012, 3013, 3500, 3501, 3502);

  /** The running config; replaced as a whole by a live reload (new connections see the new one). */
  volatile TributaryOptions options;
  final Hub hub;
  volatile ChannelRules rules;
  final Clock clock;
  final MeterRegistry registry;
  final AtomicInteger connections = new AtomicInteger();
  /** TCP connections of the HTTP server (WebSockets and HTTP alike), counted from accept. */
  final AtomicInteger sockets = new AtomicInteger();
  /** Connections closed at the limit or for not sending a request within the handshake timeout. */
  final Counter handshakeTimeouts;
  /** Connections that never sent a request, closed to make room for a new one at the limit. */
  final Counter evicted;
  /** Set once a graceful shutdown starts: new sockets are closed with 3001 at once. */
  volatile boolean shuttingDown;
  /** Set once every verticle of the node is deployed; until then requests get 503 with Retry-After. */
  volatile boolean ready;
  /** Set while the memory manager reports pressure: new sockets are closed with 1013. */
  volatile boolean underPressure;
  final ModuleChannels moduleChannels;
  final Counter shed;
  /** Server API subscriptions not added: at the per-connection channel limit, or the position unreadable. */
  final Counter serverSubscribeSkipped;
  /** Gaps in a channel's offsets seen by a gateway instance (it missed publications). */
  final Counter streamGaps;
  /** Publications that arrived after this node's connections were closed for shutdown. */
  final Counter shutdownUndelivered;
  /** Subscriptions ended with 2500 (insufficient state) for the client to recover. */
  final Counter insufficientState;
  /** Recoveries answered {@code recovered: false} because the missed publications exceed the reply budget. */
  final Counter recoveryTooLarge;
  /** Publish (hub) to append into each subscriber's batch, once per publication and instance. */
  final Timer publishToDeliver;
  /** Handling of a connect command (token check included). */
  final Timer connectTime;
  /** Client ids: shown to other clients in publication info, so unguessable ({@link IdGenerator.Strategy#SECURE}). */
  final IdGenerator clientIds = IdGenerator.create(IdGenerator.Strategy.SECURE);
  final AtomicLong clientIdsIssued = new AtomicLong();
  /** Presence of presence-enabled channels: this node's in memory, or every node's in Redis. */
  volatile PresenceStore presence = new MemoryPresence();
  final List<GatewayVerticle> instances = new CopyOnWriteArrayList<>();

  final Counter opened;
  final Counter refused;
  final Counter slowCloses;
  final Counter slowDroppedBytes;
  final Counter heartbeatCloses;
  final Counter rateLimited;
  /** Publications transcoded to Protobuf: once per publication and node that has Protobuf subscribers of it. */
  final java.util.concurrent.atomic.LongAdder protobufTranscodes = new java.util.concurrent.atomic.LongAdder();
  private final Map<Integer, Counter> closedByCode = new ConcurrentHashMap<>();
  private final Map<String, Counter> commands = new ConcurrentHashMap<>();

  public Gateway(TributaryOptions options, Hub hub, Clock clock, MeterRegistry registry) {
    this(options, hub, clock, registry, new ModuleChannels());
  }

  public Gateway(TributaryOptions options, Hub hub, Clock clock, MeterRegistry registry, ModuleChannels moduleChannels) {
    this.options = options;
    this.moduleChannels = moduleChannels;
    this.hub = hub;
    applyPublishPolicy(options);
    this.clock = clock;
    this.registry = registry;
    this.rules = new ChannelRules(options.getChannels(), options.getGateway().getMaxChannelLength());
    opened = Counter.builder(MetricNames.CONNECTIONS_OPENED).register(registry);
    refused = Counter.builder(MetricNames.CONNECTIONS_REFUSED).description("closed with 1013 at the connection limit").register(registry);
    slowCloses = Counter.builder(MetricNames.SLOW_CLOSES).description("connections closed with 3008").register(registry);
    slowDroppedBytes = Counter.builder(MetricNames.SLOW_DROPPED_BYTES).baseUnit("bytes")
        .description("unsent bytes dropped with slow consumers").register(registry);
    heartbeatCloses = Counter.builder(MetricNames.HEARTBEAT_CLOSES).description("closed with 3012 (no pong) or 3502 (stale)").register(registry);
    rateLimited = Counter.builder(MetricNames.RATE_LIMITED).register(registry);
    FunctionCounter.builder(MetricNames.PROTOBUF_TRANSCODES, protobufTranscodes, java.util.concurrent.atomic.LongAdder::sum)
        .description("publications transcoded from JSON to Protobuf (once per publication and node with Protobuf subscribers)")
        .register(registry);
    serverSubscribeSkipped = Counter.builder(MetricNames.API_SUBSCRIBE_SKIPPED)
        .description("server API subscriptions not added to a connection: at gateway.maxChannelsPerConnection, "
            + "or its stream position could not be read").register(registry);
    shed = Counter.builder(MetricNames.MEMORY_SHED).description("slow consumers closed under memory pressure").register(registry);
    Gauge.builder(MetricNames.CONNECTIONS, connections, AtomicInteger::get).register(registry);
    Gauge.builder(MetricNames.SOCKETS, sockets, AtomicInteger::get)
        .description("TCP connections of the HTTP server, WebSockets included, counted from accept").register(registry);
    handshakeTimeouts = Counter.builder(MetricNames.HANDSHAKE_TIMEOUTS)
        .description("TCP connections closed for sending no request within gateway.handshakeTimeoutMillis").register(registry);
    evicted = Counter.builder(MetricNames.SOCKETS_EVICTED)
        .description("TCP connections that had sent no request, closed at the connection limit to admit a new one").register(registry);
    publishToDeliver = Timer.builder(MetricNames.PUBLISH_TO_DELIVER).publishPercentiles(0.5, 0.95, 0.99)
        .publishPercentileHistogram().description("publish to append into subscribers' batches, per event loop").register(registry);
    connectTime = Timer.builder(MetricNames.CONNECT_TIME).publishPercentiles(0.5, 0.95, 0.99).register(registry);
    sum(MetricNames.DELIVERIES, "messages", i -> i.deliveries);
    sum(MetricNames.FRAMES_OUT, "frames", i -> i.framesOut);
    sum(MetricNames.BYTES_OUT, "bytes", i -> i.bytesOut);
    FunctionCounter.builder(MetricNames.PUBLICATIONS, hub, Hub::publicationCount).register(registry);
    for (Hub.Refusal r : Hub.Refusal.values()) {
      FunctionCounter.builder(MetricNames.PUBLISH_REFUSED, hub, h -> h.refusedCount(r)).tag("reason", r.tag)
          .description("publications refused (API 503/413, client error 100/106) by reason").register(registry);
    }
    FunctionCounter.builder(MetricNames.PUBLISH_LOCAL_ONLY, hub, Hub::localOnlyCount)
        .description("publications delivered on this node only while the broker was unavailable (redis.degradedPublish: local)")
        .register(registry);
    shutdownUndelivered = Counter.builder(MetricNames.SHUTDOWN_UNDELIVERED)
        .description("publications that reached a gateway instance after its connections were closed for shutdown "
            + "(acknowledged, not delivered on this node)").register(registry);
    streamGaps = Counter.builder(MetricNames.STREAM_GAPS)
        .description("gaps in a channel's offsets at a gateway instance (missed publications)").register(registry);
    insufficientState = Counter.builder(MetricNames.INSUFFICIENT_STATE)
        .description("subscriptions ended with 2500 so the client recovers from history").register(registry);
    recoveryTooLarge = Counter.builder(MetricNames.RECOVERY_TOO_LARGE)
        .description("recoveries answered recovered=false: the missed publications exceed the reply budget").register(registry);
    protocolGauge(CENTRIFUGO);
    for (String m : ProtocolCodec.METHODS) {
      commands.put(m, Counter.builder(MetricNames.COMMANDS).tag("method", m).register(registry));
    }
  }

  private void sum(String name, String unit, ToLongFunction<GatewayVerticle> f) {
    FunctionCounter.builder(name, instances, list -> {
      long s = 0;
      for (GatewayVerticle g : list) {
        s += f.applyAsLong(g);
      }
      return s;
    }).baseUnit(unit).register(registry);
  }

  void countCommand(String method) {
    Counter c = commands.get(method);
    if (c != null) {
      c.increment();
    }
  }

  void countClose(int code) {
    int key = KNOWN_CLOSE_CODES.contains(code) ? code : -1;
    closedByCode.computeIfAbsent(key, k -> Counter.builder(MetricNames.CONNECTIONS_CLOSED)
        .tag("code", k < 0 ? "other" : Integer.toString(k)).register(registry)).increment();
  }

  /** Protocols besides Centrifugo's (see {@link ProtocolEndpoint}); set before the instances start. */
  private final List<ProtocolEndpoint> protocols = new CopyOnWriteArrayList<>();
  /** Open connections by protocol name ({@code centrifugo} for the native ones). */
  private final Map<String, AtomicInteger> connectionsByProtocol = new ConcurrentHashMap<>();

  /** Plugs in a protocol: its WebSocket paths and HTTP routes. Before the instances start. */
  public void addProtocol(ProtocolEndpoint p) {
    protocols.add(p);
    protocolGauge(p.name());
  }

  /** The protocols plugged in besides Centrifugo's. */
  public List<ProtocolEndpoint> protocols() {
    return protocols;
  }

  /** The protocol serving WebSocket upgrades to {@code path}, null if none (Centrifugo's path is not asked). */
  ProtocolEndpoint protocolOf(String path) {
    for (ProtocolEndpoint p : protocols) {
      if (p.servesPath(path)) {
        return p;
      }
    }
    return null;
  }

  private AtomicInteger protocolGauge(String name) {
    return connectionsByProtocol.computeIfAbsent(name, n -> {
      AtomicInteger count = new AtomicInteger();
      Gauge.builder(MetricNames.PROTOCOL_CONNECTIONS, count, AtomicInteger::get).tag("protocol", n)
          .description("open WebSocket connections by client protocol").register(registry);
      return count;
    });
  }

  /** Counts a connection of {@code c}'s protocol opened (+1) or closed (-1). */
  void countProtocol(ClientConnection c, int delta) {
    protocolGauge(c.protocol).addAndGet(delta);
  }

  /** Open connections speaking protocol {@code name} ({@code centrifugo}, {@code pusher}). */
  public int connectionCount(String name) {
    AtomicInteger n = connectionsByProtocol.get(name);
    return n == null ? 0 : n.get();
  }

  static final String CENTRIFUGO = "centrifugo";

  public PresenceStore presence() {
    return presence;
  }

  /** Replaces the in-memory presence (with Redis), before the instances start. */
  public void attachPresence(PresenceStore store) {
    this.presence = store;
  }

  /** Applies a server API command to this node's connections: queued to every instance's event loop. */
  public void apply(ConnectionControl cmd) {
    for (GatewayVerticle g : instances) {
      g.context().runOnContext(v -> g.apply(cmd));
    }
  }

  /** Runs {@code f} on every instance's event loop and gathers the answers. */
  public <T> Future<List<T>> onEveryInstance(java.util.function.Function<GatewayVerticle, T> f) {
    List<Future<T>> answers = new java.util.ArrayList<>();
    for (GatewayVerticle g : instances) {
      io.vertx.core.Promise<T> p = io.vertx.core.Promise.promise();
      g.context().runOnContext(v -> p.complete(f.apply(g)));
      answers.add(p.future());
    }
    return Future.all(answers).map(all -> all.<T>list());
  }

  /** The node's hooks (see {@link dev.tributary.hooks.Hooks}); none until attached. */
  volatile dev.tributary.hooks.Hooks hooks;

  public void attachHooks(dev.tributary.hooks.Hooks hooks) {
    this.hooks = hooks;
  }

  /** The gateway instances (one per event loop). */
  public List<GatewayVerticle> instances() {
    return instances;
  }

  public boolean isShuttingDown() {
    return shuttingDown;
  }

  /** The node has finished starting (every verticle deployed): requests are served from now on. */
  public void markReady() {
    ready = true;
  }

  public boolean isReady() {
    return ready;
  }

  /** Starts refusing new connections (3001) ahead of a graceful shutdown. */
  public void beginShutdown() {
    shuttingDown = true;
    hub.beginShutdown();
  }

  /** Publications that reached a gateway instance after its connections were closed for shutdown. */
  public long shutdownUndeliveredCount() {
    return (long) shutdownUndelivered.count();
  }

  /** Counts a message refused by a connection's rate limit (any protocol). */
  public void rateLimitedCount() {
    rateLimited.increment();
  }

  /** Counts a connection closed by the heartbeat (any protocol). */
  public void heartbeatCloseCount() {
    heartbeatCloses.increment();
  }

  public Clock clock() {
    return clock;
  }

  public MeterRegistry registry() {
    return registry;
  }

  public Hub hub() {
    return hub;
  }

  public TributaryOptions options() {
    return options;
  }

  /**
   * Live reload: the new config applies to new connections, new commands' channel rules, the API
   * key and the tokens; open connections keep the limits they started with.
   */
  public void update(TributaryOptions next) {
    this.rules = new ChannelRules(next.getChannels(), next.getGateway().getMaxChannelLength());
    this.options = next;
    applyPublishPolicy(next);
  }

  /** {@code redis.degradedPublish} and the publication size bound, to the hub (live). */
  private void applyPublishPolicy(TributaryOptions o) {
    hub.setPublishPolicy(o.getRedis().isDegradedPublishLocal(), o.effectiveMaxPublicationBytes());
  }

  public ChannelRules rules() {
    return rules;
  }

  /** Whether the node refuses connections because of memory pressure. */
  public boolean isUnderPressure() {
    return underPressure;
  }

  public Timer publishToDeliverTimer() {
    return publishToDeliver;
  }

  public Timer connectTimer() {
    return connectTime;
  }

  /** Client ids issued since start. */
  public long clientIdsIssued() {
    return clientIdsIssued.get();
  }

  /** Publications transcoded to Protobuf on this node since start. */
  public long protobufTranscodes() {
    return protobufTranscodes.sum();
  }

  /** Sum of one hot-path count over the instances: frames or bytes written. */
  public long framesOut() {
    long s = 0;
    for (GatewayVerticle g : instances) {
      s += g.framesOut;
    }
    return s;
  }

  public long bytesOut() {
    long s = 0;
    for (GatewayVerticle g : instances) {
      s += g.bytesOut;
    }
    return s;
  }

  /** File descriptors kept free of client connections: Redis, logs, jars, /health in a pinch. */
  static final int FD_RESERVE = 512;
  private static final long FD_LIMIT = fdLimit();

  private static long fdLimit() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.UnixOperatingSystemMXBean u ? u.getMaxFileDescriptorCount() : Long.MAX_VALUE;
  }

  /**
   * {@code gateway.maxConnections}, capped so that the connections the limit admits, plus the
   * few over it that are admitted only to be told 1013 ({@link #overLimitAllowance()}), leave
   * {@link #FD_RESERVE} descriptors of the process's open-files limit free.
   */
  int maxSockets() {
    return maxSockets(options.getGateway().getMaxConnections(), FD_LIMIT);
  }

  static int maxSockets(int configured, long fdLimit) {
    long room = fdLimit - FD_RESERVE;
    long cap = room - overLimitAllowance(configured);
    return (int) Math.max(1, Math.min(configured, cap));
  }

  /** Connections past the limit still accepted to be answered 1013 / 503 (then closed). */
  static int overLimitAllowance(int max) {
    return Math.max(16, Math.min(256, max / 100));
  }

  static long fdLimitOfProcess() {
    return FD_LIMIT;
  }

  /** TCP connections of the HTTP server on this node, counted from accept. */
  public int socketCount() {
    return sockets.get();
  }

  /** Open WebSocket connections on this node. */
  public int connectionCount() {
    return connections.get();
  }

  /** Each gateway instance's last load interval: its event loop's busy figures and hot channels. */
  public List<InstanceLoad.Snapshot> loads() {
    List<InstanceLoad.Snapshot> out = new java.util.ArrayList<>(instances.size());
    for (GatewayVerticle g : instances) {
      InstanceLoad l = g.load;
      if (l != null) {
        out.add(l.snapshot());
      }
    }
    return out;
  }

  /** Deliveries (messages appended to a connection's outbound batch) since start. */
  public long deliveryCount() {
    long s = 0;
    for (GatewayVerticle g : instances) {
      s += g.deliveries;
    }
    return s;
  }
}
