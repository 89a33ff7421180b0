package dev.siskin.router.accesslog;

import java.util.Locale;

/** How each access log line is written. */
public enum AccessLogFormat {
  /**
   * One space-separated line for people and grep (peer, method and backend escaped so that none can add a line
   * or a field; see {@code TextField}):
   * {@code 2025-01-01T12:00:00.123Z 127.0.0.1:53412 mlservice.v1.PredictionService/Predict backend=v2 status=OK duration_ms=1.234 bytes_in=58 bytes_out=41 router_error=false route=weight share=0.100}.
   */
  TEXT,
  /** One JSON object per line, for log shippers (Loki, Fluent Bit, Vector, ...). */
  JSON;

  /** Parses the config spelling: {@code text} or {@code json}. */
  public static AccessLogFormat fromConfig(String value) {
    for (AccessLogFormat f : values()) {
      if (f.configName().equals(value)) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "router.access-log-format: \"" + value + "\" (expected: text or json)");
  }

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
