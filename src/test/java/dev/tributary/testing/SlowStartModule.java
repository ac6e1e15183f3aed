package dev.tributary.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;

/**
 * A module whose start completes {@code delayMillis} (config, default 500) after it is deployed:
 * it holds a node in the window where its HTTP server listens but not every verticle is deployed.
 */
public final class SlowStartModule extends VerticleBase {
  @Override
  public Future<?> start() {
    Promise<Void> started = Promise.promise();
    vertx.setTimer(config().getLong("delayMillis", 500L), id -> started.complete());
    return started.future();
  }
}
