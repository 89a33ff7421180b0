package dev.siskin.router.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.siskin.router.canary.BackendClasses;
import dev.siskin.router.canary.ClassDistributionSnapshot;
import dev.siskin.router.canary.ConfidenceDeltas;
import dev.siskin.router.canary.Disagreement;
import dev.siskin.router.canary.FeatureValue;
import dev.siskin.router.canary.Flip;
import dev.siskin.router.canary.PredictAnswer;
import dev.siskin.router.canary.ShadowSnapshot;
import dev.siskin.router.canary.SkipReason;
import dev.siskin.router.canary.StatusPair;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.RolloutSettings;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.config.ShadowSettings;
import dev.siskin.router.rollout.Decision;
import dev.siskin.router.rollout.RolloutPhase;
import dev.siskin.router.rollout.RolloutState;
import dev.siskin.router.rollout.RolloutView;
import dev.siskin.router.rollout.judge.GateReport;
import dev.siskin.router.rollout.judge.JudgeReport;
import dev.siskin.router.rollout.judge.StepCounts;
import dev.siskin.router.rollout.peers.PeerRole;
import dev.siskin.router.rollout.peers.PeersView;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON of {@code /canary} and {@code /canary/disagreements}. Field names are part of the admin interface:
 * {@code shadow.compared}, {@code shadow.agreed}, {@code rollout.state} and {@code rollout.step} are fixed.
 * Stateless.
 */
final class CanaryJson {
  private final ObjectMapper mapper;

  CanaryJson(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  ObjectNode canary(CanaryConfig config, CanaryView view) {
    ObjectNode root = mapper.createObjectNode();
    RoutingSettings rules = config.routing();
    ObjectNode routing = root.putObject("routing");
    routing.put("forceHeader", rules.forceHeader());
    routing.put("stickyHeader", rules.stickyHeader());
    routing.put("forceHeaderUnknownBackend", view.forceHeaderUnknown());
    routing.put("forceHeaderEmpty", view.forceHeaderEmpty());
    shadow(root.putObject("shadow"), config.shadow(), view.shadow(), view.shadowInFlight());
    classes(root.putObject("classes"), config, view.classes());
    rollout(root.putObject("rollout"), view.rollout());
    return root;
  }

  /** The routers sharing the rollout: this one's part, the judge, and (the judge) every follower. */
  private static void peers(ObjectNode node, PeersView peers, RolloutSettings plan) {
    node.put("role", peers.role().label());
    node.put("instance", peers.instance());
    ArrayNode routers = node.putArray("routers");
    plan.routers().forEach(routers::add);
    node.put("judge", peers.judge());
    if (peers.role() == PeerRole.FOLLOWER) {
      if (peers.judgeContact() == null) {
        node.putNull("judgeContactAt");
      } else {
        node.put("judgeContactAt", peers.judgeContact().toString());
      }
      node.put("judgeProblem", peers.judgeProblem());
    }
    if (!peers.lookupProblem().isEmpty()) {
      node.put("lookupProblem", peers.lookupProblem());
    }
    if (peers.role() == PeerRole.JUDGE) {
      ArrayNode list = node.putArray("followers");
      for (PeersView.Peer p : peers.peers()) {
        ObjectNode f = list.addObject();
        f.put("address", p.address());
        f.put("instance", p.instance());
        if (p.lastSeen() == null) {
          f.putNull("lastSeenAt");
        } else {
          f.put("lastSeenAt", p.lastSeen().toString());
        }
        f.put("following", p.following());
        f.put("problem", p.problem());
        f.put("observationsTaken", p.taken());
        f.put("observationsDropped", p.dropped());
      }
    }
  }

  /** The automated rollout: state, step, the judge's gates with their evidence and bars, the decisions. */
  private static void rollout(ObjectNode node, RolloutView view) {
    if (view == null) {
      node.put("state", RolloutPhase.DISABLED.label());
      node.put("step", 0);
      return;
    }
    RolloutSettings plan = view.plan();
    RolloutState state = view.state();
    node.put("state", view.phase().label());
    node.put("step", view.step());
    node.put("enabled", plan.enabled());
    node.put("runId", state != null ? state.runId() : plan.runId());
    node.put("baseline", plan.baseline());
    node.put("canary", plan.canary());
    ArrayNode steps = node.putArray("steps");
    plan.steps().forEach(s -> {
      if (s.shadow()) {
        steps.add("shadow");
      } else {
        steps.add(s.canaryPercent());
      }
    });
    if (state != null && view.step() < plan.steps().size()) {
      node.put("stepName", plan.steps().get(view.step()).label());
    }
    Integer canaryPercent = view.canaryPercent();
    if (canaryPercent == null) {
      node.putNull("canaryPercent");
    } else {
      node.put("canaryPercent", canaryPercent);
    }
    node.put("stepTimeSeconds", plan.stepTime().toMillis() / 1000.0);
    node.put("minCalls", plan.minCalls());
    if (state != null) {
      node.put("startedAt", state.startedAt().toString());
      node.put("stepStartedAt", state.stepStartedAt().toString());
      node.put("timeInStepSeconds", view.timeInStep().toMillis() / 1000.0);
    }
    node.put("waiting", view.waiting());
    peers(node.putObject("peers"), view.peers(), plan);
    JudgeReport report = view.report();
    if (report != null) {
      ObjectNode judge = node.putObject("judge");
      judge.put("step", view.reportStep());
      judge.put("verdict", report.verdict().name().toLowerCase(Locale.ROOT).replace('_', '-'));
      judge.put("reason", report.reason());
      StepCounts c = report.counts();
      ObjectNode counts = judge.putObject("counts");
      counts.put("canaryCalls", c.canaryCalls());
      counts.put("canaryFailures", c.canaryFailures());
      counts.put("baselineCalls", c.baselineCalls());
      counts.put("baselineFailures", c.baselineFailures());
      if (c.slowThresholdNanos() == null) {
        counts.putNull("slowThresholdMs");
      } else {
        counts.put("slowThresholdMs", c.slowThresholdNanos() / 1e6);
      }
      counts.put("canarySlow", c.canarySlow());
      counts.put("baselineSlow", c.baselineSlow());
      counts.put("compared", c.compared());
      counts.put("disagreed", c.disagreed());
      counts.put("shadowFailed", c.shadowFailed());
      ArrayNode gates = judge.putArray("gates");
      for (GateReport g : report.gates()) {
        gate(gates.addObject(), g.gate().label(), g.verdict().name().toLowerCase(Locale.ROOT), g.eValue(), g.bar(),
            g.upperBound(), g.limit(), g.reason());
      }
    }
    ArrayNode history = node.putArray("history");
    if (state != null) {
      for (Decision d : state.history()) {
        ObjectNode entry = history.addObject();
        entry.put("at", d.at().toString());
        entry.put("kind", d.kind());
        entry.put("fromStep", d.fromStep());
        entry.put("toStep", d.toStep());
        entry.put("reason", d.reason());
        ArrayNode evidence = entry.putArray("evidence");
        for (Decision.GateEvidence g : d.evidence()) {
          gate(evidence.addObject(), g.gate(), g.verdict(), g.eValue(), g.bar(), g.upperBound(), g.limit(), g.reason());
        }
      }
    }
  }

  private static void gate(ObjectNode node, String gate, String verdict, Double eValue, Double bar,
      Double upperBound, Double limit, String reason) {
    node.put("gate", gate);
    node.put("verdict", verdict);
    putNumber(node, "eValue", eValue);
    putNumber(node, "bar", bar);
    putNumber(node, "upperBound", upperBound);
    putNumber(node, "limit", limit);
    node.put("reason", reason);
  }

  private static void putNumber(ObjectNode node, String field, Double value) {
    if (value == null || value.isNaN()) {
      node.putNull(field);
    } else {
      node.put(field, value);
    }
  }

  ObjectNode disagreements(List<Disagreement> kept) {
    ObjectNode root = mapper.createObjectNode();
    root.put("kept", kept.size());
    ArrayNode list = root.putArray("disagreements");
    for (Disagreement d : kept) {
      ObjectNode node = list.addObject();
      node.put("at", d.at().toString());
      ObjectNode features = node.putObject("features");
      for (FeatureValue f : d.features()) {
        features.put(f.name(), f.value());
      }
      answer(node.putObject("primary"), d.primary());
      answer(node.putObject("shadow"), d.shadow());
    }
    return root;
  }

  private static void answer(ObjectNode node, PredictAnswer a) {
    node.put("prediction", a.prediction());
    node.put("confidence", a.confidence());
    node.put("modelVersion", a.modelVersion());
  }

  private void shadow(ObjectNode node, ShadowSettings settings, ShadowSnapshot s, int inFlight) {
    node.put("backend", settings.backend().isEmpty() ? null : settings.backend());
    node.put("enabled", settings.enabled());
    node.put("percent", settings.percent());
    ArrayNode methods = node.putArray("methods");
    settings.methods().stream().sorted().forEach(methods::add);
    node.put("maxInFlight", settings.maxInFlight());
    node.put("send", settings.send().configName());
    node.put("inFlight", inFlight);
    node.put("pairs", s.pairs());
    node.put("compared", s.compared());
    node.put("agreed", s.agreed());
    node.put("disagreed", s.disagreed());
    ObjectNode agreement = node.putObject("agreement");
    if (s.agreementRate().isPresent()) {
      agreement.put("rate", s.agreementRate().getAsDouble());
    } else {
      agreement.putNull("rate");
    }
    agreement.put("lower95", s.agreement().lower());
    agreement.put("upper95", s.agreement().upper());
    agreement.put("interval", "Wilson score, 95 %, fixed-sample (for display)");
    ArrayNode flips = node.putArray("flips");
    for (Flip f : s.flips()) {
      ObjectNode flip = flips.addObject();
      flip.put("primary", f.primary());
      flip.put("shadow", f.shadow());
      flip.put("count", f.count());
    }
    node.put("confidentFlips", s.confidentFlips());
    confidence(node.putObject("confidenceDelta"), s.confidenceDeltas());
    statusPairs(node.putArray("statusPairs"), s.statusPairs());
    node.put("statusMismatches", s.statusMismatches().stream().mapToLong(StatusPair::count).sum());
    node.put("shadowFailures", s.shadowFailures());
    ObjectNode unparseable = node.putObject("unparseable");
    unparseable.put("primary", s.primaryUnparseable());
    unparseable.put("shadow", s.shadowUnparseable());
    ObjectNode skipped = node.putObject("skipped");
    for (Map.Entry<SkipReason, Long> e : s.skipped().entrySet()) {
      skipped.put(e.getKey().label(), e.getValue());
    }
    ObjectNode other = node.putObject("otherMethods");
    other.put("pairs", s.otherMethods().pairs());
    other.put("equal", s.otherMethods().equal());
    statusPairs(other.putArray("statusPairs"), s.otherMethods().statusPairs());
  }

  private static void confidence(ObjectNode node, ConfidenceDeltas d) {
    node.put("count", d.count());
    if (d.mean().isPresent()) {
      node.put("mean", d.mean().getAsDouble());
    } else {
      node.putNull("mean");
    }
    if (d.largeShare().isPresent()) {
      node.put("shareOver0.2", d.largeShare().getAsDouble());
    } else {
      node.putNull("shareOver0.2");
    }
    ArrayNode bins = node.putArray("bins");
    for (ConfidenceDeltas.Bin bin : d.bins()) {
      if (bin.count() > 0) {
        ObjectNode b = bins.addObject();
        b.put("lower", bin.lower());
        b.put("upper", bin.upper());
        b.put("count", bin.count());
      }
    }
  }

  private static void statusPairs(ArrayNode array, List<StatusPair> pairs) {
    for (StatusPair p : pairs) {
      ObjectNode pair = array.addObject();
      pair.put("primary", p.primary().name());
      pair.put("shadow", p.shadow().name());
      pair.put("count", p.count());
    }
  }

  /**
   * Served Predict answers per backend, and each backend's distance from the first configured one (the
   * baseline by convention: v1 in the shipped config).
   */
  private static void classes(ObjectNode node, CanaryConfig config, ClassDistributionSnapshot snapshot) {
    ObjectNode backends = node.putObject("backends");
    for (Map.Entry<String, BackendClasses> e : snapshot.backends().entrySet()) {
      ObjectNode backend = backends.putObject(e.getKey());
      ObjectNode byClass = backend.putObject("byClass");
      e.getValue().byClass().forEach(byClass::put);
      backend.put("unparseable", e.getValue().unparseable());
    }
    String baseline = config.backends().get(0).name();
    node.put("baseline", baseline);
    ArrayNode distances = node.putArray("distances");
    for (BackendSpec spec : config.backends()) {
      if (spec.name().equals(baseline)) {
        continue;
      }
      snapshot.distance(baseline, spec.name()).ifPresent(d -> {
        ObjectNode distance = distances.addObject();
        distance.put("baseline", baseline);
        distance.put("canary", spec.name());
        distance.put("baselineCalls", d.baselineCalls());
        distance.put("canaryCalls", d.canaryCalls());
        distance.put("psi", d.psi());
        distance.put("chiSquare", d.chiSquare());
        distance.put("degreesOfFreedom", d.degreesOfFreedom());
        distance.put("pValue", d.pValue());
      });
    }
  }
}
