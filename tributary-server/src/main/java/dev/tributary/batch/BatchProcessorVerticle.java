package dev.tributary.batch;

import dev.tributary.bus.Addresses;
import dev.tributary.bus.CoordinatedUpdate;
import dev.tributary.hub.Hub;
import dev.tributary.metrics.MetricNames;
import dev.tributary.support.Clock;
import dev.tributary.support.DeadlineTimer;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The batch processor: collects coordinated updates for a window up to a size (the pure
 * {@link BatchBuffer} decides), flushes critical ones at once, and publishes each batch through
 * the hub ordered by priority, then time, grouped by module. One instance on one event loop; one
 * timer at most.
 */
public final class BatchProcessorVerticle extends VerticleBase {
  private final Hub hub;
  private final Clock clock;
  private final MeterRegistry registry;
  private final long initialWindowMillis;
  private final int initialMaxSize;
  private BatchBuffer<CoordinatedUpdate> buffer;
  private DeadlineTimer timer;
  private Timer latency;
  private Timer hold;
  private DistributionSummary batchSizes;

  public BatchProcessorVerticle(Hub hub, Clock clock, MeterRegistry registry, long windowMillis, int maxSize) {
    this.hub = hub;
    this.clock = clock;
    this.registry = registry;
    this.initialWindowMillis = windowMillis;
    this.initialMaxSize = maxSize;
  }

  @Override
  public Future<?> start() {
    buffer = new BatchBuffer<>(clock);
    timer = new DeadlineTimer(vertx, clock, this::onDeadline);
    buffer.setWindowMillis(initialWindowMillis).setMaxSize(initialMaxSize);
    latency = Timer.builder(MetricNames.COORDINATOR_LATENCY).publishPercentiles(0.5, 0.95, 0.99)
        .publishPercentileHistogram().register(registry);
    hold = Timer.builder(MetricNames.COORDINATOR_HOLD).publishPercentiles(0.5, 0.95, 0.99).register(registry);
    batchSizes = DistributionSummary.builder(MetricNames.BATCH_SIZE).publishPercentiles(0.5, 0.99).register(registry);
    Gauge.builder(MetricNames.BATCH_QUEUE, this, b -> b.buffer.size()).register(registry);
    for (BatchBuffer.FlushReason r : BatchBuffer.FlushReason.values()) {
      io.micrometer.core.instrument.FunctionCounter.builder(MetricNames.BATCH_FLUSHES, this, b -> b.buffer.flushes(r))
          .tag("reason", r.name().toLowerCase(java.util.Locale.ROOT)).register(registry);
    }
    return Future.all(
        vertx.eventBus().<CoordinatedUpdate>consumer(Addresses.BATCH_SUBMIT, m -> submit(m.body())).completion(),
        vertx.eventBus().<JsonObject>consumer(Addresses.BATCH_CONFIGURE, this::configure).completion());
  }

  /** Shutdown: whatever is buffered is published now. */
  @Override
  public Future<?> stop() {
    flush();
    return Future.succeededFuture();
  }

  private void submit(CoordinatedUpdate u) {
    if (buffer.add(u, u.moduleId(), u.priority())) {
      flush();
    } else {
      rearm();
    }
  }

  private void rearm() {
    timer.arm(buffer.nextDeadlineMillis());
  }

  private void onDeadline() {
    if (buffer.shouldFlush()) {
      flush();
    }
    rearm();
  }

  private void flush() {
    List<CoordinatedUpdate> batch = buffer.flush();
    if (batch.isEmpty()) {
      return;
    }
    batchSizes.record(batch.size());
    for (CoordinatedUpdate u : batch) {
      hub.publish(u.channel(), u.envelope(), null);
    }
    long now = clock.nanoTime();
    for (CoordinatedUpdate u : batch) {
      latency.record(now - u.dueNanos(), TimeUnit.NANOSECONDS);
      hold.record(now - u.firstOfferNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void configure(Message<JsonObject> msg) {
    JsonObject c = msg.body() == null ? new JsonObject() : msg.body();
    if (c.containsKey("windowMillis")) {
      buffer.setWindowMillis(c.getLong("windowMillis"));
    }
    if (c.containsKey("maxSize")) {
      buffer.setMaxSize(c.getInteger("maxSize"));
    }
    if (buffer.shouldFlush()) {
      flush();
    }
    rearm();
    msg.reply(new JsonObject()
        .put("windowMillis", buffer.getWindowMillis())
        .put("maxSize", buffer.getMaxSize())
        .put("queueDepth", buffer.size())
        .put("batches", buffer.flushes())
        .put("itemsFlushed", buffer.flushedItems())
        .put("meanBatchSize", batchSizes.mean())
        .put("maxBatchSize", batchSizes.max()));
  }
}
