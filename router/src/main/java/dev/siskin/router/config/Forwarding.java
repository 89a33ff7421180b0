package dev.siskin.router.config;

import java.util.Locale;

/** Which core forwards the calls ({@code router.forwarding}); see docs/router.md, "Forwarding cores". */
public enum Forwarding {
  /**
   * grpc-java's server and client calls, message by message (each held whole, so capped by max-message-bytes):
   * the earlier core, kept until the frame core has proven itself; to be removed.
   */
  GRPC,
  /**
   * The frame-level core, the default: HTTP/2 frames passed between connections on one event loop. Routing,
   * health, outcomes, retries, the default deadline, drain, shadow copies, keepalive and limits on client
   * connections.
   */
  FRAMES;

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Forwarding fromConfig(String text) {
    for (Forwarding f : values()) {
      if (f.configName().equals(text)) {
        return f;
      }
    }
    throw new IllegalArgumentException(text);
  }
}
