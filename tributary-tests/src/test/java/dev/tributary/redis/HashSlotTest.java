package dev.tributary.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.RedisCluster;
import dev.tributary.testing.RedisServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link HashSlot} computes the slots Redis Cluster computes (known values from the cluster spec). */
class HashSlotTest {
  @Test
  void matchesRedisClusterSlotsAndHashTags() {
    // Values from the Redis Cluster specification and redis-cli CLUSTER KEYSLOT.
    assertThat(HashSlot.of("123456789")).isEqualTo(0x31C3 & 16383);
    assertThat(HashSlot.of("foo")).isEqualTo(12182);
    assertThat(HashSlot.of("{user1000}.following")).isEqualTo(HashSlot.of("user1000"));
    assertThat(HashSlot.of("foo{}{bar}")).isEqualTo(HashSlot.of("foo{}{bar}")).isNotEqualTo(HashSlot.of("bar"));
    assertThat(HashSlot.of("foo{{bar}}zap")).isEqualTo(HashSlot.of("{bar"));
    // One channel's keys and pub/sub channel share a slot, whatever braces the channel holds.
    for (String ch : List.of("news", "a{b}c", "x:}{")) {
      int s = HashSlot.of("tributary.history.{" + ch + "}");
      assertThat(HashSlot.of("tributary.history.meta.{" + ch + "}")).isEqualTo(s);
      assertThat(HashSlot.of("tributary.ch.{" + ch + "}")).isEqualTo(s);
    }
  }

  @Test
  void tagInLandsInTheRange() {
    for (int[] r : new int[][] {{0, 5460}, {5461, 10922}, {10923, 16383}, {7000, 7000}}) {
      int s = HashSlot.of("{" + HashSlot.tagIn(r[0], r[1]) + "}x");
      assertThat(s).isBetween(r[0], r[1]);
    }
  }

  @Test
  void agreesWithARealRedis() throws Exception {
    try (RedisServer redis = RedisServer.start(p -> List.of("--cluster-enabled", "yes"))) {
      for (String k : List.of("a", "tributary.ch.{x:one}", "{}", "{a}b", "é€", "foo{}{bar}")) {
        assertThat(((Long) RedisCluster.call(redis, "CLUSTER", "KEYSLOT", k)).intValue()).as(k).isEqualTo(HashSlot.of(k));
      }
    }
  }
}
