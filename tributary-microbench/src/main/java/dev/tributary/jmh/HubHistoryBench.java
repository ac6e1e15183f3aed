package dev.tributary.jmh;

import dev.tributary.channels.ChannelRules;
import dev.tributary.config.ChannelsOptions;
import dev.tributary.config.NamespaceOptions;
import dev.tributary.broker.MemoryBroker;
import dev.tributary.history.MemoryHistory;
import dev.tributary.hub.Hub;
import dev.tributary.support.Clock;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The per-publication cost of memory history on one node: {@code Hub.publish(channel, data, info)}
 * with the channel's namespace keeping {@code historySize} publications (0 = no history) in a
 * {@link MemoryHistory}, as the server configures it. No broker and no subscribers, so what is
 * measured is what every publication pays before fan-out: the namespace lookup, the push encoding
 * and, with history, the stream lookup (Caffeine), the append under the stream's lock and the trim.
 * {@code channels} publications go round robin over that many channels. Delivery to subscribers is
 * the same with and without history (apart from the ~15 bytes of {@code "offset":N} in each push)
 * and is measured by {@code scripts/bench fanout} (docs/PERFORMANCE.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HubHistoryBench {
  @Param({"0", "100", "1000"})
  public int historySize;

  @Param({"1", "100"})
  public int channels;

  private Hub hub;
  private String[] names;
  private String data;
  private int i;

  @Setup
  public void setUp() {
    ChannelsOptions co = new ChannelsOptions();
    NamespaceOptions ns = new NamespaceOptions().setAllowClientPublish(true);
    if (historySize > 0) {
      ns.setHistorySize(historySize).setHistoryTtlSeconds(300);
    }
    co.putNamespace("bench", ns);
    ChannelRules rules = new ChannelRules(co, 255);
    hub = new Hub(new MemoryBroker(new MemoryHistory(co.getHistoryMaxChannels(), Clock.SYSTEM)));
    hub.configure(() -> rules);
    names = new String[channels];
    for (int c = 0; c < channels; c++) {
      names[c] = "bench:" + c;
    }
    StringBuilder sb = new StringBuilder("{\"ts\":1234567890123,\"seq\":1,\"pad\":\"");
    while (sb.length() < 97) {
      sb.append('x');
    }
    data = sb.append("\"}").toString();
  }

  @Benchmark
  public Future<Hub.Published> publish() {
    String ch = names[i];
    if (++i == names.length) {
      i = 0;
    }
    return hub.publish(ch, data, "{\"client\":\"3070f612-1dc3-459e-8b7b-f0463b5c7198\",\"user\":\"\"}");
  }
}
