package dev.tributary.support;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes unique string ids. Every generator is thread-safe. Pick the {@link Strategy} by what the
 * id must resist, not by speed alone:
 *
 * <table>
 *   <caption>Strategies</caption>
 *   <tr><th>strategy</th><th>format</th><th>unique</th><th>guessable?</th><th>safe for</th></tr>
 *   <tr><td>{@link Strategy#SECURE}</td><td>UUID v4, 36 chars</td>
 *       <td>122 random bits</td><td>no (SecureRandom)</td>
 *       <td>anything a client could use to guess or impersonate another client: client and
 *       session ids, tokens, reconnect or recovery handles, anything sent to one client that must
 *       not be derivable by another</td></tr>
 *   <tr><td>{@link Strategy#HYBRID}</td><td>ULID, 26 chars</td>
 *       <td>48-bit time + 80 random bits</td>
 *       <td>yes: creation time is in clear, random part from a non-cryptographic generator</td>
 *       <td>ids that benefit from sorting by creation time across nodes: publication, event and
 *       trace ids, log correlation, storage keys</td></tr>
 *   <tr><td>{@link Strategy#FAST}</td><td>12-char node prefix + 13-char counter, 25 chars</td>
 *       <td>exactly, within one process; across nodes by the 60-bit random prefix</td>
 *       <td>trivially: the next id is the last one plus one</td>
 *       <td>in-process correlation on a hot path (batch, request or message numbers) that never
 *       reach a client as a credential</td></tr>
 * </table>
 *
 * <p>When in doubt, use {@code SECURE}: it is the only one that is safe to show to one client
 * while another must not be able to predict it.
 */
@FunctionalInterface
public interface IdGenerator {

  /** A new id. Never null, never repeated by this generator (see the strategy for how sure). */
  String next();

  /** How ids are made. */
  enum Strategy {
    /** Counter after a random per-generator prefix: cheapest, predictable. */
    FAST,
    /** UUID v4 from {@link SecureRandom}: unpredictable. */
    SECURE,
    /** ULID (time-ordered prefix, random suffix): sortable by time, predictable. */
    HYBRID
  }

  /** A generator of {@code strategy}, on the system clock. */
  static IdGenerator create(Strategy strategy) {
    return create(strategy, Clock.SYSTEM);
  }

  /**
   * A generator of {@code strategy}; {@code clock}'s {@link Clock#epochMillis()} is the time part
   * of {@link Strategy#HYBRID} ids (the others ignore it).
   */
  static IdGenerator create(Strategy strategy, Clock clock) {
    Objects.requireNonNull(clock, "clock");
    return switch (Objects.requireNonNull(strategy, "strategy")) {
      case FAST -> fast();
      case SECURE -> secure(new SecureRandom());
      case HYBRID -> hybrid(clock);
    };
  }

  /** Lowercase base-32 digits in ASCII order, so fixed-width ids sort as their numbers do. */
  private static byte[] base32() {
    return "0123456789abcdefghijklmnopqrstuv".getBytes(StandardCharsets.US_ASCII);
  }

  private static IdGenerator fast() {
    byte[] digits = base32();
    byte[] prefix = new byte[12];
    long bits = new SecureRandom().nextLong();
    for (int i = 11; i >= 0; i--) {
      prefix[i] = digits[(int) (bits & 31)];
      bits >>>= 5;
    }
    AtomicLong counter = new AtomicLong();
    return () -> {
      long n = counter.getAndIncrement();
      byte[] b = new byte[25];
      System.arraycopy(prefix, 0, b, 0, 12);
      for (int i = 24; i >= 12; i--) {
        b[i] = digits[(int) (n & 31)];
        n >>>= 5;
      }
      return new String(b, StandardCharsets.ISO_8859_1);
    };
  }

  private static IdGenerator secure(SecureRandom random) {
    byte[] hex = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    return () -> {
      byte[] r = new byte[16];
      random.nextBytes(r);
      r[6] = (byte) ((r[6] & 0x0f) | 0x40); // version 4
      r[8] = (byte) ((r[8] & 0x3f) | 0x80); // IETF variant
      byte[] b = new byte[36];
      int j = 0;
      for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
          b[j++] = '-';
        }
        b[j++] = hex[(r[i] >> 4) & 0x0f];
        b[j++] = hex[r[i] & 0x0f];
      }
      return new String(b, StandardCharsets.ISO_8859_1);
    };
  }

  private static IdGenerator hybrid(Clock clock) {
    byte[] crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".getBytes(StandardCharsets.US_ASCII);
    return () -> {
      long time = clock.epochMillis() & 0xFFFF_FFFF_FFFFL;
      ThreadLocalRandom rnd = ThreadLocalRandom.current();
      long hi = rnd.nextInt() & 0xFFFFL; // 16 bits
      long lo = rnd.nextLong(); // 64 bits
      byte[] b = new byte[26];
      // 48-bit time in 10 chars (the first char holds 3 bits), as ULID does.
      for (int i = 9; i >= 0; i--) {
        b[i] = crockford[(int) (time & 31)];
        time >>>= 5;
      }
      // 80 random bits in 16 chars: the low 60 bits of lo, then its top 4 with hi's 16.
      for (int i = 25; i >= 14; i--) {
        b[i] = crockford[(int) (lo & 31)];
        lo >>>= 5;
      }
      long rest = (hi << 4) | lo; // 20 bits
      for (int i = 13; i >= 10; i--) {
        b[i] = crockford[(int) (rest & 31)];
        rest >>>= 5;
      }
      return new String(b, StandardCharsets.ISO_8859_1);
    };
  }
}
