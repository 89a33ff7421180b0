package dev.siskin.router.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.ConfigState;
import dev.siskin.router.config.RouterSettings;
import dev.siskin.tls.TlsIdentity;
import dev.siskin.router.config.RoutingSettings;
import dev.siskin.router.config.ShadowSettings;
import dev.siskin.router.metrics.BackendSnapshot;
import dev.siskin.router.metrics.CallStats;
import dev.siskin.router.metrics.LatencyPercentiles;
import dev.siskin.router.observe.DnsSnapshot;
import dev.siskin.router.observe.EndpointSnapshot;
import dev.siskin.router.observe.FailureReport;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.rollout.RolloutView;
import io.grpc.Status;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds the JSON documents of {@code /clusters} and {@code /config}. Stateless and thread-safe. */
final class AdminJson {
  private final ObjectMapper mapper;

  AdminJson(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /**
   * Every configured backend in config order, then every other backend that served calls since start
   * (removed by a reload, or {@code "-"} for calls the router answered itself) with
   * {@code "configured": false}.
   */
  ObjectNode clusters(ConfigState state, List<BackendView> views, CallStats stats) {
    return clusters(state, views, stats, FailureReport.EMPTY);
  }

  /** As above, with each backend's health and retries, and the router's panic mode and retry budget. */
  ObjectNode clusters(ConfigState state, List<BackendView> views, CallStats stats, FailureReport failures) {
    Map<String, FailureReport.BackendHealth> health = new HashMap<>();
    failures.backends().forEach(h -> health.put(h.name(), h));
    ObjectNode root = mapper.createObjectNode();
    if (state == null) {
      root.putNull("generation");
      root.putNull("policy");
    } else {
      root.put("generation", state.generation());
      root.put("policy", state.current().router().policy().configName());
    }
    long totalWeight = views.stream().mapToLong(BackendView::weight).sum();
    root.put("totalWeight", totalWeight);
    root.put("panic", failures.panic());
    ObjectNode retries = root.putObject("retries");
    retries.put("inProgress", failures.retriesInProgress());
    retries.put("budgetExhausted", failures.budgetExhausted());
    retries.put("bufferLimitExceeded", failures.bufferLimitSkipped());
    ArrayNode backends = root.putArray("backends");
    Set<String> shown = new HashSet<>();
    for (BackendView v : views) {
      shown.add(v.name());
      ObjectNode b = backends.addObject();
      b.put("name", v.name());
      b.put("configured", true);
      b.put("target", v.target());
      ArrayNode addresses = b.putArray("addresses");
      v.addresses().forEach(addresses::add);
      putEndpoints(b, v);
      b.put("weight", v.weight());
      b.put("share", totalWeight == 0 ? 0.0 : (double) v.weight() / totalWeight);
      putHealth(b, health.get(v.name()));
      putStats(b, stats.snapshot(v.name()).orElseGet(() -> BackendSnapshot.empty(v.name())));
      putRetries(b, failures.retriesByBackend().get(v.name()));
    }
    stats.backendNames().stream().filter(n -> !shown.contains(n)).sorted().forEach(name -> {
      ObjectNode b = backends.addObject();
      b.put("name", name);
      b.put("configured", false);
      b.putNull("target");
      b.putArray("addresses");
      b.put("weight", 0);
      b.put("share", 0.0);
      putStats(b, stats.snapshot(name).orElseGet(() -> BackendSnapshot.empty(name)));
      putRetries(b, failures.retriesByBackend().get(name));
    });
    return root;
  }

  /** Each address with its state and calls, and what the DNS lookups saw. */
  private static void putEndpoints(ObjectNode b, BackendView v) {
    ArrayNode endpoints = b.putArray("endpoints");
    for (EndpointSnapshot e : v.endpoints()) {
      ObjectNode node = endpoints.addObject();
      node.put("address", e.address());
      node.put("state", e.state());
      node.put("healthy", e.healthy());
      node.put("inFlight", e.inFlight());
      node.put("calls", e.calls());
      node.put("failed", e.failed());
      node.put("removed", e.removed());
    }
    DnsSnapshot d = v.dns();
    ObjectNode dns = b.putObject("dns");
    dns.put("lastSuccessAt", d.lastSuccessAt() == null ? null : d.lastSuccessAt().toString());
    dns.put("lastError", d.lastError());
    dns.put("lastErrorAt", d.lastErrorAt() == null ? null : d.lastErrorAt().toString());
    dns.put("failing", d.failing());
  }

  private static void putHealth(ObjectNode b, FailureReport.BackendHealth h) {
    if (h == null) {
      return;
    }
    ObjectNode health = b.putObject("health");
    health.put("state", h.state());
    health.put("routable", h.routable());
    health.put("reason", h.reason());
    health.put("since", h.since().toString());
    health.put("ejectedUntil", h.ejectedUntil() == null ? null : h.ejectedUntil().toString());
    health.put("ejectionsTotal", h.ejectionsTotal());
    b.put("maxInFlight", h.maxInFlight());
  }

  /** Retries of calls that failed on this backend, by the status they failed with. */
  private static void putRetries(ObjectNode b, Map<String, Long> byCode) {
    ObjectNode retries = b.putObject("retriesByCode");
    if (byCode != null) {
      byCode.forEach(retries::put);
    }
  }

  private static void putStats(ObjectNode b, BackendSnapshot s) {
    b.put("inFlight", s.inFlight());
    b.put("callsTotal", s.callsTotal());
    ObjectNode byStatus = b.putObject("callsByStatus");
    for (Map.Entry<Status.Code, Long> e : s.callsByStatus().entrySet()) {
      byStatus.put(e.getKey().name(), e.getValue());
    }
    ObjectNode byRoute = b.putObject("callsByRoute");
    for (Map.Entry<RouteCause, Long> e : s.callsByRoute().entrySet()) {
      byRoute.put(e.getKey().label(), e.getValue());
    }
    ObjectNode latency = b.putObject("latencyMs");
    putPercentiles(latency.putObject("lastMinute"), s.latencyLastMinute());
    putPercentiles(latency.putObject("sinceStart"), s.latencySinceStart());
    b.put("bytesIn", s.bytesIn());
    b.put("bytesOut", s.bytesOut());
  }

  private static void putPercentiles(ObjectNode node, LatencyPercentiles p) {
    node.put("calls", p.calls());
    node.put("p50", p.p50Ms());
    node.put("p90", p.p90Ms());
    node.put("p99", p.p99Ms());
  }

  /** E.g. {@code "force-header x-canary-backend, then weights"}: the chain a call goes through now. */
  private static String rulesInForce(RoutingSettings rules) {
    StringBuilder order = new StringBuilder();
    if (rules.forceEnabled()) {
      order.append("force-header ").append(rules.forceHeader()).append(", then ");
    }
    if (rules.stickyEnabled()) {
      order.append("sticky-header ").append(rules.stickyHeader()).append(", then ");
    }
    return order.append("weights").toString();
  }

  /**
   * {@code router.tls}: off, or the files (those bound at start: a change needs a restart) and what serves now --
   * the certificate's subject, issuer, serial and validity, and the client CA's certificates.
   */
  private static void servingTls(ObjectNode tls, java.util.Optional<dev.siskin.tls.TlsFiles> configured,
      TlsIdentity serving) {
    tls.put("enabled", configured.isPresent());
    configured.ifPresent(files -> {
      tls.put("cert", files.cert().path().toString());
      tls.put("key", files.key().path().toString());
      files.trust().ifPresentOrElse(ca -> tls.put("clientCa", ca.path().toString()), () -> tls.putNull("clientCa"));
      tls.put("clientCertificateRequired", files.trust().isPresent());
    });
    if (serving != null) {
      certificate(tls.putObject("certificate"), serving.certificate());
      ArrayNode cas = tls.putArray("clientCaCertificates");
      serving.trusted().forEach(ca -> certificate(cas.addObject(), ca));
    }
  }

  /** A backend's {@code tls} block and the certificates its files hold now (read per request). */
  private static void backendTls(ObjectNode tls, dev.siskin.router.config.BackendTlsSettings t) {
    t.ca().ifPresentOrElse(ca -> tls.put("ca", ca.path().toString()), () -> tls.putNull("ca"));
    t.cert().ifPresentOrElse(c -> tls.put("cert", c.path().toString()), () -> tls.putNull("cert"));
    tls.put("authority", t.authority());
    var read = t.readCertificates();
    t.cert().map(read::get).ifPresent(chain -> certificate(tls.putObject("clientCertificate"), chain.get(0)));
    t.ca().map(read::get).ifPresent(cas -> {
      ArrayNode list = tls.putArray("caCertificates");
      cas.forEach(ca -> certificate(list.addObject(), ca));
    });
  }

  private static void certificate(ObjectNode node, java.security.cert.X509Certificate cert) {
    node.put("subject", cert.getSubjectX500Principal().getName());
    node.put("issuer", cert.getIssuerX500Principal().getName());
    node.put("serial", TlsIdentity.serialHex(cert));
    node.put("notBefore", cert.getNotBefore().toInstant().toString());
    node.put("notAfter", cert.getNotAfter().toInstant().toString());
  }

  /** The snapshot in force with where and when it came from, and the last reload attempt. */
  ObjectNode config(ConfigState state) {
    return config(state, state.current(), null, null, null);
  }

  /**
   * @param inForce the config the routing uses: its weights are the ones shown (a rollout's, while one sets
   *                them, each with the file's beside it as {@code fileWeight})
   * @param rollout the automated rollout, or null
   * @param listenerTls what the TLS listener serves now, or null when it is plaintext
   * @param adminTls    what the admin endpoint serves now, or null when it is plain HTTP
   */
  ObjectNode config(ConfigState state, CanaryConfig inForce, RolloutView rollout, TlsIdentity listenerTls,
      TlsIdentity adminTls) {
    ObjectNode root = mapper.createObjectNode();
    CanaryConfig c = state.current();
    root.put("generation", state.generation());
    root.put("appliedAt", state.appliedAt().toString());
    root.put("source", c.source().toString());
    root.put("loadedAt", c.loadedAt().toString());
    RouterSettings r = c.router();
    ObjectNode router = root.putObject("router");
    router.put("listen", r.listen());
    router.put("admin", r.admin());
    router.put("policy", r.policy().configName());
    router.put("warmUpCalls", r.warmUpCalls());
    router.put("accessLog", r.accessLog());
    servingTls(router.putObject("tls"), r.tls(), listenerTls);
    ObjectNode admin = router.putObject("adminTls");
    var adminFiles = r.adminAccess().tls();
    servingTls(admin, adminFiles.map(dev.siskin.router.config.AdminTlsFiles::serving), adminTls);
    adminFiles.ifPresent(files -> files.peerTrust().ifPresentOrElse(ca -> admin.put("peerCa", ca.path().toString()),
        () -> admin.putNull("peerCa")));
    RoutingSettings rules = c.routing();
    ObjectNode routing = root.putObject("routing");
    routing.put("forceHeader", rules.forceHeader());
    routing.put("stickyHeader", rules.stickyHeader());
    routing.put("stickySalt", rules.stickySalt());
    routing.put("order", rulesInForce(rules));
    ShadowSettings shadow = inForce.shadow();
    ObjectNode shadowNode = root.putObject("shadow");
    shadowNode.put("backend", shadow.backend());
    shadowNode.put("percent", shadow.percent());
    ArrayNode methods = shadowNode.putArray("methods");
    shadow.methods().stream().sorted().forEach(methods::add);
    shadowNode.put("maxInFlight", shadow.maxInFlight());
    shadowNode.put("send", shadow.send().configName());
    ArrayNode backends = root.putArray("backends");
    for (BackendSpec spec : c.backends()) {
      ObjectNode b = backends.addObject();
      b.put("name", spec.name());
      b.put("target", spec.target());
      int weight = inForce.backends().stream().filter(s -> s.name().equals(spec.name()))
          .mapToInt(BackendSpec::weight).findFirst().orElse(spec.weight());
      b.put("weight", weight);
      if (weight != spec.weight()) {
        b.put("fileWeight", spec.weight());
      }
      spec.tls().ifPresent(t -> backendTls(b.putObject("tls"), t));
    }
    ObjectNode rolloutNode = root.putObject("rollout");
    boolean setsWeights = rollout != null && rollout.phase().setsWeights();
    rolloutNode.put("enabled", c.rollout().enabled());
    rolloutNode.put("runId", c.rollout().runId());
    rolloutNode.put("state", rollout == null ? "disabled" : rollout.phase().label());
    rolloutNode.put("setsWeights", setsWeights);
    rolloutNode.put("weightsFrom", setsWeights ? "rollout" : "file");
    ConfigState.ReloadAttempt a = state.lastAttempt();
    ObjectNode attempt = root.putObject("lastAttempt");
    attempt.put("at", a.at().toString());
    attempt.put("ok", a.ok());
    attempt.put("error", a.error());
    return root;
  }
}
