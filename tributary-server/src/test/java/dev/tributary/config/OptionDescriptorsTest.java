package dev.tributary.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The option descriptors: what the reload, the readers, the setters and the docs derive from them. */
class OptionDescriptorsTest {

  @Test
  void reloadClassificationComesFromTheDescriptors() {
    assertThat(OptionRegistry.reload("api.key")).isEqualTo(Reload.LIVE);
    assertThat(OptionRegistry.reload("channels.maxPublicationBytes")).isEqualTo(Reload.LIVE);
    assertThat(OptionRegistry.reload("gateway.batch.maxBytes")).isEqualTo(Reload.NEW_CONNECTIONS);
    assertThat(OptionRegistry.reload("gateway.batch.maxDelayMillis")).isEqualTo(Reload.LIVE);
    // Read once at start: a reload must not report them applied.
    for (String key : new String[] {"channels.historyMaxChannels", "channels.historyMaxBytes",
        "channels.historyMetaTtlSeconds", "channels.positionCheckSeconds", "channels.presenceTtlSeconds",
        "coordinator.cacheMaxEntries", "gateway.pingIntervalSeconds", "redis.poolSize", "redis.urls"}) {
      assertThat(OptionRegistry.reload(key)).as(key).isEqualTo(Reload.RESTART);
    }
    // Templates: a namespace's keys (names may hold dots), a module entry's keys.
    assertThat(OptionRegistry.find("channels.namespaces.chat.v2.historySize")).isPresent();
    assertThat(OptionRegistry.reload("channels.namespaces.chat.v2.historySize")).isEqualTo(Reload.LIVE);
    assertThat(OptionRegistry.find("modules[3].instances")).isPresent();
    // Keys no option describes (the modules list as a whole) need a restart.
    assertThat(OptionRegistry.reload("modules")).isEqualTo(Reload.RESTART);
  }

  @Test
  void everyDefaultPassesItsOwnCheckAndKeysAreUnique() {
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (OptionSet<?> set : OptionRegistry.sets()) {
      for (Option<?, ?> o : set.options()) {
        assertThat(keys.add(o.key())).as("described once: " + o.key()).isTrue();
        if (o.generic() && o.defaultValue() != null) {
          checkDefault(o);
        }
      }
    }
    assertThat(keys).contains("gateway.maxConnections", "redis.commandTimeoutMillis", "modules[i].class");
  }

  private static <T> void checkDefault(Option<?, T> o) {
    assertThat(o.check(o.defaultValue())).as(o.key()).isEqualTo(o.defaultValue());
  }

  @Test
  void readerAndSetterRefuseTheSameRangeWithTheSameMessage() {
    String fromJson = messageOf(() -> new TributaryOptions(new JsonObject().put("gateway",
        new JsonObject().put("batch", new JsonObject().put("maxBytes", 63)))));
    String fromSetter = messageOf(() -> new BatchOptions().setMaxBytes(63));
    assertThat(fromJson).isEqualTo(fromSetter).isEqualTo("config: gateway.batch.maxBytes: must be between 64 and 67108864, got 63");
    // A namespace's setter names the template, its reader the namespace.
    assertThat(messageOf(() -> new NamespaceOptions().setHistorySize(-1)))
        .isEqualTo("config: channels.namespaces.<name>.historySize: must be between 0 and 1000000, got -1");
    assertThat(messageOf(() -> new TributaryOptions(new JsonObject().put("channels", new JsonObject().put("namespaces",
        new JsonObject().put("chat", new JsonObject().put("historySize", -1)))))))
        .isEqualTo("config: channels.namespaces.chat.historySize: must be between 0 and 1000000, got -1");
    assertThatThrownBy(() -> new MemoryOptions().setHighWatermark(0)).hasMessage("config: memory.highWatermark: must be > 0, got 0.0");
  }

  private static String messageOf(Runnable r) {
    try {
      r.run();
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("no ConfigException");
  }

  @Test
  void docsRenderingReplacesWrongCellsAndKeepsTheMeaning() {
    String stale = "intro\n<!-- options: rpc -->\n| key | type | default | range | reload | meaning |\n|---|---|---|---|---|---|\n"
        + "| `rpc.timeoutMillis` | int | `1` | 0–9 | live | how long a module has | to answer |\n<!-- /options -->\nend\n";
    assertThat(ConfigDocs.render(stale)).isEqualTo("intro\n<!-- options: rpc -->\n" + ConfigDocs.HEADER
        + "| `rpc.timeoutMillis` | int | `5000` | ms, 1–600,000 | restart | how long a module has | to answer |\n"
        + "<!-- /options -->\nend\n");
    assertThatThrownBy(() -> ConfigDocs.render("<!-- options: nosuch -->\n<!-- /options -->"))
        .hasMessageContaining("nosuch");
  }
}
