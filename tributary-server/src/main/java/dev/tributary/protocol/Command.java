package dev.tributary.protocol;

import io.vertx.core.json.JsonObject;

/**
 * One decoded client command: {@code {"id":N,"<method>":{params}}}, whichever the encoding (a
 * Protobuf command is decoded into the same params, see {@link ProtobufCodec}). An empty command
 * is a pong ({@link #PONG}).
 *
 * @param invalid null, or why the command's params cannot be used (a Protobuf {@code data} that is
 *     not JSON): answered with 107, the connection stays
 */
public record Command(long id, String method, JsonObject params, String invalid) {
  public static final Command PONG = new Command(0, "", new JsonObject());

  public Command(long id, String method, JsonObject params) {
    this(id, method, params, null);
  }

  public boolean isPong() {
    return method.isEmpty();
  }
}
