package dev.tributary.presence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.presence.PresenceStore.ClientInfo;
import dev.tributary.presence.PresenceStore.Stats;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link PresenceStore} must do, beside {@code HistoryStoreContract}; run against the
 * in-memory store ({@link MemoryPresenceTest}) and the Redis one ({@link RedisPresenceTest}). Each
 * test uses channels of its own ({@code pc:<test>:…}), so a store shared across tests (one Redis)
 * cannot make another test pass.
 */
public abstract class PresenceStoreContract {

  /** A store under test; called once per test. */
  protected abstract PresenceStore store() throws Exception;

  /** The answer of {@code f}, bounded; a failure fails the test. */
  protected static <T> T result(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  public void addsRemovesAndAnswersPresenceAndStats() throws Exception {
    PresenceStore s = store();
    result(s.add("pc:basic", new ClientInfo("a", "u1")));
    result(s.add("pc:basic", new ClientInfo("b", "u1")));
    result(s.add("pc:basic", new ClientInfo("c", "u2")));
    result(s.add("pc:basic:other", new ClientInfo("d", "u3")));

    Map<String, ClientInfo> p = result(s.presence("pc:basic"));
    assertThat(p).containsOnlyKeys("a", "b", "c");
    assertThat(p.get("c")).isEqualTo(new ClientInfo("c", "u2"));
    assertThat(result(s.stats("pc:basic"))).as("3 clients of 2 users").isEqualTo(new Stats(3, 2));

    result(s.remove("pc:basic", "b"));
    assertThat(result(s.presence("pc:basic"))).containsOnlyKeys("a", "c");
    assertThat(result(s.stats("pc:basic"))).isEqualTo(new Stats(2, 2));
    assertThat(result(s.presence("pc:basic:other"))).as("channels are independent").containsOnlyKeys("d");

    result(s.remove("pc:basic", "a"));
    result(s.remove("pc:basic", "c"));
    assertThat(result(s.presence("pc:basic"))).isEmpty();
    assertThat(result(s.stats("pc:basic"))).isEqualTo(new Stats(0, 0));
  }

  @Test
  public void aChannelNobodyJoinedIsEmptyAndRemovingAnAbsentClientSucceeds() throws Exception {
    PresenceStore s = store();
    assertThat(result(s.presence("pc:nobody"))).isEmpty();
    assertThat(result(s.stats("pc:nobody"))).isEqualTo(new Stats(0, 0));
    result(s.remove("pc:nobody", "never-there"));
    result(s.add("pc:absent", new ClientInfo("a", "u1")));
    result(s.remove("pc:absent", "never-there"));
    assertThat(result(s.presence("pc:absent"))).containsOnlyKeys("a");
  }

  @Test
  public void addingAClientAgainReplacesItsEntry() throws Exception {
    PresenceStore s = store();
    result(s.add("pc:again", new ClientInfo("a", "u1")));
    JsonObject info = new JsonObject().put("name", "Ann");
    result(s.add("pc:again", new ClientInfo("a", "u1", info)));
    assertThat(result(s.presence("pc:again"))).containsExactly(Map.entry("a", new ClientInfo("a", "u1", info)));
    assertThat(result(s.stats("pc:again"))).isEqualTo(new Stats(1, 1));
  }

  @Test
  public void channelInfoIsKeptAndAbsentInfoStaysAbsent() throws Exception {
    PresenceStore s = store();
    JsonObject info = new JsonObject().put("name", "Ann").put("n", 3).put("tags", new io.vertx.core.json.JsonArray().add("x"));
    result(s.add("pc:info", new ClientInfo("a", "u1", info)));
    result(s.add("pc:info", new ClientInfo("b", "u2")));
    Map<String, ClientInfo> p = result(s.presence("pc:info"));
    assertThat(p.get("a")).isEqualTo(new ClientInfo("a", "u1", info));
    assertThat(p.get("a").toJson()).isEqualTo(new JsonObject().put("client", "a").put("user", "u1").put("chan_info", info));
    assertThat(p.get("b").chanInfo()).isNull();
    assertThat(p.get("b").toJson()).isEqualTo(new JsonObject().put("client", "b").put("user", "u2"));
  }
}
