package dev.siskin.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which JVM DNS cache settings the router changes at start, and which explicit ones it leaves alone. */
class JdkDnsCacheTest {
  /** The JVM's properties as a map, starting as a stock JDK 17: negative TTL 10 in java.security, no TTL. */
  private final Map<String, String> security = new HashMap<>(Map.of(JdkDnsCache.NEGATIVE_TTL, "10"));
  private final Map<String, String> system = new HashMap<>();
  private final JdkDnsCache.Properties properties = new JdkDnsCache.Properties() {
    @Override
    public String security(String key) {
      return security.get(key);
    }

    @Override
    public void setSecurity(String key, String value) {
      security.put(key, value);
    }

    @Override
    public String system(String key) {
      return system.get(key);
    }
  };

  @Test
  void theCacheKeepsAnswersHalfTheRefreshIntervalAndFailuresOneSecond() {
    assertThat(JdkDnsCache.configure(Duration.ofSeconds(5), properties))
        .containsExactly("networkaddress.cache.ttl=2 s", "networkaddress.cache.negative.ttl=1 s");
    assertThat(security).containsEntry(JdkDnsCache.TTL, "2").containsEntry(JdkDnsCache.NEGATIVE_TTL, "1");
  }

  @Test
  void aShortIntervalStillCachesOneSecond() {
    JdkDnsCache.configure(Duration.ofSeconds(1), properties);
    assertThat(security).containsEntry(JdkDnsCache.TTL, "1");
  }

  @Test
  void explicitSettingsWin() {
    system.put(JdkDnsCache.TTL_SYSTEM, "60");
    security.put(JdkDnsCache.NEGATIVE_TTL, "3");
    assertThat(JdkDnsCache.configure(Duration.ofSeconds(5), properties)).containsExactly(
        "networkaddress.cache.ttl left alone: -Dsun.net.inetaddr.ttl=60 was given",
        "networkaddress.cache.negative.ttl left alone: set to 3 in java.security");
    assertThat(security).doesNotContainKey(JdkDnsCache.TTL).containsEntry(JdkDnsCache.NEGATIVE_TTL, "3");

    security.put(JdkDnsCache.TTL, "30");
    system.clear();
    JdkDnsCache.configure(Duration.ofSeconds(5), properties);
    assertThat(security).containsEntry(JdkDnsCache.TTL, "30");
  }

  @Test
  void refreshOffLeavesTheJdkDefaults() {
    assertThat(JdkDnsCache.configure(Duration.ZERO, properties)).singleElement().asString()
        .startsWith("router.dns-refresh = 0: JVM DNS cache left as it is");
    assertThat(security).containsOnly(Map.entry(JdkDnsCache.NEGATIVE_TTL, "10"));
  }
}
