package dev.exactly.bench.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * examples/bank-transfers/job.ts, record for record (as the Kafka Streams peer's Bank.java): the
 * balance of the record's account in keyed state; a transfer debits `from` and sends a credit for
 * `to` through the credits topic (read back by the same source), in the same checkpoint's
 * transaction as the debit. Every command is keyed by the one account it touches (a transfer by
 * `from`, a credit by `to`), so keyed state per record key holds exactly the balances it needs.
 */
final class Bank extends KeyedProcessFunction<String, Tuple2<String, String>, Tuple3<String, String, String>> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String eventsTopic;
  private final String creditsTopic;
  private transient ValueState<Long> balance;

  Bank(String eventsTopic, String creditsTopic) {
    this.eventsTopic = eventsTopic;
    this.creditsTopic = creditsTopic;
  }

  @Override
  public void open(OpenContext context) {
    balance = getRuntimeContext().getState(new ValueStateDescriptor<>("balance", Types.LONG));
  }

  @Override
  public void processElement(Tuple2<String, String> record, Context ctx, Collector<Tuple3<String, String, String>> out)
      throws Exception {
    JsonNode command;
    try {
      command = JSON.readTree(record.f1 == null ? "" : record.f1);
    } catch (Exception e) {
      throw new IllegalArgumentException("not JSON: " + record.f1, e);
    }
    if (command == null || !command.path("id").isTextual()) throw new IllegalArgumentException("command without a string \"id\"");
    String id = command.get("id").asText();
    String type = command.path("type").asText("");
    switch (type) {
      case "deposit", "credit" -> apply(out, own(ctx, text(command, "account", id), id), amount(command, id), type, id);
      case "transfer" -> {
        String from = own(ctx, text(command, "from", id), id);
        String to = text(command, "to", id);
        long amount = amount(command, id);
        long available = current();
        if (available < amount) {
          emitEvent(out, "rejected", from, amount, available, id);
        } else {
          apply(out, from, -amount, "debit", id);
          ObjectNode credit = JSON.createObjectNode();
          credit.put("type", "credit").put("id", id).put("account", to).put("amount", amount);
          out.collect(Tuple3.of(creditsTopic, to, credit.toString()));
        }
      }
      default -> throw new IllegalArgumentException("invalid command " + id
          + ": expected a deposit, transfer or credit with a positive integer amount");
    }
    Progress.record();
  }

  /** The account a command touches must be its key: keyed state can only reach that one. */
  private static String own(Context ctx, String account, String id) {
    if (!account.equals(ctx.getCurrentKey())) {
      throw new IllegalStateException("command " + id + " acts on account \"" + account + "\" but is keyed by \""
          + ctx.getCurrentKey() + "\"");
    }
    return account;
  }

  private long current() throws Exception {
    Long b = balance.value();
    return b == null ? 0 : b;
  }

  private void apply(Collector<Tuple3<String, String, String>> out, String account, long delta, String kind, String cause)
      throws Exception {
    long next = current() + delta;
    balance.update(next);
    emitEvent(out, kind, account, Math.abs(delta), next, cause);
  }

  private void emitEvent(Collector<Tuple3<String, String, String>> out, String kind, String account, long amount, long after,
      String cause) {
    ObjectNode event = JSON.createObjectNode();
    event.put("kind", kind).put("account", account).put("amount", amount).put("balance", after).put("cause", cause);
    out.collect(Tuple3.of(eventsTopic, account, event.toString()));
  }

  private static String text(JsonNode command, String field, String id) {
    JsonNode v = command.get(field);
    if (v == null || !v.isTextual()) throw new IllegalArgumentException("invalid command " + id + ": no string \"" + field + "\"");
    return v.asText();
  }

  private static long amount(JsonNode command, String id) {
    JsonNode v = command.get("amount");
    if (v == null || !v.isIntegralNumber() || v.asLong() <= 0) {
      throw new IllegalArgumentException("invalid command " + id + ": \"amount\" must be a positive integer");
    }
    return v.asLong();
  }
}
