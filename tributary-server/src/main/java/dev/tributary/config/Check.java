package dev.tributary.config;

/** The range check of integer options (their JSON reader and their setters). */
final class Check {
  private Check() {}

  static long range(String key, long value, long min, long max) {
    if (value < min || value > max) {
      throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }
}
