package dev.siskin.router.route;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.cluster.ResolvedAddressBook;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.testing.Configs;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Prints what one routing decision costs, with and without the canary rules: the whole {@link RuleChainRoute#select}
 * (table read, rules, pick, admission) plus building the call's request headers as the transport does, which every
 * variant pays alike. Not a test: run it on the test classpath (see docs/benchmarks.md, "Canary rules"). Each
 * figure is the median of 7 rounds of 2,000,000 decisions after 3 warm-up rounds, on one thread.
 */
public final class RouteChainBenchmark {
  private static final int ROUNDS = 7;
  private static final int CALLS = 2_000_000;
  private static final Metadata.Key<String> FORCE = Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> USER = Metadata.Key.of("x-user-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> CLIENT = Metadata.Key.of("x-client", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> REQUEST = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> TENANT = Metadata.Key.of("x-tenant", Metadata.ASCII_STRING_MARSHALLER);
  private static volatile Object sink;

  public static void main(String[] args) {
    ManagedChannel channel = InProcessChannelBuilder.forName("route-chain-benchmark").build();
    try {
      List<Backend> backends = List.of(new Backend("v1", "127.0.0.1:1", channel, new ResolvedAddressBook()),
          new Backend("v2", "127.0.0.1:2", channel, new ResolvedAddressBook()));
      RuleChainRoute off = route(backends, new RoutingSettings("", "", ""));
      RuleChainRoute on = route(backends, new RoutingSettings("x-canary-backend", "x-user-id", ""));
      String longKey = "u".repeat(1024);

      System.out.printf("%-66s %10s%n", "routing decision (2 backends 50/50, smooth WRR)", "ns/call");
      report("rules off, 3 request headers", off, () -> headers(null, null));
      report("rules on, neither header sent (weights decide)", on, () -> headers(null, null));
      report("rules on, x-user-id: user-12345 (sticky)", on, () -> headers(null, "user-12345"));
      report("rules on, x-user-id of 1 KiB (sticky)", on, () -> headers(null, longKey));
      report("rules on, x-canary-backend: v2 (forced)", on, () -> headers("v2", null));
    } finally {
      channel.shutdownNow();
    }
  }

  private static RuleChainRoute route(List<Backend> backends, RoutingSettings rules) {
    CanaryConfig config = Configs.of(new BackendSpec("v1", "127.0.0.1:1", 50), new BackendSpec("v2", "127.0.0.1:2", 50))
        .withRouting(rules);
    RoutingTableHolder tables = new RoutingTableHolder();
    tables.publish(RoutingTable.build(config, backends, WeightedPicker::create, new boolean[] {true, true}));
    return new RuleChainRoute(tables, new RoutingRuleStats());
  }

  /** Request headers as a client sends them: two of its own, and the rule headers asked for. */
  private static Metadata headers(String force, String user) {
    Metadata h = new Metadata();
    h.put(CLIENT, "bench");
    h.put(REQUEST, "r-1");
    h.put(TENANT, "t-1");
    if (force != null) {
      h.put(FORCE, force);
    }
    if (user != null) {
      h.put(USER, user);
    }
    return h;
  }

  private static void report(String name, RuleChainRoute route, Supplier<Metadata> headers) {
    for (int i = 0; i < 3; i++) {
      round(route, headers);
    }
    double[] ns = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      ns[i] = round(route, headers);
    }
    Arrays.sort(ns);
    System.out.printf("%-66s %10.1f%n", name, ns[ROUNDS / 2]);
  }

  private static double round(RuleChainRoute route, Supplier<Metadata> headers) {
    long t0 = System.nanoTime();
    Object last = null;
    for (int i = 0; i < CALLS; i++) {
      Selection s = route.select("mlservice.v1.PredictionService/Predict", headers.get(), List.of());
      s.backend().release();
      last = s;
    }
    sink = last;
    return (System.nanoTime() - t0) / (double) CALLS;
  }
}
