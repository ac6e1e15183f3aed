package dev.tributary.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RFC 6455 layer of one gateway WebSocket: the last handler of the plain Netty pipeline the
 * gateway owns after Vert.x's handshake ({@code wsdecoder} (Netty's frame decoder with our
 * limits), optional permessage-deflate, {@code wsencoder}, this). Netty's decoder rejects frames
 * over the size limit (1009), reserved bits and opcodes, unmasked or fragmented control frames,
 * bad close codes (1002); this handler adds what is per message:
 *
 * <ul>
 *   <li>fragments of any size, empty ones included, reassemble into one message; a message whose
 *       fragments together pass {@code maxMessageBytes} closes with 1009 (never more work than
 *       that many bytes);
 *   <li>a text message that is not UTF-8 closes with 1007;
 *   <li>pings are answered with pongs, which are written like everything else, so they count against
 *       the connection's queue bound ({@link #unsentBytes()}): a peer that floods pings without
 *       reading is closed ({@link Listener#onOverflow()});
 *   <li>the close handshake: a peer's close is echoed and the TCP connection closed; a close the
 *       server decides ({@link #close(int)}) sends the close frame and closes the TCP connection
 *       when the peer answers, or after {@code closeTimeoutMillis} whatever the peer does (a peer
 *       that stopped reading never sees the frame behind its queued data; its socket still goes).
 * </ul>
 *
 * <p>Netty's public API only: the queue bound is Netty's own pending-bytes count read through
 * {@link Channel#bytesBeforeUnwritable()}/{@link Channel#bytesBeforeWritable()} with the
 * channel's write-buffer high water mark set to the bound. Runs on the channel's event loop.
 */
final class WebSocketHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(WebSocketHandler.class);

  /** What the connection above hears. Called on the channel's event loop. */
  interface Listener {
    /** One complete text message (valid UTF-8). */
    void onText(String text);

    /** One complete binary message. */
    void onBinary(byte[] bytes);

    /** Bytes queued for the socket passed the bound: the connection must be closed as slow. */
    void onOverflow();

    /**
     * The TCP connection is closed. {@code code}: the close the server decided, else the peer's
     * close code (1005 when it gave none), else 1006 (the connection dropped without a close).
     */
    void onClosed(int code);
  }

  static final int NO_STATUS = 1005;
  static final int ABNORMAL = 1006;

  private final int maxMessageBytes;
  private final long closeTimeoutMillis;
  private Listener listener;
  private ChannelHandlerContext ctx;

  private CompositeByteBuf fragments;
  private boolean fragmentsBinary;
  /** Close code: decided here or received; -1 while open. */
  private int closeCode = -1;
  private boolean closeSent;
  private ScheduledFuture<?> closeTimer;
  private boolean paused;
  /** Messages read while paused: String (text) or byte[] (binary). */
  private ArrayDeque<Object> held;
  private boolean flushAtReadComplete;
  private boolean closedReported;

  WebSocketHandler(int maxMessageBytes, long closeTimeoutMillis) {
    this.maxMessageBytes = maxMessageBytes;
    this.closeTimeoutMillis = closeTimeoutMillis;
  }

  void listener(Listener l) {
    this.listener = l;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  ChannelHandlerContext context() {
    return ctx;
  }

  /** The close code decided or received, -1 while open. */
  int closeCode() {
    return closeCode;
  }

  boolean isClosing() {
    return closeCode >= 0;
  }

  // ---- outbound ------------------------------------------------------------------------------

  /** Writes one text frame and flushes it; {@code payload} is released by Netty. */
  void writeText(ByteBuf payload) {
    ctx.writeAndFlush(new TextWebSocketFrame(payload), ctx.voidPromise());
  }

  /** Writes one binary frame and flushes it; {@code payload} is released by Netty. */
  void writeBinary(ByteBuf payload) {
    ctx.writeAndFlush(new BinaryWebSocketFrame(payload), ctx.voidPromise());
  }

  /**
   * Bytes written to this channel and not yet taken by the socket, everything included (frames,
   * pongs, close): Netty's count, read through its public writability API.
   */
  long unsentBytes() {
    Channel ch = ctx.channel();
    if (ch.isWritable()) {
      long high = ch.config().getWriteBufferHighWaterMark();
      return Math.max(0, high - ch.bytesBeforeUnwritable() + 1);
    }
    return ch.config().getWriteBufferLowWaterMark() + ch.bytesBeforeWritable();
  }

  /** Whether anything written is still waiting for the socket. */
  boolean backlogged() {
    Channel ch = ctx.channel();
    return !ch.isWritable() || ch.bytesBeforeUnwritable() <= ch.config().getWriteBufferHighWaterMark();
  }

  /**
   * Closes with {@code code}: nothing more is read or delivered, the close frame is sent (behind
   * what is queued), and the TCP connection is closed when the peer answers or after
   * {@code closeTimeoutMillis}, whichever comes first. Idempotent.
   */
  void close(int code) {
    close(code, CloseCodes.reason(code));
  }

  /** As {@link #close(int)}, with the close frame's {@code reason} (at most 123 bytes of UTF-8). */
  void close(int code, String reason) {
    if (closeTimer != null || !ctx.channel().isOpen()) {
      return;
    }
    if (closeCode < 0) {
      closeCode = code;
    }
    dropInbound();
    if (!closeSent) {
      closeSent = true;
      ctx.writeAndFlush(new CloseWebSocketFrame(code, reason), ctx.voidPromise());
    }
    closeTimer = ctx.executor().schedule(this::abort, closeTimeoutMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * The close timeout passed: the TCP connection is reset (SO_LINGER 0), not closed gracefully, so
   * what the kernel still holds for a peer that stopped reading is dropped with it instead of
   * lingering in an orphaned socket that would deliver it later.
   */
  private void abort() {
    Channel ch = ctx.channel();
    if (ch.isOpen()) {
      try {
        ch.config().setOption(ChannelOption.SO_LINGER, 0);
      } catch (RuntimeException unsupported) {
        // a transport without SO_LINGER: closed gracefully
      }
      ctx.close();
    }
  }

  // ---- inbound -------------------------------------------------------------------------------

  /** Stops handing messages up (those already read wait here) until {@link #resume()}. */
  void pause() {
    paused = true;
    ctx.channel().config().setAutoRead(false);
  }

  void resume() {
    paused = false;
    while (held != null && !held.isEmpty() && !paused && closeCode < 0) {
      hand(held.poll());
    }
    if (!paused) {
      held = null;
      ctx.channel().config().setAutoRead(true);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame
          || msg instanceof ContinuationWebSocketFrame) {
        data((WebSocketFrame) msg);
      } else if (msg instanceof PingWebSocketFrame ping) {
        if (closeCode < 0) {
          ctx.write(new PongWebSocketFrame(ping.content().retain()), ctx.voidPromise());
          flushAtReadComplete = true;
          if (!ctx.channel().isWritable()) {
            listener.onOverflow();
          }
        }
      } else if (msg instanceof CloseWebSocketFrame close) {
        peerClosed(close);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (flushAtReadComplete) {
      flushAtReadComplete = false;
      ctx.flush();
    }
  }

  private void data(WebSocketFrame frame) {
    if (closeCode >= 0) {
      return;
    }
    ByteBuf content = frame.content();
    boolean first = !(frame instanceof ContinuationWebSocketFrame);
    if (first && frame.isFinalFragment()) {
      if (content.readableBytes() > maxMessageBytes) {
        close(CloseCodes.MESSAGE_TOO_BIG); // only after an extension: the decoder bounds raw frames
        return;
      }
      deliver(content, frame instanceof BinaryWebSocketFrame);
      return;
    }
    if (first) {
      // Netty's decoder refuses a new data frame inside a fragmented message (1002).
      fragmentsBinary = frame instanceof BinaryWebSocketFrame;
      fragments = ctx.alloc().compositeBuffer(64);
    }
    if (fragments == null) {
      close(CloseCodes.PROTOCOL_ERROR); // continuation without a start: the decoder says so first
      return;
    }
    if ((long) fragments.readableBytes() + content.readableBytes() > maxMessageBytes) {
      close(CloseCodes.MESSAGE_TOO_BIG);
      return;
    }
    if (content.isReadable()) {
      fragments.addComponent(true, content.retain());
    }
    if (frame.isFinalFragment()) {
      CompositeByteBuf whole = fragments;
      fragments = null;
      try {
        deliver(whole, fragmentsBinary);
      } finally {
        whole.release();
      }
    } else if (fragments.numComponents() >= 64) {
      fragments.consolidate(); // many small fragments: keep the component list short
    }
  }

  private void deliver(ByteBuf content, boolean binary) {
    if (!binary && !ByteBufUtil.isText(content, StandardCharsets.UTF_8)) {
      close(CloseCodes.INVALID_PAYLOAD);
      return;
    }
    Object message = binary ? ByteBufUtil.getBytes(content) : content.toString(StandardCharsets.UTF_8);
    if (paused) {
      if (held == null) {
        held = new ArrayDeque<>(4);
      }
      held.add(message);
      return;
    }
    hand(message);
  }

  private void hand(Object message) {
    if (message instanceof String text) {
      listener.onText(text);
    } else {
      listener.onBinary((byte[]) message);
    }
  }

  private void peerClosed(CloseWebSocketFrame close) {
    int code = close.statusCode();
    if (closeCode < 0) {
      closeCode = code < 0 ? NO_STATUS : code;
    }
    dropInbound();
    if (closeSent) {
      ctx.close(); // our close is answered: the handshake is complete
      return;
    }
    closeSent = true;
    // Echo the peer's code, then close the TCP connection (the server closes first, RFC 6455 7.1.1).
    CloseWebSocketFrame echo = code < 0 ? new CloseWebSocketFrame(true, 0) : new CloseWebSocketFrame(code, "");
    ctx.writeAndFlush(echo).addListener(ChannelFutureListener.CLOSE);
    if (closeTimer == null) {
      closeTimer = ctx.executor().schedule(this::abort, closeTimeoutMillis, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof CorruptedWebSocketFrameException bad) {
      log.debug("websocket protocol error: {}", bad.getMessage());
      close(bad.closeStatus().code());
    } else if (cause instanceof TooLongFrameException || cause instanceof DecompressionException
        || cause.getCause() instanceof DecompressionException) {
      log.debug("websocket message too big: {}", cause.getMessage());
      close(CloseCodes.MESSAGE_TOO_BIG);
    } else if (cause instanceof CorruptedFrameException || cause instanceof DecoderException) {
      log.debug("websocket protocol error: {}", cause.getMessage());
      close(CloseCodes.PROTOCOL_ERROR);
    } else if (cause instanceof IOException) {
      log.debug("websocket i/o error: {}", cause.toString());
      ctx.close();
    } else {
      log.warn("websocket handler error, closing with 1011: {}", cause.toString());
      close(1011);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (closeTimer != null) {
      closeTimer.cancel(false);
    }
    dropInbound();
    if (!closedReported) {
      closedReported = true;
      listener.onClosed(closeCode < 0 ? ABNORMAL : closeCode);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    ReferenceCountUtil.release(evt); // nothing above this handler listens
  }

  private void dropInbound() {
    if (fragments != null) {
      fragments.release();
      fragments = null;
    }
    held = null;
  }
}
