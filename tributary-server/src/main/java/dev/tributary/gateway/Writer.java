package dev.tributary.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The only thing that writes to a client (as Centrifuge's {@code writer.go}): encoded replies and
 * pushes are appended to the pending frame ({@link OutboundBatch}), which leaves as one text frame
 * (JSON) or binary frame (Protobuf)
 * when a size bound is reached or when the connection or its gateway instance flushes.
 *
 * <p>The queue bound: bytes pending here plus bytes written and not yet taken by the socket
 * (Netty's count: frames, pongs, close frames alike) stay within {@code maxQueueBytes}.
 * {@link #enqueue} answers false instead of passing it; the connection then closes as slow (3008).
 * The bound is on memory held: a frame written while the socket is backlogged, whose buffer is
 * much larger than its bytes, is first copied into a buffer of its size, so what waits in Netty's
 * queue is what is counted.
 *
 * <p>Owned by the connection's event loop; not thread-safe.
 */
final class Writer {
  private final WebSocketHandler socket;
  private final OutboundBatch batch;
  private final ByteBufAllocator alloc;
  private final long maxQueueBytes;
  private final GatewayVerticle owner;
  private final ClientConnection connection;
  private final boolean binary;
  /** In the instance's list of connections with a pending frame. */
  boolean dirty;

  Writer(GatewayVerticle owner, ClientConnection connection, WebSocketHandler socket, ByteBufAllocator alloc,
      int maxMessages, int maxBytes, long maxQueueBytes, boolean binary) {
    this.owner = owner;
    this.connection = connection;
    this.socket = socket;
    this.alloc = alloc;
    this.binary = binary;
    this.batch = new OutboundBatch(alloc, maxMessages, maxBytes, binary);
    this.maxQueueBytes = maxQueueBytes;
  }

  /**
   * Appends one reply or push to the pending frame (flushing when a size bound is reached).
   * Returns false, appending nothing, when that would pass the queue bound.
   */
  boolean enqueue(byte[] msg) {
    if (socket.unsentBytes() + batch.bytesAfter(msg.length) > maxQueueBytes) {
      return false;
    }
    if (batch.mustFlushBefore(msg.length)) {
      flush();
    }
    if (batch.append(msg)) {
      flush();
    } else if (!dirty) {
      dirty = true;
      owner.markDirty(connection);
    }
    return true;
  }

  /** Writes the pending frame, if any. */
  void flush() {
    ByteBuf buf = batch.take();
    if (buf == null) {
      return;
    }
    if (!socket.context().channel().isActive()) {
      buf.release();
      return;
    }
    int n = buf.readableBytes();
    if (buf.capacity() - n > n / 2 && socket.backlogged()) {
      // It will wait in Netty's queue: hold only its bytes there.
      ByteBuf tight = alloc.directBuffer(n, n);
      tight.writeBytes(buf);
      buf.release();
      buf = tight;
    }
    owner.framesOut++;
    owner.bytesOut += n;
    if (binary) {
      socket.writeBinary(buf);
    } else {
      socket.writeText(buf);
    }
  }

  /** Bytes not yet taken by the socket: the pending frame plus Netty's queue. */
  long unsentBytes() {
    return socket.unsentBytes() + batch.bytes();
  }

  /** Drops the pending frame. */
  void release() {
    batch.release();
  }
}
