package dev.tributary.bus;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes immutable records through the local event bus as they are: no copy, no serialisation.
 * Registered as the default codec of each message record by {@link #registerAll(Vertx)}.
 */
public final class LocalCodec<T> implements MessageCodec<T, T> {
  private final Class<T> type;

  private LocalCodec(Class<T> type) {
    this.type = type;
  }

  /** Registers the codec of every Tributary message record. Idempotent per Vert.x instance. */
  public static void registerAll(Vertx vertx) {
    register(vertx, ModuleRegistration.class);
    register(vertx, ModuleUpdate.class);
    register(vertx, CoordinatedUpdate.class);
    register(vertx, MemoryPressure.class);
  }

  private static <T> void register(Vertx vertx, Class<T> type) {
    try {
      vertx.eventBus().registerDefaultCodec(type, new LocalCodec<>(type));
    } catch (IllegalStateException alreadyRegistered) {
      // a second server in the same Vert.x: the codec is there already
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, T t) {
    throw new UnsupportedOperationException(type.getSimpleName() + " is local only");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException(type.getSimpleName() + " is local only");
  }

  @Override
  public T transform(T t) {
    return t;
  }

  @Override
  public String name() {
    return "tributary-local-" + type.getSimpleName();
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
