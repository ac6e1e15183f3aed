package dev.tributary.jmh;

import dev.tributary.protocol.Command;
import dev.tributary.protocol.ProtocolCodec;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The Centrifugo JSON codec: encoding one publication's push (done once per publication, however
 * many subscribers) and decoding the commands a client sends most (subscribe, publish).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ProtocolCodecBench {
  /** Channel and data of the 150-byte push used across the benchmarks. */
  public static final String CHANNEL = "sport:match-4711";
  public static final String DATA =
      "{\"home\":2,\"away\":1,\"minute\":67,\"event\":\"goal\",\"player\":\"A. Exampleson\",\"text\":\"takes the lead\"}";

  private final String channel = CHANNEL;
  private final String data = DATA;
  private final String subscribe = "{\"id\":17,\"subscribe\":{\"channel\":\"sport:match-4711\"}}";
  private final String publish =
      "{\"id\":18,\"publish\":{\"channel\":\"chat:room-9\",\"data\":{\"text\":\"hello everyone\",\"ts\":1700000000123}}}";

  @Benchmark
  public byte[] publicationPush() {
    return ProtocolCodec.publicationPush(channel, data, null);
  }

  @Benchmark
  public List<Command> decodeSubscribe() throws ProtocolCodec.BadFrameException {
    return ProtocolCodec.decode(subscribe);
  }

  @Benchmark
  public List<Command> decodePublish() throws ProtocolCodec.BadFrameException {
    return ProtocolCodec.decode(publish);
  }
}
