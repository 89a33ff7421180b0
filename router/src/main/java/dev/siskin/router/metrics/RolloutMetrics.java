package dev.siskin.router.metrics;

import dev.siskin.router.rollout.RolloutPhase;
import dev.siskin.router.rollout.RolloutView;
import dev.siskin.router.rollout.judge.GateReport;
import dev.siskin.router.rollout.peers.PeerRole;
import dev.siskin.router.rollout.peers.PeersView;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.Supplier;

/**
 * The automated rollout as Prometheus series, read from one {@link RolloutView} per series at scrape time: state
 * (one series per state, 1 for the current one), step, the canary's share, decisions by kind, and each gate's
 * evidence, bar and (for floors) upper bound. Stateless.
 */
final class RolloutMetrics {
  private RolloutMetrics() {}

  static void register(PrometheusRegistry registry, Supplier<RolloutView> rollout) {
    GaugeWithCallback.builder().name("siskin_router_rollout_state")
        .help("The automated rollout's state: 1 for the current one (disabled, running, paused, promoted, "
            + "rolled-back)")
        .labelNames("state")
        .callback(cb -> {
          RolloutPhase now = rollout.get().phase();
          for (RolloutPhase p : RolloutPhase.values()) {
            cb.call(p == now ? 1 : 0, p.label());
          }
        })
        .register(registry);
    GaugeWithCallback.builder().name("siskin_router_rollout_step")
        .help("Index of the rollout's current step in rollout.steps")
        .callback(cb -> cb.call(rollout.get().step()))
        .register(registry);
    GaugeWithCallback.builder().name("siskin_router_rollout_canary_share")
        .help("The canary's share of served calls that the rollout sets now (0 to 1); absent when it sets none")
        .callback(cb -> {
          Integer percent = rollout.get().canaryPercent();
          if (percent != null) {
            cb.call(percent / 100.0);
          }
        })
        .register(registry);
    CounterWithCallback.builder().name("siskin_router_rollout_decisions")
        .help("Rollout decisions this router made since start, by kind (start, advance, promote, roll-back, "
            + "pause, resume, resume-after-restart, end, follow, take-over)")
        .labelNames("kind")
        .callback(cb -> rollout.get().decisionsTotal().forEach((kind, n) -> cb.call(n, kind)))
        .register(registry);
    GaugeWithCallback.builder().name("siskin_router_rollout_peer_role")
        .help("This router's part in a rollout several routers share: 1 for the current one (alone, judge, follower)")
        .labelNames("role")
        .callback(cb -> {
          PeerRole now = rollout.get().peers().role();
          for (PeerRole r : PeerRole.values()) {
            cb.call(r == now ? 1 : 0, r.label());
          }
        })
        .register(registry);
    GaugeWithCallback.builder().name("siskin_router_rollout_peers_following")
        .help("The judge of a shared rollout: the other routers that answered and follow it (following=true), and"
            + " those that do not or did not answer (following=false); while any is false the step does not advance")
        .labelNames("following")
        .callback(cb -> {
          PeersView peers = rollout.get().peers();
          if (peers.role() == PeerRole.JUDGE) {
            long following = peers.peers().stream().filter(PeersView.Peer::following).count();
            cb.call(following, "true");
            cb.call(peers.peers().size() - following, "false");
          }
        })
        .register(registry);
    GaugeWithCallback.builder().name("siskin_router_rollout_judge_reachable")
        .help("A follower of a shared rollout: 1 while its last try to reach the judge succeeded, 0 when it "
            + "failed (the follower holds its step); absent on other routers")
        .callback(cb -> {
          PeersView peers = rollout.get().peers();
          if (peers.role() == PeerRole.FOLLOWER) {
            cb.call(peers.judgeProblem().isEmpty() && peers.judgeContact() != null ? 1 : 0);
          }
        })
        .register(registry);
    GaugeWithCallback.builder().name("siskin_router_rollout_gate_evalue")
        .help("Each gate's evidence against the canary (an e-value; the gate rejects at its bar)")
        .labelNames("gate")
        .callback(cb -> eachGate(rollout, g -> g.eValue() == null ? null : g.eValue(), cb::call))
        .register(registry);
    GaugeWithCallback.builder().name("siskin_router_rollout_gate_bar")
        .help("The e-value at which each gate rejects: 1 / its share of rollout.alpha")
        .labelNames("gate")
        .callback(cb -> eachGate(rollout, GateReport::bar, cb::call))
        .register(registry);
    GaugeWithCallback.builder().name("siskin_router_rollout_gate_upper_bound")
        .help("A floor gate's anytime-valid upper bound of the canary's rate in this step")
        .labelNames("gate")
        .callback(cb -> eachGate(rollout, GateReport::upperBound, cb::call))
        .register(registry);
  }

  private interface Sink {
    void call(double value, String... labels);
  }

  private static void eachGate(Supplier<RolloutView> rollout, java.util.function.Function<GateReport, Double> value,
      Sink sink) {
    RolloutView view = rollout.get();
    if (view.report() == null) {
      return;
    }
    for (GateReport g : view.report().gates()) {
      Double v = value.apply(g);
      if (v != null && !v.isNaN()) {
        sink.call(v, g.gate().label());
      }
    }
  }
}
