package dev.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.broker.Broker;
import dev.tributary.broker.MemoryBroker;
import dev.tributary.history.HistoryStore;
import dev.tributary.history.MemoryHistory;
import dev.tributary.support.Clock;
import dev.tributary.testing.Poll;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Hub}'s order and index guarantees without sockets: every shard of a channel receives its
 * pushes in one order whichever threads publish, and the broker subscription follows the local
 * subscribers under interleavings driven step by step with a broker whose calls block on a latch.
 */
class HubOrderingTest {
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  /** A context on the next event loop (Vert.x gives each new non-Vert.x thread the next one). */
  private Context newContext() throws InterruptedException {
    Context[] c = new Context[1];
    Thread t = new Thread(() -> c[0] = vertx.getOrCreateContext());
    t.start();
    t.join();
    return c[0];
  }

  /** Records the pushes it receives (as ints) and the threads it received them on. */
  static final class RecordingShard implements Hub.Shard {
    final Context ctx;
    final List<Integer> received = Collections.synchronizedList(new ArrayList<>());
    final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    RecordingShard(Context ctx) {
      this.ctx = ctx;
    }

    @Override
    public Context context() {
      return ctx;
    }

    @Override
    public void deliver(String channel, dev.tributary.protocol.SharedPush shared, long offset, long publishedNanos) {
      byte[] push = shared.json();
      threads.add(Thread.currentThread());
      received.add(ByteBuffer.wrap(push).getInt());
    }
  }

  /** A broker whose subscribe or unsubscribe can be made to wait; records calls and its state. */
  static final class LatchedBroker implements Broker {
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final Set<String> subscribed = ConcurrentHashMap.newKeySet();
    volatile boolean available = true;
    volatile String blockOn;
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    private void maybeBlock(String op) {
      if (op.equals(blockOn)) {
        blockOn = null;
        entered.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public void start(Receiver receiver) {}

    @Override
    public Future<Void> subscribe(String channel) {
      calls.add("subscribe " + channel);
      maybeBlock("subscribe");
      subscribed.add(channel);
      return Future.succeededFuture();
    }

    @Override
    public void unsubscribe(String channel) {
      calls.add("unsubscribe " + channel);
      maybeBlock("unsubscribe");
      subscribed.remove(channel);
    }

    @Override
    public Future<Void> publish(String channel, byte[] push) {
      return Future.failedFuture("not used");
    }

    @Override
    public Future<HistoryStore.Position> publish(String channel, String dataJson, String infoJson, int historySize,
        long historyTtlMillis) {
      return Future.failedFuture("not used");
    }

    @Override
    public HistoryStore history() {
      throw new UnsupportedOperationException("not used");
    }

    @Override
    public boolean available() {
      return available;
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }
  }

  private static byte[] push(int i) {
    return ByteBuffer.allocate(4).putInt(i).array();
  }

  /** Waits until {@code t} ended or waits for a lock (the hub's channel lock, in the fixed hub). */
  private static void untilDoneOrWaiting(Thread t) {
    Poll.until(t.getName() + " done or waiting", 10, () -> !t.isAlive()
        || t.getState() == Thread.State.BLOCKED || t.getState() == Thread.State.WAITING);
  }

  @Test
  void subscribeDuringLastUnsubscribeEndsSubscribed() throws Exception {
    LatchedBroker broker = new LatchedBroker();
    Hub hub = new Hub(broker);
    RecordingShard a = new RecordingShard(newContext());
    RecordingShard b = new RecordingShard(newContext());
    hub.addInterest("c", a);

    broker.blockOn = "unsubscribe";
    Thread leaving = new Thread(() -> hub.removeInterest("c", a), "last-unsubscribe");
    leaving.start();
    assertThat(broker.entered.await(10, TimeUnit.SECONDS)).isTrue();
    // The broker is being told "no more local subscribers" while another event loop gains one.
    Thread joining = new Thread(() -> hub.addInterest("c", b), "first-subscribe");
    joining.start();
    untilDoneOrWaiting(joining);
    broker.release.countDown();
    leaving.join();
    joining.join();

    assertThat(hub.channelCount()).isEqualTo(1);
    assertThat(broker.subscribed).as("broker subscription while b has subscribers").containsExactly("c");
    assertThat(broker.calls).containsExactly("subscribe c", "unsubscribe c", "subscribe c");
  }

  @Test
  void lastUnsubscribeDuringFirstSubscribeEndsUnsubscribed() throws Exception {
    LatchedBroker broker = new LatchedBroker();
    Hub hub = new Hub(broker);
    RecordingShard a = new RecordingShard(newContext());

    broker.blockOn = "subscribe";
    Thread joining = new Thread(() -> hub.addInterest("c", a), "first-subscribe");
    joining.start();
    assertThat(broker.entered.await(10, TimeUnit.SECONDS)).isTrue();
    Thread leaving = new Thread(() -> hub.removeInterest("c", a), "last-unsubscribe");
    leaving.start();
    untilDoneOrWaiting(leaving);
    broker.release.countDown();
    joining.join();
    leaving.join();

    assertThat(hub.channelCount()).isZero();
    assertThat(broker.subscribed).as("no broker subscription without local subscribers").isEmpty();
    assertThat(broker.calls).containsExactly("subscribe c", "unsubscribe c");
  }

  /** Four event loops publish to one channel at once; both shards must see one sequence. */
  private void assertOneOrder(Hub hub) throws Exception {
    List<Context> loops = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      loops.add(newContext());
    }
    RecordingShard s1 = new RecordingShard(loops.get(0));
    RecordingShard s2 = new RecordingShard(loops.get(1));
    hub.addInterest("news", s1);
    hub.addInterest("news", s2);
    int perLoop = 2000;
    // Publishers on the shards' own event loops too: there a push must not overtake queued ones.
    for (int k = 0; k < perLoop; k++) {
      for (int l = 0; l < loops.size(); l++) {
        int value = l * perLoop + k;
        loops.get(l).runOnContext(v -> hub.publish("news", push(value)));
      }
    }
    int total = perLoop * loops.size();
    Poll.until("every push delivered to both shards", 20,
        () -> s1.received.size() == total && s2.received.size() == total);
    assertThat(s1.threads).doesNotContainAnyElementsOf(s2.threads);
    assertThat(new HashSet<>(s1.received)).hasSize(total);
    assertThat(s2.received).as("shard 2's order").isEqualTo(s1.received);
  }

  @Test
  void shardsOnDifferentEventLoopsReceiveOneOrderFromConcurrentPublishers() throws Exception {
    assertOneOrder(new Hub(new MemoryBroker(new MemoryHistory(16, Clock.SYSTEM))));
  }

  @Test
  void localFallbackWhileTheBrokerIsDownKeepsOneOrder() throws Exception {
    LatchedBroker broker = new LatchedBroker();
    broker.available = false;
    Hub hub = new Hub(broker);
    hub.setPublishPolicy(true, 0); // redis.degradedPublish: local
    assertOneOrder(hub);
    assertThat(hub.localOnlyCount()).isEqualTo(8000);
  }
}
