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
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.config.ShadowSettings;
import java.util.List;
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
    // No automated rollout runs in this version: the weights are moved by hand (stage.sh) only.
    ObjectNode rollout = root.putObject("rollout");
    rollout.put("state", "disabled");
    rollout.put("step", 0);
    return root;
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
