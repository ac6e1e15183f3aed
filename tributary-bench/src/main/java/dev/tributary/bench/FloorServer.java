package dev.tributary.bench;

import dev.tributary.config.ConfigLoader;
import dev.tributary.config.TributaryOptions;
import dev.tributary.gateway.OutboundBatch;
import dev.tributary.protocol.ProtocolCodec;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The floor of the fan-out figures: a minimal raw-Netty writer of the frames Tributary writes, with
 * none of its protocol. The same connections (WebSocket over Netty's {@code websocketx} handlers,
 * the bench's commands answered with fixed replies), the same bytes (each publication's push made
 * once by {@link ProtocolCodec#publicationPush}, with the publisher's info for a client's
 * publication as Tributary adds it), the same frames per connection (pushes appended
 * to an {@link OutboundBatch} bounded by {@code gateway.batch.maxMessages}/{@code maxBytes}) and
 * the same flush pattern (one timer of {@code gateway.batch.maxDelayMillis} per event loop, or the
 * end of the current burst at 0), through the same hand-off (every publication reaches each event
 * loop with subscribers of its channel as a task of that loop). What it leaves out is what
 * Tributary adds: validation, channel rules, the queue bound, heartbeats, history, metrics.
 *
 * <p>{@code java -cp tributary-bench.jar dev.tributary.bench.FloorServer --conf FILE} reads the
 * config a benchmark run writes ({@code http.host/port}, {@code server.eventLoops},
 * {@code server.transport}, {@code gateway.batch.*}), answers {@code GET /health} and
 * {@code POST /api/publish} (no key check), and logs "tributary listening on HOST:PORT" as the
 * server does, so {@code scripts/bench fanout|sweep server=floor} drives it like the server.
 */
public final class FloorServer implements AutoCloseable {
  private static final byte[] CONNECT_REPLY_TAIL = ",\"connect\":{\"client\":\"floor\",\"version\":\"floor\"}}"
      .getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SUBSCRIBE_REPLY_TAIL = ",\"subscribe\":{}}".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PUBLISH_REPLY_TAIL = ",\"publish\":{}}".getBytes(StandardCharsets.US_ASCII);

  private final EventLoopGroup group;
  private final Channel server;
  private final String transport;
  private final int maxMessages;
  private final int maxBytes;
  private final int maxDelayMillis;
  /** channel -> the event loops with subscribers of it. */
  private final Map<String, List<Shard>> interest = new ConcurrentHashMap<>();
  private final Map<EventLoop, Shard> shards = new ConcurrentHashMap<>();
  /** Pushes appended to subscribers' frames (one add per publication and event loop). */
  private final java.util.concurrent.atomic.LongAdder deliveries = new java.util.concurrent.atomic.LongAdder();

  private FloorServer(TributaryOptions o) throws InterruptedException {
    int loops = o.getServer().effectiveEventLoops();
    String asked = o.getServer().getTransport();
    IoHandlerFactory io;
    Class<? extends ServerChannel> channelClass;
    if (!asked.equals("nio") && !asked.equals("epoll") && IoUring.isAvailable()) {
      io = IoUringIoHandler.newFactory();
      channelClass = IoUringServerSocketChannel.class;
      transport = "io_uring";
    } else if (!asked.equals("nio") && Epoll.isAvailable()) {
      io = EpollIoHandler.newFactory();
      channelClass = EpollServerSocketChannel.class;
      transport = "epoll";
    } else {
      io = NioIoHandler.newFactory();
      channelClass = NioServerSocketChannel.class;
      transport = "nio";
    }
    var batch = o.getGateway().getBatch();
    maxMessages = batch.getMaxMessages();
    maxBytes = batch.getMaxBytes();
    maxDelayMillis = batch.getMaxDelayMillis();
    int maxFrame = o.getGateway().getMaxFrameBytes();
    group = new MultiThreadIoEventLoopGroup(loops, io);
    server = new ServerBootstrap().group(group).channel(channelClass)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder().websocketPath(WsConn.PATH)
                    .maxFramePayloadLength(maxFrame).checkStartsWith(false).build()),
                new Http(), new Conn());
          }
        })
        .bind(new InetSocketAddress(o.getHttp().getHost(), o.getHttp().getPort())).sync().channel();
  }

  /** A floor server for {@code options} (listening when this returns). */
  public static FloorServer start(TributaryOptions options) {
    try {
      return new FloorServer(options);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted while binding");
    }
  }

  public static void main(String[] args) throws Exception {
    TributaryOptions o = ConfigLoader.load(args, System.getenv());
    FloorServer f = start(o);
    System.out.printf("tributary listening on %s:%d (floor: raw Netty writer, %s, %d event loop(s), batch %d msgs / %d B / %d ms)%n",
        o.getHttp().getHost(), f.port(), f.transport, o.getServer().effectiveEventLoops(), f.maxMessages, f.maxBytes,
        f.maxDelayMillis);
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(f::close));
    f.server.closeFuture().sync();
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** Pushes handed to subscribers since start (what the server counts as deliveries). */
  public long deliveries() {
    return deliveries.sum();
  }

  /** io_uring, epoll or nio. */
  public String transport() {
    return transport;
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private Shard shard(EventLoop loop) {
    return shards.computeIfAbsent(loop, Shard::new);
  }

  /** Hands one push to every event loop with subscribers of {@code channel}, as a task of that loop. */
  void publish(String channel, byte[] push) {
    List<Shard> to = interest.get(channel);
    if (to == null) {
      return;
    }
    for (Shard s : to) {
      s.loop.execute(() -> s.deliver(channel, push));
    }
  }

  /** One event loop's subscribers and pending frames; its loop only. */
  final class Shard {
    final EventLoop loop;
    final Map<String, ArrayList<Conn>> channels = new HashMap<>();
    final ArrayList<Conn> dirty = new ArrayList<>();
    boolean flushScheduled;

    Shard(EventLoop loop) {
      this.loop = loop;
    }

    void subscribe(String channel, Conn c) {
      ArrayList<Conn> subs = channels.get(channel);
      if (subs == null) {
        subs = new ArrayList<>();
        channels.put(channel, subs);
        interest.computeIfAbsent(channel, k -> new CopyOnWriteArrayList<>()).add(this);
      }
      subs.add(c);
    }

    void unsubscribeAll(Conn c) {
      for (String ch : c.channels) {
        ArrayList<Conn> subs = channels.get(ch);
        if (subs != null && subs.remove(c) && subs.isEmpty()) {
          channels.remove(ch);
          interest.get(ch).remove(this);
        }
      }
    }

    void deliver(String channel, byte[] push) {
      ArrayList<Conn> subs = channels.get(channel);
      if (subs == null) {
        return;
      }
      int n = subs.size();
      for (int i = 0; i < n; i++) {
        subs.get(i).enqueue(push);
      }
      deliveries.add(n);
    }

    void markDirty(Conn c) {
      dirty.add(c);
      if (!flushScheduled) {
        flushScheduled = true;
        if (maxDelayMillis == 0) {
          loop.execute(this::flushDirty);
        } else {
          loop.schedule(this::flushDirty, maxDelayMillis, TimeUnit.MILLISECONDS);
        }
      }
    }

    void flushDirty() {
      flushScheduled = false;
      for (int i = 0; i < dirty.size(); i++) {
        Conn c = dirty.get(i);
        c.dirty = false;
        c.flush();
      }
      dirty.clear();
    }
  }

  /** {@code GET /health}, {@code POST /api/publish}; anything else 404. */
  private final class Http extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      HttpResponseStatus status = HttpResponseStatus.NOT_FOUND;
      String body = "{\"error\":\"not found\"}";
      if (req.method() == HttpMethod.GET && req.uri().equals("/health")) {
        status = HttpResponseStatus.OK;
        body = "{\"status\":\"ok\",\"floor\":true}";
      } else if (req.method() == HttpMethod.POST && req.uri().equals("/api/publish")) {
        JsonObject p = new JsonObject(req.content().toString(StandardCharsets.UTF_8));
        String channel = p.getString("channel");
        publish(channel, ProtocolCodec.publicationPush(channel, io.vertx.core.json.Json.encode(p.getValue("data")), null, 0));
        status = HttpResponseStatus.OK;
        body = "{\"result\":{}}";
      }
      var resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
          Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
      resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
          .setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      var f = ctx.writeAndFlush(resp);
      if (!keepAlive) {
        f.addListener(ChannelFutureListener.CLOSE);
      }
    }
  }

  /**
   * One WebSocket client: its commands (one per line: connect, subscribe, publish) answered with
   * fixed replies, its pushes appended to its pending frame. Its event loop only.
   */
  private final class Conn extends SimpleChannelInboundHandler<TextWebSocketFrame> {
    final List<String> channels = new ArrayList<>(1);
    final String info = new JsonObject().put("client", java.util.UUID.randomUUID().toString()).put("user", "").encode();
    ChannelHandlerContext ctx;
    Shard shard;
    OutboundBatch batch;
    boolean dirty;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
      if (shard == null) {
        shard = shard(ctx.channel().eventLoop());
        batch = new OutboundBatch(ctx.alloc(), maxMessages, maxBytes);
      }
      String text = frame.text();
      int from = 0;
      while (from < text.length()) {
        int nl = text.indexOf('\n', from);
        int to = nl < 0 ? text.length() : nl;
        command(text.substring(from, to));
        from = to + 1;
      }
    }

    /** {@code {"id":N,"<method>":{…}}}, in the shape the bench's clients send; {@code {}} is a pong. */
    private void command(String line) {
      if (!line.startsWith("{\"id\":")) {
        return;
      }
      int comma = line.indexOf(',');
      String id = line.substring(6, comma);
      if (line.startsWith("\"connect\"", comma + 1)) {
        reply(id, CONNECT_REPLY_TAIL);
      } else if (line.startsWith("\"subscribe\"", comma + 1)) {
        String channel = channel(line);
        channels.add(channel);
        shard.subscribe(channel, this);
        reply(id, SUBSCRIBE_REPLY_TAIL);
      } else if (line.startsWith("\"publish\"", comma + 1)) {
        String channel = channel(line);
        int data = line.indexOf("\"data\":");
        String dataJson = line.substring(data + 7, line.length() - 2); // …"data":D}}
        reply(id, PUBLISH_REPLY_TAIL);
        // The publisher's info, as Tributary adds it to a client's publication (same bytes on the wire).
        publish(channel, ProtocolCodec.publicationPush(channel, dataJson, info, 0));
      }
    }

    private String channel(String line) {
      int c = line.indexOf("\"channel\":\"") + 11;
      return line.substring(c, line.indexOf('"', c));
    }

    private void reply(String id, byte[] tail) {
      byte[] head = ("{\"id\":" + id).getBytes(StandardCharsets.US_ASCII);
      byte[] msg = new byte[head.length + tail.length];
      System.arraycopy(head, 0, msg, 0, head.length);
      System.arraycopy(tail, 0, msg, head.length, tail.length);
      enqueue(msg);
    }

    void enqueue(byte[] msg) {
      if (batch.mustFlushBefore(msg.length)) {
        flush();
      }
      if (batch.append(msg)) {
        flush();
      } else if (!dirty) {
        dirty = true;
        shard.markDirty(this);
      }
    }

    void flush() {
      ByteBuf buf = batch.take();
      if (buf == null) {
        return;
      }
      if (!ctx.channel().isActive()) {
        buf.release();
        return;
      }
      ctx.writeAndFlush(new TextWebSocketFrame(buf), ctx.voidPromise());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (shard != null) {
        shard.unsubscribeAll(this);
        batch.release();
      }
      ctx.fireChannelInactive();
    }
  }
}
