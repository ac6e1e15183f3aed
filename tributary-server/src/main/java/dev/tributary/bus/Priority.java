package dev.tributary.bus;

/**
 * The priority of a module update, as modules name it on the wire ({@code low}, {@code medium},
 * {@code high}, {@code critical}). {@link #rank()} orders them most urgent first, so a
 * {@code Comparator.comparingInt(Priority::rank)} sorts critical before low. Immutable and
 * thread-safe.
 */
public enum Priority {
  LOW("low", 3),
  MEDIUM("medium", 2),
  HIGH("high", 1),
  CRITICAL("critical", 0);

  private final String wireName;
  private final int rank;

  Priority(String wireName, int rank) {
    this.wireName = wireName;
    this.rank = rank;
  }

  /** The lowercase name modules send and the server reports ({@code "critical"}). */
  public String wireName() {
    return wireName;
  }

  /** Sort key, most urgent first: critical 0, high 1, medium 2, low 3. */
  public int rank() {
    return rank;
  }

  /** Whether this priority is at least as urgent as {@code other}. */
  public boolean isAtLeast(Priority other) {
    return rank <= other.rank;
  }

  /** The more urgent of the two. */
  public Priority max(Priority other) {
    return rank <= other.rank ? this : other;
  }

  /**
   * Parses a wire name. Only the exact lowercase names are accepted: the wire format has one
   * spelling, and accepting others would make two clients disagree on what they sent.
   *
   * @throws IllegalArgumentException for null or any other text
   */
  public static Priority parse(String wireName) {
    Priority p = parseOrNull(wireName);
    if (p == null) {
      throw new IllegalArgumentException(
          "priority must be one of low, medium, high, critical, got: " + describe(wireName));
    }
    return p;
  }

  /** Like {@link #parse} but returns null for unknown text, for validation without exceptions. */
  public static Priority parseOrNull(String wireName) {
    if (wireName == null) {
      return null;
    }
    return switch (wireName) {
      case "low" -> LOW;
      case "medium" -> MEDIUM;
      case "high" -> HIGH;
      case "critical" -> CRITICAL;
      default -> null;
    };
  }

  private static String describe(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() > 32 ? '"' + s.substring(0, 32) + "…\"" : '"' + s + '"';
  }
}
