package dev.tributary.gateway;

import dev.tributary.auth.TokenVerifier;
import dev.tributary.bus.Addresses;
import dev.tributary.bus.MemoryPressure;
import dev.tributary.config.GatewayOptions;
import dev.tributary.protocol.Encoding;
import dev.tributary.protocol.SharedPush;
import dev.tributary.hub.Hub;
import dev.tributary.support.Clock;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionDecoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionFilterProvider;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionUtil;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.SocketAddress;
import java.util.LinkedHashMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.internal.http.WebSocketInternal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
  /** Builds this instance's handler of plain HTTP requests (the API, metrics, dashboard). */
  private final Function<Vertx, Handler<HttpServerRequest>> httpApi;
  private GatewayOptions opts;
  TokenVerifier verifier;
  /** Token expiry deadlines of this instance's connections, advanced with the heartbeat. */
  final Expiries<TokenLifecycle> expiries = new Expiries<>();
  private HttpServer server;
  private HeartbeatWheel<ClientConnection> wheel;
  private long heartbeatTimer = -1;
  private long positionTimer = -1;

  /** channel -> local subscribers (swap-remove array list). */
  private final Map<String, Subscribers> channels = new HashMap<>();
  /** Connected connections by user and by client id, for the server API's commands (event loop only). */
  private final Map<String, List<Connection>> byUser = new HashMap<>();
  private final Map<String, Connection> byClient = new HashMap<>();
  private final ArrayList<ClientConnection> dirty = new ArrayList<>();
  private boolean flushScheduled;
  private boolean delivering;
  private final ArrayList<Object[]> deferredRemovals = new ArrayList<>();
  private long lastSlowLog;
  /** This event loop's busy figures and hot channels, closed once a second. */
  volatile InstanceLoad load;
  private int slowSinceLog;

  // Hot-path counts: written by this event loop only, summed by Gateway when metrics are read.
  volatile long deliveries;
  volatile long framesOut;
  volatile long bytesOut;

  /** {@code api.port} as listened on (-1: none, the API is on {@link #port}). */
  private final int apiPort;
  private HttpServer apiServer;

  /**
   * @param port the port of WebSockets (and of the HTTP API unless {@code apiPort} is not -1)
   * @param apiPort the API's own port, or -1
   * @param http builds the HTTP API's handler
   */
  public GatewayVerticle(Gateway gateway, int port, int apiPort,
      Function<Vertx, Handler<HttpServerRequest>> http) {
    this.gateway = gateway;
    this.clock = gateway.clock;
    this.port = port;
    this.apiPort = apiPort;
    this.httpApi = http;
  }

  @Override
  public Future<?> start() {
    opts = gateway.options.getGateway();
    String secret = gateway.options.getAuth().getTokenHmacSecret();
    verifier = secret == null ? null : new TokenVerifier(secret, clock);
    wheel = new HeartbeatWheel<>(clock, opts.getPingIntervalSeconds(), opts.getPongTimeoutSeconds(),
        new HeartbeatWheel.Listener<>() {
          @Override
          public boolean ping(ClientConnection c) {
            return c.ping();
          }

          @Override
          public void pongMissing(ClientConnection c) {
            c.pongMissing();
          }
        });
    load = new InstanceLoad(System.nanoTime());
    heartbeatTimer = vertx.setPeriodic(1000, id -> {
      load.sample(System.nanoTime());
      wheel.advance();
      expiries.advance(clock.epochMillis(), TokenLifecycle::due);
    });
    dev.tributary.history.HistoryStore history = gateway.hub.history();
    if (!history.isImmediate()) {
      positionTimer = vertx.setPeriodic(gateway.options.getChannels().getPositionCheckSeconds() * 1000L,
          id -> checkPositions(history));
    }
    HttpServerOptions serverOptions = new HttpServerOptions()
        .setHost(gateway.options.getHttp().getHost())
        .setPort(port)
        .setTcpNoDelay(true)
        // SO_REUSEPORT only when asked: the instances of this node share one socket without it
        // (Vert.x hands it round), and with it a second server would bind the same port.
        .setReusePort(gateway.options.getHttp().isReusePort())
        .setMaxWebSocketFrameSize(opts.getMaxFrameBytes())
        .setMaxWebSocketMessageSize(opts.getMaxFrameBytes())
        // permessage-deflate only when configured: Vert.x offers it by default, and browsers
        // accept it, which costs CPU on every frame (see docs/PERFORMANCE.md).
        .setPerMessageWebSocketCompressionSupported(gateway.options.getOperations().isWebsocketDeflate())
        .setPerFrameWebSocketCompressionSupported(false)
        // gzip for HTTP responses from httpMinBytes; the run-time switch turns it off per response.
        .setCompressionSupported(true)
        .setCompressionContentSizeThreshold(gateway.options.getOperations().getHttpGzipMinBytes())
        // HTTP API connections; a WebSocket drops this handler when the gateway takes it over.
        .setIdleTimeout(gateway.options.getHttp().getIdleTimeoutSeconds())
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        // No h2c: with it Vert.x waits for a connection's first bytes before it exists for us,
        // so a socket that sends nothing would be neither counted nor timed out.
        .setHttp2ClearTextEnabled(false)
        // Echoed when offered: "centrifuge-protobuf" makes the connection a Protobuf one.
        .setWebSocketSubProtocols(List.of(Encoding.PROTOBUF_SUBPROTOCOL, Encoding.JSON_SUBPROTOCOL));
    Handler<HttpServerRequest> api = httpApi.apply(vertx);
    Handler<HttpServerRequest> mainHttp = api;
    Future<?> apiListening = Future.succeededFuture();
    if (apiPort != -1) {
      // The API on its own port (and interface): the main port then serves WebSockets only.
      mainHttp = req -> req.response().setStatusCode(404).putHeader("Content-Type", "application/json")
          .end("{\"error\":{\"code\":104,\"message\":\"not found: the HTTP API is served on api.port\"}}");
      String apiHost = gateway.options.getApi().getHost() == null ? gateway.options.getHttp().getHost()
          : gateway.options.getApi().getHost();
      apiServer = vertx.createHttpServer(new HttpServerOptions().setHost(apiHost).setPort(apiPort).setTcpNoDelay(true)
          .setCompressionSupported(true)
          .setCompressionContentSizeThreshold(gateway.options.getOperations().getHttpGzipMinBytes())
          .setIdleTimeout(gateway.options.getHttp().getIdleTimeoutSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS)
          .setHttp2ClearTextEnabled(false))
          .requestHandler(req -> {
            if (!gateway.ready) {
              notReady(req);
              return;
            }
            api.handle(req);
          });
      apiListening = apiServer.listen();
    }
    Handler<HttpServerRequest> onMain = mainHttp;
    server = vertx.createHttpServer(serverOptions)
        .connectionHandler(this::onTcp)
        .webSocketHandshakeHandler(this::handshake)
        .webSocketHandler(this::onSocket)
        .requestHandler(req -> {
          if (!gateway.ready) {
            firstRequest(req.remoteAddress());
            notReady(req);
            return;
          }
          if (!tcp.isEmpty() && !firstRequest(req.remoteAddress())) {
            req.response().setStatusCode(503).putHeader("Connection", "close")
                .end("{\"error\":\"connection limit reached\"}");
            return;
          }
          onMain.handle(req);
        });
    gateway.instances.add(this);
    vertx.eventBus().<MemoryPressure>consumer(Addresses.MEMORY_PRESSURE, m -> onPressure(m.body()));
    // The memory manager may have announced pressure before this instance listened: ask.
    vertx.eventBus().<io.vertx.core.json.JsonObject>request(Addresses.MEMORY_STATUS, null)
        .onSuccess(m -> {
          if (m.body().getBoolean("underPressure", false)) {
            gateway.underPressure = true;
          }
        });
    Future<?> listening = apiListening;
    return server.listen().compose(s -> listening);
  }

  /** The port the HTTP API actually listens on: {@code api.port}'s, or the main one. */
  public int actualApiPort() {
    return apiServer == null ? actualPort() : apiServer.actualPort();
  }

  /** The gateway this instance belongs to. */
  public Gateway gateway() {
    return gateway;
  }

  io.vertx.core.Vertx vertx() {
    return vertx;
  }

  /** The port the server actually listens on. */
  public int actualPort() {
    return server.actualPort();
  }

  // ---- admission (event loop only) ----------------------------------------------------------

  /** A TCP connection of this instance that is not (yet) a WebSocket. */
  private static final class Tcp {
    final HttpConnection conn;
    long timer = -1;
    boolean sawRequest;
    /** Admitted past the limit: its first request is answered 1013 / 503, then it is closed. */
    boolean overLimit;

    Tcp(HttpConnection conn) {
      this.conn = conn;
    }
  }

  /** This instance's TCP connections that are not WebSockets, in accept order (by remote address). */
  private final LinkedHashMap<SocketAddress, Tcp> tcp = new LinkedHashMap<>();

  /**
   * Every TCP connection is counted from accept against {@code maxConnections} (capped below the
   * open-files limit, see {@link Gateway#maxSockets()}). At the limit the oldest connection of this
   * instance that has not sent a request yet makes room; without one, a few more are admitted to
   * be answered 1013 (WebSocket) or 503 (HTTP), and past those the new connection is closed at
   * once. A connection that sends no complete request within {@code handshakeTimeoutMillis} is
   * closed.
   */
  private void onTcp(HttpConnection conn) {
    SocketAddress addr = conn.remoteAddress();
    int max = gateway.maxSockets();
    int n = gateway.sockets.incrementAndGet();
    Tcp t = new Tcp(conn);
    if (n > max && !evictOldestIdle() && !evictElsewhere()) {
      if (n > max + Gateway.overLimitAllowance(max)) {
        gateway.sockets.decrementAndGet();
        gateway.refused.increment();
        conn.close();
        return;
      }
      t.overLimit = true;
    }
    tcp.put(addr, t);
    if (!t.overLimit) {
      idleHere++;
    }
    t.timer = vertx.setTimer(gateway.options.getGateway().getHandshakeTimeoutMillis(), id -> {
      t.timer = -1;
      if (!t.sawRequest && tcp.get(addr) == t) {
        gateway.handshakeTimeouts.increment();
        conn.close();
      }
    });
    conn.closeHandler(v -> {
      // Not called once the connection became a WebSocket (the gateway owns its pipeline then).
      if (tcp.get(addr) == t) {
        tcp.remove(addr);
        cancel(t);
        requested(t);
        gateway.sockets.decrementAndGet();
      }
    });
  }

  private boolean evictOldestIdle() {
    for (Tcp t : tcp.values()) {
      if (!t.sawRequest && !t.overLimit) {
        requested(t); // not evicted twice; its close handler still uncounts it
        gateway.evicted.increment();
        t.conn.close();
        return true;
      }
    }
    return false;
  }

  private void cancel(Tcp t) {
    if (t.timer >= 0) {
      vertx.cancelTimer(t.timer);
      t.timer = -1;
    }
  }

  /** Marks the connection of {@code addr} as having sent a request; false when it is over the limit. */
  private boolean firstRequest(SocketAddress addr) {
    Tcp t = tcp.get(addr);
    if (t == null) {
      return true;
    }
    requested(t);
    cancel(t);
    return !t.overLimit;
  }

  /** Sockets of this instance that have sent no request yet (evictable); written on this loop only. */
  private volatile int idleHere;

  private void requested(Tcp t) {
    if (!t.sawRequest) {
      t.sawRequest = true;
      if (!t.overLimit) {
        idleHere--;
      }
    }
  }

  /**
   * At the limit with nothing to evict here: another instance that holds sockets with no request
   * is asked to close its oldest (on its own event loop), and the new connection is admitted.
   */
  private boolean evictElsewhere() {
    for (GatewayVerticle other : gateway.instances) {
      if (other != this && other.idleHere > 0) {
        other.context.runOnContext(v -> other.evictOldestIdle());
        return true;
      }
    }
    return false;
  }

  /**
   * A request before the node finished starting: 503 with {@code Retry-After} in the API's error
   * shape. The first instances listen before the modules are deployed; their requests are answered
   * at once rather than served by a node that is half there.
   */
  private static void notReady(io.vertx.core.http.HttpServerRequest req) {
    req.response().setStatusCode(503)
        .putHeader("Content-Type", "application/json")
        .putHeader("Retry-After", "1")
        .end(NOT_READY);
  }

  private static final String NOT_READY = new io.vertx.core.json.JsonObject().put("error", new io.vertx.core.json.JsonObject()
      .put("code", dev.tributary.protocol.ErrorCodes.NOT_AVAILABLE).put("message", "starting: not ready yet")).encode();

  private void handshake(ServerWebSocketHandshake hs) {
    firstRequest(hs.remoteAddress());
    if (!gateway.ready) {
      hs.reject(503);
      return;
    }
    if (WEBSOCKET_PATH.equals(hs.path()) || gateway.protocolOf(hs.path()) != null) {
      hs.accept();
    } else {
      hs.reject(404);
    }
  }

  /**
   * The WebSocket is accepted: from here the connection is the gateway's. The one seam with Vert.x
   * internals ({@link WebSocketInternal#channelHandlerContext()}, the SPI Vert.x's own modules
   * use) gives the Netty pipeline; Vert.x's handler is replaced by {@link WebSocketHandler}, its
   * frame decoder by one with the gateway's limits, its idle handler dropped (heartbeats govern
   * WebSockets). Vert.x keeps nothing of the socket after this (its server's channel group still
   * closes it when the server closes).
   */
  private void onSocket(ServerWebSocket ws) {
    GatewayOptions opts = gateway.options.getGateway(); // the live config: new connections take it
    Tcp t = tcp.remove(ws.remoteAddress());
    if (t != null) {
      cancel(t);
    } else {
      gateway.sockets.incrementAndGet(); // not seen at accept (should not happen): counted from here
    }
    ChannelHandlerContext vctx = ((WebSocketInternal) ws).channelHandlerContext();
    ChannelPipeline p = vctx.pipeline();
    WebSocketHandler socket = new WebSocketHandler(opts.getMaxFrameBytes(), opts.getCloseTimeoutMillis());
    WebSocketExtensionDecoder inflater = p.get(WebSocketExtensionDecoder.class);
    boolean extensions = inflater != null;
    if (inflater != null) {
      // Vert.x's permessage-deflate decoder has no output bound: one with maxFrameBytes replaces it.
      p.replace(inflater, "inflate", boundedInflater(ws.headers().get("Sec-WebSocket-Extensions")));
    }
    p.replace(WebSocketFrameDecoder.class, "wsdecoder", new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
        .expectMaskedFrames(true)
        .allowMaskMismatch(false)
        .allowExtensions(extensions)
        .maxFramePayloadLength(opts.getMaxFrameBytes())
        .closeOnProtocolViolation(false)
        .build()));
    if (p.get(IdleStateHandler.class) != null) {
      p.remove(IdleStateHandler.class);
    }
    Channel ch = vctx.channel();
    int high = opts.getMaxQueueBytes();
    ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(high / 2, high));
    p.replace(vctx.handler(), "tributary", socket);
    if (gateway.shuttingDown) {
      closeAtOnce(socket, CloseCodes.SHUTDOWN);
      return;
    }
    if (gateway.underPressure || (t != null && t.overLimit)) {
      gateway.refused.increment();
      closeAtOnce(socket, CloseCodes.TRY_AGAIN_LATER);
      return;
    }
    gateway.connections.incrementAndGet();
    gateway.opened.increment();
    ClientConnection.Upgrade up = new ClientConnection.Upgrade(this, socket, opts, ws.path(), ws.query());
    ProtocolEndpoint protocol = WEBSOCKET_PATH.equals(ws.path()) ? null : gateway.protocolOf(ws.path());
    ClientConnection c = protocol == null
        ? new Connection(up, clock.nanoTime(), Encoding.ofSubprotocol(ws.subProtocol()),
            gateway.hooks == null ? null : gateway.hooks.forwarded(ws.headers()))
        : protocol.open(up);
    c.protocol = protocol == null ? Gateway.CENTRIFUGO : protocol.name();
    gateway.countProtocol(c, 1);
    socket.listener(c);
    wheel.add(c);
    c.opened();
  }

  /**
   * The permessage-deflate decoder for the offer Vert.x accepted, with the gateway's size bound:
   * the same handshaker parameters Vert.x uses (so the same negotiated result) plus Netty's
   * {@code maxAllocation}, past which inflating stops with an error (1009). The work per message
   * is then bounded by {@code maxFrameBytes} of output, not by what the compressed bytes expand to.
   */
  private io.netty.channel.ChannelHandler boundedInflater(String offer) {
    HttpServerOptions o = new HttpServerOptions();
    PerMessageDeflateServerExtensionHandshaker handshaker = new PerMessageDeflateServerExtensionHandshaker(
        o.getWebSocketCompressionLevel(), ZlibCodecFactory.isSupportingWindowSizeAndMemLevel(),
        PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE, o.getWebSocketAllowServerNoContext(),
        o.getWebSocketPreferredClientNoContext(), WebSocketExtensionFilterProvider.DEFAULT, opts.getMaxFrameBytes());
    for (WebSocketExtensionData data : WebSocketExtensionUtil.extractExtensions(offer == null ? "" : offer)) {
      WebSocketServerExtension ext = handshaker.handshakeExtension(data);
      if (ext != null) {
        return ext.newExtensionDecoder();
      }
    }
    throw new IllegalStateException("permessage-deflate negotiated but not offered: " + offer);
  }

  /** Refused at upgrade: closed with {@code code}, counted, the socket released when it goes. */
  private void closeAtOnce(WebSocketHandler socket, short code) {
    socket.listener(new WebSocketHandler.Listener() {
      @Override
      public void onText(String text) {}

      @Override
      public void onBinary(byte[] bytes) {}

      @Override
      public void onOverflow() {}

      @Override
      public void onClosed(int ignored) {
        gateway.countClose(code);
        gateway.sockets.decrementAndGet();
      }
    });
    socket.close(code);
  }

  /** The connection's TCP connection is closed (from {@link ClientConnection#onClosed}). */
  void onClosed(ClientConnection c, int code) {
    if (!c.isScheduled()) {
      return;
    }
    c.onSocketClosed();
    if (c instanceof Connection conn) {
      forget(conn);
    }
    gateway.countProtocol(c, -1);
    wheel.remove(c);
    gateway.countClose(c.closeCode() >= 0 ? c.closeCode() : code);
    gateway.connections.decrementAndGet();
    gateway.sockets.decrementAndGet();
    Promise<Void> waiting = closing.remove(c);
    if (waiting != null) {
      waiting.tryComplete();
    }
  }

  // ---- connections by user and client (server API, event loop only) --------------------------

  /** {@code c} completed its connect: it can now be found by user and by client id. */
  void connected(Connection c) {
    byClient.put(c.clientId(), c);
    byUser.computeIfAbsent(c.user(), u -> new ArrayList<>(1)).add(c);
  }

  private void forget(Connection c) {
    if (c.clientId() == null || byClient.remove(c.clientId()) == null) {
      return;
    }
    List<Connection> same = byUser.get(c.user());
    if (same != null && same.remove(c) && same.isEmpty()) {
      byUser.remove(c.user());
    }
  }

  /**
   * Applies a server API command to this instance's connections it targets (the user's, or the one
   * client of that user). Runs on this instance's event loop ({@link Gateway#apply} queues it here).
   */
  public void apply(ConnectionControl cmd) {
    List<Connection> targets;
    if (cmd.oneClient()) {
      Connection c = byClient.get(cmd.client());
      targets = c != null && c.user().equals(cmd.user()) ? List.of(c) : List.of();
    } else {
      List<Connection> all = byUser.get(cmd.user());
      targets = all == null ? List.of() : new ArrayList<>(all);
    }
    for (Connection c : targets) {
      if (c.isClosed()) {
        continue;
      }
      switch (cmd.kind()) {
        case DISCONNECT -> {
          if (!cmd.whitelist().contains(c.clientId())) {
            c.close(cmd.code(), cmd.reason());
          }
        }
        case SUBSCRIBE -> c.subscriptions.subscribeFromServer(cmd.channel(), cmd.dataJson());
        case UNSUBSCRIBE -> c.subscriptions.unsubscribeFromServer(cmd.channel());
        case REFRESH -> c.tokens.refreshFromServer(cmd.expireAt(), cmd.expired());
      }
      c.flush();
    }
  }

  /** This instance's channels accepted by {@code filter}, with their number of local subscribers. */
  public Map<String, Integer> channelCounts(java.util.function.Predicate<String> filter) {
    Map<String, Integer> out = new HashMap<>();
    channels.forEach((ch, subs) -> {
      if (subs.size > 0 && filter.test(ch)) {
        out.put(ch, subs.size);
      }
    });
    return out;
  }

  /** Connected clients of this instance (connect answered). */
  public int clientCount() {
    return byClient.size();
  }

  /** The users with connections on this instance (the anonymous one as ""). */
  public java.util.Set<String> users() {
    return new java.util.HashSet<>(byUser.keySet());
  }

  /** Subscriptions of this instance's connections (one per connection and channel). */
  public long subscriptionCount() {
    long n = 0;
    for (Subscribers s : channels.values()) {
      n += s.size;
    }
    return n;
  }

  /** The channels with subscribers here when shutdown closed them (null before); event loop only. */
  private java.util.Set<String> channelsAtShutdown;

  /** Connections being closed by a shutdown: completed when their socket is gone. */
  private final Map<ClientConnection, Promise<Void>> closing = new HashMap<>();

  // ---- channel index (event loop only) ------------------------------------------------------

  /**
   * Completes when the node receives the channel's publications (at once on one node); fails
   * within the broker's command timeout when the broker cannot confirm that (asked again by the
   * next subscriber).
   */
  Future<Void> subscribe(String channel, ClientConnection c) {
    Subscribers subs = channels.get(channel);
    Future<Void> ready;
    if (subs == null) {
      subs = new Subscribers(channel);
      channels.put(channel, subs);
      ready = gateway.hub.addInterest(channel, this);
      subs.ready = ready;
    } else if (subs.ready.failed()) {
      ready = gateway.hub.ready(channel);
      subs.ready = ready;
    } else {
      ready = subs.ready;
    }
    subs.add(c);
    return ready;
  }

  void unsubscribe(String channel, ClientConnection c) {
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
  public void deliver(String channel, SharedPush push, long offset, long publishedNanos) {
    if (channelsAtShutdown != null) {
      // Its subscribers here were closed for shutdown before it arrived: counted, not delivered.
      if (channelsAtShutdown.contains(channel)) {
        gateway.shutdownUndelivered.increment();
      }
      return;
    }
    Subscribers subs = channels.get(channel);
    if (subs == null) {
      return;
    }
    gateway.publishToDeliver.record(System.nanoTime() - publishedNanos, TimeUnit.NANOSECONDS);
    delivering = true;
    try {
      ClientConnection[] arr = subs.items;
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
        arr[i].deliver(channel, push, offset);
      }
      deliveries += n;
      load.delivered(subs, n);
    } finally {
      delivering = false;
    }
    applyDeferredRemovals();
  }

  /** This instance's channels with local subscribers, and how many each has; read on its event loop. */
  public Future<Map<String, Integer>> localChannels() {
    Promise<Map<String, Integer>> p = Promise.promise();
    context.runOnContext(v -> {
      Map<String, Integer> m = new HashMap<>();
      channels.forEach((k, subs) -> m.put(k, subs.size));
      p.complete(m);
    });
    return p.future();
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
    resync(channel, false);
  }

  @Override
  public void rejoin(String channel) {
    resync(channel, true);
  }

  /** Ends the channel's subscriptions with 2500 so the clients subscribe again (history channels: and recover). */
  private void resync(String channel, boolean plainToo) {
    Subscribers subs = channels.get(channel);
    if (subs == null || (!plainToo && gateway.rules.historySize(channel) == 0)) {
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
        unsubscribe((String) r[0], (ClientConnection) r[1]);
      }
      deferredRemovals.clear();
    }
  }

  // ---- batching -----------------------------------------------------------------------------

  void markDirty(ClientConnection c) {
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
      ClientConnection c = dirty.get(i);
      c.writer.dirty = false;
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
    List<ClientConnection> slow = new ArrayList<>();
    wheel.forEach(c -> {
      if (!c.isClosed() && c.unsentBytes() >= floor && c.unsentBytes() > 0) {
        slow.add(c);
      }
    });
    slow.sort((a, b) -> Long.compare(b.unsentBytes(), a.unsentBytes()));
    for (ClientConnection c : slow) {
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
    context.runOnContext(v -> {
      Future<Void> main = server.shutdown(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
      (apiServer == null ? main : Future.join(main, apiServer.shutdown(timeoutMillis, TimeUnit.MILLISECONDS)))
          .onComplete(ar -> p.complete());
    });
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
    (apiServer == null ? server.close() : Future.join(server.close(), apiServer.close())).onComplete(ar -> done.complete());
    return done.future();
  }

  /**
   * First step of a graceful shutdown, on this event loop: flush every pending frame and close
   * every connection with 3001 "shutdown". Completes when the sockets are closed.
   */
  public Future<Integer> closeAllForShutdown() {
    Promise<Integer> p = Promise.promise();
    context.runOnContext(v -> {
      channelsAtShutdown = new java.util.HashSet<>(channels.keySet());
      flushDirty();
      List<ClientConnection> all = new ArrayList<>();
      wheel.forEach(all::add);
      List<Future<Void>> closes = new ArrayList<>(all.size());
      for (ClientConnection c : all) {
        Promise<Void> gone = Promise.promise();
        closing.put(c, gone);
        closes.add(gone.future());
        c.close(CloseCodes.SHUTDOWN);
      }
      Future.join(closes).onComplete(ar -> p.complete(all.size()));
    });
    return p.future();
  }

  /** A growable array of one channel's local subscribers; removal swaps in the last element. */
  static final class Subscribers {
    final String channel;
    ClientConnection[] items = new ClientConnection[4];
    int size;
    /** Deliveries in the current load interval ({@link InstanceLoad}); 0 = not yet counted in it. */
    long recentDeliveries;
    /** The broker subscription of this channel (complete on one node). */
    Future<Void> ready;
    /** Offset of the channel's last publication delivered here (0 = none yet or no history). */
    long lastOffset;
    /** Highest stream position given in a subscribe answer here, and its epoch (null = none). */
    long answered;
    String epoch;
    /** The stream's last offset read by the previous position check (-1 = none yet). */
    long checkedTop = -1;

    Subscribers(String channel) {
      this.channel = channel;
    }

    void add(ClientConnection c) {
      if (size == items.length) {
        items = Arrays.copyOf(items, size * 2);
      }
      items[size++] = c;
    }

    boolean remove(ClientConnection c) {
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
