package dev.tributary.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;

/**
 * A module that holds a node in the window where its HTTP server listens but not every verticle is
 * deployed: its start completes when a message reaches the event-bus address
 * {@code releaseAddress} (config), or else {@code delayMillis} (config, default 500) after deployment.
 */
public final class SlowStartModule extends VerticleBase {
  @Override
  public Future<?> start() {
    Promise<Void> started = Promise.promise();
    String release = config().getString("releaseAddress");
    if (release != null) {
      return vertx.eventBus().consumer(release, m -> started.tryComplete()).completion()
          .compose(v -> started.future());
    }
    vertx.setTimer(config().getLong("delayMillis", 500L), id -> started.complete());
    return started.future();
  }
}
