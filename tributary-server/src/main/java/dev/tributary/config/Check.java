package dev.tributary.config;

/** Range checks shared by the fluent setters of the {@code *Options} classes. */
final class Check {
  private Check() {}

  static int range(String key, int value, int min, int max) {
    if (value < min || value > max) {
      throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  static long range(String key, long value, long min, long max) {
    if (value < min || value > max) {
      throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }
}
