package dev.siskin.router.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import dev.siskin.router.metrics.CallOutcomes;
import dev.siskin.router.metrics.PrometheusTextParser;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 item 1 with the real jars: the router runs with the benchmark's heap ({@code -Xmx128m}) in front of
 * model servers v1 and v2 (50/50), and a client calls {@value #JUNK_CALLS} random method names of
 * {@value #JUNK_NAME_CHARS} characters (each answered UNIMPLEMENTED by a backend). Before the fix every name
 * became about 20 series repeating it, and the first scrape after the flood ran the router out of memory
 * (OutOfMemoryError in its admin thread while it built the text; the scrape got no answer). Now the flood may
 * add only the {@code __unknown__} series of the two backends, Predict keeps its own series with exact counts,
 * and the router stays alive.
 */
class MetricsFloodIT {
  private static final int JUNK_CALLS = 250;
  private static final int JUNK_NAME_CHARS = 7_000;
  private static final String PREDICT = ServedCounts.PREDICT;
  /**
   * What the flood may add to a scrape: the {@code __unknown__} series of v1 and v2, each one calls line (code
   * UNIMPLEMENTED) and a duration histogram of 19 lines (16 finite buckets, +Inf, _count, _sum), about 90 bytes
   * a line: 2 x 20 x 90 = 3.6 KB (3.65 KB measured). Three times that leaves room for the JVM metrics, whose
   * values (not series) change between the two scrapes. The unfixed router added 250 x 20 lines of over 7,000
   * bytes, about 35 MB (RouterCallMetricsTest measured 42 MB for 300 such calls).
   */
  private static final int MAX_GROWTH_BYTES = 12 * 1024;
  /** A method label has at most 128 characters (the name cap); the rest of a line is its name and other labels. */
  private static final int MAX_LINE_CHARS = 512;

  @TempDir
  Path dir;

  @Test
  void aFloodOfLongRandomMethodNamesLeavesMetricsBoundedAndTheRouterAlive() throws Exception {
    try (E2eCluster cluster = E2eCluster.start("router-flood", dir.resolve("canary.conf"), 50, 50, Map.of(),
        (config, conf) -> Files.writeString(config, conf.render()), List.of("-Xmx128m", "-XX:+UseSerialGC"))) {
      Tally before = cluster.client.run(40, 4, PredictClient.SEED_REQUEST);
      assertThat(before.failed()).as(before.toString()).isZero();
      String baseline = cluster.admin().text("/metrics");

      Random random = new Random(12);
      for (int i = 0; i < JUNK_CALLS; i++) {
        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
            () -> callJunk(cluster.client, CallOutcomes.randomMethodName(random, JUNK_NAME_CHARS)));
        assertThat(error).as("junk call %d", i).isNotNull();
        assertThat(error.getStatus().getCode()).as("junk call %d", i).isEqualTo(Status.Code.UNIMPLEMENTED);
      }
      Tally after = cluster.client.run(40, 4, PredictClient.SEED_REQUEST);
      assertThat(after.failed()).as(after.toString()).isZero();

      String scrape = null;
      for (int i = 0; i < 3; i++) { // the unfixed router died on the first
        scrape = scrapeOrExplain(cluster);
      }
      System.out.printf("e2e metrics flood: /metrics %d bytes before %d junk calls, %d bytes after%n",
          baseline.length(), JUNK_CALLS, scrape.length());
      scrape.lines().filter(l -> l.startsWith("siskin_router_calls_total")).forEach(System.out::println);
      assertThat(scrape.length()).as("bytes of /metrics after the flood (before: %d)", baseline.length())
          .isLessThanOrEqualTo(baseline.length() + MAX_GROWTH_BYTES);
      assertThat(scrape.lines().mapToInt(String::length).max().orElse(0)).as("longest line of /metrics")
          .isLessThanOrEqualTo(MAX_LINE_CHARS);

      Map<String, Long> calls = callsByBackendMethodCode(PrometheusTextParser.parse(scrape));
      for (String backend : List.of("v1", "v2")) {
        assertThat(calls.get(backend + " " + PREDICT + " OK")).as("Predict calls OK on " + backend)
            .isEqualTo((long) before.byHeader(backend) + after.byHeader(backend));
      }
      assertThat(calls.getOrDefault("v1 __unknown__ UNIMPLEMENTED", 0L)
          + calls.getOrDefault("v2 __unknown__ UNIMPLEMENTED", 0L)).as("junk calls, in %s", calls)
          .isEqualTo(JUNK_CALLS);

      assertThat(cluster.router.process().isAlive()).as(cluster.router.process().output()).isTrue();
      assertThat(cluster.admin().status("/ready")).isEqualTo(200);
      assertThat(cluster.client.call(PredictClient.SEED_REQUEST).ok()).isTrue();
      assertThat(cluster.router.process().output()).doesNotContain("OutOfMemoryError");
    }
  }

  /** A scrape, or a failure that says what became of the router when there is no answer. */
  private static String scrapeOrExplain(E2eCluster cluster) throws InterruptedException {
    try {
      return cluster.admin().text("/metrics");
    } catch (IOException e) {
      throw new AssertionError("/metrics did not answer (" + e + "); router alive: "
          + cluster.router.process().isAlive() + "; its output:\n" + cluster.router.process().output(), e);
    }
  }

  /** A Predict request under another method name: the router forwards it, the model server does not know it. */
  private static void callJunk(PredictClient client, String fullMethod) {
    MethodDescriptor<PredictRequest, ?> junk =
        PredictionServiceGrpc.getPredictMethod().toBuilder().setFullMethodName(fullMethod).build();
    ClientCalls.blockingUnaryCall(client.channel(), junk, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
        PredictClient.SEED_REQUEST);
  }

  /** {@code siskin_router_calls_total} keyed "backend method code". */
  private static Map<String, Long> callsByBackendMethodCode(Map<String, PrometheusTextParser.Family> families) {
    Map<String, Long> calls = new HashMap<>();
    families.values().stream().flatMap(f -> f.samples().stream())
        .filter(s -> s.name().equals("siskin_router_calls_total"))
        .forEach(s -> calls.put(s.labels().get("backend") + " " + s.labels().get("method") + " "
            + s.labels().get("code"), (long) s.value()));
    return calls;
  }
}
