package dev.siskin.router.bench;

import ch.qos.logback.classic.LoggerContext;
import dev.siskin.router.RouterServer;
import dev.siskin.router.accesslog.ConfiguredAccessLog;
import dev.siskin.router.cluster.BackendChannels;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.RouterSettings;
import dev.siskin.router.metrics.RouterMetrics;
import dev.siskin.router.route.Policy;
import dev.siskin.router.route.WeightedPicker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The benchmark's router process: the production {@link RouterServer} (same forwarding path as router.jar)
 * with one backend, built without the config file. Arguments: the backend's {@code host:port} and what
 * observes the calls:
 *
 * <ul>
 *   <li>{@code bare}: no call listener at all;
 *   <li>{@code metrics}: what RouterMain wires with {@code router.access-log = false}: the metrics listener
 *       (which /clusters and /metrics read) and the access log listener, switched off;
 *   <li>{@code metrics+access-log}: the same with {@code router.access-log = true} (text lines; where they go
 *       is the logback config's business, see bench-logback.xml).
 * </ul>
 *
 * Prints "PORT n".
 */
public final class BenchRouter {
  private BenchRouter() {}

  public static void main(String[] args) throws Exception {
    String target = args[0];
    String mode = args.length > 1 ? args[1] : "bare";
    boolean accessLog = switch (mode) {
      case "bare", "metrics" -> false;
      case "metrics+access-log" -> true;
      default -> throw new IllegalArgumentException("mode: " + mode + " (expected: bare, metrics, metrics+access-log)");
    };
    RouterSettings settings = new RouterSettings("127.0.0.1:0", "127.0.0.1:0", Policy.SMOOTH_WEIGHTED_ROUND_ROBIN,
        accessLog);
    CanaryConfig config = new CanaryConfig(settings, List.of(new BackendSpec("v1", target, 1)),
        Path.of("bench.conf"), Instant.now());
    RouterServer router = RouterServer.create(config, WeightedPicker::create, BackendChannels::open,
        Duration.ofSeconds(5));
    RouterMetrics metrics = null;
    if (!mode.equals("bare")) {
      metrics = new RouterMetrics(router::configState);
      router.addCallListener(metrics.calls());
      router.addCallListener(new ConfiguredAccessLog(() -> router.configState().current().router()));
      metrics.start();
    }
    router.start();
    System.out.println("PORT " + router.port());
    System.out.flush();
    while (System.in.read() != -1) {
      // wait until the benchmark closes our stdin
    }
    router.shutdown(Duration.ofSeconds(1));
    if (metrics != null) {
      metrics.close();
    }
    // Flushes the asynchronous access log appender before the JVM exits.
    ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
  }
}
