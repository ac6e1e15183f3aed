package dev.tributary.it;

import dev.tributary.config.TributaryOptions;
import dev.tributary.testing.RedisServerExtension;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link BoundedHistoryScenarios} with history in a real redis-server: answers arrive later, on
 * Redis's context, and are fitted to the budget of when they arrive.
 */
class BoundedHistoryRedisTest extends BoundedHistoryScenarios {
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();

  @Override
  void configureStore(TributaryOptions o) {
    o.getRedis().setUrls(List.of(redis.url()));
  }
}
