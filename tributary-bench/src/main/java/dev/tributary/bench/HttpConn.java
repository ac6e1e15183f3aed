package dev.tributary.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A minimal HTTP/1.1 client connection on a raw Netty channel, one request at a time (no
 * pipelining). Responses are parsed in place: status line, {@code Content-Length}, body region.
 */
final class HttpConn extends ByteToMessageDecoder {
  /** Callbacks, all on the connection's event loop. */
  interface Handler {
    void onOpen(HttpConn c);

    /** One complete response; the body is bytes {@code [from, to)} of {@code buf}. */
    void onResponse(HttpConn c, int status, ByteBuf buf, int from, int to);

    /** The connection is gone; {@code error} is null for an orderly close. */
    void onClose(HttpConn c, String error);
  }

  private static final byte[] CRLFCRLF = {'\r', '\n', '\r', '\n'};
  private static final byte[] CONTENT_LENGTH = "content-length:".getBytes();

  private final Handler handler;
  private volatile Channel channel;
  private String error;
  private boolean closeReported;
  /** Free for the handler's per-connection state. */
  Object attachment;

  private HttpConn(Handler handler) {
    this.handler = handler;
  }

  static HttpConn connect(EventLoop loop, String host, int port, Handler handler) {
    HttpConn c = new HttpConn(handler);
    ChannelFuture f = new Bootstrap()
        .group(loop)
        .channel(Net.channelClass())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 15_000)
        .handler(c)
        .connect(new InetSocketAddress(host, port));
    c.channel = f.channel();
    f.addListener(done -> {
      if (!done.isSuccess()) {
        c.error = "connect to " + host + ":" + port + " failed: " + done.cause();
        c.reportClose();
      }
    });
    return c;
  }

  boolean isOpen() {
    return channel.isActive();
  }

  /** Writes one request (the buffer is released by the write). */
  void send(ByteBuf request) {
    channel.writeAndFlush(request, channel.voidPromise());
  }

  Channel channel() {
    return channel;
  }

  void close() {
    channel.close();
  }

  private void reportClose() {
    if (!closeReported) {
      closeReported = true;
      handler.onClose(this, error);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    channel = ctx.channel();
    super.handlerAdded(ctx);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    super.channelActive(ctx);
    handler.onOpen(this);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    super.channelInactive(ctx);
    reportClose();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (error == null) {
      error = cause.toString();
    }
    ctx.close();
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.isReadable()) {
      int r = in.readerIndex();
      int w = in.writerIndex();
      int headEnd = WsConn.indexOf(in, r, w, CRLFCRLF);
      if (headEnd < 0) {
        if (in.readableBytes() > 64 * 1024) {
          error = "response head too long";
          ctx.close();
        }
        return;
      }
      if (headEnd - r < 12 || in.getByte(r) != 'H') {
        error = "not an HTTP response";
        in.skipBytes(in.readableBytes());
        ctx.close();
        return;
      }
      int status = (in.getByte(r + 9) - '0') * 100 + (in.getByte(r + 10) - '0') * 10 + (in.getByte(r + 11) - '0');
      int length = contentLength(in, r, headEnd);
      if (length < 0) {
        error = "response without Content-Length";
        in.skipBytes(in.readableBytes());
        ctx.close();
        return;
      }
      int bodyFrom = headEnd + 4;
      if (w - bodyFrom < length) {
        return;
      }
      in.readerIndex(bodyFrom + length);
      handler.onResponse(this, status, in, bodyFrom, bodyFrom + length);
    }
  }

  private static int contentLength(ByteBuf in, int from, int to) {
    int n = CONTENT_LENGTH.length;
    for (int i = from; i + n <= to; i++) {
      if (i > from && in.getByte(i - 1) != '\n') {
        continue;
      }
      int k = 0;
      while (k < n && Character.toLowerCase((char) in.getByte(i + k)) == CONTENT_LENGTH[k]) {
        k++;
      }
      if (k == n) {
        int p = i + n;
        while (p < to && in.getByte(p) == ' ') {
          p++;
        }
        int v = 0;
        byte b;
        while (p < to && (b = in.getByte(p)) >= '0' && b <= '9') {
          v = v * 10 + (b - '0');
          p++;
        }
        return v;
      }
    }
    return -1;
  }
}
