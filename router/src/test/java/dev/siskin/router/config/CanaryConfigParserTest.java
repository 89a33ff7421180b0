package dev.siskin.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.siskin.router.route.Policy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CanaryConfigParserTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

  @TempDir
  Path dir;

  private Path write(String content) throws IOException {
    return Files.writeString(dir.resolve("canary.conf"), content);
  }

  private CanaryConfig parse(Path file, Map<String, String> env) throws ConfigException {
    return CanaryConfigParser.parse(file, env, CLOCK);
  }

  private CanaryConfig parse(String content) throws Exception {
    return parse(write(content), Map.of());
  }

  /** The error message for a file of the given content. */
  private String rejection(String content) throws IOException {
    Path file = write(content);
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> parse(file, Map.of()));
    assertThat(thrown).as("config should be rejected:%n%s", content).isInstanceOf(ConfigException.class);
    String message = thrown.getMessage();
    assertThat(message).startsWith(file.toString() + ":");
    return message.substring(file.toString().length());
  }

  @Test
  void readsTheContractExampleWithDefaults() throws Exception {
    CanaryConfig config = parse("""
        router {
          listen = "0.0.0.0:50051"      # gRPC port that clients call
          admin  = "127.0.0.1:9901"     # admin HTTP endpoint, loopback by default
        }
        backends {
          v1 { target = "127.0.0.1:50052", weight = 90 }
          v2 { target = "127.0.0.1:50053", weight = 10 }
        }
        """);

    assertThat(config.router()).isEqualTo(
        new RouterSettings("0.0.0.0:50051", "127.0.0.1:9901", Policy.SMOOTH_WEIGHTED_ROUND_ROBIN, false));
    assertThat(config.backends()).containsExactly(
        new BackendSpec("v1", "127.0.0.1:50052", 90), new BackendSpec("v2", "127.0.0.1:50053", 10));
    assertThat(config.source()).isEqualTo(dir.resolve("canary.conf"));
    assertThat(config.loadedAt()).isEqualTo(CLOCK.instant());
  }

  @Test
  void defaultsComeFromReferenceConfWhenTheRouterBlockIsAbsent() throws Exception {
    CanaryConfig config = parse("backends { only { target = \"localhost:1\", weight = 1 } }");

    assertThat(config.router()).isEqualTo(
        new RouterSettings("0.0.0.0:50051", "127.0.0.1:9901", Policy.SMOOTH_WEIGHTED_ROUND_ROBIN, false));
  }

  @Test
  void readsEveryRouterSetting() throws Exception {
    CanaryConfig config = parse("""
        router {
          listen = "127.0.0.1:0"
          admin = "[::1]:9999"
          policy = random
          access-log = true
        }
        backends { a { target = "dns:///model-a:50051", weight = 0 }, b { target = "dns:///b.example.com:443", weight = 3 } }
        """);

    assertThat(config.router()).isEqualTo(new RouterSettings("127.0.0.1:0", "[::1]:9999", Policy.RANDOM, true));
    assertThat(config.backends()).containsExactly(
        new BackendSpec("a", "dns:///model-a:50051", 0), new BackendSpec("b", "dns:///b.example.com:443", 3));
  }

  @Test
  void keepsBackendsInFileOrder() throws Exception {
    CanaryConfig config = parse("""
        backends {
          zeta { target = "h:1", weight = 1 }
          alpha {
            target = "h:2"
            weight = 2
          }
          mid { target = "h:3", weight = 3 }
          b10 { target = "h:4", weight = 4 }
          b9 { target = "h:5", weight = 5 }
        }
        """);

    assertThat(config.backends()).extracting(BackendSpec::name).containsExactly("zeta", "alpha", "mid", "b10", "b9");
  }

  @Test
  void environmentOverridesTargetsAndWeights() throws Exception {
    Path file = write("""
        backends {
          v1 { target = "127.0.0.1:50052", target = ${?MODEL_V1_TARGET}, weight = 90 }
          v2 {
            target = "127.0.0.1:50053"
            target = ${?MODEL_V2_TARGET}
            weight = 10
            weight = ${?V2_WEIGHT}
          }
        }
        """);

    CanaryConfig withoutEnv = parse(file, Map.of());
    CanaryConfig withEnv = parse(file, Map.of("MODEL_V2_TARGET", "dns:///model-v2:50051", "V2_WEIGHT", "25"));

    assertThat(withoutEnv.backends()).containsExactly(
        new BackendSpec("v1", "127.0.0.1:50052", 90), new BackendSpec("v2", "127.0.0.1:50053", 10));
    assertThat(withEnv.backends()).containsExactly(
        new BackendSpec("v1", "127.0.0.1:50052", 90), new BackendSpec("v2", "dns:///model-v2:50051", 25));
  }

  @Test
  void theProcessEnvironmentIsUsedByDefault() throws Exception {
    // PATH is set in every test environment; an unknown variable leaves the written value in place.
    Path file = write("""
        backends { v1 { target = "127.0.0.1:1", target = ${?SISKIN_TEST_SURELY_UNSET_VARIABLE}, weight = 1 } }
        """);

    assertThat(CanaryConfigParser.parse(file).backends()).containsExactly(new BackendSpec("v1", "127.0.0.1:1", 1));
  }

  @Test
  void badValueFromTheEnvironmentNamesTheLineOfItsBackend() throws Exception {
    Path file = write("""
        backends {
          v1 { target = "h:1", weight = 1 }
          v2 { target = "h:2", weight = ${?V2_WEIGHT} }
        }
        """);

    assertThatThrownBy(() -> parse(file, Map.of("V2_WEIGHT", "ten")))
        .hasMessage(file + ":3: backends.v2.weight: \"ten\" (expected: an integer >= 0) [value from environment variables]");
  }

  @Test
  void sameContentIgnoresWhereAndWhenItWasRead() throws Exception {
    CanaryConfig a = parse("backends { v1 { target = \"h:1\", weight = 1 } }");
    CanaryConfig b = CanaryConfigParser.parse(write("backends {\n  v1 {\n target = \"h:1\"\n weight = 1 } }\n"));

    assertThat(a.sameContent(b)).isTrue();
    assertThat(a.sameContent(parse("backends { v1 { target = \"h:1\", weight = 2 } }"))).isFalse();
  }

  // ---- rejections: each names file, line and reason ----

  @Test
  void rejectsNegativeWeightInTheDocumentedFormat() throws Exception {
    assertThat(rejection("""
        router {
          listen = "0.0.0.0:50051"
        }
        backends {
          v1 { target = "127.0.0.1:50052", weight = 90 }

          v2 { target = "127.0.0.1:50053", weight = -5 }
        }
        """)).isEqualTo(":7: backends.v2.weight: -5 (expected: an integer >= 0)");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "1.5      | :1: backends.v1.weight: 1.5 (expected: an integer >= 0)",
      "\"abc\"  | :1: backends.v1.weight: \"abc\" (expected: an integer >= 0)",
      "true     | :1: backends.v1.weight: true (expected: an integer >= 0)",
      "[1]      | :1: backends.v1.weight: [1] (expected: an integer >= 0)",
      "1000001  | :1: backends.v1.weight: 1000001 (expected: at most 1000000; only the ratio of weights matters)",
      "99999999999 | :1: backends.v1.weight: 99999999999 (expected: at most 1000000; only the ratio of weights matters)",
  })
  void rejectsBadWeights(String weight, String expected) throws Exception {
    assertThat(rejection("backends { v1 { target = \"h:1\", weight = " + weight + " }, v2 { target = \"h:2\", weight = 1 } }"))
        .isEqualTo(expected);
  }

  @Test
  void acceptsIntegralWeightSpellings() throws Exception {
    assertThat(parse("backends { a { target = \"h:1\", weight = \"7\" }, b { target = \"h:2\", weight = 1e2 } }").backends())
        .extracting(BackendSpec::weight).containsExactly(7, 100);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "\"\"", "\"127.0.0.1\"", "\"127.0.0.1:\"", "\"127.0.0.1:0\"", "\"127.0.0.1:65536\"", "\"127.0.0.1:-1\"",
      "\"http://127.0.0.1:80\"", "\"unix:///tmp/sock\"", "\"model v2:50051\"", "\" h:1\"", "\"dns:///model-v2\"",
      "\"dns:model:50051\"", "\"::1:50051\"", "\"h:port\"", "50051", "{ host = h }",
      // Host names gRPC's DNS resolver refuses when it opens the channel (issue 12): caught here, with file:line.
      "\"model_v2:50053\"", "\"dns:///model_v2:50053\"", "\"model-v2-:50053\"", "\"-v2:1\"", "\"a..b:1\"",
      "\"1a.2b:1\"", "\"dns://8.8.8.8:53/model-v2:50053\""
  })
  void rejectsBadTargets(String target) throws Exception {
    assertThat(rejection("backends {\n  v1 { target = " + target + ", weight = 1 }\n}\n"))
        .startsWith(":2: backends.v1.target: ")
        .contains("(expected: ")
        .contains("host:port or dns:///host:port");
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1:50052", "model-v2:50053", "dns:///model-v2.default.svc.cluster.local:50051",
      "[::1]:50051", "localhost:1", "a-b.c-d.example:443", "dns:///10.0.0.7:50051"})
  void everyTargetThatPassesOpensAChannel(String target) throws Exception {
    // The other half of the contract with gRPC: what the file check lets through, gRPC's resolver takes too.
    CanaryConfig config = parse("backends { v1 { target = \"" + target + "\", weight = 1 } }");
    io.grpc.ManagedChannel channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
        .forTarget(config.backends().get(0).target()).usePlaintext().build();
    channel.shutdownNow();
  }

  @Test
  void namesWhatIsWrongWithAHostName() throws Exception {
    assertThat(rejection("backends { v1 { target = \"model_v2:50053\", weight = 1 } }"))
        .contains("\"model_v2\" is not a valid host name").contains("no '_'");
    assertThat(rejection("backends { v1 { target = \"dns://8.8.8.8:53/model-v2:50053\", weight = 1 } }"))
        .contains("a DNS server in the target (dns://server/...) is not supported");
  }

  @Test
  void shadowIsOffByDefaultAndReadWhenSet() throws Exception {
    assertThat(parse("backends { v1 { target = \"h:1\", weight = 1 } }").shadow()).isEqualTo(ShadowSettings.OFF);
    assertThat(ShadowSettings.OFF.enabled()).isFalse();

    ShadowSettings shadow = parse("backends { v1 { target = \"h:1\", weight = 1 }, v2 { target = \"h:2\", weight = 0 } }\n"
        + "shadow { backend = v2, percent = 12.5, methods = [\"/a.B/C\", \"d.E/F\"], max-in-flight = 7 }\n").shadow();
    assertThat(shadow).isEqualTo(new ShadowSettings("v2", 12.5, java.util.Set.of("a.B/C", "d.E/F"), 7,
        ShadowSettings.Send.AFTER_PRIMARY));
    assertThat(shadow.enabled()).isTrue();
    assertThat(parse(backends2() + "shadow { backend = v2, send = \"with-primary\" }\n").shadow().send())
        .isEqualTo(ShadowSettings.Send.WITH_PRIMARY);
  }

  private static String backends2() {
    return "backends { v1 { target = \"h:1\", weight = 1 }, v2 { target = \"h:2\", weight = 0 } }\n";
  }

  @Test
  void rejectsBadShadowSettingsWithFileAndLine() throws Exception {
    String backends = "backends { v1 { target = \"h:1\", weight = 1 }, v2 { target = \"h:2\", weight = 0 } }\n";
    assertThat(rejection(backends + "shadow { backend = v3 }"))
        .isEqualTo(":2: shadow.backend: \"v3\" is not a backend (expected one of: v1, v2, or \"\" for no shadow)");
    assertThat(rejection(backends + "shadow { backend = v2, percent = 101 }"))
        .isEqualTo(":2: shadow.percent: 101 (expected: a number from 0 to 100)");
    assertThat(rejection(backends + "shadow { methods = [Predict] }"))
        .startsWith(":2: shadow.methods: [\"Predict\"] has \"Predict\" (expected: full method names");
    assertThat(rejection(backends + "shadow { max-in-flight = 0 }"))
        .isEqualTo(":2: shadow.max-in-flight: 0 (expected: an integer from 1 to 1000000)");
    assertThat(rejection(backends + "shadow { backnd = v2 }")).startsWith(
        ":2: shadow.backnd: unknown key (expected one of: backend, max-in-flight, methods, percent, send)");
    assertThat(rejection(backends + "shadow { send = later }"))
        .isEqualTo(":2: shadow.send: \"later\" (expected: \"after-primary\" or \"with-primary\")");
  }

  @Test
  void rolloutIsOffByDefaultAndReadWhenSet() throws Exception {
    String backends = "backends { v1 { target = \"h:1\", weight = 1 }, v2 { target = \"h:2\", weight = 0 } }\n";
    RolloutSettings off = parse(backends).rollout();
    assertThat(off).isEqualTo(RolloutSettings.OFF); // reference.conf and the record's OFF say the same
    RolloutSettings r = parse(backends + """
        rollout {
          enabled = true, run-id = "r1", baseline = v2, canary = v1, steps = [5, 100], step-time = 2s, min-calls = 20
          errors { codes = [internal, UNAVAILABLE], max-percent = 2.5 }
          latency { max-p99 = 250ms }
          predictions { max-disagreement-percent = 10 }
        }
        rollout { paused = true }
        """).rollout();
    assertThat(r.enabled()).isTrue();
    assertThat(r.paused()).as("a later rollout { } merges into the first").isTrue();
    assertThat(r.runId()).isEqualTo("r1");
    assertThat(r.baseline()).isEqualTo("v2");
    assertThat(r.steps()).containsExactly(RolloutSettings.Step.percent(5), RolloutSettings.Step.percent(100));
    assertThat(r.stepTime()).isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(r.minCalls()).isEqualTo(20);
    assertThat(r.failureCodes()).containsExactlyInAnyOrder(io.grpc.Status.Code.INTERNAL,
        io.grpc.Status.Code.UNAVAILABLE);
    assertThat(r.maxFailurePercent()).isEqualTo(2.5);
    assertThat(r.maxP99()).isEqualTo(java.time.Duration.ofMillis(250));
    assertThat(r.maxDisagreementPercent()).isEqualTo(10);
    assertThat(r.latencyQuantile()).as("a default kept").isEqualTo(0.95);
    assertThat(r.shared()).isFalse();
    RolloutSettings shared = parse(backends + """
        rollout { routers = ["dns:///siskin-router-admin.siskin.svc.cluster.local:9901"], peer-poll = 500ms }
        """).rollout();
    assertThat(shared.routers()).containsExactly("dns:///siskin-router-admin.siskin.svc.cluster.local:9901");
    assertThat(shared.peerPoll()).isEqualTo(java.time.Duration.ofMillis(500));
    assertThat(shared.shared()).isTrue();
    assertThat(parse(backends + "rollout { routers = [\"10.0.0.5:9901\", \"10.0.0.6:9901\", \"10.0.0.5:9901\"] }")
        .rollout().routers()).as("a repeated entry once").containsExactly("10.0.0.5:9901", "10.0.0.6:9901");
  }

  @Test
  void rejectsBadRolloutRouters() throws Exception {
    String backends = "backends { v1 { target = \"h:1\", weight = 1 }, v2 { target = \"h:2\", weight = 0 } }\n";
    assertThat(rejection(backends + "rollout { routers = \"10.0.0.5:9901\" }"))
        .startsWith(":2: rollout.routers: \"10.0.0.5:9901\" (expected: a list of the routers' admin endpoints");
    assertThat(rejection(backends + "rollout { routers = [\"10.0.0.5\"] }"))
        .startsWith(":2: rollout.routers: [\"10.0.0.5\"] has \"10.0.0.5\" (expected: admin host:port");
    assertThat(rejection(backends + "rollout { routers = [\"http://r:9901\"] }"))
        .contains("the scheme \"http:\" is not supported");
    assertThat(rejection(backends + "rollout { routers = [\"dns:///r:9901\", \"10.0.0.5:9901\"] }"))
        .contains("mixes a dns:/// name with other entries");
    assertThat(rejection(backends + "rollout { peer-poll = 0s }"))
        .startsWith(":2: rollout.peer-poll: \"0s\" (expected: a duration > 0");
  }

  @Test
  void rejectsBadRolloutSettingsWithFileAndLine() throws Exception {
    String backends = "backends { v1 { target = \"h:1\", weight = 1 }, v2 { target = \"h:2\", weight = 0 } }\n";
    assertThat(rejection(backends + "rollout { canary = v3 }"))
        .isEqualTo(":2: rollout.canary: \"v3\" is not a backend (expected one of: v1, v2)");
    assertThat(rejection(backends + "rollout { canary = v1 }"))
        .isEqualTo(":2: rollout.canary: \"v1\" is the baseline too (expected: two different backends)");
    assertThat(rejection(backends + "rollout { steps = [10, shadow, 100] }"))
        .startsWith(":2: rollout.steps: [10,\"shadow\",100] has \"shadow\" (expected: a list such as");
    assertThat(rejection(backends + "rollout { steps = [50, 10, 100] }")).contains("has 10 (expected");
    assertThat(rejection(backends + "rollout { steps = [shadow, 10, 50] }"))
        .startsWith(":2: rollout.steps: [\"shadow\",10,50] (expected: a list such as").contains("the last 100");
    assertThat(rejection(backends + "rollout { step-time = 0s }"))
        .isEqualTo(":2: rollout.step-time: \"0s\" (expected: a duration > 0 such as 30s or 5m)");
    assertThat(rejection(backends + "rollout { errors { codes = [OK] } }"))
        .startsWith(":2: rollout.errors.codes: [\"OK\"] has \"OK\" (expected: gRPC status codes other than OK");
    assertThat(rejection(backends + "rollout { errors { max-percent = 0 } }"))
        .startsWith(":2: rollout.errors.max-percent: 0 (expected: a percent");
    assertThat(rejection(backends + "rollout { latency { margn = 2 } }"))
        .startsWith(":2: rollout.latency.margn: unknown key (did you mean margin?");
    assertThat(rejection(backends + "rollout { alpha = 0 }")).startsWith(":2: rollout.alpha: 0 (expected: a probability");
    assertThat(rejection("backends { v1 { target = \"h:1\", weight = 1 }, v2 { target = \"h:2\", weight = 0 }, "
        + "v3 { target = \"h:3\", weight = 5 } }\nrollout { enabled = true }"))
        .isEqualTo(":2: rollout.enabled: true is true while backend v3 has weight 5 (expected: during a rollout only v1 "
            + "and v2 serve; set backends.v3.weight = 0)");
  }

  @Test
  void badSchemeSaysWhichSchemeIsUnsupported() throws Exception {
    assertThat(rejection("backends { v1 { target = \"http://h:80\", weight = 1 } }"))
        .contains("the scheme \"http:\" is not supported");
  }

  @Test
  void rejectsUnknownKeysAnywhereWithASuggestion() throws Exception {
    assertThat(rejection("""
        router {
          listen = "0.0.0.0:50051"
          amdin = "127.0.0.1:9901"
        }
        backends {
          v1 { target = "h:1", wieght = 90 }
        }
        retries = 3
        """)).isEqualTo(
        ":3: router.amdin: unknown key (did you mean admin? expected one of: access-log, access-log-format, "
            + "admin, admin-disagreement-examples, admin-tls, admin-token-file, client-idle-timeout, connect-timeout, default-deadline, dns-refresh, drain-grace, drain-timeout, "
            + "health-check, keepalive-time, keepalive-timeout, listen, max-connections-per-client-address, "
            + "max-in-flight-per-backend, outlier-detection, plaintext-listen, policy, retry, tls, warm-up-calls); "
            + file() + ":6: backends.v1.wieght: unknown key (did you mean weight? expected one of: health-check-service, max-in-flight, target, tls, weight); "
            + file() + ":6: backends.v1.weight: missing (expected: an integer >= 0); "
            + file() + ":8: retries: unknown key (expected one of: backends, rollout, router, routing, shadow)");
  }

  private String file() {
    return dir.resolve("canary.conf").toString();
  }

  @Test
  void rejectsAllWeightsZero() throws Exception {
    assertThat(rejection("""
        backends {
          v1 { target = "h:1", weight = 0 }
          v2 { target = "h:2", weight = 0 }
        }
        """)).isEqualTo(":1: backends: every weight is 0 (expected: at least one backend with weight > 0)");
  }

  @Test
  void rejectsNoBackends() throws Exception {
    assertThat(rejection("router { listen = \"0.0.0.0:1\" }\n"))
        .startsWith(": backends: missing (expected: at least one backend");
    assertThat(rejection("router { listen = \"0.0.0.0:1\" }\nbackends {}\n"))
        .startsWith(":2: backends: no backends (expected: at least one backend");
    assertThat(rejection("backends = \"v1\"\n"))
        .startsWith(":1: backends: \"v1\" (expected: at least one backend");
  }

  @Test
  void rejectsBackendWithoutTarget() throws Exception {
    assertThat(rejection("backends {\n  v1 { weight = 1 }\n}\n"))
        .isEqualTo(":2: backends.v1.target: missing (expected: " + Addresses.TARGET_EXPECTED + ")");
  }

  @Test
  void rejectsBackendThatIsNotAnObject() throws Exception {
    assertThat(rejection("backends {\n  v1 = \"h:1\"\n}\n"))
        .isEqualTo(":2: backends.v1: \"h:1\" (expected: an object { target = \"host:port\", weight = N })");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "listen | \"0.0.0.0\"",
      "listen | \"0.0.0.0:70000\"",
      "listen | \":50051\"",
      "listen | 50051",
      "admin  | \"localhost:admin\"",
      "admin  | \"local host:9901\"",
  })
  void rejectsBadListenAndAdminAddresses(String key, String value) throws Exception {
    assertThat(rejection("router {\n  " + key + " = " + value + "\n}\nbackends { v1 { target = \"h:1\", weight = 1 } }\n"))
        .startsWith(":2: router." + key + ": ")
        .endsWith("(expected: host:port with a port 0-65535, e.g. \"0.0.0.0:50051\" or \"127.0.0.1:9901\")");
  }

  @Test
  void readsTheWarmUpCallsAndRejectsWhatIsNoCount() throws Exception {
    String backends = "backends { v1 { target = \"h:1\", weight = 1 } }\n";
    assertThat(parse(backends).router().warmUpCalls()).isEqualTo(RouterSettings.DEFAULT_WARM_UP_CALLS);
    assertThat(parse("router { warm-up-calls = 0 }\n" + backends).router().warmUpCalls()).isZero();
    assertThat(rejection("router {\n  warm-up-calls = -1\n}\n" + backends))
        .isEqualTo(":2: router.warm-up-calls: -1 (expected: a whole number of calls from 0 to 1000000; 0 = no warm-up)");
    assertThat(rejection("router {\n  warm-up-calls = 2.5\n}\n" + backends))
        .startsWith(":2: router.warm-up-calls: 2.5 (expected: a whole number");
  }

  @Test
  void readsTheAdminTokenFileFromTheConfigFilesDirectory() throws Exception {
    String backends = "backends { v1 { target = \"h:1\", weight = 1 } }\n";
    assertThat(parse(backends).router().adminAccess()).isEqualTo(AdminAccess.DEFAULTS);
    AdminAccess access = parse("router { admin-token-file = \"secrets/admin.token\", "
        + "admin-disagreement-examples = false }\n" + backends).router().adminAccess();
    assertThat(access.tokenFile()).hasValue(dir.resolve("secrets/admin.token").toAbsolutePath());
    assertThat(access.disagreementExamples()).isFalse();
    assertThat(rejection("router {\n  admin-token-file = 7\n}\n" + backends))
        .isEqualTo(":2: router.admin-token-file: 7 (expected: a quoted path of a file holding the token, or \"\" for none)");
  }

  @Test
  void readsTheClientLimitsAndRejectsWhatIsNoDurationOrCount() throws Exception {
    String backends = "backends { v1 { target = \"h:1\", weight = 1 } }\n";
    assertThat(parse(backends).router().clientLimits()).isEqualTo(ClientLimits.DEFAULTS);
    assertThat(parse("router { client-idle-timeout = 0, max-connections-per-client-address = 0 }\n" + backends)
        .router().clientLimits()).isEqualTo(new ClientLimits(java.time.Duration.ZERO, 0));
    assertThat(rejection("router {\n  client-idle-timeout = 10ms\n}\n" + backends))
        .isEqualTo(":2: router.client-idle-timeout: \"10ms\" (expected: a duration of at least 1s such as 5m, or 0 for none)");
    assertThat(rejection("router {\n  max-connections-per-client-address = -1\n}\n" + backends))
        .isEqualTo(":2: router.max-connections-per-client-address: -1 (expected: a whole number of connections >= 0; "
            + "0 = no limit)");
  }

  @Test
  void readsTheListenersTlsFilesFromTheConfigFilesDirectoryAndRejectsHalfASetting() throws Exception {
    String backends = "backends { v1 { target = \"h:1\", weight = 1 } }\n";
    assertThat(parse(backends).router().tls()).as("plaintext by default").isEmpty();
    RouterSettings tls = parse("router.tls { cert = \"certs/router.crt\", key = \"/etc/siskin/router.key\", "
        + "client-ca = \"ca.crt\" }\n" + backends).router();
    assertThat(tls.tls()).hasValueSatisfying(files -> {
      assertThat(files.cert().setting()).isEqualTo("router.tls.cert");
      assertThat(files.cert().path()).isEqualTo(dir.resolve("certs/router.crt").toAbsolutePath());
      assertThat(files.key().path()).isEqualTo(Path.of("/etc/siskin/router.key"));
      assertThat(files.trust()).hasValueSatisfying(ca -> {
        assertThat(ca.setting()).isEqualTo("router.tls.client-ca");
        assertThat(ca.path()).isEqualTo(dir.resolve("ca.crt").toAbsolutePath());
      });
    });
    assertThat(rejection("router.tls {\n  cert = \"a.crt\"\n}\n" + backends))
        .startsWith(":2: router.tls.key: empty while cert is set (set both to serve TLS");
    assertThat(rejection("router.tls {\n  client-ca = \"ca.crt\"\n}\n" + backends))
        .startsWith(":2: router.tls.client-ca: \"ca.crt\" is set but cert and key are not");
    assertThat(rejection("router.tls {\n  cert = 5\n  key = \"k\"\n}\n" + backends))
        .isEqualTo(":2: router.tls.cert: 5 (expected: a quoted path of a PEM file, or \"\")");
    assertThat(rejection("router.tls {\n  certificate = \"a.crt\"\n}\n" + backends))
        .isEqualTo(":2: router.tls.certificate: unknown key (expected one of: cert, client-ca, key)");
    assertThat(parse("router { plaintext-listen = \"127.0.0.1:50061\", tls { cert = \"a\", key = \"b\" } }\n"
        + backends).router().plaintextListen()).isEqualTo("127.0.0.1:50061");
    assertThat(rejection("router {\n  plaintext-listen = \"127.0.0.1:50061\"\n}\n" + backends))
        .startsWith(":2: router.plaintext-listen: \"127.0.0.1:50061\" (expected: \"\" without router.tls");
    assertThat(rejection("router {\n  listen = \"127.0.0.1:50051\"\n  plaintext-listen = \"127.0.0.1:50051\"\n"
        + "  tls { cert = \"a\", key = \"b\" }\n}\n" + backends))
        .startsWith(":3: router.plaintext-listen: \"127.0.0.1:50051\" (expected: another address than router.listen");
    assertThat(rejection("router { tls = \"on\" }\n" + backends))
        .startsWith(":1: router.tls: Wrong value type at 'router.tls', expecting: object");
  }

  @Test
  void readsTheAdminEndpointsTlsWithItsPeerCaAndRejectsHalfASetting() throws Exception {
    String backends = "backends { v1 { target = \"h:1\", weight = 1 } }\n";
    assertThat(parse(backends).router().adminAccess().tls()).as("plain HTTP by default").isEmpty();
    RouterSettings tls = parse("router.admin-tls { cert = \"certs/admin.crt\", key = \"certs/admin.key\", "
        + "client-ca = \"ca.crt\" }\n" + backends).router();
    assertThat(tls.adminAccess().tls()).hasValueSatisfying(files -> {
      assertThat(files.serving().cert().setting()).isEqualTo("router.admin-tls.cert");
      assertThat(files.serving().cert().path()).isEqualTo(dir.resolve("certs/admin.crt").toAbsolutePath());
      assertThat(files.serving().trust().orElseThrow().setting()).isEqualTo("router.admin-tls.client-ca");
      assertThat(files.peerCa()).isEmpty();
      assertThat(files.peerTrust()).as("the client CA, without a peer CA").isEqualTo(files.serving().trust());
    });
    assertThat(tls.tls()).as("the listener stays plaintext").isEmpty();
    var withPeerCa = parse("router.admin-tls { cert = \"a.crt\", key = \"a.key\", peer-ca = \"/etc/peers.crt\" }\n"
        + backends).router().adminAccess().tls().orElseThrow();
    assertThat(withPeerCa.peerTrust().orElseThrow().setting()).isEqualTo("router.admin-tls.peer-ca");
    assertThat(withPeerCa.peerTrust().orElseThrow().path()).isEqualTo(Path.of("/etc/peers.crt"));
    assertThat(withPeerCa.serving().trust()).isEmpty();

    assertThat(rejection("router.admin-tls {\n  key = \"a.key\"\n}\n" + backends))
        .startsWith(":2: router.admin-tls.cert: empty while key is set (set both to serve TLS");
    assertThat(rejection("router.admin-tls {\n  peer-ca = \"ca.crt\"\n}\n" + backends))
        .startsWith(":2: router.admin-tls.peer-ca: \"ca.crt\" is set but cert and key are not");
    assertThat(rejection("router.admin-tls {\n  ca = \"ca.crt\"\n}\n" + backends))
        .isEqualTo(":2: router.admin-tls.ca: unknown key (expected one of: cert, client-ca, key, peer-ca)");
  }

  @Test
  void readsABackendsTlsBlockAndRejectsHalfAClientCertificate() throws Exception {
    BackendSpec v1 = parse("backends { v1 { target = \"model-v1:50051\", weight = 1, tls { ca = \"ca.crt\", "
        + "cert = \"/etc/siskin/client.crt\", key = \"client.key\", authority = \"model.internal\" } } }\n")
        .backends().get(0);
    assertThat(v1.tls()).hasValueSatisfying(tls -> {
      assertThat(tls.ca()).hasValueSatisfying(ca -> {
        assertThat(ca.setting()).isEqualTo("backends.v1.tls.ca");
        assertThat(ca.path()).isEqualTo(dir.resolve("ca.crt").toAbsolutePath());
      });
      assertThat(tls.cert().orElseThrow().path()).isEqualTo(Path.of("/etc/siskin/client.crt"));
      assertThat(tls.key().orElseThrow().path()).isEqualTo(dir.resolve("client.key").toAbsolutePath());
      assertThat(tls.authority()).isEqualTo("model.internal");
    });
    BackendSpec systemTrust = parse("backends { v1 { target = \"h:1\", weight = 1, tls { } } }\n").backends().get(0);
    assertThat(systemTrust.tls()).as("an empty block: TLS with the JVM's trust")
        .hasValueSatisfying(tls -> assertThat(tls.ca()).isEmpty());
    assertThat(parse("backends { v1 { target = \"h:1\", weight = 1 } }\n").backends().get(0).tls()).isEmpty();
    assertThat(rejection("backends {\n  v1 { target = \"h:1\", weight = 1, tls { cert = \"c.crt\" } }\n}\n"))
        .isEqualTo(":2: backends.v1.tls.key: empty while cert is set (a client certificate for a backend that "
            + "requires one: set both, or neither)");
    assertThat(rejection("backends {\n  v1 { target = \"h:1\", weight = 1, tls { cafile = \"c.crt\" } }\n}\n"))
        .isEqualTo(":2: backends.v1.tls.cafile: unknown key (expected one of: authority, ca, cert, key)");
    assertThat(rejection("backends {\n  v1 { target = \"h:1\", weight = 1, tls = true }\n}\n"))
        .startsWith(":2: backends.v1.tls: true (expected: an object tls {");
  }

  @Test
  void theObsoleteKeysOfTheRemovedGrpcCoreAreAcceptedIgnoredAndEachNamedInANotice() throws Exception {
    String backends = "backends { v1 { target = \"h:1\", weight = 1 } }\n";
    Path file = write("""
        router {
          forwarding = "grpc"
          max-message-bytes = 4 MiB
          message-memory = 0
          policy = random
        }
        """ + backends);
    CanaryConfigParser.Parsed parsed = CanaryConfigParser.read(file, Map.of(), CLOCK);

    // The file is used as if the three keys were not there: a config written for the earlier router keeps loading.
    assertThat(parsed.config().sameContent(parse("router { policy = random }\n" + backends))).isTrue();
    assertThat(parsed.notices()).containsExactly(
        file + ":2: router.forwarding = \"grpc\": obsolete and ignored (it chose the forwarding core; the grpc-java "
            + "core has been removed, so forwarding = \"grpc\" is no longer available: the router runs the frame core, "
            + "its only one); remove it from the file",
        file + ":3: router.max-message-bytes = \"4 MiB\": obsolete and ignored (it capped messages on the grpc-java "
            + "core, which has been removed; the frame core has no message cap: it passes messages on frame by frame "
            + "and never holds one whole); remove it from the file",
        file + ":4: router.message-memory = 0: obsolete and ignored (it budgeted the messages the grpc-java core "
            + "held whole, and that core has been removed; the frame core has no message cap and holds no message "
            + "whole); remove it from the file");
    // Any value, even one the old router refused: the key is not read at all.
    assertThat(CanaryConfigParser.read(write("router { forwarding = netty, max-message-bytes = lots }\n" + backends),
        Map.of(), CLOCK).notices()).hasSize(2);
    assertThat(CanaryConfigParser.read(write(backends), Map.of(), CLOCK).notices()).isEmpty();
    // A misspelt one is still unknown, and no longer offered as a suggestion.
    assertThat(rejection("router {\n  forwardin = frames\n}\n" + backends))
        .startsWith(":2: router.forwardin: unknown key (expected one of: ");
  }

  @Test
  void rejectsUnknownPolicy() throws Exception {
    assertThat(rejection("router {\n  policy = round-robin\n}\nbackends { v1 { target = \"h:1\", weight = 1 } }\n"))
        .isEqualTo(":2: router.policy: \"round-robin\" (expected: smooth-weighted-round-robin or random)");
  }

  @Test
  void rejectsABadAccessLog() throws Exception {
    assertThat(rejection("router {\n  access-log = maybe\n}\nbackends { v1 { target = \"h:1\", weight = 1 } }\n"))
        .isEqualTo(":2: router.access-log: \"maybe\" (expected: true or false)");
  }

  @Test
  void rejectsWrongTypesThroughCheckValid() throws Exception {
    assertThat(rejection("router {\n  access-log = [true]\n}\nbackends { v1 { target = \"h:1\", weight = 1 } }\n"))
        .startsWith(":2: router.access-log: ")
        .contains("boolean");
  }

  @Test
  void rejectsHoconSyntaxErrorsWithTheirLine() throws Exception {
    assertThat(rejection("backends {\n  v1 { target = \"h:1\", weight = 1 }\n  v2 { target = \"h:2\", weight = \n"))
        .startsWith(":4: ");
    assertThat(rejection("backends {\n  v1 { target = 127.0.0.1:50052, weight = 1 }\n}\n"))
        .startsWith(":2: ");
  }

  @Test
  void rejectsAnUnresolvedRequiredSubstitution() throws Exception {
    assertThat(rejection("backends {\n  v1 { target = ${MODEL_V1_TARGET}, weight = 1 }\n}\n"))
        .startsWith(":2: ")
        .contains("MODEL_V1_TARGET");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"v 1\"", "\"v1\\\"\"", "\"-v1\"", "\"v1:x\"", "\"tést\"", "\"\""})
  void rejectsBackendNamesUnusableInAHeader(String name) throws Exception {
    assertThat(rejection("backends {\n  " + name + " { target = \"h:1\", weight = 1 }\n}\n"))
        .startsWith(":2: backends.")
        .contains("is not usable in the x-canary-backend header");
  }

  @Test
  void reportsEveryProblemOfTheFileInLineOrder() throws Exception {
    assertThat(rejection("""
        backends {
          v1 { target = "h", weight = 1 }
          v2 { target = "h:2", weight = -1 }
        }
        """)).isEqualTo(":2: backends.v1.target: \"h\" (expected: " + Addresses.TARGET_EXPECTED + "); "
        + file() + ":3: backends.v2.weight: -1 (expected: an integer >= 0)");
  }

  @Test
  void rejectsAMissingFile() {
    Path missing = dir.resolve("nope.conf");

    assertThatThrownBy(() -> CanaryConfigParser.parse(missing))
        .isInstanceOf(ConfigException.class)
        .hasMessage(missing + ": file not found (expected: the router's HOCON config file; "
            + "pass its path as the first argument or set CANARY_CONFIG)");
  }

  @Test
  void rejectsADirectory() {
    assertThatThrownBy(() -> CanaryConfigParser.parse(dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not a regular file");
  }

  @Test
  void rejectsAHugeFile() throws Exception {
    Path file = write("# " + "x".repeat((int) CanaryConfigParser.MAX_FILE_BYTES) + "\n");

    assertThatThrownBy(() -> CanaryConfigParser.parse(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("(expected: at most 1048576)");
  }

  @Test
  void acceptsTheValidTargetForms() throws Exception {
    for (String target : List.of("localhost:50052", "127.0.0.1:1", "model-v2.default.svc.cluster.local:65535",
        "[::1]:50052", "[fe80::1%eth0]:8080", "dns:///model-v2:50051", "dns:///10.0.0.1:80")) {
      assertThat(parse("backends { v1 { target = \"" + target + "\", weight = 1 } }").backends())
          .as(target)
          .containsExactly(new BackendSpec("v1", target, 1));
    }
  }

  private static final String ONE_BACKEND = "backends { v1 { target = \"h:1\", weight = 1 } }\n";

  @Test
  void routingDefaultsComeFromReferenceConf() throws Exception {
    RoutingSettings routing = parse(ONE_BACKEND).routing();

    assertThat(routing).isEqualTo(new RoutingSettings("x-canary-backend", "", ""));
    assertThat(routing).isEqualTo(RoutingSettings.defaults());
    assertThat(routing.forceEnabled()).isTrue();
    assertThat(routing.stickyEnabled()).isFalse();
  }

  @Test
  void readsEveryRoutingSetting() throws Exception {
    CanaryConfig config = parse("""
        routing {
          force-header = ""
          sticky-header = "x-user-id"
          sticky-salt = "rollout-7"
        }
        """ + ONE_BACKEND);

    assertThat(config.routing()).isEqualTo(new RoutingSettings("", "x-user-id", "rollout-7"));
    assertThat(config.routing().forceEnabled()).isFalse();
  }

  @Test
  void routingKeysMayComeFromTheEnvironment() throws Exception {
    Path file = write("routing { sticky-header = ${?STICKY_HEADER} }\n" + ONE_BACKEND);

    assertThat(parse(file, Map.of("STICKY_HEADER", "x-tenant")).routing().stickyHeader()).isEqualTo("x-tenant");
    assertThat(parse(file, Map.of()).routing().stickyHeader()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "X-User-Id      | header names are lower case in HTTP/2 and gRPC: write \"x-user-id\"",
      "x user         | gRPC header names have only a-z, 0-9, '-', '_' and '.'",
      "x-user!        | gRPC header names have only a-z, 0-9, '-', '_' and '.'",
      ":authority     | :authority is an HTTP/2 pseudo-header, which the transport owns",
      "grpc-timeout   | names starting with grpc- are reserved for gRPC itself",
      "content-type   | content-type is written by HTTP/2 or the gRPC transport on every call",
      "te             | te is written by HTTP/2 or the gRPC transport on every call",
      "user-agent     | user-agent is written by HTTP/2 or the gRPC transport on every call",
      "x-user-bin     | a -bin header carries bytes, not a text value"})
  void rejectsAForceHeaderThatIsNotAValidHeaderNameWithLineAndReason(String name, String reason) throws Exception {
    String message = rejection("""
        # routing rules
        routing {
          force-header = "%s"
        }
        """.formatted(name) + ONE_BACKEND);

    assertThat(message).isEqualTo(":3: routing.force-header: \"" + name + "\" (expected: a lower-case header name "
        + "such as \"x-user-id\", or \"\" for off; " + reason + ")");
  }

  @Test
  void rejectsABadStickyHeaderAndAnOverlongOne() throws Exception {
    assertThat(rejection("routing { sticky-header = \"X-Tenant\" }\n" + ONE_BACKEND))
        .startsWith(":1: routing.sticky-header: \"X-Tenant\" (expected: a lower-case header name")
        .endsWith("write \"x-tenant\")");
    assertThat(rejection("routing { sticky-header = \"" + "x".repeat(129) + "\" }\n" + ONE_BACKEND))
        .endsWith("; at most 128 characters)");
  }

  @Test
  void rejectsTheSameHeaderForBothRules() throws Exception {
    assertThat(rejection("""
        routing {
          force-header = "x-route"
          sticky-header = "x-route"
        }
        """ + ONE_BACKEND)).isEqualTo(":3: routing.sticky-header: \"x-route\" is routing.force-header too "
        + "(expected: two different headers, or \"\" to turn one of them off)");
  }

  @Test
  void rejectsRoutingValuesOfTheWrongTypeAndUnknownRoutingKeysWithASuggestion() throws Exception {
    assertThat(rejection("""
        routing {
          sticky-salt = 42
          stciky-header = "x-user-id"
          force-header = [a]
        }
        """ + ONE_BACKEND)).isEqualTo(
        ":2: routing.sticky-salt: 42 (expected: any text, e.g. \"rollout-2025-06\"; \"\" is a salt too); "
            + dir.resolve("canary.conf") + ":3: routing.stciky-header: unknown key (did you mean sticky-header? "
            + "expected one of: force-header, sticky-header, sticky-salt); "
            + dir.resolve("canary.conf") + ":4: routing.force-header: [\"a\"] (expected: a quoted header name "
            + "such as \"x-user-id\", or \"\" for off)");
    assertThat(rejection("routing = \"x-user-id\"\n" + ONE_BACKEND)).startsWith(":1: routing: \"x-user-id\" "
        + "(expected: an object routing {");
    assertThat(rejection("rooting { sticky-header = \"x-user-id\" }\n" + ONE_BACKEND))
        .startsWith(":1: rooting: unknown key (did you mean routing? expected one of: backends, rollout, router, routing, shadow)");
  }

  @Test
  void aChangeOfTheRoutingRulesIsAChangeOfContent() throws Exception {
    CanaryConfig before = parse(ONE_BACKEND);
    CanaryConfig after = parse("routing.sticky-header = \"x-user-id\"\n" + ONE_BACKEND);

    assertThat(after.sameContent(before)).isFalse();
    assertThat(parse(ONE_BACKEND).sameContent(before)).isTrue();
  }
}
