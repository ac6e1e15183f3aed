package dev.tributary.protocol;

import java.util.concurrent.atomic.LongAdder;

/**
 * One push (a publication, join or leave) as every subscriber on this node receives it: the JSON
 * bytes the publisher encoded, and the Protobuf bytes transcoded from them the first time a
 * Protobuf subscriber needs them, then kept here. So a publication is encoded at most once per
 * protocol on a node, and never per subscriber; a node without Protobuf subscribers of the channel
 * never transcodes it.
 *
 * <p>Thread-safe: the gateway instances (one per event loop) share the instance. The transcode
 * runs under this object's monitor, taken only by instances that need the Protobuf bytes of the
 * same publication at the same moment; like the hub's stripe locks it is held for CPU work on one
 * message only, never across I/O.
 */
public final class SharedPush {
  private final byte[] json;
  private volatile byte[] protobuf;
  /** Another protocol's form of this push (the Pusher protocol's), made on first use. */
  private volatile Object other;

  public SharedPush(byte[] json) {
    this.json = json;
  }

  /** The JSON push, as published. */
  public byte[] json() {
    return json;
  }

  /**
   * The Protobuf push ({@code Reply} with {@code push}, without length prefix), transcoded on the
   * first call; {@code transcodes} counts the one call that does it.
   */
  public byte[] protobuf(LongAdder transcodes) {
    byte[] p = protobuf;
    if (p != null) {
      return p;
    }
    synchronized (this) {
      p = protobuf;
      if (p == null) {
        p = ProtobufCodec.replyFromJson(json);
        protobuf = p;
        transcodes.increment();
      }
      return p;
    }
  }

  /** The push in {@code encoding}. */
  public byte[] bytes(Encoding encoding, LongAdder transcodes) {
    return encoding == Encoding.JSON ? json : protobuf(transcodes);
  }

  /**
   * This push in another protocol's form, made by {@code encoder} from the JSON push on the first
   * call and shared by every later one (one encoding per publication and node for that protocol).
   * One other protocol per push: every caller passes the same encoder.
   */
  @SuppressWarnings("unchecked")
  public <T> T other(java.util.function.Function<byte[], T> encoder) {
    Object o = other;
    if (o != null) {
      return (T) o;
    }
    synchronized (this) {
      o = other;
      if (o == null) {
        o = encoder.apply(json);
        other = o;
      }
      return (T) o;
    }
  }
}
