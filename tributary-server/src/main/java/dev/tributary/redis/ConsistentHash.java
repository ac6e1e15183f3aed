package dev.tributary.redis;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * A hash ring with virtual nodes: a key maps to the first node clockwise of its hash. Adding or
 * removing one of N nodes moves about 1/N of the keys. Immutable; thread-safe.
 */
public final class ConsistentHash<N> {
  private static final int VIRTUAL_NODES = 160;
  private final TreeMap<Long, N> ring = new TreeMap<>();

  public ConsistentHash(List<N> nodes, java.util.function.Function<N, String> id) {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("no nodes");
    }
    for (N n : nodes) {
      for (int v = 0; v < VIRTUAL_NODES; v++) {
        ring.put(hash(id.apply(n) + "#" + v), n);
      }
    }
  }

  static long hash(String s) {
    CRC32C crc = new CRC32C();
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    crc.update(b, 0, b.length);
    long h = crc.getValue();
    // spread the 32 bits over the ring
    h ^= h << 21;
    h ^= h >>> 35;
    h ^= h << 4;
    return h;
  }

  public N nodeFor(String key) {
    if (ring.size() == VIRTUAL_NODES) {
      return ring.firstEntry().getValue();
    }
    Map.Entry<Long, N> e = ring.ceilingEntry(hash(key));
    return (e == null ? ring.firstEntry() : e).getValue();
  }
}
