package dev.tributary.gateway;

import dev.tributary.protocol.SharedPush;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.Future;

/**
 * What every client connection has whatever protocol it speaks: the owned socket, the one
 * {@link Writer} (queue bound, slow-consumer close), the open/closed state, a place in the
 * instance's heartbeat wheel and in its channel index. The Centrifugo protocol ({@link Connection})
 * and other protocols (the Pusher protocol, {@code dev.tributary.pusher}) extend it and add
 * their commands; the core never looks at a wire format.
 *
 * <p>Owned by the event loop that accepted the socket; every method runs there.
 */
public abstract class ClientConnection extends HeartbeatWheel.Member implements WebSocketHandler.Listener {
  protected static final int NEW = 0;
  protected static final int CONNECTED = 2;
  protected static final int CLOSED = 3;

  final GatewayVerticle owner;
  final WebSocketHandler socket;
  final Writer writer;
  /** NEW, CONNECTED or CLOSED. */
  protected int state = NEW;
  private int closeCode = -1;
  /** The protocol's name (metrics tag), set at the upgrade. */
  String protocol = Gateway.CENTRIFUGO;

  /**
   * @param maxMessagesPerFrame 1 for protocols that carry one message per frame
   * @param binary frames are binary (else text)
   */
  protected ClientConnection(Upgrade up, int maxMessagesPerFrame, boolean binary) {
    this.owner = up.owner;
    this.socket = up.socket;
    this.writer = new Writer(owner, this, socket, PooledByteBufAllocator.DEFAULT,
        Math.min(maxMessagesPerFrame, up.opts.getBatch().getMaxMessages()), up.opts.getBatch().getMaxBytes(),
        up.opts.getMaxQueueBytes(), binary);
  }

  /** The gateway instance (event loop) that owns this connection. */
  public final GatewayVerticle owner() {
    return owner;
  }

  /** The node's gateway (options, hub, presence, meters). */
  public final Gateway gateway() {
    return owner.gateway;
  }

  public final boolean isClosed() {
    return state == CLOSED;
  }

  /** The code this side closed with, -1 if it did not. */
  final int closeCode() {
    return closeCode;
  }

  // ---- what a protocol provides ---------------------------------------------------------------

  /** One complete text message from the client. */
  protected abstract void onMessage(String text);

  /** One complete binary message; by default the protocol has none: a bad request. */
  protected void onBinaryMessage(byte[] bytes) {
    close(CloseCodes.BAD_REQUEST);
  }

  /** A publication (or join/leave) of a channel this connection is in the index for. */
  protected abstract void deliver(String channel, SharedPush push, long offset);

  /** This node may have missed publications of {@code channel} (see {@link GatewayVerticle#resync}). */
  protected abstract void insufficientState(String channel);

  /** The heartbeat: send a ping; return whether a pong is expected back. */
  protected abstract boolean ping();

  /** No pong within the pong timeout. */
  protected abstract void pongMissing();

  /** The socket is gone (either side closed it): free subscriptions and the like. Runs once. */
  protected abstract void released();

  /** The code a core close ({@link CloseCodes}) is sent with in this protocol; the same by default. */
  protected short closeCodeFor(short coreCode) {
    return coreCode;
  }

  /** Registered with its instance (listener, heartbeat): a protocol that speaks first does it here. */
  protected void opened() {}

  /** The connection's id for logs (null before it has one). */
  protected abstract String id();

  // ---- inbound, from the socket ---------------------------------------------------------------

  @Override
  public final void onText(String text) {
    if (state != CLOSED) {
      onMessage(text);
    }
  }

  @Override
  public final void onBinary(byte[] bytes) {
    if (state != CLOSED) {
      onBinaryMessage(bytes);
    }
  }

  @Override
  public final void onOverflow() {
    if (state != CLOSED) {
      closeSlow();
    }
  }

  @Override
  public final void onClosed(int code) {
    owner.onClosed(this, code);
  }

  // ---- channel index --------------------------------------------------------------------------

  /** Adds this connection to the channel's local subscribers; completes when the node receives the channel. */
  protected final Future<Void> joinIndex(String channel) {
    return owner.subscribe(channel, this);
  }

  /** Removes this connection from the channel's local subscribers. */
  protected final void leaveIndex(String channel) {
    owner.unsubscribe(channel, this);
  }

  /** {@code f}, completing on this connection's event loop. */
  protected final <T> Future<T> onOwner(Future<T> f) {
    return dev.tributary.redis.RedisLink.onContext(owner.context(), f);
  }

  // ---- outbound -------------------------------------------------------------------------------

  /** Appends one encoded message; past the queue bound the connection closes as slow. */
  protected final void enqueueBytes(byte[] msg) {
    if (state != CLOSED && !writer.enqueue(msg)) {
      closeSlow();
    }
  }

  /** Writes the pending frame, if any. */
  protected final void flush() {
    writer.flush();
  }

  /** Bytes this connection has not yet handed to the socket: pending frame plus Netty's queue. */
  protected final long unsentBytes() {
    return writer.unsentBytes();
  }

  /** Holds further inbound messages (until {@link #resume()}). */
  protected final void pause() {
    socket.pause();
  }

  protected final void resume() {
    if (state != CLOSED) {
      socket.resume();
    }
  }

  /** Memory pressure: closed as a slow consumer, its buffers freed. */
  final void shed() {
    if (state != CLOSED) {
      owner.gateway.shed.increment();
      closeSlow();
    }
  }

  /**
   * Slow consumer: nothing more is queued, the pending frame is dropped, the close frame goes out
   * behind what the socket already holds, and the TCP connection is closed within
   * {@code closeTimeoutMillis} whether or not the client reads again.
   */
  private void closeSlow() {
    long dropped = writer.unsentBytes();
    owner.gateway.slowCloses.increment();
    owner.gateway.slowDroppedBytes.increment(dropped);
    owner.slowLog(id(), dropped);
    writer.release();
    state = CLOSED;
    closeCode = CloseCodes.SLOW;
    socket.close(closeCodeFor(CloseCodes.SLOW));
  }

  /**
   * Flushes what is pending, then closes with {@code code} (a core code is first translated by
   * {@link #closeCodeFor}; see {@link WebSocketHandler#close}).
   */
  protected final void close(short code) {
    short sent = closeCodeFor(code);
    close(code, CloseCodes.reason(sent));
  }

  /**
   * As {@link #close(short)}, with the close frame's reason (at most 123 bytes of UTF-8); a core
   * code is translated by {@link #closeCodeFor}, the reason is sent as given.
   */
  protected final void close(int code, String reason) {
    if (state == CLOSED) {
      return;
    }
    closeCode = code;
    state = CLOSED;
    flush();
    socket.close(closeCodeFor((short) code), reason);
  }

  /** The socket is gone: everything freed. Runs once. */
  final void onSocketClosed() {
    state = CLOSED;
    writer.release();
    released();
  }

  /**
   * What a protocol's connection is built from at the upgrade: the owning instance, the socket
   * and the gateway options in force, plus the request's path and query. Opaque to protocols but
   * for the accessors.
   */
  public static final class Upgrade {
    final GatewayVerticle owner;
    final WebSocketHandler socket;
    final dev.tributary.config.GatewayOptions opts;
    private final String path;
    private final String query;

    Upgrade(GatewayVerticle owner, WebSocketHandler socket, dev.tributary.config.GatewayOptions opts, String path, String query) {
      this.owner = owner;
      this.socket = socket;
      this.opts = opts;
      this.path = path;
      this.query = query;
    }

    public String path() {
      return path;
    }

    /** The raw query string, null without one. */
    public String query() {
      return query;
    }

    public GatewayVerticle owner() {
      return owner;
    }

    public dev.tributary.config.GatewayOptions options() {
      return opts;
    }
  }
}
