package dev.tributary;

import dev.tributary.api.ApiRouter;
import dev.tributary.batch.BatchProcessorVerticle;
import dev.tributary.control.Idempotency;
import dev.tributary.control.NodeControl;
import dev.tributary.broker.MemoryBroker;
import dev.tributary.redis.broker.RedisBroker;
import dev.tributary.bus.LocalCodec;
import dev.tributary.redis.RedisLink;
import dev.tributary.cache.TieredCache;
import dev.tributary.cache.internal.LocalTieredCache;
import dev.tributary.redis.cache.RedisTieredCache;
import dev.tributary.cache.internal.TieredCacheSettings;
import dev.tributary.config.CoordinatorOptions;
import dev.tributary.config.ModuleOptions;
import dev.tributary.config.TributaryOptions;
import dev.tributary.coordinator.CoordinatorVerticle;
import dev.tributary.coordinator.Mode;
import dev.tributary.coordinator.ModuleChannels;
import dev.tributary.history.MemoryHistory;
import dev.tributary.memory.MemoryManagerVerticle;
import dev.tributary.ops.ConfigWatcher;
import dev.tributary.ops.Ops;
import dev.tributary.ops.Toggles;
import dev.tributary.gateway.Gateway;
import dev.tributary.gateway.GatewayVerticle;
import dev.tributary.hub.Hub;
import dev.tributary.metrics.GuardedMetricsFactory;
import dev.tributary.redis.presence.RedisPresence;
import dev.tributary.support.Clock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.transport.Transport;
import io.vertx.core.VertxOptions;
import io.vertx.core.DeploymentOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Tributary node: builds Vert.x (metrics, native transport), the hub and the gateway, and
 * deploys one gateway instance per event loop. Used by {@link Main} and by the tests, which start
 * whole servers in-process.
 */
public final class TributaryServer {
  private Transport transport;
  private static final Logger log = LoggerFactory.getLogger(TributaryServer.class);

  private final TributaryOptions options;
  private final Clock clock;
  private Vertx vertx;
  private Gateway gateway;
  private PrometheusMeterRegistry registry;
  private final List<GatewayVerticle> instances = new ArrayList<>();
  private int port;
  private TieredCache cache;
  private final List<RedisLink> redisLinks = new ArrayList<>();
  private RedisBroker redisBroker;
  private RedisPresence presence;
  private java.nio.file.Path configFile;
  private ConfigWatcher watcher;
  private Toggles toggles;
  private Ops ops;
  private String coordinatorId;
  private NodeControl control;
  private Idempotency idempotency;
  private String batchId;
  private final List<io.vertx.core.Deployable> embeddedModules = new ArrayList<>();

  public TributaryServer(TributaryOptions options) {
    this(options, Clock.SYSTEM);
  }

  public TributaryServer(TributaryOptions options, Clock clock) {
    this.options = new TributaryOptions(options);
    this.clock = clock;
  }

  /**
   * Verticles of an application that embeds the server ({@link Tributary#start}), deployed when
   * the config's {@code modules} are: after the gateway listens, before the server reports ready.
   * Call before {@link #start()}.
   */
  public TributaryServer withModules(io.vertx.core.Deployable... verticles) {
    embeddedModules.addAll(List.of(verticles));
    return this;
  }

  /** The file the config came from (for {@code config.watch}); null = not from a file. */
  public TributaryServer configFile(java.nio.file.Path file) {
    this.configFile = file;
    return this;
  }

  /** Starts everything; completes with the HTTP port once every instance listens. */
  public Future<Integer> start() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    int loops = options.getServer().effectiveEventLoops();
    VertxOptions vo = new VertxOptions()
        .setEventLoopPoolSize(loops)
        .setMaxEventLoopExecuteTime(options.getServer().getMaxEventLoopExecuteMillis())
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(options.getServer().getBlockedThreadCheckIntervalMillis())
        .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
        .setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(true)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    // Guarded: vertx-micrometer-metrics throws on a connection accepted without a socket metric
    // (seen while the server binds at start), which left that request hanging.
    transport = chooseTransport(options.getServer().getTransport());
    vertx = Vertx.builder().with(vo).withTransport(transport)
        .withMetrics(new GuardedMetricsFactory(new MicrometerMetricsFactory(registry))).build();
    LocalCodec.registerAll(vertx);
    CoordinatorOptions co = options.getCoordinator();
    if (options.getRedis().isEnabled()) {
      List<dev.tributary.config.RedisSettings> links = options.getRedis().links();
      for (int i = 0; i < links.size(); i++) {
        redisLinks.add(new RedisLink(vertx, "redis" + i, links.get(i), registry));
      }
      redisBroker = new RedisBroker(vertx, redisLinks, options.getRedis().getLink().getCommandTimeoutMillis(),
          registry, clock,
          options.getChannels().getHistoryMetaTtlSeconds());
    }
    // The broker owns history: Redis streams shared by every node, or this node's memory.
    Hub hub = new Hub(redisBroker != null ? redisBroker : new MemoryBroker(new MemoryHistory(
        options.getChannels().getHistoryMaxChannels(), options.getChannels().getHistoryMaxBytes(), clock)));
    ModuleChannels moduleChannels = new ModuleChannels();
    gateway = new Gateway(options, hub, clock, registry, moduleChannels);
    hub.configure(gateway::rules);
    if (options.getRedis().isEnabled()) {
      // The coordination cache's shared level lives on the first Redis (cache keys are not sharded).
      cache = new RedisTieredCache("coordination", redisLinks.get(0),
          new TieredCacheSettings().setL1MaxEntries(co.getCacheMaxEntries()), clock, registry);
    } else {
      cache = new LocalTieredCache("coordination", co.getCacheMaxEntries(), clock, registry);
    }

    toggles = new Toggles(options.getOperations().isHttpGzip());
    ops = new Ops(gateway, toggles, cache, redisLinks, options.getOperations().getPublicationIds());
    gateway.addProtocol(new dev.tributary.pusher.PusherEndpoint(gateway, vertx));
    gateway.attachHooks(new dev.tributary.hooks.Hooks(vertx, options, registry));
    vertx.setPeriodic(1000, id -> ops.sample());
    int count = options.getGateway().getInstances() > 0 ? options.getGateway().getInstances() : loops;
    // The server API's cluster side: commands to every node's connections, info, channels, idempotency.
    RedisLink controlLink = redisLinks.isEmpty() ? null : redisLinks.get(0);
    control = new NodeControl(vertx, gateway, controlLink, nodeName(), Gateway.VERSION,
        options.getApi().getNodeInfoIntervalSeconds(), options.getRedis().getLink().getCommandTimeoutMillis());
    idempotency = controlLink == null
        ? Idempotency.local(options.getApi().getIdempotencyWindowSeconds(), options.getApi().getIdempotencyMaxKeys())
        : Idempotency.redis(controlLink, options.getApi().getIdempotencyWindowSeconds());
    Mode startMode = Mode.parse(co.getMode());
    Future<?> redisReady = Future.succeededFuture();
    if (!redisLinks.isEmpty()) {
      List<Future<Void>> starts = new ArrayList<>();
      for (RedisLink l : redisLinks) {
        // A Redis that is down at start does not stop the node: it runs degraded and recovers.
        starts.add(l.start().recover(err -> {
          log.warn("redis {} not reachable at start ({}): running on local fan-out until it is", l.name(), err.getMessage());
          return Future.succeededFuture();
        }));
      }
      // Presence on the same ring as the broker; entries of a node that dies expire after the TTL.
      presence = new RedisPresence(vertx, redisLinks, options.getChannels().getPresenceTtlSeconds(), registry);
      gateway.attachPresence(presence);
      redisReady = Future.all(starts);
    }
    return redisReady.compose(r -> deploy(new BatchProcessorVerticle(hub, clock, registry, startMode.batchWindowMillis(co), co.getBatchMaxSize())))
        .compose(id -> {
          batchId = id;
          return deploy(new CoordinatorVerticle(co, hub, cache, gateway.rules(), moduleChannels, clock, registry, toggles));
        })
        .compose(id -> {
          coordinatorId = id;
          return deploy(new MemoryManagerVerticle(options.getMemory(), cache, registry));
        })
        // Deploy the first gateway alone (a port in use fails once, clearly), then the others on the
        // same port: Vert.x shares one listening socket between the servers of one port (no
        // SO_REUSEPORT needed). Port 0 is asked as -1, Vert.x's "one ephemeral port shared by every
        // server asking -1": with 0 each server would bind a port of its own.
        .compose(id -> deployGateway(listenPort()).recover(this::bindFailure)).compose(first -> {
      port = first.actualPort();
      List<Future<?>> rest = new ArrayList<>();
      for (int i = 1; i < count; i++) {
        rest.add(deployGateway(listenPort()));
      }
      return Future.all(rest);
    }).compose(v -> control.start()).compose(v -> deployModules()).map(v -> {
      // Every verticle is deployed: requests are served from here on (503 with Retry-After before).
      gateway.markReady();
      if (options.getOperations().isConfigWatch()) {
        if (configFile == null) {
          log.warn("config.watch is on but the server was not started from a file: nothing to watch");
        } else {
          watcher = ConfigWatcher.start(vertx, gateway, ops, configFile, options.getOperations().getConfigScanPeriodMillis());
        }
      }
      log.info("tributary listening on {}:{} with {} gateway instance(s), {} event loop(s), transport {}",
          options.getHttp().getHost(), port, count, loops, transport.name());
      return port;
    });
  }

  /**
   * The transport {@code server.transport} asks for, or the next one that loads (io_uring, then
   * epoll, then NIO), saying so in one line: Vert.x's public {@link Transport} constants, chosen
   * through {@code VertxBuilder.withTransport}.
   */
  static Transport chooseTransport(String asked) {
    List<Transport> order = switch (asked) {
      case "auto", "io_uring" -> List.of(Transport.IO_URING, Transport.EPOLL, Transport.NIO);
      case "epoll" -> List.of(Transport.EPOLL, Transport.NIO);
      default -> List.of(Transport.NIO);
    };
    for (Transport t : order) {
      if (t.available()) {
        if (t != order.get(0)) {
          Throwable cause = order.get(0).unavailabilityCause();
          log.info("server.transport {}: {} unavailable ({}), using {}", asked, order.get(0).name(),
              cause == null ? "not loaded" : cause.toString(), t.name());
        }
        return t;
      }
    }
    return Transport.NIO;
  }

  /** The Netty transport this server runs on: io_uring, epoll or nio (see {@code server.transport}). */
  public String transport() {
    return transport == null ? null : transport.name();
  }

  private int listenPort() {
    int p = options.getHttp().getPort();
    return p == 0 ? -1 : p;
  }

  /**
   * {@code api.port} as the instances ask it: -1 none; 0 as -2, Vert.x's "one ephemeral port shared
   * by the servers asking -2", distinct from the main port's -1.
   */
  private int apiListenPort() {
    if (!options.getApi().hasOwnPort()) {
      return -1;
    }
    int p = options.getApi().getPort();
    return p == 0 ? -2 : p;
  }

  /**
   * The first gateway instance could not listen: a port in use becomes one line naming the port
   * (the server then exits with 1); anything else is passed on as it is.
   */
  private <T> Future<T> bindFailure(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (t instanceof java.net.BindException || (m != null && m.contains("Address already in use"))) {
        return Future.failedFuture(new PortInUseException(options.getHttp().getHost(), options.getHttp().getPort()));
      }
    }
    return Future.failedFuture(err);
  }

  /** {@code http.port} is taken by another process. */
  public static final class PortInUseException extends RuntimeException {
    public PortInUseException(String host, int port) {
      super("http.port " + port + " on " + host + " is already in use (another server running?)", null, false, false);
    }
  }

  /** The node's name in the API's {@code info}: the host name (HOSTNAME) and the port, as Centrifugo names nodes. */
  private String nodeName() {
    String host = System.getenv("HOSTNAME");
    return (host == null || host.isBlank() ? "localhost" : host) + "_" + (options.getHttp().getPort() == 0
        ? "ephemeral" : Integer.toString(options.getHttp().getPort()));
  }

  private Future<String> deploy(io.vertx.core.Deployable verticle) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setThreadingModel(ThreadingModel.EVENT_LOOP));
  }

  private Future<?> deployModules() {
    List<Future<String>> all = new ArrayList<>();
    for (ModuleOptions m : options.getModules()) {
      all.add(vertx.deployVerticle(m.getClassName(), new DeploymentOptions()
          .setInstances(m.getInstances()).setConfig(m.getConfig()))
          .onSuccess(id -> log.info("module {} deployed ({} instance(s))", m.getClassName(), m.getInstances())));
    }
    for (io.vertx.core.Deployable v : embeddedModules) {
      all.add(vertx.deployVerticle(v).onSuccess(id -> log.info("module {} deployed (embedded)", v.getClass().getName())));
    }
    return Future.all(all);
  }

  private Future<GatewayVerticle> deployGateway(int p) {
    GatewayVerticle v = new GatewayVerticle(gateway, p, apiListenPort(),
        vx -> ApiRouter.create(vx, gateway, ops, control, idempotency));
    return vertx.deployVerticle(v, new DeploymentOptions().setThreadingModel(ThreadingModel.EVENT_LOOP))
        .map(id -> {
          synchronized (instances) {
            instances.add(v);
          }
          return v;
        });
  }

  /**
   * Graceful shutdown: stop accepting, flush pending frames, close every client with 3001, then
   * close Vert.x; bounded by {@code server.shutdownTimeoutSeconds}.
   */
  public Future<Void> stop() {
    if (vertx == null) {
      return Future.succeededFuture();
    }
    long timeoutMs = TimeUnit.SECONDS.toMillis(options.getServer().getShutdownTimeoutSeconds());
    List<GatewayVerticle> all;
    synchronized (instances) {
      all = new ArrayList<>(instances);
    }
    Vertx vx = vertx;
    vertx = null;
    if (watcher != null) {
      watcher.close();
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    // 1. refuse new sockets with 3001; 2. the coordinator and the batch processor publish what
    // they hold; 3. flush and close every connection with 3001.
    gateway.beginShutdown();
    Future<?> drained = (coordinatorId == null ? Future.succeededFuture() : vx.undeploy(coordinatorId).otherwiseEmpty())
        .compose(v -> batchId == null ? Future.succeededFuture() : vx.undeploy(batchId).otherwiseEmpty())
        // Everything acknowledged so far reaches the gateway instances' queues before their
        // connections are flushed and closed (with Redis: a marker through the broker comes back).
        .compose(v -> gateway.hub().barrier().recover(err -> {
          log.warn("shutdown: publications acknowledged before shutdown may not all have come back from the broker ({})",
              err.getMessage());
          return Future.succeededFuture();
        }));
    // The chain's futures belong to event-loop contexts that die with Vert.x: the caller gets a
    // context-free promise, completed once Vert.x is closed.
    Promise<Void> done = Promise.promise();
    drained.compose(d -> {
          List<Future<Integer>> closes = new ArrayList<>();
          for (GatewayVerticle g : all) {
            closes.add(g.closeAllForShutdown());
          }
          return Future.all(closes);
        })
        .map(cf -> {
          int n = 0;
          for (int i = 0; i < cf.size(); i++) {
            n += cf.<Integer>resultAt(i);
          }
          return n;
        })
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .onSuccess(n -> log.info("shutdown: closed {} connection(s) with 3001", n))
        .onFailure(err -> log.warn("shutdown: connections not all closed within {} ms ({}); closing anyway", timeoutMs, err.toString()))
        .transform(ar -> {
          // 3. unbind the servers, waiting out what remains of the timeout; then close Vert.x.
          long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
          List<Future<?>> unbind = new ArrayList<>();
          for (GatewayVerticle g : all) {
            unbind.add(g.shutdownServer(left));
          }
          return Future.join(unbind);
        })
        // The closed connections' presence removals finish before the links close (bounded by
        // the command timeout), so a graceful shutdown leaves no entry to expire.
        .transform(ar -> presence == null ? Future.succeededFuture() : presence.close())
        .transform(ar -> control == null ? Future.succeededFuture() : control.stop())
        .transform(ar -> {
          List<Future<Void>> closing = new ArrayList<>();
          if (redisBroker != null) {
            closing.add(redisBroker.close());
          }
          if (cache instanceof RedisTieredCache r) {
            closing.add(r.close());
          }
          for (RedisLink l : redisLinks) {
            closing.add(l.close());
          }
          return Future.join(closing);
        })
        .onComplete(ar -> {
          long refused = gateway.hub().refusedCount(dev.tributary.hub.Hub.Refusal.SHUTDOWN);
          long undelivered = gateway.shutdownUndeliveredCount();
          log.info("shutdown summary: {} publication(s) refused since shutdown began (503 / error 100), {} acknowledged "
              + "publication(s) undelivered on this node (arrived after its connections closed)", refused, undelivered);
          vx.close().onComplete(done);
        });
    return done.future();
  }

  public Vertx vertx() {
    return vertx;
  }

  public Gateway gateway() {
    return gateway;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Redis links (empty without Redis). */
  public List<RedisLink> redisLinks() {
    return redisLinks;
  }

  public Ops ops() {
    return ops;
  }

  /** The coordination cache. */
  public TieredCache cache() {
    return cache;
  }

  public int port() {
    return port;
  }

  /** The port the HTTP API listens on: {@code api.port}'s, or {@link #port()}. */
  public int apiPort() {
    synchronized (instances) {
      return instances.isEmpty() ? port : instances.get(0).actualApiPort();
    }
  }

  /** This node's part in the cluster for the server API. */
  public NodeControl control() {
    return control;
  }

  public TributaryOptions options() {
    return options;
  }
}
