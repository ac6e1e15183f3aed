package dev.tributary.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Comparing a presented secret (API key, metrics or dashboard token) with the configured one in
 * time that does not depend on where they differ, nor on their lengths: both are hashed with
 * SHA-256 first and the fixed-length digests compared with {@link MessageDigest#isEqual}
 * (constant time). Neither value is ever logged or put in an exception. Thread-safe.
 */
public final class Secrets {
  private Secrets() {}

  /** Whether {@code given} equals {@code expected}; false when either is null. */
  public static boolean matches(String expected, String given) {
    if (expected == null || given == null) {
      return false;
    }
    return MessageDigest.isEqual(sha256(expected), sha256(given));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
