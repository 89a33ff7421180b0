package dev.siskin.router.cluster;

import dev.siskin.router.config.CanaryConfig;
import java.util.List;

/** The backends in force and the config they come from; the routing table in production. */
public interface ClusterMembers {
  CanaryConfig config();

  /** One per {@code config().backends()} entry, in the same order. */
  List<Backend> backends();
}
