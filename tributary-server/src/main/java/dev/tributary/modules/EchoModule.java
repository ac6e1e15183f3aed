package dev.tributary.modules;

import dev.tributary.coordinator.ModuleClient;
import dev.tributary.bus.Priority;
import dev.tributary.coordinator.RpcException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * An example module that hears clients, the sibling of {@link TickerModule}: it answers the RPC
 * method {@code echo} with what the client sent and who it is, and turns every message a client
 * {@code send}s into a state update of its channel, which the channel's subscribers receive.
 *
 * <pre>{@code
 * "modules": [ { "class": "dev.tributary.modules.EchoModule",
 *                "config": { "id": "echo", "channel": "echo" } } ]
 * }</pre>
 *
 * With centrifuge-js: {@code await client.rpc('echo', {hello: 1})} gives
 * {@code {data: {echo: {hello: 1}, client: '…', user: '…'}}}; {@code client.send({hi: 2})} reaches
 * the subscribers of {@code echo} as a publication whose envelope's {@code state} is
 * {@code {from: '<client>', data: {hi: 2}}}. An {@code echo} without data is refused with
 * {@link RpcException} 107, which the client receives as the rpc's error.
 */
public final class EchoModule extends VerticleBase {
  private ModuleClient client;

  @Override
  public Future<?> start() {
    JsonObject c = config();
    client = ModuleClient.create(vertx, c.getString("id", "echo"));
    Future<Void> rpc = client.rpc("echo", req -> {
      if (req.getValue("data") == null) {
        return Future.failedFuture(new RpcException(107, "echo needs data"));
      }
      return Future.succeededFuture(new JsonObject().put("echo", req.getValue("data"))
          .put("client", req.getString("client")).put("user", req.getString("user")));
    });
    Future<Void> messages = client.onMessage(msg -> client.update("messages", Priority.MEDIUM,
        new JsonObject().put("from", msg.getString("client")).put("data", msg.getValue("data"))));
    return Future.all(client.register(c.getString("channel", "echo"), "messages"), rpc, messages);
  }

  @Override
  public Future<?> stop() {
    return client == null ? Future.succeededFuture() : client.unregister().otherwiseEmpty();
  }
}
