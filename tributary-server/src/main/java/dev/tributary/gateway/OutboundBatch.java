package dev.tributary.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The pending outbound frame of one connection: encoded replies and pushes appended as bytes,
 * separated by {@code \n} (the Centrifugo JSON protocol's framing) or each preceded by its length
 * as a varint (the Protobuf framing, {@code delimited}), up to {@code maxMessages} messages or
 * {@code maxBytes} bytes. Appending is a memory copy: the bytes were encoded once for
 * all subscribers. Not thread-safe: owned by the connection's event loop.
 */
public final class OutboundBatch {
  private final ByteBufAllocator alloc;
  private final int maxMessages;
  private final int maxBytes;
  private final boolean delimited;
  private ByteBuf buf;
  private int count;

  /** A batch with the JSON framing ({@code \n} between messages). */
  public OutboundBatch(ByteBufAllocator alloc, int maxMessages, int maxBytes) {
    this(alloc, maxMessages, maxBytes, false);
  }

  /** {@code delimited}: the Protobuf framing, a varint length before each message. */
  public OutboundBatch(ByteBufAllocator alloc, int maxMessages, int maxBytes, boolean delimited) {
    this.alloc = alloc;
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
    this.delimited = delimited;
  }

  /** Bytes of the varint that encodes {@code len}. */
  static int varintSize(int len) {
    return len < 0x80 ? 1 : len < 0x4000 ? 2 : len < 0x200000 ? 3 : len < 0x10000000 ? 4 : 5;
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
    return bytes() + (delimited ? varintSize(len) : count > 0 ? 1 : 0) + len;
  }

  /** Whether a message of {@code len} bytes must go into a new frame (this one would pass maxBytes). */
  public boolean mustFlushBefore(int len) {
    return count > 0 && bytesAfter(len) > maxBytes;
  }

  /** Appends one message; returns true when a bound is reached and the frame should leave now. */
  public boolean append(byte[] msg) {
    if (buf == null) {
      // Room for a few messages up front: growing a pooled buffer means reallocating and copying.
      buf = alloc.directBuffer(Math.min(maxBytes, Math.max(1024, msg.length * 8)), Math.max(maxBytes, msg.length + 5));
    } else if (!delimited) {
      buf.writeByte('\n');
    }
    if (delimited) {
      int v = msg.length;
      while ((v & ~0x7f) != 0) {
        buf.writeByte((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      buf.writeByte(v);
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
