package dev.siskin.router.cluster;

import static java.util.Objects.requireNonNull;

import java.security.Security;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Shortens the JVM's own DNS cache so that the router's periodic lookups ({@code router.dns-refresh}) see new
 * answers: by default the JVM keeps an answer 30 s and a failed lookup 10 s, which would hide a scale-up for
 * several refresh intervals. The settings are Security properties ({@code networkaddress.cache.ttl}, not system
 * properties), read once when the JVM first caches an answer -- so this must run before any lookup.
 *
 * <p>An explicit setting wins: a Security property set in {@code java.security} (or by
 * {@code -Djava.security.properties}) or the older system properties {@code -Dsun.net.inetaddr.ttl} /
 * {@code -Dsun.net.inetaddr.negative.ttl} are left as they are. The JDK's own {@code java.security} sets the
 * negative TTL to 10; that value is taken as the JDK default, not as a choice.
 */
public final class JdkDnsCache {
  static final String TTL = "networkaddress.cache.ttl";
  static final String NEGATIVE_TTL = "networkaddress.cache.negative.ttl";
  static final String TTL_SYSTEM = "sun.net.inetaddr.ttl";
  static final String NEGATIVE_TTL_SYSTEM = "sun.net.inetaddr.negative.ttl";
  /** What the JDK's java.security file sets {@link #NEGATIVE_TTL} to. */
  static final String JDK_NEGATIVE_TTL = "10";
  /** A failed lookup is tried again after this many seconds at the latest. */
  static final int NEGATIVE_TTL_SECONDS = 1;

  /** Where the properties live; {@link #JVM} in production, a map in tests. */
  interface Properties {
    String security(String key);

    void setSecurity(String key, String value);

    String system(String key);
  }

  static final Properties JVM = new Properties() {
    @Override
    public String security(String key) {
      return Security.getProperty(key);
    }

    @Override
    public void setSecurity(String key, String value) {
      Security.setProperty(key, value);
    }

    @Override
    public String system(String key) {
      return System.getProperty(key);
    }
  };

  private JdkDnsCache() {}

  /** {@link #configure(Duration, Properties)} on this JVM. */
  public static List<String> configure(Duration dnsRefresh) {
    return configure(dnsRefresh, JVM);
  }

  /**
   * Sets the cache TTL to half of {@code dnsRefresh} (at least 1 s) and the negative TTL to 1 s, where not set
   * explicitly; with {@code dnsRefresh} zero (no periodic lookups) leaves the JVM's defaults.
   *
   * @return one line per property: what was set, or why it was left alone (for the start-up log)
   */
  static List<String> configure(Duration dnsRefresh, Properties properties) {
    requireNonNull(dnsRefresh, "dnsRefresh");
    List<String> said = new ArrayList<>();
    if (dnsRefresh.isZero()) {
      said.add("router.dns-refresh = 0: JVM DNS cache left as it is (" + TTL + "=" + describe(properties, TTL)
          + ")");
      return said;
    }
    long ttl = Math.max(1, dnsRefresh.toSeconds() / 2);
    set(properties, TTL, TTL_SYSTEM, null, Long.toString(ttl), said);
    set(properties, NEGATIVE_TTL, NEGATIVE_TTL_SYSTEM, JDK_NEGATIVE_TTL, Integer.toString(NEGATIVE_TTL_SECONDS),
        said);
    return said;
  }

  private static void set(Properties properties, String key, String systemKey, String jdkDefault, String value,
      List<String> said) {
    String system = properties.system(systemKey);
    String security = properties.security(key);
    if (system != null) {
      said.add(key + " left alone: -D" + systemKey + "=" + system + " was given");
    } else if (security != null && !security.equals(jdkDefault)) {
      said.add(key + " left alone: set to " + security + " in java.security");
    } else {
      properties.setSecurity(key, value);
      said.add(key + "=" + value + " s");
    }
  }

  private static String describe(Properties properties, String key) {
    String value = properties.security(key);
    return value == null ? "JDK default" : value;
  }
}
