package dev.tributary.jmh;

import dev.tributary.protocol.ProtocolCodec;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What WebSocket permessage-deflate would cost per outbound frame, and what it saves: raw deflate
 * (as permessage-deflate uses, with context takeover: one Deflater per connection) of frames of
 * {@code messages} pushes of a realistic JSON publication. The compressed size per frame is
 * printed at tear-down so CPU (ns/frame from JMH) can be weighed against bytes saved.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class CompressionBenchmark {
  @Param({"1", "10", "100"})
  int messages;

  @Param({"1", "6"})
  int level;

  byte[][] frames;
  byte[] out;
  Deflater deflater;
  int next;
  long inBytes;
  long outBytes;

  @Setup(Level.Trial)
  public void setUp() {
    // Distinct frames (prices, volumes, times, symbols vary) so that context takeover cannot
    // simply point back at an identical previous frame.
    java.util.Random rnd = new java.util.Random(42);
    String[] symbols = {"ACME", "GLOBX", "INITECH", "UMBRL", "STARK", "WAYNE", "OSCP", "TYRL"};
    frames = new byte[256][];
    int max = 0;
    for (int f = 0; f < frames.length; f++) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < messages; i++) {
        if (i > 0) {
          sb.append('\n');
        }
        String sym = symbols[rnd.nextInt(symbols.length)];
        String data = "{\"symbol\":\"" + sym + "\",\"price\":" + (rnd.nextInt(100_000) / 100.0) + ",\"volume\":"
            + rnd.nextInt(1_000_000) + ",\"ts\":" + (1_700_000_000_000L + rnd.nextInt(1_000_000)) + ",\"exchange\":\"XNYS\"}";
        sb.append(new String(ProtocolCodec.publicationPush("ticker:" + sym, data, null), StandardCharsets.UTF_8));
      }
      frames[f] = sb.toString().getBytes(StandardCharsets.UTF_8);
      max = Math.max(max, frames[f].length);
    }
    out = new byte[max * 2 + 64];
    deflater = new Deflater(level, true);
  }

  @Benchmark
  public int deflateFrame() {
    byte[] frame = frames[next++ & 255];
    deflater.setInput(frame);
    int n = deflater.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
    inBytes += frame.length;
    outBytes += n;
    return n;
  }

  @TearDown(Level.Trial)
  public void report() {
    System.out.printf("%n[compression] messages=%d level=%d mean frame=%d bytes, compressed=%d bytes, ratio=%.3f%n",
        messages, level, inBytes / Math.max(1, next), outBytes / Math.max(1, next), (double) outBytes / Math.max(1, inBytes));
    deflater.end();
  }
}
