package dev.tributary.control;

import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The {@code pattern} of the server API's {@code channels} (Centrifugo's glob syntax): {@code *}
 * any run of characters, {@code ?} one character, {@code [abc]} / {@code [a-z]} / {@code [!a]}
 * a character class, {@code {a,b}} alternatives, {@code \} escapes the next character; anything
 * else matches itself. An empty pattern matches every channel. Immutable, thread-safe.
 */
public final class ChannelPattern implements Predicate<String> {
  /** Longest pattern accepted (its regex is compiled once per call). */
  public static final int MAX_LENGTH = 1024;

  private final Pattern regex;

  private ChannelPattern(Pattern regex) {
    this.regex = regex;
  }

  /** The pattern, or {@link IllegalArgumentException} saying what is wrong with it. */
  public static ChannelPattern compile(String glob) {
    if (glob.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("pattern longer than " + MAX_LENGTH + " characters");
    }
    if (glob.isEmpty()) {
      return new ChannelPattern(null);
    }
    StringBuilder re = new StringBuilder();
    int braces = 0;
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        case '\\' -> {
          if (++i == glob.length()) {
            throw new IllegalArgumentException("pattern ends with an escape (\\)");
          }
          re.append(Pattern.quote(String.valueOf(glob.charAt(i))));
        }
        case '[' -> {
          int end = glob.indexOf(']', i + 2);
          if (end < 0) {
            throw new IllegalArgumentException("unclosed [ in pattern");
          }
          String body = glob.substring(i + 1, end);
          boolean negate = body.startsWith("!");
          re.append('[').append(negate ? "^" : "");
          for (char b : (negate ? body.substring(1) : body).toCharArray()) {
            // A backslash before a non-alphanumeric character is always that character in a class.
            re.append(b == '-' || Character.isLetterOrDigit(b) ? String.valueOf(b) : "\\" + b);
          }
          re.append(']');
          i = end;
        }
        case '{' -> {
          braces++;
          re.append("(?:");
        }
        case '}' -> {
          if (braces == 0) {
            throw new IllegalArgumentException("} without { in pattern");
          }
          braces--;
          re.append(')');
        }
        case ',' -> re.append(braces > 0 ? "|" : ",");
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    if (braces > 0) {
      throw new IllegalArgumentException("unclosed { in pattern");
    }
    try {
      return new ChannelPattern(Pattern.compile(re.toString(), Pattern.DOTALL));
    } catch (java.util.regex.PatternSyntaxException e) {
      throw new IllegalArgumentException("invalid pattern: " + e.getDescription());
    }
  }

  @Override
  public boolean test(String channel) {
    return regex == null || regex.matcher(channel).matches();
  }
}
