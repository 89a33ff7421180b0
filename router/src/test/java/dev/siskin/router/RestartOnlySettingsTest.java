package dev.siskin.router;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.siskin.router.config.BackendSpec;
import dev.siskin.router.config.CanaryConfig;
import dev.siskin.router.config.RouterSettings;
import dev.siskin.router.route.Policy;
import dev.siskin.router.testing.RouterHarness;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Settings bound into sockets at start are reported on reload as needing a restart, and keep serving as before. */
class RestartOnlySettingsTest {

  private static CanaryConfig config(String listen, String admin, int weight) {
    RouterSettings router = new RouterSettings(listen, admin, Policy.SMOOTH_WEIGHTED_ROUND_ROBIN, false);
    // Nothing listens on port 1: no call is made in this test, only config is applied.
    return new CanaryConfig(router, List.of(new BackendSpec("v1", "127.0.0.1:1", weight)), Path.of("test.conf"),
        Instant.now());
  }

  @Test
  void listenAndAdminChangesAreReportedAsNeedingARestart() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(RouterServer.class);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    logger.addAppender(captured);
    try (RouterHarness harness = new RouterHarness(config("127.0.0.1:0", "127.0.0.1:0", 1))) {
      int port = harness.router.port();
      harness.router.apply(config("127.0.0.1:50999", "0.0.0.0:9999", 2));

      List<String> warnings = captured.list.stream().filter(e -> e.getLevel() == Level.WARN)
          .map(ILoggingEvent::getFormattedMessage).toList();
      assertThat(warnings).anySatisfy(w -> assertThat(w).startsWith(
          "router.listen changed from 127.0.0.1:0 to 127.0.0.1:50999 in test.conf: this needs a restart"));
      assertThat(warnings).anySatisfy(w -> assertThat(w).startsWith(
          "router.admin changed from 127.0.0.1:0 to 0.0.0.0:9999 in test.conf: this needs a restart"));
      assertThat(harness.router.port()).isEqualTo(port);
      assertThat(harness.router.routingTable().weight(0)).isEqualTo(2); // the rest of the change applied
      // What /config reports is what is in force: the old addresses, the new weight.
      RouterSettings inForce = harness.router.configState().current().router();
      assertThat(inForce.listen()).isEqualTo("127.0.0.1:0");
      assertThat(inForce.admin()).isEqualTo("127.0.0.1:0");
      assertThat(harness.router.configState().current().backends().get(0).weight()).isEqualTo(2);
      assertThat(harness.router.configState().generation()).isEqualTo(2);
    } finally {
      logger.detachAppender(captured);
    }
  }
}
