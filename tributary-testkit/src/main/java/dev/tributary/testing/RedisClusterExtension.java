package dev.tributary.testing;

import dev.tributary.config.RedisOptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link RedisCluster} (3 masters, 1 replica each) for a whole test class, started before its
 * first test and stopped after its last:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisClusterExtension cluster = new RedisClusterExtension();
 * }</pre>
 */
public final class RedisClusterExtension implements BeforeAllCallback, AfterAllCallback, RedisDeployment {
  private RedisCluster cluster;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    cluster = RedisCluster.start(3, 1);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
  }

  public RedisCluster cluster() {
    return cluster;
  }

  @Override
  public void configure(RedisOptions o) {
    o.setCluster(cluster.seeds());
  }

  @Override
  public String toString() {
    return "Redis Cluster";
  }
}
