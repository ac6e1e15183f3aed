package dev.tributary.gateway;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.core.net.impl.VertxHandler;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.util.Queue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idle memory of a WebSocket in Vert.x's objects: (1) gives a WebSocket's two Vert.x connections (the HTTP/1 connection of the upgrade,
 * which Vert.x keeps reachable for the socket's life, and the WebSocket connection) Vert.x's own
 * <em>direct</em> outbound queue instead of the default one.
 *
 * <p>Vert.x 5 gives every {@link VertxConnection} an outbound message queue so that any thread may
 * write: a JCTools {@code MpscUnboundedArrayQueue} that preallocates a 1,024-slot chunk (~4.7 KB
 * with its padding) whether or not anything is ever queued. Two per WebSocket were ~9.8 KB of the
 * ~15 KB of heap an idle connection cost (docs/PERFORMANCE.md). With
 * {@code HttpServerOptions.setStrictThreadMode(true)} Vert.x uses a stateless
 * {@code DirectOutboundMessageQueue} instead, which writes on the calling thread; that option
 * covers HTTP/1 connections only (not the WebSocket connection) and would also apply to the HTTP
 * API. Every write to a gateway WebSocket already happens on its event loop (the connection is
 * owned by it, see {@link Connection}), which is the condition of the direct queue, so the gateway
 * installs it on both connections of each accepted WebSocket. (2) Drops the one reference that
 * kept the upgrade's HTTP/1 connection, request and response reachable ({@link #releaseUpgrade}).
 *
 * <p>Vert.x offers no public way to do this, so it is done by reflection on Vert.x 5.0.x internals
 * ({@code VertxConnection.outboundMessageQueue}, {@code OutboundMessageQueue.mqp},
 * {@code ServerWebSocketHandshaker.request}, {@code VertxHandler.connectionFactory}). If they are not found (another Vert.x version) the
 * default queues stay, which is correct, only larger; the server logs it once and
 * {@link #available()} says so (a test checks it, so an upgrade that breaks this is noticed). A
 * queue is only replaced while it is empty.
 */
final class DirectWriteQueues {
  private static final Logger log = LoggerFactory.getLogger(DirectWriteQueues.class);

  private static final Field QUEUE; // VertxConnection.outboundMessageQueue
  private static final Field MQP; // OutboundMessageQueue.mqp (MessagePassingQueue.MpSc)
  private static final Field MQP_QUEUE; // MessagePassingQueue.queue
  private static final Field OVERFLOW; // OutboundMessageQueue.overflow
  private static final Field REQUEST; // ServerWebSocketHandshaker.request
  private static final Constructor<?> DIRECT; // VertxConnection.DirectOutboundMessageQueue(VertxConnection)
  private static final Class<?> DEFAULT_QUEUE; // OutboundMessageQueue
  private static final Field FACTORY; // VertxHandler.connectionFactory
  private static final String UNAVAILABLE;

  static {
    Field queue = null;
    Field mqp = null;
    Field mqpQueue = null;
    Field overflow = null;
    Field request = null;
    Constructor<?> direct = null;
    Class<?> defaultQueue = null;
    Field factory = null;
    String why = null;
    try {
      queue = VertxConnection.class.getDeclaredField("outboundMessageQueue");
      queue.setAccessible(true);
      defaultQueue = Class.forName("io.vertx.core.internal.concurrent.OutboundMessageQueue");
      mqp = defaultQueue.getDeclaredField("mqp");
      mqp.setAccessible(true);
      overflow = defaultQueue.getDeclaredField("overflow");
      overflow.setAccessible(true);
      mqpQueue = Class.forName("io.vertx.core.streams.impl.MessagePassingQueue").getDeclaredField("queue");
      mqpQueue.setAccessible(true);
      request = Class.forName("io.vertx.core.http.impl.ServerWebSocketHandshaker").getDeclaredField("request");
      request.setAccessible(true);
      direct = Class.forName("io.vertx.core.net.impl.VertxConnection$DirectOutboundMessageQueue")
          .getDeclaredConstructor(VertxConnection.class);
      direct.setAccessible(true);
      factory = VertxHandler.class.getDeclaredField("connectionFactory");
      factory.setAccessible(true);
      if (!queue.getType().isAssignableFrom(direct.getDeclaringClass())) {
        why = "VertxConnection.outboundMessageQueue does not take the direct queue";
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      why = e.toString();
    }
    QUEUE = queue;
    MQP = mqp;
    MQP_QUEUE = mqpQueue;
    OVERFLOW = overflow;
    REQUEST = request;
    DIRECT = direct;
    DEFAULT_QUEUE = defaultQueue;
    FACTORY = factory;
    UNAVAILABLE = why;
    if (why != null) {
      log.info("Vert.x internals differ from 5.0.x ({}): WebSockets keep Vert.x's default write queues"
          + " and their upgrade request (about 11 KB more heap per connection)", why);
    }
  }

  private DirectWriteQueues() {}

  /** Whether this Vert.x has the internals used here. */
  static boolean available() {
    return UNAVAILABLE == null;
  }

  /** The HTTP/1 connection of a WebSocket handshake (before accept), or null. */
  static VertxConnection connectionOf(ServerWebSocketHandshake hs) {
    if (!available()) {
      return null;
    }
    try {
      Object req = REQUEST.get(hs);
      if (req instanceof io.vertx.core.http.HttpServerRequest r) {
        HttpConnection c = r.connection();
        return c instanceof VertxConnection vc ? vc : null;
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Another kind of handshake: keep the default.
    }
    return null;
  }

  /** The WebSocket's Vert.x connection, from the context of its handler in the pipeline, or null. */
  static VertxConnection connectionOf(ChannelHandlerContext chctx) {
    ChannelHandler h = chctx.handler();
    return h instanceof VertxHandler<?> vh ? vh.getConnection() : null;
  }

  /**
   * Lets the upgrade's HTTP/1 objects go. The WebSocket's {@link VertxHandler} keeps, for the
   * socket's life, the function that created its connection ({@code connectionFactory}, called once
   * in {@code handlerAdded}); that lambda captures the HTTP/1 connection of the upgrade, and through
   * it the request, the response, their headers, the handshaker and the replaced handler's pipeline
   * context (~2 KB, plus that connection's write queue where it was not replaced). Clearing the
   * reference once the connection exists changes nothing else. Returns whether it was cleared.
   */
  static boolean releaseUpgrade(ChannelHandlerContext chctx) {
    if (!available()) {
      return false;
    }
    try {
      if (chctx.handler() instanceof VertxHandler<?> vh && vh.getConnection() != null) {
        FACTORY.set(vh, null);
        return true;
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("could not release the upgrade's HTTP/1 connection: {}", e.toString());
    }
    return false;
  }

  /** For tests: whether the handler of {@code chctx} still holds its connection factory. */
  static boolean holdsFactory(ChannelHandlerContext chctx) throws IllegalAccessException {
    return chctx.handler() instanceof VertxHandler<?> vh && FACTORY.get(vh) != null;
  }

  /**
   * Replaces {@code conn}'s default outbound queue by the direct one, if it is the default and
   * empty. Only for connections written exclusively from their event loop; call it there.
   * Returns whether {@code conn} now has the direct queue.
   */
  static boolean install(VertxConnection conn) {
    if (conn == null || !available()) {
      return false;
    }
    try {
      Object q = QUEUE.get(conn);
      if (q != null && q.getClass() == DIRECT.getDeclaringClass()) {
        return true;
      }
      if (q == null || !DEFAULT_QUEUE.isInstance(q) || OVERFLOW.getBoolean(q)
          || !((Queue<?>) MQP_QUEUE.get(MQP.get(q))).isEmpty()) {
        return false; // something is queued (or an unknown queue): leave it
      }
      QUEUE.set(conn, DIRECT.newInstance(conn));
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("could not install the direct write queue: {}", e.toString());
      return false;
    }
  }
}
