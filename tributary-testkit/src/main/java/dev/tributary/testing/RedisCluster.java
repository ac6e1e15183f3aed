package dev.tributary.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Redis Cluster on loopback for tests: {@code masters} redis-server processes (the binary of
 * {@link RedisServer}) with {@code replicas} replicas each, a short {@code cluster-node-timeout}
 * (1 s, so a failover takes a few seconds), no persistence. The harness builds the cluster itself,
 * as an operator would by hand: {@code CLUSTER SET-CONFIG-EPOCH} and {@code CLUSTER ADDSLOTSRANGE}
 * on each master (slots split evenly), {@code CLUSTER MEET} from the first node to all others,
 * {@code CLUSTER REPLICATE} on each replica, then it waits until every node reports
 * {@code cluster_state:ok} and every replica's link to its master is up.
 *
 * <p>Each node has its own cluster bus port ({@code cluster-port}, a second free port), so no port
 * needs to be below 55536. Processes are stopped by PID ({@link #close()}).
 */
public final class RedisCluster implements AutoCloseable {
  /** {@code cluster-node-timeout}, ms: how long a silent master takes to be declared failed. */
  public static final int NODE_TIMEOUT_MILLIS = 1000;

  private final List<RedisServer> nodes = new ArrayList<>();
  private final List<Integer> busPorts = new ArrayList<>();
  private final int masters;

  private RedisCluster(int masters) {
    this.masters = masters;
  }

  /** Starts and joins the cluster; returns once it serves every slot with every replica attached. */
  public static RedisCluster start(int masters, int replicas) throws IOException {
    RedisCluster c = new RedisCluster(masters);
    try {
      c.build(masters, replicas);
      return c;
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private void build(int masters, int replicas) throws IOException {
    int n = masters * (1 + replicas);
    for (int i = 0; i < n; i++) {
      int[] bus = new int[1];
      RedisServer s = RedisServer.start(port -> {
        try {
          bus[0] = RedisServer.freePort();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MILLIS), "--cluster-port", Integer.toString(bus[0]),
            // A replica takes over however long it was cut off: the test kills masters on purpose.
            "--cluster-replica-validity-factor", "0");
      });
      nodes.add(s);
      busPorts.add(bus[0]);
    }
    int per = 16384 / masters;
    for (int m = 0; m < masters; m++) {
      RedisServer s = nodes.get(m);
      call(s, "CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(m + 1));
      int first = m * per;
      int last = m == masters - 1 ? 16383 : first + per - 1;
      call(s, "CLUSTER", "ADDSLOTSRANGE", Integer.toString(first), Integer.toString(last));
    }
    for (int i = 1; i < n; i++) {
      call(nodes.get(0), "CLUSTER", "MEET", "127.0.0.1", Integer.toString(nodes.get(i).port()),
          Integer.toString(busPorts.get(i)));
    }
    Poll.until("every node knows all " + n + " nodes", 20, () -> nodes.stream().allMatch(s -> {
      String all = (String) call(s, "CLUSTER", "NODES");
      return all.lines().count() == n && !all.contains("handshake") && !all.contains("noaddr");
    }));
    for (int r = masters; r < n; r++) {
      String masterId = (String) call(nodes.get((r - masters) % masters), "CLUSTER", "MYID");
      call(nodes.get(r), "CLUSTER", "REPLICATE", masterId);
    }
    awaitHealthy();
  }

  /** Waits until every running node says {@code cluster_state:ok} and every running replica's link is up. */
  public void awaitHealthy() {
    Poll.until("cluster healthy", 30, () -> {
      for (RedisServer s : running()) {
        if (!((String) call(s, "CLUSTER", "INFO")).contains("cluster_state:ok")) {
          return false;
        }
        String repl = (String) call(s, "INFO", "replication");
        if (repl.contains("role:slave") && !repl.contains("master_link_status:up")) {
          return false;
        }
      }
      return true;
    });
  }

  /** Seed URLs (every node: a client finds the cluster through whichever answers). */
  public List<String> seeds() {
    List<String> out = new ArrayList<>();
    nodes.forEach(s -> out.add(s.url()));
    return out;
  }

  /** The number of masters the cluster was built with. */
  public int masters() {
    return masters;
  }

  /** The running nodes. */
  public List<RedisServer> running() {
    return nodes.stream().filter(RedisServer::isRunning).toList();
  }

  /** The hash slot of {@code key}, as the cluster computes it ({@code CLUSTER KEYSLOT}). */
  public int slotOf(String key) {
    return ((Long) call(running().get(0), "CLUSTER", "KEYSLOT", key)).intValue();
  }

  /** The node that is master of {@code slot} now, as a running node sees it ({@code CLUSTER SLOTS}). */
  public RedisServer masterOf(int slot) {
    for (RedisServer asked : running()) {
      for (Object o : (List<?>) call(asked, "CLUSTER", "SLOTS")) {
        List<?> range = (List<?>) o;
        if ((Long) range.get(0) <= slot && slot <= (Long) range.get(1)) {
          long port = (Long) ((List<?>) range.get(2)).get(1);
          for (RedisServer s : nodes) {
            if (s.port() == port && s.isRunning()) {
              return s;
            }
          }
        }
      }
    }
    throw new IllegalStateException("no running master for slot " + slot);
  }

  /** Another running master than {@code not}. */
  public RedisServer otherMaster(RedisServer not) {
    for (RedisServer s : running()) {
      if (s != not && ((String) call(s, "INFO", "replication")).contains("role:master")) {
        return s;
      }
    }
    throw new IllegalStateException("no other master");
  }

  /** This node's id ({@code CLUSTER MYID}). */
  public String idOf(RedisServer s) {
    return (String) call(s, "CLUSTER", "MYID");
  }

  /**
   * Waits until the cluster serves {@code slot} again from a master other than {@code dead} (a
   * replica promoted itself) and every running node says {@code cluster_state:ok}.
   */
  public RedisServer awaitFailover(int slot, RedisServer dead) {
    return Poll.until("slot " + slot + " served by a promoted replica", 30, () -> {
      try {
        for (RedisServer s : running()) {
          if (!((String) call(s, "CLUSTER", "INFO")).contains("cluster_state:ok")) {
            return null;
          }
        }
        RedisServer m = masterOf(slot);
        return m == dead ? null : m;
      } catch (RuntimeException e) {
        return null;
      }
    }, m -> m != null);
  }

  /**
   * Moves {@code slot} from its master {@code from} to master {@code to} as {@code redis-cli --cluster
   * reshard} does: {@code SETSLOT IMPORTING} on the target, {@code SETSLOT MIGRATING} on the source,
   * {@code MIGRATE … KEYS} in batches of {@code batch} keys (each batch atomically; {@code between}
   * runs before each one, so a test can act while the slot is half moved), then {@code SETSLOT NODE}
   * on every master.
   */
  public void migrate(int slot, RedisServer from, RedisServer to, int batch, Runnable between) {
    String fromId = idOf(from);
    String toId = idOf(to);
    String s = Integer.toString(slot);
    call(to, "CLUSTER", "SETSLOT", s, "IMPORTING", fromId);
    call(from, "CLUSTER", "SETSLOT", s, "MIGRATING", toId);
    while (true) {
      between.run();
      List<?> keys = (List<?>) call(from, "CLUSTER", "GETKEYSINSLOT", s, Integer.toString(batch));
      if (keys.isEmpty()) {
        break;
      }
      List<String> cmd = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", Integer.toString(to.port()), "", "0", "5000", "KEYS"));
      keys.forEach(k -> cmd.add((String) k));
      Object r = call(from, cmd.toArray(String[]::new));
      if (r instanceof Error e) {
        throw new IllegalStateException("MIGRATE: " + e.getMessage());
      }
    }
    call(to, "CLUSTER", "SETSLOT", s, "NODE", toId);
    call(from, "CLUSTER", "SETSLOT", s, "NODE", toId);
    for (RedisServer m : running()) {
      if (m != from && m != to && ((String) call(m, "INFO", "replication")).contains("role:master")) {
        call(m, "CLUSTER", "SETSLOT", s, "NODE", toId);
      }
    }
  }

  /** Kills {@code s} with SIGKILL (a crash). */
  public void kill9(RedisServer s) {
    s.kill9();
  }

  @Override
  public void close() {
    nodes.forEach(RedisServer::close);
  }

  // ---- a minimal RESP client (the harness needs no Redis library) ----

  /**
   * Sends one command to {@code s} and reads its reply: a String (simple or bulk), Long, List, null,
   * or an {@link Error} for an error reply (a few callers expect one).
   */
  public static Object call(RedisServer s, String... args) {
    try (Socket sock = new Socket()) {
      sock.connect(new InetSocketAddress("127.0.0.1", s.port()), 2000);
      sock.setSoTimeout(10_000);
      OutputStream out = sock.getOutputStream();
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      for (String a : args) {
        byte[] b = a.getBytes(StandardCharsets.UTF_8);
        req.write(("$" + b.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        req.write(b);
        req.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.write(req.toByteArray());
      out.flush();
      Object r = read(new BufferedInputStream(sock.getInputStream()));
      if (r instanceof Error e && !"MIGRATE".equals(args[0])) {
        throw new IllegalStateException(String.join(" ", args) + " on port " + s.port() + ": " + e.getMessage());
      }
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException("redis " + s.port() + ": " + String.join(" ", args), e);
    }
  }

  /** An error reply. */
  public static final class Error {
    private final String message;

    Error(String message) {
      this.message = message;
    }

    public String getMessage() {
      return message;
    }
  }

  private static Object read(InputStream in) throws IOException {
    int type = in.read();
    String line = line(in);
    switch (type) {
      case '+':
        return line;
      case '-':
        return new Error(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int len = Integer.parseInt(line);
        if (len < 0) {
          return null;
        }
        byte[] b = in.readNBytes(len + 2);
        return new String(b, 0, len, StandardCharsets.UTF_8);
      }
      case '*': {
        int len = Integer.parseInt(line);
        if (len < 0) {
          return null;
        }
        List<Object> out = new ArrayList<>(len);
        for (int i = 0; i < len; i++) {
          out.add(read(in));
        }
        return out;
      }
      default:
        throw new IOException("unexpected RESP type " + type);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1 && c != '\r') {
      b.write(c);
    }
    in.read(); // \n
    return b.toString(StandardCharsets.UTF_8);
  }
}
