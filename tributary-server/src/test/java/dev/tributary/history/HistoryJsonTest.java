package dev.tributary.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The history request's parameters and the reply's cut to a byte budget, without a store. */
class HistoryJsonTest {
  static final HistoryStore.Position TOP = new HistoryStore.Position("e1", 9);

  static HistoryStore.Entry entry(long offset, int replyBytes) {
    return new HistoryStore.Entry(offset, "\"" + "x".repeat(replyBytes - HistoryStore.ENTRY_OVERHEAD_BYTES - 2) + "\"", null, 0);
  }

  @Test
  void limitAbsentOrZeroIsThePositionOnlyAndNegativeIsAllWithinTheHistorySize() {
    assertThat(HistoryJson.query(new JsonObject(), 50).limit()).isZero();
    assertThat(HistoryJson.query(new JsonObject().put("limit", 0), 50).limit()).isZero();
    assertThat(HistoryJson.query(new JsonObject().put("limit", -1), 50).limit()).isEqualTo(50);
    assertThat(HistoryJson.query(new JsonObject().put("limit", 7), 50).limit()).isEqualTo(7);
    assertThat(HistoryJson.query(new JsonObject().put("limit", 5000), 50).limit()).isEqualTo(50);
  }

  @Test
  void sinceAndReverseAreParsedAndMalformedOnesRefused() {
    HistoryJson.Query q = HistoryJson.query(new JsonObject().put("limit", 3).put("reverse", true)
        .put("since", new JsonObject().put("offset", 4).put("epoch", "e1")), 50);
    assertThat(q).isEqualTo(new HistoryJson.Query(3, 4, "e1", true));
    assertThat(HistoryJson.query(new JsonObject().put("since", new JsonObject().put("offset", 2).put("epoch", "")), 50)
        .sinceEpoch()).as("an empty epoch is not checked").isNull();
    for (JsonObject bad : List.of(new JsonObject().put("limit", "1"), new JsonObject().put("since", 3),
        new JsonObject().put("reverse", 1), new JsonObject().put("reverse", true).put("since", new JsonObject().put("offset", 0)))) {
      assertThatThrownBy(() -> HistoryJson.query(bad, 50)).as(bad.encode()).isInstanceOf(HistoryJson.BadRequest.class);
    }
  }

  @Test
  void encodeKeepsWhatFitsAndRefusesWhenNotEvenTheFirstDoes() {
    HistoryStore.Page page = new HistoryStore.Page(List.of(entry(1, 100), entry(2, 100), entry(3, 100)), TOP);
    JsonObject two = new JsonObject(HistoryJson.encode("c", page, 250));
    assertThat(two.getJsonArray("publications")).hasSize(2);
    assertThat(two.getJsonArray("publications").getJsonObject(1).getLong("offset")).isEqualTo(2);
    assertThat(two.getString("epoch")).isEqualTo("e1");
    assertThat(two.getLong("offset")).isEqualTo(9);
    assertThat(HistoryJson.encode("c", page, 300).length()).as("reply bytes stay within what was counted")
        .isLessThanOrEqualTo(300 + 64);
    assertThatThrownBy(() -> HistoryJson.encode("c", page, 99)).isInstanceOf(HistoryJson.TooLarge.class)
        .hasMessageContaining("larger than a reply may be (99 bytes)");
    assertThatThrownBy(() -> HistoryJson.encode("c", new HistoryStore.Page(List.of(), TOP, true), 10))
        .isInstanceOf(HistoryJson.TooLarge.class);
    assertThat(new JsonObject(HistoryJson.encode("c", new HistoryStore.Page(List.of(), TOP), 0))
        .getJsonArray("publications")).isEmpty();
  }
}
