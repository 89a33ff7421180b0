package dev.siskin.router.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.siskin.router.cluster.Backend;
import dev.siskin.router.cluster.ResolvedAddressBook;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.testing.Configs;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The routing chain's precedence -- force header, then sticky key, then weights -- and what each rule records,
 * on real routing tables whose backends are never called (selecting does no I/O).
 */
class RuleChainRouteTest {
  private static final String PREDICT = "mlservice.v1.PredictionService/Predict";
  private static final Metadata.Key<String> FORCE = Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> USER = Metadata.Key.of("x-user-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final RoutingSettings BOTH_RULES = new RoutingSettings("x-canary-backend", "x-user-id", "");

  private final ManagedChannel channel = InProcessChannelBuilder.forName("never-called").build();
  private final Backend v1 = new Backend("v1", "127.0.0.1:1", channel, new ResolvedAddressBook());
  private final Backend v2 = new Backend("v2", "127.0.0.1:2", channel, new ResolvedAddressBook());
  private final RoutingTableHolder tables = new RoutingTableHolder();
  private final RoutingRuleStats stats = new RoutingRuleStats();
  private final RuleChainRoute route = new RuleChainRoute(tables, stats);

  @AfterEach
  void closeChannel() {
    channel.shutdownNow();
  }

  /** Publishes a table with these weights and rules; {@code routable} says which backends are healthy. */
  private void publish(int w1, int w2, RoutingSettings rules, boolean... routable) {
    CanaryConfig config = Configs.of(new BackendSpec("v1", "127.0.0.1:1", w1), new BackendSpec("v2", "127.0.0.1:2", w2))
        .withRouting(rules);
    boolean[] healthy = routable.length == 0 ? new boolean[] {true, true} : routable;
    tables.publish(RoutingTable.build(config, List.of(v1, v2), WeightedPicker::create, healthy));
  }

  private static Metadata headers(String force, String user) {
    Metadata headers = new Metadata();
    if (force != null) {
      headers.put(FORCE, force);
    }
    if (user != null) {
      headers.put(USER, user);
    }
    return headers;
  }

  /** Selects for one call and gives the admitted backend's slot back at once. */
  private Selection select(Metadata headers, Backend... tried) {
    Selection selection = route.select(PREDICT, headers, List.of(tried));
    if (selection.refusal() == Selection.Refusal.NONE) {
      selection.backend().release();
    }
    return selection;
  }

  @Test
  void theForceHeaderBeatsTheStickyKeyWhichBeatsTheWeights() {
    publish(100, 0, BOTH_RULES);

    Selection forced = select(headers("v2", "user-1"));
    assertThat(forced.backend()).isSameAs(v2);
    assertThat(forced.cause()).isEqualTo(RouteCause.HEADER);
    assertThat(forced.share()).isZero(); // v2 has weight 0: the weights would never have sent it there

    Selection sticky = select(headers(null, "user-1"));
    assertThat(sticky.backend()).isSameAs(v1); // the only backend with a weight
    assertThat(sticky.cause()).isEqualTo(RouteCause.STICKY);
    assertThat(sticky.share()).isEqualTo(1.0);

    Selection weighted = select(headers(null, null));
    assertThat(weighted.backend()).isSameAs(v1);
    assertThat(weighted.cause()).isEqualTo(RouteCause.WEIGHT);
    assertThat(weighted.share()).isEqualTo(1.0);
  }

  @Test
  void aForcedCallLosesTheForceHeaderButKeepsTheStickyOne() {
    publish(50, 50, BOTH_RULES);
    Metadata headers = headers("v2", "user-1");

    select(headers);

    assertThat(headers.containsKey(FORCE)).as("the force header is for the router").isFalse();
    assertThat(headers.get(USER)).isEqualTo("user-1");
  }

  @Test
  void aForcedCallGoesToAnUnhealthyBackendAndIsNotInPanic() {
    publish(50, 50, BOTH_RULES, true, false);
    Selection forced = select(headers("v2", null));
    assertThat(forced.backend()).isSameAs(v2);
    assertThat(forced.share()).isZero(); // v2's share of the weights in force: it is out while unhealthy
    assertThat(forced.panic()).isFalse();

    publish(50, 50, BOTH_RULES, false, false); // panic: no healthy backend
    Selection inPanic = select(headers("v1", null));
    assertThat(inPanic.backend()).isSameAs(v1);
    assertThat(inPanic.panic()).isFalse();
    assertThat(select(headers(null, null)).panic()).isTrue();
  }

  @Test
  void anUnknownNameIsRefusedWithTheBackendsAndCounted() {
    publish(90, 10, BOTH_RULES);

    Selection refused = select(headers("v3", "user-1"));

    assertThat(refused.refusal()).isEqualTo(Selection.Refusal.UNKNOWN_BACKEND);
    assertThat(refused.backend()).isNull();
    assertThat(refused.cause()).isEqualTo(RouteCause.HEADER);
    assertThat(refused.reason()).isEqualTo("x-canary-backend: \"v3\" names no backend (expected one of: v1, v2; "
        + "or no x-canary-backend header to route by the weights)");
    assertThat(stats.forceUnknownTotal()).isEqualTo(1);
    assertThat(stats.forceEmptyTotal()).isZero();
  }

  @Test
  void aLongOrOddUnknownNameIsQuotedShortAndPrintable() {
    publish(90, 10, BOTH_RULES);
    Selection refused = select(headers("\"x\"" + "y".repeat(5000), null));
    assertThat(refused.reason()).startsWith("x-canary-backend: \"?x?" + "y".repeat(61) + "\" (5003 characters) names");
  }

  @Test
  void anEmptyForceHeaderCountsAsNoneAndIsCounted() {
    publish(0, 100, BOTH_RULES);

    assertThat(select(headers("", null)).cause()).isEqualTo(RouteCause.WEIGHT);
    assertThat(select(headers("  ", "user-1")).cause()).isEqualTo(RouteCause.STICKY);
    assertThat(stats.forceEmptyTotal()).isEqualTo(2);
    // Surrounding spaces are not part of a name.
    assertThat(select(headers(" v1 ", null)).backend()).isSameAs(v1);
  }

  @Test
  void rulesThatAreOffIgnoreTheirHeadersAndLeaveThemForTheBackend() {
    publish(100, 0, new RoutingSettings("", "", ""));
    Metadata headers = headers("v2", "user-1");

    Selection selection = select(headers);

    assertThat(selection.backend()).isSameAs(v1);
    assertThat(selection.cause()).isEqualTo(RouteCause.WEIGHT);
    assertThat(headers.get(FORCE)).isEqualTo("v2");
    assertThat(stats.forceUnknownTotal() + stats.forceEmptyTotal()).isZero();
  }

  @Test
  void anEmptyStickyKeyIsRoutedByTheWeights() {
    publish(50, 50, BOTH_RULES);
    assertThat(select(headers(null, "")).cause()).isEqualTo(RouteCause.WEIGHT);
  }

  @Test
  void theSameKeyStaysOnOneBackendAndKeysSpreadOverBoth() {
    publish(50, 50, BOTH_RULES);
    Map<String, Backend> home = new HashMap<>();
    Set<Backend> used = new HashSet<>();
    for (int round = 0; round < 3; round++) {
      for (int k = 0; k < 200; k++) {
        Backend b = select(headers(null, "user-" + k)).backend();
        assertThat(home.computeIfAbsent("user-" + k, key -> b)).as("user-%d in round %d", k, round).isSameAs(b);
        used.add(b);
      }
    }
    assertThat(used).containsExactlyInAnyOrder(v1, v2);
  }

  /**
   * A key whose backend is unhealthy goes to the other one and comes back when it is healthy again; in panic mode
   * every key goes to the backend it has when all are healthy.
   */
  @Test
  void aKeyOfAnUnhealthyBackendMovesAndComesBack() {
    publish(50, 50, BOTH_RULES);
    String key = keyOn(v2);

    publish(50, 50, BOTH_RULES, true, false);
    Selection moved = select(headers(null, key));
    assertThat(moved.backend()).isSameAs(v1);
    assertThat(moved.share()).isEqualTo(1.0);

    publish(50, 50, BOTH_RULES, false, false);
    assertThat(select(headers(null, key)).backend()).as("panic mode").isSameAs(v2);

    publish(50, 50, BOTH_RULES);
    assertThat(select(headers(null, key)).backend()).isSameAs(v2);
  }

  @Test
  void aRetriedStickyCallGoesToTheKeysNextBackend() {
    publish(50, 50, BOTH_RULES);
    String key = keyOn(v2);

    Selection retry = select(headers(null, key), v2);

    assertThat(retry.backend()).isSameAs(v1);
    assertThat(retry.cause()).isEqualTo(RouteCause.STICKY);
    // With every backend tried, the key's own backend again.
    assertThat(select(headers(null, key), v1, v2).backend()).isSameAs(v2);
  }

  @Test
  void aChangeOfTheRulesTakesEffectWithTheNextTable() {
    publish(50, 50, new RoutingSettings("", "", ""));
    assertThat(select(headers(null, "user-1")).cause()).isEqualTo(RouteCause.WEIGHT);

    publish(50, 50, BOTH_RULES);
    assertThat(select(headers(null, "user-1")).cause()).isEqualTo(RouteCause.STICKY);

    List<Backend> before = placements(400);
    publish(50, 50, new RoutingSettings("x-canary-backend", "x-user-id", "another salt"));
    List<Backend> after = placements(400);
    long stayed = java.util.stream.IntStream.range(0, 400).filter(k -> before.get(k) == after.get(k)).count();
    // A new salt places every key anew: at 50/50 about half stay by chance (400 keys: 200 +- 50 at 5 sigma).
    assertThat(stayed).isBetween(150L, 250L);
  }

  @Test
  void withoutATableNoBackendIsSelected() {
    assertThat(select(headers("v1", "user-1")).refusal()).isEqualTo(Selection.Refusal.NO_BACKEND);
  }

  /** A sticky key that the table in force places on {@code backend}. */
  private String keyOn(Backend backend) {
    for (int k = 0; k < 1000; k++) {
      if (select(headers(null, "user-" + k)).backend() == backend) {
        return "user-" + k;
      }
    }
    throw new AssertionError("no key of 1000 lands on " + backend.name());
  }

  /** Where the keys user-0 ... user-(n-1) land now. */
  private List<Backend> placements(int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(k -> select(headers(null, "user-" + k)).backend()).toList();
  }
}
