package dev.siskin.router.config;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * The config in force and what happened to the last reload attempt. Immutable; the router publishes a new
 * one on every attempt (applied or rejected), so readers such as the admin endpoint need no lock.
 *
 * @param current     the snapshot serving now
 * @param generation  1 for the config read at start, +1 for every applied change
 * @param appliedAt   when {@code current} took effect
 * @param lastAttempt the most recent reload attempt, or the start-up load
 */
public record ConfigState(CanaryConfig current, long generation, Instant appliedAt, ReloadAttempt lastAttempt) {
  public ConfigState {
    requireNonNull(current, "current");
    requireNonNull(appliedAt, "appliedAt");
    requireNonNull(lastAttempt, "lastAttempt");
  }

  /**
   * One attempt to load the file.
   *
   * @param at    when
   * @param ok    whether it was applied (or was unchanged)
   * @param error the reason it was rejected (file, line, problem), or null when ok
   */
  public record ReloadAttempt(Instant at, boolean ok, String error) {
    public ReloadAttempt {
      requireNonNull(at, "at");
    }
  }
}
