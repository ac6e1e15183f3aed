package dev.tributary.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.support.IdGenerator.Strategy;
import dev.tributary.testing.FakeClock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class IdGeneratorTest {
  private static final Pattern FAST = Pattern.compile("[0-9a-v]{25}");
  private static final Pattern SECURE =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  private static final Pattern HYBRID = Pattern.compile("[0-7][0-9A-HJKMNP-TV-Z]{25}");

  private static Pattern format(Strategy s) {
    return switch (s) {
      case FAST -> FAST;
      case SECURE -> SECURE;
      case HYBRID -> HYBRID;
    };
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void makes100kUniqueIdsOfTheDocumentedFormat(Strategy strategy) {
    IdGenerator gen = IdGenerator.create(strategy);
    Pattern p = format(strategy);
    Set<String> seen = new HashSet<>(200_000);
    for (int i = 0; i < 100_000; i++) {
      String id = gen.next();
      assertThat(seen.add(id)).as("duplicate %s", id).isTrue();
      if (i % 97 == 0) {
        assertThat(id).matches(p);
      }
    }
    assertThat(seen).allMatch(id -> p.matcher(id).matches());
  }

  @ParameterizedTest
  @EnumSource(Strategy.class)
  void staysUniqueAcrossThreads(Strategy strategy) throws Exception {
    IdGenerator gen = IdGenerator.create(strategy);
    Set<String> seen = ConcurrentHashMap.newKeySet();
    int threads = 4;
    int each = 25_000;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < each; i++) {
          seen.add(gen.next());
        }
      });
      th.start();
      ts.add(th);
    }
    go.countDown();
    for (Thread th : ts) {
      th.join();
    }
    assertThat(seen).hasSize(threads * each);
  }

  @Test
  void secureIdsAreVersion4VariantIetfUuids() {
    IdGenerator gen = IdGenerator.create(Strategy.SECURE);
    for (int i = 0; i < 1000; i++) {
      UUID u = UUID.fromString(gen.next());
      assertThat(u.version()).isEqualTo(4);
      assertThat(u.variant()).isEqualTo(2);
    }
  }

  @Test
  void fastIdsShareTheGeneratorPrefixAndSortInOrderOfCreation() {
    IdGenerator gen = IdGenerator.create(Strategy.FAST);
    String first = gen.next();
    String prev = first;
    for (int i = 0; i < 2000; i++) {
      String id = gen.next();
      assertThat(id.substring(0, 12)).isEqualTo(first.substring(0, 12));
      assertThat(id).isGreaterThan(prev);
      prev = id;
    }
    assertThat(first.substring(12)).isEqualTo("0000000000000");
    assertThat(prev.substring(12)).isEqualTo("00000000001ug"); // 2000 = 1*32^2 + 30*32 + 16
    assertThat(IdGenerator.create(Strategy.FAST).next().substring(0, 12))
        .as("another generator, another prefix")
        .isNotEqualTo(first.substring(0, 12));
  }

  @Test
  void hybridIdsCarryTheClockTimeAndSortByIt() {
    FakeClock clock = new FakeClock();
    IdGenerator gen = IdGenerator.create(Strategy.HYBRID, clock);
    String prev = null;
    for (int i = 0; i < 1000; i++) {
      String id = gen.next();
      assertThat(decodeTime(id)).isEqualTo(clock.epochMillis());
      if (prev != null) {
        assertThat(id).isGreaterThan(prev);
      }
      prev = id;
      clock.advanceMillis(1);
    }
  }

  @Test
  void hybridIdsWithinOneMillisecondDifferInTheirRandomPart() {
    FakeClock clock = new FakeClock();
    IdGenerator gen = IdGenerator.create(Strategy.HYBRID, clock);
    Set<String> suffixes = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String id = gen.next();
      assertThat(id.substring(0, 10)).isEqualTo(gen.next().substring(0, 10));
      suffixes.add(id.substring(10));
    }
    assertThat(suffixes).hasSize(10_000);
  }

  private static long decodeTime(String ulid) {
    String alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    long t = 0;
    for (int i = 0; i < 10; i++) {
      t = (t << 5) | alphabet.indexOf(ulid.charAt(i));
    }
    return t;
  }
}
