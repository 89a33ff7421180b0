package dev.siskin.router.admin;

import dev.siskin.router.config.ConfigState;
import java.util.List;
import java.util.function.Supplier;

/**
 * The backends the router routes to now, with the addresses their targets resolved to. The proxy's
 * backend pool implements it; it is read on the admin thread, so an implementation must be thread-safe
 * and should return an immutable list built from its current snapshot.
 */
@FunctionalInterface
public interface BackendDirectory {

  /** The backends in config order. */
  List<BackendView> backends();

  /**
   * A directory that knows only the config: backends, targets and weights of the state in force, with
   * no resolved addresses. For use until the proxy offers its own.
   */
  static BackendDirectory fromConfig(Supplier<ConfigState> config) {
    return () -> {
      ConfigState s = config.get();
      if (s == null) {
        return List.of();
      }
      return s.current().backends().stream()
          .map(b -> new BackendView(b.name(), b.target(), b.weight(), List.of()))
          .toList();
    };
  }
}
