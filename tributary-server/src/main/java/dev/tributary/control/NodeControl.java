package dev.tributary.control;

import dev.tributary.gateway.ConnectionControl;
import dev.tributary.gateway.Gateway;
import dev.tributary.gateway.GatewayVerticle;
import dev.tributary.metrics.MetricNames;
import dev.tributary.redis.RedisLink;
import dev.tributary.redis.RedisSubscription;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's part in the cluster, for the server API. With Redis, every node subscribes to one
 * control channel ({@value #TOPIC}) and one of its own ({@value #NODE_TOPIC_PREFIX}{@code <uid>}),
 * on the first Redis:
 * <ul>
 *   <li><b>commands</b> ({@code disconnect}, {@code subscribe}, {@code unsubscribe},
 *   {@code refresh}): published on the control channel, then applied to this node's connections;
 *   every other node applies them to its own on arrival. A node applies the commands of one API
 *   caller in the order the caller had them confirmed;</li>
 *   <li><b>announcements</b>: every {@code api.nodeInfoIntervalSeconds} a node publishes its
 *   figures (name, version, uptime, clients, users, channels, subscriptions); a node not heard from
 *   for three intervals is forgotten, one that stops gracefully says so at once. {@code info}
 *   answers with this node's figures read now and the others' last announcements;</li>
 *   <li><b>surveys</b> ({@code channels}): asked on the control channel, answered by every known
 *   node on the asker's own channel; complete when every node known at the start answered, failed
 *   after {@code redis.commandTimeoutMillis} naming those that did not.</li>
 * </ul>
 * Without Redis the node is the whole cluster: commands apply here, {@code info} lists this node.
 *
 * <p>Threads: the state (known nodes, open surveys) lives on this object's own event-loop context;
 * public methods may be called from any thread and their futures complete on any thread.
 */
public final class NodeControl {
  static final String TOPIC = "tributary.control";
  static final String NODE_TOPIC_PREFIX = "tributary.control.node.";
  /** Announcement intervals after which a silent node is forgotten. */
  static final int EXPIRY_INTERVALS = 3;
  private static final Logger log = LoggerFactory.getLogger(NodeControl.class);

  private final Vertx vertx;
  private final Gateway gateway;
  private final RedisLink link;
  private final String uid = UUID.randomUUID().toString();
  private final String name;
  private final String version;
  private final long startedMillis = System.currentTimeMillis();
  private final long intervalMillis;
  private final long surveyTimeoutMillis;
  private final Counter invalid;
  private final Context context;
  // ---- on context only ----
  private final Map<String, Node> nodes = new HashMap<>();
  private final Map<Long, Survey> surveys = new HashMap<>();
  private long surveyIds;
  private long timer = -1;
  private final List<Future<RedisSubscription>> subscriptions = new ArrayList<>();

  private record Node(JsonObject info, long expiresAtMillis) {}

  private static final class Survey {
    final Set<String> waiting;
    final Map<String, Integer> channels;
    final Promise<Map<String, Integer>> done = Promise.promise();
    long timer;

    Survey(Set<String> waiting, Map<String, Integer> channels) {
      this.waiting = waiting;
      this.channels = channels;
    }
  }

  /**
   * @param link the Redis the control channel is on; null without Redis (one node)
   * @param name the node's name in {@code info}
   */
  public NodeControl(Vertx vertx, Gateway gateway, RedisLink link, String name, String version, int intervalSeconds,
      long surveyTimeoutMillis) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.link = link;
    this.name = name;
    this.version = version;
    this.intervalMillis = intervalSeconds * 1000L;
    this.surveyTimeoutMillis = surveyTimeoutMillis;
    this.context = vertx.getOrCreateContext();
    this.invalid = Counter.builder(MetricNames.CONTROL_INVALID)
        .description("control messages from other nodes that could not be read (dropped)").register(gateway.registry());
  }

  /** This node's id in {@code info}. */
  public String uid() {
    return uid;
  }

  /** Subscribes to the control channels and starts announcing (without Redis: nothing to do). */
  public Future<Void> start() {
    if (link == null) {
      return Future.succeededFuture();
    }
    Promise<Void> started = Promise.promise();
    context.runOnContext(v -> {
      subscriptions.add(link.subscribe(TOPIC, this::onMessage));
      subscriptions.add(link.subscribe(NODE_TOPIC_PREFIX + uid, this::onMessage));
      timer = vertx.setPeriodic(intervalMillis, id -> {
        prune();
        announce();
      });
      // Others announce themselves at once when they hear a new node, so info fills in quickly.
      publish(TOPIC, message("hello"));
      announce();
      started.complete();
    });
    return started.future();
  }

  /** Stops announcing and tells the others this node is gone. */
  public Future<Void> stop() {
    if (link == null) {
      return Future.succeededFuture();
    }
    Promise<Void> stopped = Promise.promise();
    context.runOnContext(v -> {
      vertx.cancelTimer(timer);
      for (Future<RedisSubscription> s : subscriptions) {
        s.onSuccess(RedisSubscription::unsubscribe);
      }
      link.publish(TOPIC, message("bye").encode()).onComplete(ar -> stopped.complete());
    });
    return stopped.future();
  }

  // ---- commands ------------------------------------------------------------------------------

  /**
   * Applies {@code cmd} to the targeted connections on every node. With Redis it fails, and nothing
   * is applied anywhere, when the control message could not be published.
   */
  public Future<Void> send(ConnectionControl cmd) {
    if (link == null) {
      gateway.apply(cmd);
      return Future.succeededFuture();
    }
    return link.publish(TOPIC, message("cmd").put("cmd", cmd.toJson()).encode()).map(n -> {
      gateway.apply(cmd);
      return null;
    });
  }

  // ---- info ----------------------------------------------------------------------------------

  /** Every live node's figures, this one's first (read now). */
  public Future<JsonArray> nodes() {
    return localInfo().compose(local -> {
      Promise<JsonArray> p = Promise.promise();
      context.runOnContext(v -> {
        prune();
        JsonArray all = new JsonArray().add(local);
        for (Node n : nodes.values()) {
          all.add(n.info());
        }
        p.complete(all);
      });
      return p.future();
    });
  }

  private record Counts(int clients, Set<String> users, long subs) {}

  /** This node's figures: {@code uid, name, version, num_clients, num_users, num_channels, num_subs, uptime}. */
  public Future<JsonObject> localInfo() {
    return gateway.onEveryInstance(g -> new Counts(g.clientCount(), g.users(), g.subscriptionCount())).map(all -> {
      int clients = 0;
      long subs = 0;
      Set<String> users = new HashSet<>();
      for (Counts c : all) {
        clients += c.clients();
        subs += c.subs();
        users.addAll(c.users());
      }
      return new JsonObject().put("uid", uid).put("name", name).put("version", version)
          .put("num_clients", clients).put("num_users", users.size())
          .put("num_channels", gateway.hub().channelCount()).put("num_subs", subs)
          .put("uptime", (System.currentTimeMillis() - startedMillis) / 1000);
    });
  }

  // ---- channels ------------------------------------------------------------------------------

  /**
   * The channels with subscribers on any node that {@code pattern} matches, with their number of
   * subscribers summed over the nodes. Fails when a known node does not answer in time.
   */
  public Future<Map<String, Integer>> channels(String pattern) {
    ChannelPattern filter = ChannelPattern.compile(pattern);
    return localChannels(filter).compose(local -> {
      if (link == null) {
        return Future.succeededFuture(local);
      }
      Promise<Map<String, Integer>> p = Promise.promise();
      context.runOnContext(v -> {
        prune();
        if (nodes.isEmpty()) {
          p.complete(local);
          return;
        }
        long id = ++surveyIds;
        Survey s = new Survey(new HashSet<>(nodes.keySet()), local);
        surveys.put(id, s);
        s.timer = vertx.setTimer(surveyTimeoutMillis, t -> {
          if (surveys.remove(id) != null) {
            s.done.fail(new IllegalStateException("node(s) " + s.waiting + " did not answer within "
                + surveyTimeoutMillis + " ms"));
          }
        });
        publish(TOPIC, message("survey").put("id", id).put("pattern", pattern));
        s.done.future().onComplete(p);
      });
      return p.future();
    });
  }

  private Future<Map<String, Integer>> localChannels(ChannelPattern filter) {
    return gateway.onEveryInstance(g -> g.channelCounts(filter)).map(all -> {
      Map<String, Integer> merged = new HashMap<>();
      for (Map<String, Integer> m : all) {
        m.forEach((ch, n) -> merged.merge(ch, n, Integer::sum));
      }
      return merged;
    });
  }

  // ---- messages (on context) -----------------------------------------------------------------

  private JsonObject message(String type) {
    return new JsonObject().put("t", type).put("from", uid);
  }

  private void publish(String topic, JsonObject msg) {
    link.publish(topic, msg.encode()).onFailure(err ->
        log.debug("control message {} not published: {}", msg.getString("t"), err.toString()));
  }

  private void announce() {
    localInfo().onSuccess(info -> publish(TOPIC, message("node").put("ttl", EXPIRY_INTERVALS * intervalMillis)
        .put("info", info)));
  }

  private void prune() {
    long now = System.currentTimeMillis();
    nodes.values().removeIf(n -> n.expiresAtMillis() <= now);
  }

  private void onMessage(Buffer payload) {
    JsonObject msg;
    String from;
    String type;
    try {
      msg = new JsonObject(payload);
      from = msg.getString("from");
      type = msg.getString("t");
    } catch (RuntimeException e) {
      dropped("not JSON");
      return;
    }
    if (from == null || type == null) {
      dropped("without from or t");
      return;
    }
    if (from.equals(uid)) {
      return; // our own, already applied
    }
    try {
      switch (type) {
        case "cmd" -> gateway.apply(ConnectionControl.fromJson(msg.getJsonObject("cmd")));
        case "node" -> nodes.put(from, new Node(msg.getJsonObject("info"), System.currentTimeMillis() + msg.getLong("ttl")));
        case "bye" -> nodes.remove(from);
        case "hello" -> announce();
        case "survey" -> answer(from, msg.getLong("id"), msg.getString("pattern"));
        case "answer" -> answered(from, msg.getLong("id"), msg.getJsonObject("channels"));
        default -> dropped("of unknown type " + type);
      }
    } catch (RuntimeException e) {
      dropped(type + ": " + e.getMessage());
    }
  }

  private void dropped(String why) {
    invalid.increment();
    log.debug("control message dropped: {}", why);
  }

  private void answer(String to, long id, String pattern) {
    localChannels(ChannelPattern.compile(pattern)).onSuccess(local -> {
      JsonObject channels = new JsonObject();
      local.forEach(channels::put);
      publish(NODE_TOPIC_PREFIX + to, message("answer").put("id", id).put("channels", channels));
    });
  }

  private void answered(String from, long id, JsonObject channels) {
    Survey s = surveys.get(id);
    if (s == null || !s.waiting.remove(from)) {
      return;
    }
    for (Map.Entry<String, Object> e : channels) {
      s.channels.merge(e.getKey(), ((Number) e.getValue()).intValue(), Integer::sum);
    }
    if (s.waiting.isEmpty()) {
      surveys.remove(id);
      vertx.cancelTimer(s.timer);
      s.done.complete(s.channels);
    }
  }
}
