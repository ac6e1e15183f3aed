package dev.tributary.gateway.protocol;

import io.vertx.core.json.JsonObject;

/**
 * One decoded client command: {@code {"id":N,"<method>":{params}}}. An empty object is a pong
 * ({@link #PONG}).
 */
public record Command(long id, String method, JsonObject params) {
  public static final Command PONG = new Command(0, "", new JsonObject());

  public boolean isPong() {
    return method.isEmpty();
  }
}
