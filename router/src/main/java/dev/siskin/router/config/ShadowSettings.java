package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * The {@code shadow { }} block of canary.conf: which calls are also copied to a shadow backend, whose answers
 * are compared with the primary's and never reach the client.
 *
 * @param backend     the shadow backend's name, or "" when shadowing is off
 * @param percent     share of the selected calls that are copied, 0 to 100
 * @param methods     full method names that are copied, e.g. {@code mlservice.v1.PredictionService/Predict}
 * @param maxInFlight shadow calls running at once, router-wide; over it a copy is skipped and counted
 * @param send        when a copy goes to the shadow backend: with its primary, or once the primary has answered
 */
public record ShadowSettings(String backend, double percent, Set<String> methods, int maxInFlight, Send send) {
  /**
   * When a copy is sent. {@link #AFTER_PRIMARY} (the default) holds the copy's request until the primary's answer
   * is written, so the copy's work -- on a shadow backend that shares machines, cores or a GPU with the primary's,
   * as canaries usually do -- never runs at the same moment as its own primary's; a request that outgrows
   * {@code ShadowCopy}'s hold is skipped and counted. {@link #WITH_PRIMARY} sends the copy as the request arrives
   * (Envoy's request mirroring does this): the copy's answer comes sooner, and its latency is measured under the
   * same load as the primary's.
   */
  public enum Send {
    AFTER_PRIMARY("after-primary"), WITH_PRIMARY("with-primary");

    private final String configName;

    Send(String configName) {
      this.configName = configName;
    }

    /** The value in canary.conf. */
    public String configName() {
      return configName;
    }

    /** The value named {@code name} in canary.conf, or null. */
    public static Send byConfigName(String name) {
      for (Send send : values()) {
        if (send.configName.equals(name)) {
          return send;
        }
      }
      return null;
    }
  }

  public ShadowSettings {
    requireNonNull(backend, "backend");
    requireNonNull(send, "send");
    methods = Set.copyOf(methods);
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException("percent: " + percent + " (expected: 0 to 100)");
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight: " + maxInFlight + " (expected: >= 1)");
    }
  }

  /** With copies sent once the primary has answered (the default). */
  public ShadowSettings(String backend, double percent, Set<String> methods, int maxInFlight) {
    this(backend, percent, methods, maxInFlight, Send.AFTER_PRIMARY);
  }

  /** Shadowing off: the default. */
  public static final ShadowSettings OFF =
      new ShadowSettings("", 100, Set.of("mlservice.v1.PredictionService/Predict"), 100);

  /** Whether any call can be copied. */
  public boolean enabled() {
    return !backend.isEmpty() && percent > 0 && !methods.isEmpty();
  }
}
