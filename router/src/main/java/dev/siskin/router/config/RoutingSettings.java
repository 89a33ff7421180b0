package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

/**
 * The {@code routing { ... }} block of canary.conf: the rules that come before the weights. Defaults live in the
 * router's reference.conf; {@link HeaderNames} decides which header names are allowed.
 *
 * @param forceHeader  request header whose value names the backend that must serve the call; {@code ""} = off
 * @param stickyHeader request header whose value keeps a caller on one backend while the weights stay;
 *                     {@code ""} = off
 * @param stickySalt   mixed into every sticky key's hash: a new salt assigns a new set of keys to the canary
 *                     (e.g. per rollout), the same salt keeps every key where it is across restarts
 */
public record RoutingSettings(String forceHeader, String stickyHeader, String stickySalt) {
  public RoutingSettings {
    requireNonNull(forceHeader, "forceHeader");
    requireNonNull(stickyHeader, "stickyHeader");
    requireNonNull(stickySalt, "stickySalt");
    String problem = HeaderNames.check(forceHeader);
    if (problem != null) {
      throw new IllegalArgumentException("forceHeader: \"" + forceHeader + "\" (expected: " + problem + ")");
    }
    problem = HeaderNames.check(stickyHeader);
    if (problem != null) {
      throw new IllegalArgumentException("stickyHeader: \"" + stickyHeader + "\" (expected: " + problem + ")");
    }
    if (!forceHeader.isEmpty() && forceHeader.equals(stickyHeader)) {
      throw new IllegalArgumentException("stickyHeader: \"" + stickyHeader + "\" is the force header too "
          + "(expected: two different headers, or \"\" for one of them)");
    }
  }

  /** The settings of reference.conf, i.e. of a canary.conf without a {@code routing} block. */
  public static RoutingSettings defaults() {
    return CanaryConfigParser.defaultRoutingSettings();
  }

  public boolean forceEnabled() {
    return !forceHeader.isEmpty();
  }

  public boolean stickyEnabled() {
    return !stickyHeader.isEmpty();
  }
}
