package dev.tributary.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The pending outbound frame of one connection: encoded replies and pushes appended as bytes,
 * separated by {@code \n} (the Centrifugo JSON protocol's framing), up to {@code maxMessages}
 * messages or {@code maxBytes} bytes. Appending is a memory copy: the bytes were encoded once for
 * all subscribers. Not thread-safe: owned by the connection's event loop.
 */
public final class OutboundBatch {
  private final ByteBufAllocator alloc;
  private final int maxMessages;
  private final int maxBytes;
  private ByteBuf buf;
  private int count;

  public OutboundBatch(ByteBufAllocator alloc, int maxMessages, int maxBytes) {
    this.alloc = alloc;
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
  }

  /** Messages pending. */
  public int count() {
    return count;
  }

  /** Bytes pending, separators included. */
  public int bytes() {
    return buf == null ? 0 : buf.readableBytes();
  }

  /** Bytes the batch would hold after appending a message of {@code len} bytes. */
  public int bytesAfter(int len) {
    return bytes() + (count > 0 ? 1 : 0) + len;
  }

  /** Whether a message of {@code len} bytes must go into a new frame (this one would pass maxBytes). */
  public boolean mustFlushBefore(int len) {
    return count > 0 && bytesAfter(len) > maxBytes;
  }

  /** Appends one message; returns true when a bound is reached and the frame should leave now. */
  public boolean append(byte[] msg) {
    if (buf == null) {
      // Room for a few messages up front: growing a pooled buffer means reallocating and copying.
      buf = alloc.directBuffer(Math.min(maxBytes, Math.max(1024, msg.length * 8)), Math.max(maxBytes, msg.length));
    } else {
      buf.writeByte('\n');
    }
    buf.writeBytes(msg);
    count++;
    return count >= maxMessages || buf.readableBytes() >= maxBytes;
  }

  /** Hands the pending frame's bytes to the caller (who must write or release them), or null. */
  public ByteBuf take() {
    ByteBuf b = buf;
    buf = null;
    count = 0;
    return b;
  }

  /** Drops whatever is pending. */
  public void release() {
    if (buf != null) {
      buf.release();
      buf = null;
      count = 0;
    }
  }
}
