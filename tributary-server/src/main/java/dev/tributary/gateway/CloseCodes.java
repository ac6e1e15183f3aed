package dev.tributary.gateway;

/**
 * WebSocket close codes the gateway uses. 3000–3499: the client may reconnect; 3500+: terminal
 * (Centrifugo's disconnect codes). 1009 and 1013 are WebSocket's own.
 */
public final class CloseCodes {
  private CloseCodes() {}

  public static final short NORMAL = 1000;
  public static final short PROTOCOL_ERROR = 1002;
  public static final short INVALID_PAYLOAD = 1007;
  public static final short POLICY_VIOLATION = 1008;
  public static final short MESSAGE_TOO_BIG = 1009;
  public static final short TRY_AGAIN_LATER = 1013;

  public static final short SHUTDOWN = 3001;
  public static final short INTERNAL = 3004;
  /** The connection token expired and no {@code refresh} came in time (the client reconnects with a new one). */
  public static final short CONNECTION_EXPIRED = 3005;
  public static final short SLOW = 3008;
  public static final short WRITE_ERROR = 3009;
  public static final short NO_PONG = 3012;
  public static final short TOO_MANY_REQUESTS = 3013;
  public static final short INVALID_TOKEN = 3500;
  public static final short BAD_REQUEST = 3501;
  public static final short STALE = 3502;

  public static String reason(int code) {
    return switch (code) {
      case MESSAGE_TOO_BIG -> "message too big";
      case PROTOCOL_ERROR -> "protocol error";
      case INVALID_PAYLOAD -> "invalid utf-8";
      case POLICY_VIOLATION -> "policy violation";
      case TRY_AGAIN_LATER -> "Maximum connections reached";
      case SHUTDOWN -> "shutdown";
      case INTERNAL -> "internal server error";
      case CONNECTION_EXPIRED -> "connection expired";
      case SLOW -> "slow";
      case WRITE_ERROR -> "write error";
      case NO_PONG -> "no pong";
      case TOO_MANY_REQUESTS -> "too many requests";
      case INVALID_TOKEN -> "invalid token";
      case BAD_REQUEST -> "bad request";
      case STALE -> "stale";
      default -> "closed";
    };
  }
}
