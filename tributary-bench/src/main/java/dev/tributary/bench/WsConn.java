package dev.tributary.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A minimal client WebSocket connection on a raw Netty channel: HTTP upgrade, then frames parsed
 * in place. A complete text message is handed to the {@link Handler} as a region of the receive
 * buffer, without copying or decoding. Outgoing frames are masked with a zero key (legal, and the
 * payload needs no transform). Everything runs on the channel's event loop.
 *
 * <p>It is the load client's one WebSocket client (every scenario, crossnode included), kept
 * apart from the test kit's ({@code WsTestClient}, {@code RawWsClient}) on purpose: a load client
 * holds tens of thousands of connections on one or two event loops and must cost far less CPU per
 * delivery than the server it measures, so it parses pushes in place in the receive buffer (no
 * String, no JSON, no copy), whereas the test clients decode every frame into JSON for assertions
 * (Vert.x) or block a thread per read (plain socket). Neither could measure; this one asserts
 * nothing.
 */
final class WsConn extends ByteToMessageDecoder {
  /** Callbacks, all on the connection's event loop. */
  interface Handler {
    /** The upgrade succeeded. */
    void onOpen(WsConn c);

    /** One complete text (or binary) message: bytes {@code [from, to)} of {@code buf}. */
    void onText(WsConn c, ByteBuf buf, int from, int to);

    /**
     * The connection is gone. {@code code} is the close code the server sent, 1006 if the TCP
     * connection ended without a close frame, or -1 if it never opened ({@code error} says why).
     */
    void onClose(WsConn c, int code, String error);
  }

  static final String PATH = "/connection/websocket";
  private static final byte[] CRLFCRLF = {'\r', '\n', '\r', '\n'};

  private final Handler handler;
  private final String hostHeader;
  /** The WebSocket subprotocol asked for (and required in the answer), or null. */
  private final String subprotocol;
  private volatile Channel channel;
  private boolean open;
  private boolean closeReported;
  private int closeCode = 1006;
  private String error;
  private ByteBuf fragments;
  /** Free for the handler's per-connection state. */
  Object attachment;

  private WsConn(Handler handler, String hostHeader, String subprotocol) {
    this.handler = handler;
    this.hostHeader = hostHeader;
    this.subprotocol = subprotocol;
  }

  /**
   * Opens a connection on {@code loop}. {@code source} (may be null) binds the local address, e.g.
   * 127.0.0.2, so that more than one range of ephemeral ports is available.
   */
  static WsConn connect(EventLoop loop, String host, int port, String source, Handler handler) {
    return connect(loop, host, port, source, null, handler);
  }

  /**
   * As above, asking for WebSocket subprotocol {@code subprotocol} (null: none); the upgrade fails
   * unless the server echoes it.
   */
  static WsConn connect(EventLoop loop, String host, int port, String source, String subprotocol, Handler handler) {
    WsConn c = new WsConn(handler, host + ":" + port, subprotocol);
    Bootstrap b = new Bootstrap()
        .group(loop)
        .channel(Net.channelClass())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 15_000)
        .handler(c);
    if (source != null) {
      if (Net.epoll()) {
        // Pick the port at connect time, per destination: bind(port 0) alone would draw every
        // source address's port from one global range.
        b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
      }
      b.localAddress(new InetSocketAddress(source, 0));
    }
    ChannelFuture f = b.connect(new InetSocketAddress(host, port));
    c.channel = f.channel();
    f.addListener(done -> {
      if (!done.isSuccess()) {
        c.fail("connect to " + host + ":" + port + (source == null ? "" : " from " + source)
            + " failed: " + done.cause());
      }
    });
    return c;
  }

  Channel channel() {
    return channel;
  }

  boolean isOpen() {
    return open && channel.isActive();
  }

  private void fail(String why) {
    if (error == null) {
      error = why;
    }
    reportClose(-1);
  }

  private void reportClose(int code) {
    if (!closeReported) {
      closeReported = true;
      handler.onClose(this, code, error);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    channel = ctx.channel();
    super.handlerAdded(ctx);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    String req = "GET " + PATH + " HTTP/1.1\r\nHost: " + hostHeader + "\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dHJpYnV0YXJ5LWJlbmNoLQ==\r\nSec-WebSocket-Version: 13\r\n"
        + (subprotocol == null ? "" : "Sec-WebSocket-Protocol: " + subprotocol + "\r\n") + "\r\n";
    ctx.writeAndFlush(ctx.alloc().buffer(req.length()).writeBytes(req.getBytes(StandardCharsets.US_ASCII)));
    super.channelActive(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    super.channelInactive(ctx);
    if (fragments != null) {
      fragments.release();
      fragments = null;
    }
    if (!open && error == null) {
      error = "connection closed during the WebSocket handshake";
    }
    reportClose(open ? closeCode : -1);
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
    if (!open) {
      int end = indexOf(in, in.readerIndex(), in.writerIndex(), CRLFCRLF);
      if (end < 0) {
        if (in.readableBytes() > 16 * 1024) {
          error = "handshake response too long";
          ctx.close();
        }
        return;
      }
      String head = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.ISO_8859_1);
      in.readerIndex(end + 4);
      if (!head.startsWith("HTTP/1.1 101")) {
        error = "WebSocket upgrade refused: " + head.lines().findFirst().orElse(head);
        in.skipBytes(in.readableBytes());
        ctx.close();
        return;
      }
      if (subprotocol != null && !head.toLowerCase(java.util.Locale.ROOT)
          .contains("\r\nsec-websocket-protocol: " + subprotocol.toLowerCase(java.util.Locale.ROOT))) {
        error = "the server did not accept WebSocket subprotocol " + subprotocol;
        in.skipBytes(in.readableBytes());
        ctx.close();
        return;
      }
      open = true;
      handler.onOpen(this);
    }
    while (in.readableBytes() >= 2) {
      int r = in.readerIndex();
      int b0 = in.getByte(r) & 0xff;
      int b1 = in.getByte(r + 1) & 0xff;
      int hdr = 2;
      long len = b1 & 0x7f;
      if (len == 126) {
        if (in.readableBytes() < 4) {
          return;
        }
        len = in.getUnsignedShort(r + 2);
        hdr = 4;
      } else if (len == 127) {
        if (in.readableBytes() < 10) {
          return;
        }
        len = in.getLong(r + 2);
        hdr = 10;
      }
      boolean masked = (b1 & 0x80) != 0;
      if (masked) {
        hdr += 4;
      }
      if (len > Integer.MAX_VALUE - 16) {
        error = "frame too large: " + len;
        ctx.close();
        return;
      }
      if (in.readableBytes() < hdr + len) {
        return;
      }
      int from = r + hdr;
      int to = from + (int) len;
      if (masked) {
        // Servers do not mask; unmask in place if one does.
        for (int i = from, k = 0; i < to; i++, k++) {
          in.setByte(i, in.getByte(i) ^ in.getByte(r + hdr - 4 + (k & 3)));
        }
      }
      boolean fin = (b0 & 0x80) != 0;
      int opcode = b0 & 0x0f;
      switch (opcode) {
        case 1, 2 -> {
          if (fin) {
            handler.onText(this, in, from, to);
          } else {
            fragments = ctx.alloc().buffer((int) len * 2);
            fragments.writeBytes(in, from, (int) len);
          }
        }
        case 0 -> {
          if (fragments != null) {
            fragments.writeBytes(in, from, (int) len);
            if (fin) {
              ByteBuf whole = fragments;
              fragments = null;
              try {
                handler.onText(this, whole, whole.readerIndex(), whole.writerIndex());
              } finally {
                whole.release();
              }
            }
          }
        }
        case 8 -> {
          closeCode = len >= 2 ? in.getUnsignedShort(from) : 1005;
          in.readerIndex(to);
          in.skipBytes(in.readableBytes());
          sendFrame(0x88, new byte[] {(byte) (closeCode >> 8), (byte) closeCode}, true);
          ctx.close();
          return;
        }
        case 9 -> {
          byte[] payload = new byte[(int) len];
          in.getBytes(from, payload);
          sendFrame(0x8A, payload, true);
        }
        default -> { }
      }
      in.readerIndex(to);
      if (!channel.isActive()) {
        return;
      }
    }
  }

  /** Sends one text frame and flushes. */
  void send(byte[] text) {
    sendFrame(0x81, text, true);
  }

  /** Sends one text frame; {@code flush=false} leaves it for a later {@link #flush()}. */
  void send(byte[] text, boolean flush) {
    sendFrame(0x81, text, flush);
  }

  void send(byte[] text, int off, int len, boolean flush) {
    ByteBuf b = frame(channel.alloc(), 0x81, len);
    b.writeBytes(text, off, len);
    write(b, flush);
  }

  /** Sends one binary frame; {@code flush=false} leaves it for a later {@link #flush()}. */
  void sendBinary(byte[] payload, boolean flush) {
    sendFrame(0x82, payload, flush);
  }

  void flush() {
    channel.flush();
  }

  private void sendFrame(int b0, byte[] payload, boolean flush) {
    ByteBuf b = frame(channel.alloc(), b0, payload.length);
    b.writeBytes(payload);
    write(b, flush);
  }

  private void write(ByteBuf b, boolean flush) {
    if (flush) {
      channel.writeAndFlush(b, channel.voidPromise());
    } else {
      channel.write(b, channel.voidPromise());
    }
  }

  /** A buffer holding the header of a masked (zero key) client frame of {@code len} bytes. */
  private static ByteBuf frame(ByteBufAllocator alloc, int b0, int len) {
    ByteBuf b = alloc.buffer(len + 14);
    b.writeByte(b0);
    if (len < 126) {
      b.writeByte(0x80 | len);
    } else if (len < 65536) {
      b.writeByte(0x80 | 126);
      b.writeShort(len);
    } else {
      b.writeByte(0x80 | 127);
      b.writeLong(len);
    }
    b.writeInt(0);
    return b;
  }

  /** Closes the TCP connection without a close handshake. */
  void close() {
    channel.close();
  }

  /** The decimal number whose digits start at {@code p} (up to the first non-digit or {@code to}). */
  static long number(ByteBuf buf, int p, int to) {
    long x = 0;
    byte b;
    while (p < to && (b = buf.getByte(p)) >= '0' && b <= '9') {
      x = x * 10 + (b - '0');
      p++;
    }
    return x;
  }

  /** The index just after the decimal digits that start at {@code p}. */
  static int afterDigits(ByteBuf buf, int p, int to) {
    byte b;
    while (p < to && (b = buf.getByte(p)) >= '0' && b <= '9') {
      p++;
    }
    return p;
  }

  /** The id of a JSON reply line {@code {"id":N,…}}. */
  static long replyId(ByteBuf buf, int from, int to) {
    return number(buf, from + 6, to); // {"id":
  }

  /** Whether a JSON reply line is an error ({@code {"id":N,"error":…}}). */
  static boolean replyIsError(ByteBuf buf, int from, int to) {
    int p = afterDigits(buf, from + 6, to);
    return p + 2 < to && buf.getByte(p + 2) == 'e';
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
}
