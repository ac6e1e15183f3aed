package dev.tributary.jmh;

import dev.tributary.protocol.Command;
import dev.tributary.protocol.Encoding;
import dev.tributary.protocol.ProtobufCodec;
import dev.tributary.protocol.ProtocolCodec;
import dev.tributary.protocol.SharedPush;
import dev.tributary.protocol.pb.ClientProtocol;
import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The Protobuf variant's costs: transcoding one publication's JSON push into its Protobuf form
 * (paid once per publication and node that has Protobuf subscribers, see {@link SharedPush}), what
 * each further Protobuf subscriber pays for it (the cached bytes), and decoding a client's
 * Protobuf publish command. Same 150-byte data as {@link ProtocolCodecBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ProtobufTranscodeBench {
  private byte[] jsonPush;
  private SharedPush cached;
  private final LongAdder transcodes = new LongAdder();
  private byte[] publishFrame;

  @Setup
  public void setup() throws IOException {
    jsonPush = ProtocolCodec.publicationPush(ProtocolCodecBench.CHANNEL, ProtocolCodecBench.DATA,
        "{\"client\":\"0f9c1d5e-8b7a-4c3d-9e2f-1a2b3c4d5e6f\",\"user\":\"u-42\"}", 4711);
    cached = new SharedPush(jsonPush);
    cached.bytes(Encoding.PROTOBUF, transcodes);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ClientProtocol.Command.newBuilder().setId(18).setPublish(ClientProtocol.PublishRequest.newBuilder()
        .setChannel("chat:room-9").setData(ByteString.copyFromUtf8("{\"text\":\"hello everyone\",\"ts\":1700000000123}")))
        .build().writeDelimitedTo(out);
    publishFrame = out.toByteArray();
  }

  /** JSON push → Protobuf Reply: once per publication and node with Protobuf subscribers. */
  @Benchmark
  public byte[] transcodePublicationPush() {
    return ProtobufCodec.replyFromJson(jsonPush);
  }

  /** What every further Protobuf subscriber of the same publication pays: the kept bytes. */
  @Benchmark
  public byte[] cachedPushPerSubscriber() {
    return cached.bytes(Encoding.PROTOBUF, transcodes);
  }

  @Benchmark
  public List<Command> decodeProtobufPublish() throws ProtocolCodec.BadFrameException {
    return ProtobufCodec.decode(publishFrame);
  }
}
