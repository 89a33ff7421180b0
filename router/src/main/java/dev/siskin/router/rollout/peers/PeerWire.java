package dev.siskin.router.rollout.peers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.siskin.router.rollout.RolloutPhase;
import dev.siskin.router.rollout.judge.Comparison;
import dev.siskin.router.rollout.judge.Role;
import io.grpc.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON routers exchange on their admin endpoints: {@code GET /rollout/peer} (a {@link RemoteRollout}) and
 * {@code GET /rollout/observations} (an {@link ObservationBuffer.Batch}). A call travels as a five-number array
 * {@code [role (0 baseline, 1 canary), canary share, status code, latency ns, start ms]}, a comparison as its
 * name: a busy second of calls stays a few hundred kilobytes. Stateless and thread-safe. Reading refuses what
 * does not have this shape, with the reason: a peer of another version or a wrong address must not be counted.
 */
public final class PeerWire {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private PeerWire() {}

  public static byte[] rollout(RemoteRollout r) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("instance", r.instance());
    n.put("role", r.role());
    n.put("judge", r.judge());
    n.put("runId", r.runId());
    n.put("phase", r.phase().label());
    n.put("step", r.step());
    n.put("stepStartedAt", r.stepStartedAt().toString());
    n.put("decision", r.decision());
    n.put("reason", r.reason());
    return bytes(n);
  }

  public static RemoteRollout readRollout(String json) {
    JsonNode n = tree(json);
    return new RemoteRollout(text(n, "instance"), text(n, "role"), text(n, "judge"), text(n, "runId"),
        phase(text(n, "phase")), (int) number(n, "step"), instant(text(n, "stepStartedAt")), text(n, "decision"),
        text(n, "reason"));
  }

  /** A follower's batch, with who it is, whom it follows and where its rollout stands. */
  public static byte[] batch(RemoteRollout follower, ObservationBuffer.Batch batch) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("instance", follower.instance());
    n.put("runId", follower.runId());
    n.put("judge", follower.judge());
    n.put("phase", follower.phase().label());
    n.put("step", follower.step());
    n.put("first", batch.first());
    n.put("more", batch.more());
    n.put("dropped", batch.dropped());
    ArrayNode list = n.putArray("observations");
    for (Observation o : batch.observations()) {
      if (o instanceof Observation.Call c) {
        list.addArray().add(c.role() == Role.CANARY ? 1 : 0).add(c.canaryShare()).add(c.code().value())
            .add(c.latencyNanos()).add(c.startMillis());
      } else if (o instanceof Observation.Compared p) {
        list.add(p.comparison().name());
      }
    }
    return bytes(n);
  }

  /** A batch as the judge reads it, with the follower's phase and step. */
  public record ReadBatch(String instance, String runId, String judge, RolloutPhase phase, int step,
      ObservationBuffer.Batch batch) {}

  public static ReadBatch readBatch(String json) {
    JsonNode n = tree(json);
    JsonNode list = n.get("observations");
    if (list == null || !list.isArray()) {
      throw new IllegalArgumentException("no \"observations\" list");
    }
    List<Observation> out = new ArrayList<>(list.size());
    for (JsonNode item : list) {
      out.add(observation(item));
    }
    ObservationBuffer.Batch batch = new ObservationBuffer.Batch(number(n, "first"), out,
        n.path("more").asBoolean(false), number(n, "dropped"));
    return new ReadBatch(text(n, "instance"), text(n, "runId"), text(n, "judge"), phase(text(n, "phase")),
        (int) number(n, "step"), batch);
  }

  private static Observation observation(JsonNode item) {
    if (item.isTextual()) {
      try {
        return new Observation.Compared(Comparison.valueOf(item.asText()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown comparison " + item);
      }
    }
    if (!item.isArray() || item.size() != 5 || !item.get(0).isIntegralNumber() || !item.get(1).isNumber()
        || !item.get(2).isIntegralNumber() || !item.get(3).isIntegralNumber() || !item.get(4).isIntegralNumber()) {
      throw new IllegalArgumentException("not an observation: " + item);
    }
    int role = item.get(0).asInt();
    double share = item.get(1).asDouble();
    int code = item.get(2).asInt();
    long latency = item.get(3).asLong();
    if ((role != 0 && role != 1) || !(share >= 0 && share <= 1) || code < 0 || code > 16 || latency < 0) {
      throw new IllegalArgumentException("not an observation: " + item);
    }
    return new Observation.Call(role == 1 ? Role.CANARY : Role.BASELINE, share, Status.fromCodeValue(code).getCode(),
        latency, item.get(4).asLong());
  }

  private static JsonNode tree(String json) {
    try {
      JsonNode n = MAPPER.readTree(json);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("not a JSON object");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("no text field \"" + field + "\"");
    }
    return v.asText();
  }

  private static long number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isIntegralNumber()) {
      throw new IllegalArgumentException("no integer field \"" + field + "\"");
    }
    return v.asLong();
  }

  private static RolloutPhase phase(String label) {
    try {
      return RolloutPhase.fromLabel(label);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown phase \"" + label + "\"");
    }
  }

  private static Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("not a time: \"" + text + "\"");
    }
  }

  static byte[] error(String message, String judge) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("error", message);
    n.put("judge", judge);
    return bytes(n);
  }

  private static byte[] bytes(ObjectNode n) {
    try {
      return MAPPER.writeValueAsBytes(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
