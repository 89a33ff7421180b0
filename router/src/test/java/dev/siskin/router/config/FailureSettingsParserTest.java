package dev.siskin.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailureSettingsParserTest {
  private static final String BACKENDS = "backends { v1 { target = \"127.0.0.1:1\", weight = 1 } }\n";

  @TempDir
  Path dir;

  private CanaryConfig parse(String text) throws Exception {
    Path file = dir.resolve("canary.conf");
    Files.writeString(file, text);
    return CanaryConfigParser.parse(file, Map.of(), Clock.systemUTC());
  }

  private String rejection(String text) {
    return catchThrowableOfType(ConfigException.class, () -> parse(text)).getMessage();
  }

  @Test
  void thePlainConfigGetsTheDocumentedDefaults() throws Exception {
    FailureSettings f = parse(BACKENDS).router().failure();
    assertThat(f).isEqualTo(FailureSettings.defaults());
    assertThat(f.healthCheck()).isEqualTo(new FailureSettings.HealthCheck(true, Duration.ofSeconds(1),
        Duration.ofMillis(500), 2, 2, ""));
    assertThat(f.outlier()).isEqualTo(new FailureSettings.Outlier(true, 5, Set.of(Status.Code.UNAVAILABLE),
        Duration.ofSeconds(30), Duration.ofSeconds(300), 50));
    assertThat(f.retry().maxAttempts()).isEqualTo(2);
    assertThat(f.retry().bufferLimitBytes()).isEqualTo(1 << 20);
    assertThat(f.retry().budgetPercent()).isEqualTo(20);
    assertThat(f.retry().budgetMinConcurrency()).isEqualTo(10);
    assertThat(f.limits()).isEqualTo(new FailureSettings.Limits(Duration.ofSeconds(30), Duration.ofSeconds(3),
        Duration.ofSeconds(10), Duration.ofSeconds(5), 1000, Duration.ofSeconds(5), Duration.ofSeconds(20), Duration.ofSeconds(5)));
    BackendSpec v1 = parse(BACKENDS).backends().get(0);
    assertThat(v1.maxInFlight(parse(BACKENDS).router())).isEqualTo(1000);
    assertThat(v1.healthCheckService(parse(BACKENDS).router())).isEmpty();
  }

  @Test
  void everyKeyCanBeSetAndBackendsCanOverrideTheirs() throws Exception {
    CanaryConfig c = parse("""
        router {
          default-deadline = 0
          max-in-flight-per-backend = 0
          drain-grace = 1s
          health-check { interval = 2s, timeout = 1s, service = "mlservice.v1.PredictionService" }
          outlier-detection { consecutive-failures = 3, codes = [UNAVAILABLE, internal] }
          retry { max-attempts = 3, idempotent-methods = ["/mlservice.v1.PredictionService/Predict"] }
        }
        backends { v1 { target = "127.0.0.1:1", weight = 1, max-in-flight = 7, health-check-service = "" } }
        """);
    FailureSettings f = c.router().failure();
    assertThat(f.limits().defaultDeadline()).isZero();
    assertThat(f.limits().drainGrace()).isEqualTo(Duration.ofSeconds(1));
    assertThat(f.healthCheck().interval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(f.outlier().codes()).containsExactlyInAnyOrder(Status.Code.UNAVAILABLE, Status.Code.INTERNAL);
    assertThat(f.retry().retryable("mlservice.v1.PredictionService/Predict", Status.Code.INTERNAL)).isTrue();
    assertThat(f.retry().retryable("mlservice.v1.PredictionService/Health", Status.Code.INTERNAL)).isFalse();
    assertThat(f.retry().retryable("any.Service/Method", Status.Code.UNAVAILABLE)).isTrue();
    BackendSpec v1 = c.backends().get(0);
    assertThat(v1.maxInFlight(c.router())).isEqualTo(7);
    assertThat(v1.healthCheckService(c.router())).isEmpty();
  }

  @Test
  void badValuesAreReportedWithTheValueAndWhatIsExpected() {
    String message = rejection("""
        router {
          health-check { interval = 0s, intervall = 1s, timeout = 2s }
          outlier-detection { codes = [UNAVAILABLE, NOPE], max-ejection-percent = 101 }
          retry { max-attempts = 9 }
          drain-timeout = -1s
        }
        backends { v1 { target = "127.0.0.1:1", weight = 1, max-in-flight = -2 } }
        """);
    assertThat(message)
        .contains(":2: router.health-check.interval: \"0s\" (expected: a duration > 0")
        .contains(":2: router.health-check.intervall: unknown key (expected one of: enabled, healthy-threshold,")
        .contains(":3: router.outlier-detection.codes: [\"UNAVAILABLE\",\"NOPE\"] \"NOPE\" is not a failure status code")
        .contains(":3: router.outlier-detection.max-ejection-percent: 101 (expected: an integer from 0 to 100)")
        .contains(":4: router.retry.max-attempts: 9 (expected: an integer from 1 to 5)")
        .contains(":5: router.drain-timeout: \"-1s\" (expected: a duration >= 0")
        .contains(":7: backends.v1.max-in-flight: -2 (expected: an integer >= 0; 0 = no limit)");
  }

  @Test
  void dnsRefreshIsOffAtZeroAndAtLeastOneSecondOtherwise() throws Exception {
    assertThat(parse("router.dns-refresh = 0\n" + BACKENDS).router().failure().limits().dnsRefresh()).isZero();
    assertThat(parse("router.dns-refresh = 2s\n" + BACKENDS).router().failure().limits().dnsRefresh())
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(rejection("router.dns-refresh = 200ms\n" + BACKENDS))
        .contains(":1: router.dns-refresh: \"200ms\" (expected: 0 for off, or a duration of at least 1s");
    assertThat(rejection("router.dns-refresh = -5s\n" + BACKENDS))
        .contains(":1: router.dns-refresh: \"-5s\" (expected: 0 for off");
  }

  @Test
  void aTimeoutLongerThanTheIntervalIsRejected() {
    assertThat(rejection("router { health-check { interval = 1s, timeout = 2s } }\n" + BACKENDS))
        .contains("router.health-check.timeout: \"2s\" longer than interval PT1S (expected: <= interval");
  }
}
