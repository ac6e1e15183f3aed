package dev.tributary.gateway;

import dev.tributary.api.ApiRouter;
import dev.tributary.auth.TokenVerifier;
import dev.tributary.bus.Addresses;
import dev.tributary.bus.MemoryPressure;
import dev.tributary.config.GatewayOptions;
import dev.tributary.hub.Hub;
import dev.tributary.support.Clock;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.internal.http.WebSocketInternal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway instance per event loop. It owns the connections its server accepts, their
 * channel index, their heartbeat wheel and the list of connections with a pending frame; all of it
 * is touched only from this verticle's event loop. The HTTP server (shared port, connections
 * balanced across instances by Vert.x) also serves the HTTP API.
 */
public final class GatewayVerticle extends VerticleBase implements Hub.Shard {
  public static final String WEBSOCKET_PATH = "/connection/websocket";

  final Logger log = LoggerFactory.getLogger(GatewayVerticle.class);
  final Gateway gateway;
  final Clock clock;
  private final int port;
  private GatewayOptions opts;
  TokenVerifier verifier;
  private HttpServer server;
  private HeartbeatWheel<Connection> wheel;
  private long heartbeatTimer = -1;
  private long positionTimer = -1;

  /** channel -> local subscribers (swap-remove array list). */
  private final Map<String, Subscribers> channels = new HashMap<>();
  private final ArrayList<Connection> dirty = new ArrayList<>();
  private boolean flushScheduled;
  private boolean delivering;
  private final ArrayList<Object[]> deferredRemovals = new ArrayList<>();
  private long lastSlowLog;
  private int slowSinceLog;

  // Hot-path counts: written by this event loop only, summed by Gateway when metrics are read.
  volatile long deliveries;
  volatile long framesOut;
  volatile long bytesOut;

  public GatewayVerticle(Gateway gateway, int port) {
    this.gateway = gateway;
    this.clock = gateway.clock;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    opts = gateway.options.getGateway();
    String secret = gateway.options.getAuth().getTokenHmacSecret();
    verifier = secret == null ? null : new TokenVerifier(vertx, secret, clock);
    wheel = new HeartbeatWheel<>(clock, opts.getPingIntervalSeconds(), opts.getPongTimeoutSeconds(),
        new HeartbeatWheel.Listener<>() {
          @Override
          public boolean ping(Connection c) {
            return c.ping();
          }

          @Override
          public void pongMissing(Connection c) {
            c.pongMissing();
          }
        });
    heartbeatTimer = vertx.setPeriodic(1000, id -> wheel.advance());
    dev.tributary.history.HistoryStore history = gateway.hub.history();
    if (history != null && !history.isImmediate()) {
      positionTimer = vertx.setPeriodic(gateway.options.getChannels().getPositionCheckSeconds() * 1000L,
          id -> checkPositions(history));
    }
    HttpServerOptions serverOptions = new HttpServerOptions()
        .setHost(gateway.options.getHttp().getHost())
        .setPort(port)
        .setTcpNoDelay(true)
        .setReusePort(true)
        .setMaxWebSocketFrameSize(opts.getMaxFrameBytes())
        .setMaxWebSocketMessageSize(opts.getMaxFrameBytes())
        .setWebSocketClosingTimeout(5)
        // permessage-deflate only when configured: Vert.x offers it by default, and browsers
        // accept it, which costs CPU on every frame (see docs/PERFORMANCE.md).
        .setPerMessageWebSocketCompressionSupported(gateway.options.getOperations().isWebsocketDeflate())
        .setPerFrameWebSocketCompressionSupported(false)
        // gzip for HTTP responses from httpMinBytes; the run-time switch turns it off per response.
        .setCompressionSupported(true)
        .setCompressionContentSizeThreshold(gateway.options.getOperations().getHttpGzipMinBytes())
        .setIdleTimeout(0);
    server = vertx.createHttpServer(serverOptions)
        .webSocketHandshakeHandler(this::handshake)
        .webSocketHandler(this::onSocket)
        .requestHandler(ApiRouter.create(vertx, gateway, gateway.ops));
    gateway.instances.add(this);
    vertx.eventBus().<MemoryPressure>consumer(Addresses.MEMORY_PRESSURE, m -> onPressure(m.body()));
    // The memory manager may have announced pressure before this instance listened: ask.
    vertx.eventBus().<io.vertx.core.json.JsonObject>request(Addresses.MEMORY_STATUS, null)
        .onSuccess(m -> {
          if (m.body().getBoolean("underPressure", false)) {
            gateway.underPressure = true;
          }
        });
    return server.listen();
  }

  io.vertx.core.Vertx vertx() {
    return vertx;
  }

  /** The port the server actually listens on. */
  public int actualPort() {
    return server.actualPort();
  }

  private void handshake(ServerWebSocketHandshake hs) {
    if (WEBSOCKET_PATH.equals(hs.path())) {
      // Idle memory: the HTTP/1 connection stays reachable for the socket's life; its default
      // write queue preallocates ~4.7 KB (see DirectWriteQueues).
      DirectWriteQueues.install(DirectWriteQueues.connectionOf(hs));
      hs.accept();
    } else {
      hs.reject(404);
    }
  }

  private void onSocket(ServerWebSocket ws) {
    GatewayOptions opts = gateway.options.getGateway();
    // Idle memory (see DirectWriteQueues): written only from this event loop, so Vert.x's direct
    // write queue (~4.8 KB less per socket); and the upgrade's HTTP/1 objects released (~2 KB).
    io.netty.channel.ChannelHandlerContext wsCtx = ((WebSocketInternal) ws).channelHandlerContext();
    DirectWriteQueues.install(DirectWriteQueues.connectionOf(wsCtx));
    DirectWriteQueues.releaseUpgrade(wsCtx);
    if (gateway.shuttingDown) {
      ws.close(CloseCodes.SHUTDOWN, CloseCodes.reason(CloseCodes.SHUTDOWN));
      return;
    }
    if (gateway.underPressure) {
      gateway.refused.increment();
      gateway.countClose(CloseCodes.TRY_AGAIN_LATER);
      ws.close(CloseCodes.TRY_AGAIN_LATER, "memory pressure");
      return;
    }
    if (gateway.connections.incrementAndGet() > opts.getMaxConnections()) {
      gateway.connections.decrementAndGet();
      gateway.refused.increment();
      gateway.countClose(CloseCodes.TRY_AGAIN_LATER);
      ws.close(CloseCodes.TRY_AGAIN_LATER, CloseCodes.reason(CloseCodes.TRY_AGAIN_LATER));
      return;
    }
    gateway.opened.increment();
    Connection c = new Connection(this, ws, opts, clock.nanoTime());
    wheel.add(c);
    ws.textMessageHandler(c::onText);
    ws.binaryMessageHandler(b -> c.onText(b.toString()));
    ws.exceptionHandler(err -> {
      if (err instanceof CorruptedWebSocketFrameException bad) {
        // Frame over maxFrameBytes (1009) or another framing violation (1002): say so, then close.
        c.close((short) bad.closeStatus().code());
      } else {
        log.debug("websocket error: {}", err.toString());
      }
    });
    ws.closeHandler(v -> onClosed(c));
  }

  private void onClosed(Connection c) {
    if (!c.isScheduled()) {
      return;
    }
    int code = c.closeCode() >= 0 ? c.closeCode()
        : ws(c).closeStatusCode() == null ? 1006 : ws(c).closeStatusCode();
    c.onSocketClosed();
    wheel.remove(c);
    gateway.countClose(code);
    gateway.connections.decrementAndGet();
  }

  private static ServerWebSocket ws(Connection c) {
    return c.ws;
  }

  // ---- channel index (event loop only) ------------------------------------------------------

  /** Completes when the node receives the channel's publications (at once on one node). */
  Future<Void> subscribe(String channel, Connection c) {
    Subscribers subs = channels.get(channel);
    Future<Void> ready;
    if (subs == null) {
      subs = new Subscribers();
      channels.put(channel, subs);
      ready = gateway.hub.addInterest(channel, this);
      subs.ready = ready;
    } else {
      ready = subs.ready;
    }
    subs.add(c);
    return ready;
  }

  void unsubscribe(String channel, Connection c) {
    if (delivering) {
      deferredRemovals.add(new Object[] {channel, c});
      return;
    }
    Subscribers subs = channels.get(channel);
    if (subs != null && subs.remove(c) && subs.size == 0) {
      channels.remove(channel);
      gateway.hub.removeInterest(channel, this);
    }
  }

  @Override
  public Context context() {
    return context;
  }

  @Override
  public void deliver(String channel, byte[] push, long offset, long publishedNanos) {
    Subscribers subs = channels.get(channel);
    if (subs == null) {
      return;
    }
    gateway.publishToDeliver.record(System.nanoTime() - publishedNanos, TimeUnit.NANOSECONDS);
    delivering = true;
    try {
      Connection[] arr = subs.items;
      int n = subs.size;
      if (offset > 0) {
        long last = subs.lastOffset;
        subs.lastOffset = offset;
        if (last > 0 && offset != last + 1) {
          // A gap (this node missed publications: its broker subscription was interrupted) or a
          // new epoch: every local subscriber ends with insufficient state and recovers.
          gateway.streamGaps.increment();
          for (int i = n - 1; i >= 0; i--) {
            arr[i].insufficientState(channel);
          }
          n = 0;
        }
      }
      for (int i = 0; i < n; i++) {
        arr[i].enqueuePublication(channel, push, offset);
      }
      deliveries += n;
    } finally {
      delivering = false;
    }
    applyDeferredRemovals();
  }

  /** A subscribe answer gave a client {@code channel}'s position (for the position check). */
  void positionAnswered(String channel, String epoch, long offset) {
    Subscribers subs = channels.get(channel);
    if (subs != null) {
      subs.answered = Math.max(subs.answered, offset);
      subs.epoch = epoch;
    }
  }

  /**
   * The position check (history in Redis): a publication appended before the previous check and
   * still not delivered here was missed (Redis pub/sub keeps nothing for a subscriber that was
   * away), and a new epoch means the stream was lost; either way the channel's subscribers recover.
   * Catches what the gap check cannot: a channel that goes quiet after the miss.
   */
  private void checkPositions(dev.tributary.history.HistoryStore history) {
    for (Map.Entry<String, Subscribers> e : channels.entrySet()) {
      String channel = e.getKey();
      Subscribers subs = e.getValue();
      if (gateway.rules.historySize(channel) == 0) {
        continue;
      }
      dev.tributary.redis.RedisLink.onContext(context, history.position(channel)).onSuccess(pos -> {
        if (channels.get(channel) != subs) {
          return; // gone or replaced meanwhile
        }
        long seen = Math.max(subs.lastOffset, subs.answered);
        boolean newEpoch = subs.epoch != null && !subs.epoch.equals(pos.epoch());
        boolean missed = subs.checkedTop >= 0 && seen < subs.checkedTop;
        subs.checkedTop = pos.offset();
        if (newEpoch || missed) {
          log.info("channel {}: {} (delivered here up to {}, stream at {}): subscribers recover",
              channel, newEpoch ? "stream has a new epoch" : "publications missed", seen, pos.offset());
          gateway.streamGaps.increment();
          resync(channel);
        }
      });
    }
  }

  @Override
  public void resync(String channel) {
    Subscribers subs = channels.get(channel);
    if (subs == null || gateway.rules.historySize(channel) == 0) {
      return;
    }
    subs.lastOffset = 0;
    subs.answered = 0;
    subs.epoch = null;
    subs.checkedTop = -1;
    delivering = true;
    try {
      for (int i = subs.size - 1; i >= 0; i--) {
        subs.items[i].insufficientState(channel);
      }
    } finally {
      delivering = false;
    }
    applyDeferredRemovals();
  }

  /** Unsubscribes that arrived while a channel's subscribers were being iterated. */
  private void applyDeferredRemovals() {
    if (!deferredRemovals.isEmpty()) {
      for (Object[] r : deferredRemovals) {
        unsubscribe((String) r[0], (Connection) r[1]);
      }
      deferredRemovals.clear();
    }
  }

  // ---- batching -----------------------------------------------------------------------------

  void markDirty(Connection c) {
    dirty.add(c);
    if (!flushScheduled) {
      flushScheduled = true;
      int delay = gateway.options.getGateway().getBatch().getMaxDelayMillis();
      if (delay == 0) {
        context.runOnContext(v -> flushDirty());
      } else {
        vertx.setTimer(delay, id -> flushDirty());
      }
    }
  }

  private void flushDirty() {
    flushScheduled = false;
    // Index loop: a flush may not add to this list (enqueue marks dirty only when not flushing).
    for (int i = 0; i < dirty.size(); i++) {
      Connection c = dirty.get(i);
      c.dirty = false;
      c.flush();
    }
    dirty.clear();
  }

  void slowLog(String clientId, long droppedBytes) {
    slowSinceLog++;
    long now = clock.monotonicMillis();
    if (now - lastSlowLog >= 10_000) {
      log.warn("closed {} slow consumer(s) with 3008 in the last period (latest {}: {} unsent bytes dropped)",
          slowSinceLog, clientId, droppedBytes);
      lastSlowLog = now;
      slowSinceLog = 0;
    }
  }

  // ---- memory pressure ----------------------------------------------------------------------

  private void onPressure(MemoryPressure p) {
    gateway.underPressure = p.underPressure();
    if (!p.underPressure()) {
      return;
    }
    // Shed the slowest consumers first: the most unsent bytes, above the configured floor.
    long floor = gateway.options.getMemory().getShedMinUnsentBytes();
    List<Connection> slow = new ArrayList<>();
    wheel.forEach(c -> {
      if (!c.isClosed() && c.unsentBytes() >= floor && c.unsentBytes() > 0) {
        slow.add(c);
      }
    });
    slow.sort((a, b) -> Long.compare(b.unsentBytes(), a.unsentBytes()));
    for (Connection c : slow) {
      c.shed();
    }
    if (!slow.isEmpty()) {
      log.warn("memory pressure: closed {} slow consumer(s) with 3008", slow.size());
    }
  }

  // ---- shutdown -----------------------------------------------------------------------------

  /** Graceful shutdown, last step: unbind and wait (bounded) for remaining connections. */
  public Future<Void> shutdownServer(long timeoutMillis) {
    Promise<Void> p = Promise.promise();
    context.runOnContext(v -> server.shutdown(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS)
        .onComplete(ar -> p.complete()));
    return p.future();
  }

  @Override
  public Future<?> stop() {
    gateway.instances.remove(this);
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
    if (positionTimer >= 0) {
      vertx.cancelTimer(positionTimer);
    }
    Promise<Void> done = Promise.promise();
    server.close().onComplete(ar -> done.complete());
    return done.future();
  }

  /**
   * First step of a graceful shutdown, on this event loop: flush every pending frame and close
   * every connection with 3001 "shutdown". Completes when the sockets are closed.
   */
  public Future<Integer> closeAllForShutdown() {
    Promise<Integer> p = Promise.promise();
    context.runOnContext(v -> {
      flushDirty();
      List<Connection> all = new ArrayList<>();
      wheel.forEach(all::add);
      List<Future<Void>> closes = new ArrayList<>(all.size());
      for (Connection c : all) {
        closes.add(c.ws.isClosed() ? Future.succeededFuture() : closedFuture(c));
        c.close(CloseCodes.SHUTDOWN);
      }
      Future.join(closes).onComplete(ar -> p.complete(all.size()));
    });
    return p.future();
  }

  private Future<Void> closedFuture(Connection c) {
    Promise<Void> p = Promise.promise();
    c.ws.closeHandler(v -> {
      onClosed(c);
      p.tryComplete();
    });
    return p.future();
  }

  /** A growable array of one channel's local subscribers; removal swaps in the last element. */
  static final class Subscribers {
    Connection[] items = new Connection[4];
    int size;
    /** The broker subscription of this channel (complete on one node). */
    Future<Void> ready;
    /** Offset of the channel's last publication delivered here (0 = none yet or no history). */
    long lastOffset;
    /** Highest stream position given in a subscribe answer here, and its epoch (null = none). */
    long answered;
    String epoch;
    /** The stream's last offset read by the previous position check (-1 = none yet). */
    long checkedTop = -1;

    void add(Connection c) {
      if (size == items.length) {
        items = Arrays.copyOf(items, size * 2);
      }
      items[size++] = c;
    }

    boolean remove(Connection c) {
      for (int i = 0; i < size; i++) {
        if (items[i] == c) {
          items[i] = items[--size];
          items[size] = null;
          return true;
        }
      }
      return false;
    }
  }
}
