package dev.tributary.hooks;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

/**
 * A hook answered by a module ({@code ModuleClient.hook}): an event-bus request to the hook's
 * address with the hook's timeout as its send timeout. No module registered → {@code unavailable};
 * no answer in time → {@code timeout}; the module's handler failed → {@code error}.
 */
final class BusHookCaller implements HookCaller {
  private final Vertx vertx;
  private final String address;
  private final DeliveryOptions delivery;

  BusHookCaller(Vertx vertx, String address, int timeoutMillis) {
    this.vertx = vertx;
    this.address = address;
    this.delivery = new DeliveryOptions().setSendTimeout(timeoutMillis);
  }

  @Override
  public Future<HookAnswer> call(JsonObject request, MultiMap headers) {
    return vertx.eventBus().request(address, request, delivery).transform(ar -> {
      if (ar.succeeded()) {
        try {
          return Future.succeededFuture(HookAnswer.parse(ar.result().body()));
        } catch (HookFailure f) {
          return Future.failedFuture(f);
        }
      }
      if (ar.cause() instanceof ReplyException re) {
        switch (re.failureType()) {
          case NO_HANDLERS:
            return Future.failedFuture(new HookFailure(HookFailure.UNAVAILABLE, "no module registered at " + address));
          case TIMEOUT:
            return Future.failedFuture(new HookFailure(HookFailure.TIMEOUT,
                "no answer from " + address + " within " + delivery.getSendTimeout() + " ms"));
          default:
            break;
        }
      }
      return Future.failedFuture(new HookFailure(HookFailure.ERROR, "module at " + address + " failed: " + ar.cause().getMessage()));
    });
  }

  @Override
  public String describe() {
    return "module " + address;
  }
}
