package dev.siskin.client.admin;

import java.util.List;

/**
 * The router's {@code /config}: the config in force and what became of the last attempt to load the file.
 *
 * @param generation  1 for the config read at start, +1 for every change applied
 * @param appliedAt   when the config in force took effect (ISO-8601 text, as the router gives it)
 * @param source      the file the router reads
 * @param backends    the backends in force, in config order
 * @param lastAttempt the last reload attempt (or the load at start)
 * @param routing     the routing rules in force; null when the router does not report them (an older router)
 * @param rollout     whose weights are in force; null when the router does not report it (an older router)
 */
public record RouterConfig(long generation, String appliedAt, String source, List<Backend> backends,
    ReloadAttempt lastAttempt, Routing routing, Rollout rollout) {
  public RouterConfig {
    backends = List.copyOf(backends);
  }

  /**
   * The router's {@code rollout} block of {@code /config}.
   *
   * @param state       the rollout's state (disabled, running, paused, promoted, rolled-back)
   * @param setsWeights true while the rollout's weights of its baseline and canary are in force, not the file's
   */
  public record Rollout(String state, boolean setsWeights) {}

  /**
   * The router's {@code routing} block in force.
   *
   * @param forceHeader  the header that forces a backend, "" when off
   * @param stickyHeader the header whose value keeps a caller on one backend, "" when off
   */
  public record Routing(String forceHeader, String stickyHeader) {}

  /**
   * A backend in force with its weight.
   *
   * @param fileWeight the weight the file gives it when that is not the one in force (a rollout sets it), else
   *                   null
   */
  public record Backend(String name, String target, long weight, Long fileWeight) {
    public Backend(String name, String target, long weight) {
      this(name, target, weight, null);
    }

    /** The weight the file gives it. */
    public long weightInFile() {
      return fileWeight == null ? weight : fileWeight;
    }
  }

  /**
   * @param at    when (ISO-8601 text)
   * @param ok    the file was applied, or was unchanged
   * @param error why the file was rejected (file, line, problem); null exactly when ok
   */
  public record ReloadAttempt(String at, boolean ok, String error) {}
}
