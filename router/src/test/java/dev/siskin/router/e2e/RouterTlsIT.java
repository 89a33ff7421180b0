package dev.siskin.router.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.siskin.proto.v1.PredictResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import dev.siskin.router.testing.JarProcess;
import dev.siskin.router.testing.RepoPaths;
import dev.siskin.testkit.RecordingTrust;
import dev.siskin.testkit.TestPki;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router jar serving TLS with mTLS ({@code router.tls} with relative paths next to canary.conf) in front of the
 * model server jars: a client with a certificate of the client CA calls Predict through it; a plaintext client and
 * one without a certificate are refused at the handshake, counted in {@code /metrics} by reason and written to the
 * access log; the certificate's expiry is a gauge. A key that does not belong to the certificate stops the start
 * with the setting and the file named.
 */
class RouterTlsIT {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir
  Path dir;

  private TestPki.Ca pki() throws Exception {
    TestPki.Ca ca = TestPki.newCa(Files.createDirectories(dir.resolve("pki")), "siskin-it-ca");
    ca.issueServer("router").copyTo(dir.resolve("router.crt"), dir.resolve("router.key"));
    Files.copy(ca.certFile(), dir.resolve("ca.crt"));
    return ca;
  }

  private static CanaryConf withTls(CanaryConf conf) {
    return conf.withRouterKey("access-log", "true")
        .withRouterKey("tls", "{ cert = \"router.crt\", key = \"router.key\", client-ca = \"ca.crt\" }");
  }

  private static ManagedChannel channel(int port, ChannelCredentials credentials) {
    return Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials).build();
  }

  @Test
  void anMtlsClientCallsThroughTheTlsListenerAndTheRefusedOnesAreCountedAndLogged() throws Exception {
    TestPki.Ca ca = pki();
    TestPki.Issued client = ca.issueClient("client", "it-client");
    try (E2eCluster cluster = E2eCluster.start("router-tls", dir.resolve("canary.conf"), 100, 0, Map.of(),
        (config, conf) -> Files.writeString(config, withTls(conf).render()))) {
      int port = cluster.router.port();
      assertThat(cluster.router.process().output()).contains("TLS with subject CN=router")
          .contains("client certificates signed by router.tls.client-ca=" + dir.resolve("ca.crt"));

      com.fasterxml.jackson.databind.JsonNode tls = cluster.admin().config().get("router").get("tls");
      assertThat(tls.get("enabled").asBoolean()).isTrue();
      assertThat(tls.get("clientCertificateRequired").asBoolean()).isTrue();
      assertThat(tls.get("cert").asText()).isEqualTo(dir.resolve("router.crt").toString());
      assertThat(tls.get("certificate").get("subject").asText()).isEqualTo("CN=router");
      assertThat(tls.get("certificate").get("issuer").asText()).isEqualTo("CN=siskin-it-ca");
      assertThat(java.time.Instant.parse(tls.get("certificate").get("notAfter").asText()))
          .isAfter(java.time.Instant.now());
      assertThat(tls.get("clientCaCertificates")).hasSize(1);

      RecordingTrust trust = RecordingTrust.of(ca);
      ManagedChannel good = channel(port, TlsChannelCredentials.newBuilder().trustManager(trust.manager())
          .keyManager(client.cert().toFile(), client.key().toFile()).build());
      ManagedChannel noCert = channel(port, TlsChannelCredentials.newBuilder().trustManager(trust.manager()).build());
      ManagedChannel plain = channel(port, InsecureChannelCredentials.create());
      try {
        AtomicReference<Metadata> headers = new AtomicReference<>();
        PredictResponse answer = PredictionServiceGrpc.newBlockingStub(good)
            .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()))
            .withDeadlineAfter(10, TimeUnit.SECONDS).predict(PredictClient.SEED_REQUEST);
        assertThat(answer.getPrediction()).isEqualTo("setosa");
        assertThat(answer.getModelVersion()).isEqualTo("v1.0.0");
        assertThat(headers.get().get(PredictClient.BACKEND_HEADER)).isEqualTo("v1");

        for (ManagedChannel refused : List.of(plain, noCert)) {
          StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
              () -> PredictionServiceGrpc.newBlockingStub(refused).withDeadlineAfter(10, TimeUnit.SECONDS)
                  .predict(PredictClient.SEED_REQUEST));
          assertThat(e).as("refused at the handshake").isNotNull();
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
      } finally {
        for (ManagedChannel c : List.of(good, noCert, plain)) {
          c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }

      Awaitility.await().atMost(WAIT).untilAsserted(() -> {
        String metrics = cluster.admin().text("/metrics");
        assertThat(metrics).contains("siskin_router_connections_refused_total{reason=\"not_tls\"} ")
            .contains("siskin_router_connections_refused_total{reason=\"tls_no_client_certificate\"} ");
        assertThat(value(metrics, "siskin_router_tls_certificate_expiry_seconds{file=\"router.tls.cert\"}"))
            .as("the serving chain expires in about a day").isBetween(3_600.0, 2 * 86_400.0);
        assertThat(value(metrics, "siskin_router_tls_reloads_total{result=\"error\"}")).isZero();
      });
      Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(cluster.router.process().output())
          .contains("connection-refused reason=not_tls")
          .contains("connection-refused reason=tls_no_client_certificate"));
      System.out.printf("e2e TLS: mTLS call OK, plaintext and certificate-less clients refused and counted%n");
    }
  }

  @Test
  void theWholePathIsEncryptedClientToRouterToModelServersWithMtlsOnBothHopsAndOnTheAdminEndpoint()
      throws Exception {
    TestPki.Ca ca = pki();
    TestPki.Issued client = ca.issueClient("client", "it-client");
    ca.issueClient("router-client", "router").copyTo(dir.resolve("router-client.crt"), dir.resolve("router-client.key"));
    TestPki.Issued model = ca.issueServer("model");
    Map<String, String> modelTls = Map.of("TLS_CERT", model.cert().toString(), "TLS_KEY", model.key().toString(),
        "TLS_CLIENT_CA", ca.certFile().toString());
    try (ModelServerJar v1 = ModelServerJar.start("v1.0.0", modelTls);
        ModelServerJar v2 = ModelServerJar.start("v2.0.0", modelTls)) {
      String backendTls = "tls { ca = \"ca.crt\", cert = \"router-client.crt\", key = \"router-client.key\" }";
      Path config = dir.resolve("canary.conf");
      int[] adminPort = new int[1];
      try (RouterJar router = RouterJar.start("router-tls-both", config, (listen, admin) -> Files.writeString(config,
          "router {\n  listen = \"127.0.0.1:" + listen + "\"\n  admin = \"127.0.0.1:" + (adminPort[0] = admin) + "\"\n"
              + "  tls { cert = \"router.crt\", key = \"router.key\", client-ca = \"ca.crt\" }\n"
              + "  admin-tls { cert = \"router.crt\", key = \"router.key\", client-ca = \"ca.crt\" }\n}\n"
              + "backends {\n  v1 { target = \"" + v1.target() + "\", weight = 50, " + backendTls + " }\n"
              + "  v2 { target = \"" + v2.target() + "\", weight = 50, " + backendTls + " }\n}\n"),
          RouterJar.JVM_OPTIONS, TestPki.clientContext(ca, client))) {
        // The admin endpoint (mTLS too): no answer in plain HTTP; over HTTPS without a client certificate, the
        // probes only.
        assertThat(catchThrowable(() -> AdminClient.get("http://127.0.0.1:" + adminPort[0] + "/live")))
            .isInstanceOf(java.io.IOException.class);
        AdminClient anonymous = new AdminClient("127.0.0.1:" + adminPort[0], TestPki.clientContext(ca, null));
        assertThat(anonymous.status("/ready")).isEqualTo(200);
        assertThat(anonymous.status("/config")).isEqualTo(403);
        assertThat(router.process().output()).contains("admin on https://127.0.0.1:" + adminPort[0] + "/")
            .contains("the admin endpoint serves HTTPS with subject CN=router");
        com.fasterxml.jackson.databind.JsonNode adminTls = router.admin().config().get("router").get("adminTls");
        assertThat(adminTls.get("enabled").asBoolean()).isTrue();
        assertThat(adminTls.get("clientCertificateRequired").asBoolean()).isTrue();
        assertThat(adminTls.get("certificate").get("subject").asText()).isEqualTo("CN=router");
        RecordingTrust trust = RecordingTrust.of(ca);
        ManagedChannel good = channel(router.port(), TlsChannelCredentials.newBuilder().trustManager(trust.manager())
            .keyManager(client.cert().toFile(), client.key().toFile()).build());
        Map<String, Integer> servedBy = new java.util.TreeMap<>();
        try {
          // Until the health checks (over mTLS too) have found both model servers up.
          Awaitility.await().atMost(WAIT).untilAsserted(() -> {
            assertThat(routable(router)).containsExactly(true, true);
            assertThat(PredictionServiceGrpc.newBlockingStub(good).withDeadlineAfter(10, TimeUnit.SECONDS)
                .predict(PredictClient.SEED_REQUEST).getPrediction()).isEqualTo("setosa");
          });
          for (int i = 0; i < 40; i++) {
            AtomicReference<Metadata> headers = new AtomicReference<>();
            PredictResponse answer = PredictionServiceGrpc.newBlockingStub(good)
                .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()))
                .withDeadlineAfter(10, TimeUnit.SECONDS).predict(PredictClient.SEED_REQUEST);
            assertThat(answer.getPrediction()).isEqualTo("setosa");
            servedBy.merge(headers.get().get(PredictClient.BACKEND_HEADER), 1, Integer::sum);
          }
        } finally {
          good.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(servedBy).as("every call over TLS both ways, split by weight").containsEntry("v1", 20)
            .containsEntry("v2", 20);
        com.fasterxml.jackson.databind.JsonNode v1Tls = router.admin().config().get("backends").get(0).get("tls");
        assertThat(v1Tls.get("clientCertificate").get("subject").asText()).isEqualTo("CN=router");
        assertThat(v1Tls.get("caCertificates").get(0).get("subject").asText()).isEqualTo("CN=siskin-it-ca");
        String metrics = router.admin().text("/metrics");
        assertThat(value(metrics, "siskin_router_backend_tls_certificate_expiry_seconds{backend=\"v1\","
            + "file=\"backends.v1.tls.cert\"}")).as("the router's client certificate, a day").isBetween(3_600.0,
            2 * 86_400.0);
        assertThat(value(metrics, "siskin_router_admin_tls_certificate_expiry_seconds{file=\"router.admin-tls.cert\"}"))
            .as("the admin endpoint's certificate, a day").isBetween(3_600.0, 2 * 86_400.0);
        System.out.printf("e2e TLS both hops: 40 Predict calls client -(mTLS)-> router -(mTLS)-> model servers, "
            + "served %s; admin endpoint read over HTTPS with mTLS%n", servedBy);
      }
    }
  }

  @Test
  void aBackendWhoseCertificateDoesNotNameItIsNeverCalledAndSaysWhy() throws Exception {
    TestPki.Ca ca = pki();
    TestPki.Issued model = ca.issueServer("model");
    try (ModelServerJar v1 = ModelServerJar.start("v1.0.0", Map.of("TLS_CERT", model.cert().toString(),
        "TLS_KEY", model.key().toString()))) {
      Path config = dir.resolve("canary.conf");
      try (RouterJar router = RouterJar.start("router-tls-wrong-name", config, (listen, admin) ->
          Files.writeString(config, "router {\n  listen = \"127.0.0.1:" + listen + "\"\n  admin = \"127.0.0.1:"
              + admin + "\"\n}\nbackends {\n  v1 { target = \"" + v1.target() + "\", weight = 1, "
              + "tls { ca = \"ca.crt\", authority = \"not-the-model.example\" } }\n}\n"))) {
        // The health checks' handshakes fail on the name: the backend is marked down.
        Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(routable(router)).containsExactly(false));
        PredictClient plain = new PredictClient(router.port());
        try {
          PredictClient.Outcome o = plain.call(PredictClient.SEED_REQUEST);
          assertThat(o.status().getCode()).as("no call is answered by a backend whose certificate does not name it: "
              + o.status()).isEqualTo(Status.Code.UNAVAILABLE);
          System.out.printf("e2e TLS wrong authority: %s%n", o.status());
        } finally {
          plain.close();
        }
      }
    }
  }

  @Test
  void aKeyThatDoesNotBelongToTheCertificateStopsTheStartNamingIt() throws Exception {
    TestPki.Ca ca = pki();
    ca.issueServer("other").copyTo(dir.resolve("other.crt"), dir.resolve("router.key")); // another key
    Path config = dir.resolve("canary.conf");
    Files.writeString(config, withTls(new CanaryConf(0, "127.0.0.1:0", "127.0.0.1:1", 100, "127.0.0.1:2", 0,
        Map.of())).render());
    try (JarProcess router = JarProcess.start("router-tls-bad-key", RepoPaths.routerJar(), RouterJar.JVM_OPTIONS,
        List.of(config.toString()), Map.of())) {
      assertThat(router.awaitExit(Duration.ofSeconds(60))).as(router.output()).isEqualTo(1);
      assertThat(router.output()).contains("cannot start: router.tls.key=" + dir.resolve("router.key"))
          .contains("does not belong to the certificate");
    }
  }

  /** Each backend's health.routable in /clusters, in config order. */
  private static List<Boolean> routable(RouterJar router) throws Exception {
    List<Boolean> out = new java.util.ArrayList<>();
    router.admin().json("/clusters").get("backends").forEach(b -> out.add(b.get("health").get("routable").asBoolean()));
    return out;
  }

  /** The value of one sample line of the Prometheus text format. */
  private static double value(String metrics, String sample) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(metrics);
    assertThat(m.find()).as("%s in%n%s", sample, metrics).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
