package dev.tributary.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class RedisSettingsTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    RedisSettings s = new RedisSettings();
    assertThat(s.getUrl()).isEqualTo("redis://127.0.0.1:6379");
    assertThat(s.getPoolSize()).isEqualTo(8);
    assertThat(s.getConnectTimeoutMillis()).isEqualTo(2000);
    assertThat(s.getCommandTimeoutMillis()).isEqualTo(2000);
    assertThat(s.getBreakerMaxFailures()).isEqualTo(5);
    assertThat(s.getBreakerResetTimeoutMillis()).isEqualTo(2000);
  }

  @Test
  void roundTripsThroughJson() {
    RedisSettings s = new RedisSettings().setUrl("redis://10.0.0.1:6380/2").setPoolSize(3)
        .setMaxPoolWaiting(50).setConnectTimeoutMillis(300).setCommandTimeoutMillis(400)
        .setBreakerMaxFailures(7).setBreakerResetTimeoutMillis(900)
        .setReconnectInitialDelayMillis(10).setReconnectMaxDelayMillis(999);
    assertThat(new RedisSettings(s.toJson()).toJson()).isEqualTo(s.toJson());
    assertThat(new RedisSettings(s).toJson()).isEqualTo(s.toJson());
    assertThat(new RedisSettings(new JsonObject()).toJson()).isEqualTo(new RedisSettings().toJson());
  }

  @Test
  void refusesBadValuesNamingTheKey() {
    assertThatThrownBy(() -> new RedisSettings(new JsonObject().put("poolSize", 0)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("redis.poolSize");
    assertThatThrownBy(() -> new RedisSettings(new JsonObject().put("commandTimeoutMillis", "1s")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("redis.commandTimeoutMillis").hasMessageContaining("integer");
    assertThatThrownBy(() -> new RedisSettings(new JsonObject().put("url", "http://x")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("redis.url");
    assertThatThrownBy(() -> new RedisSettings(new JsonObject().put("poolsize", 4)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("redis.poolsize").hasMessageContaining("unknown key");
  }

  @Test
  void toStringHidesThePassword() {
    assertThat(new RedisSettings().setUrl("redis://user:secret@host:6379").toString())
        .doesNotContain("secret").contains("redis://***@host:6379");
  }
}
