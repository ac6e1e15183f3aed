package dev.tributary.redis;

import java.nio.charset.StandardCharsets;

/**
 * Redis Cluster's hash slot of a key: CRC16 (XMODEM) of the key, or of its hash tag (the part
 * between the first {@code {} and the next {@code }}, when not empty), modulo 16384. Keys that share
 * a tag share a slot, which is how one channel's keys stay on one master.
 */
public final class HashSlot {
  /** Slots of a Redis Cluster. */
  public static final int SLOTS = 16384;

  private HashSlot() {}

  /** The slot of {@code key}. */
  public static int of(String key) {
    byte[] b = key.getBytes(StandardCharsets.UTF_8);
    int from = 0;
    int to = b.length;
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '{') {
        for (int j = i + 1; j < b.length; j++) {
          if (b[j] == '}') {
            if (j > i + 1) {
              from = i + 1;
              to = j;
            }
            break;
          }
        }
        break;
      }
    }
    return crc16(b, from, to) & (SLOTS - 1);
  }

  /**
   * A short hash tag whose slot lies in {@code [first, last]}: {@code "{" + tag + "}"} in a key puts
   * the key in that range (the slots of one master, say).
   */
  public static String tagIn(int first, int last) {
    for (int i = 0; ; i++) {
      String t = Integer.toString(i, 36);
      int s = of(t);
      if (s >= first && s <= last) {
        return t;
      }
    }
  }

  private static int crc16(byte[] b, int from, int to) {
    int crc = 0;
    for (int i = from; i < to; i++) {
      crc ^= (b[i] & 0xff) << 8;
      for (int k = 0; k < 8; k++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
      crc &= 0xffff;
    }
    return crc;
  }
}
