package dev.tributary.testing;

import dev.tributary.coordinator.ModuleClient;
import dev.tributary.coordinator.RpcException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A module for RPC tests: {@code whoami} answers the caller's identity and data; {@code refuse}
 * fails with {@link RpcException} 4001 "refused"; {@code boom} throws; {@code silent} never answers;
 * messages sent by clients are queued in {@link #messages} for the test thread.
 */
public final class RpcTestModule extends VerticleBase {
  public final LinkedBlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();

  @Override
  public Future<?> start() {
    ModuleClient client = ModuleClient.create(vertx, "rpc-test");
    return Future.all(
        client.rpc("whoami", req -> Future.succeededFuture(new JsonObject().put("client", req.getString("client"))
            .put("user", req.getString("user")).put("info", req.getValue("info")).put("data", req.getValue("data")))),
        client.rpc("refuse", req -> Future.failedFuture(new RpcException(4001, "refused"))),
        client.rpc("boom", req -> {
          throw new IllegalStateException("module bug");
        }),
        client.rpc("silent", req -> Promise.<JsonObject>promise().future()),
        client.onMessage(messages::add));
  }
}
