package dev.siskin.router.accesslog;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.ConnectionRefusal;
import java.io.IOException;
import java.io.StringWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one access log line per finished call -- start time, peer, full method, backend, status,
 * duration, bytes in and out, the routing rule that chose the backend and the backend's share of the weights
 * then -- to the logger {@value #LOGGER_NAME} at INFO. In the text format the
 * peer, method and backend are escaped ({@link TextField}): a client picks the method name, and must not
 * be able to add a line or a field. JSON escapes by itself.
 *
 * <p>Attach it only when {@code router.access-log = true}. Logging never blocks forwarding because
 * {@code siskin-access-log.xml} routes this logger through Logback's {@code AsyncAppender} with
 * {@code neverBlock=true}: a full queue drops lines instead of stalling the gRPC thread. This class
 * itself only formats the line on the calling thread (a few hundred nanoseconds) and never throws.
 * Thread-safe and stateless.
 */
public final class AccessLogListener implements CallListener {
  /** The logger every line goes to; configure its appender, not this class. */
  public static final String LOGGER_NAME = "siskin.access";

  private static final JsonFactory JSON = new JsonFactory();

  private final AccessLogFormat format;
  private final Logger log;

  /** Logs to {@value #LOGGER_NAME}. */
  public AccessLogListener(AccessLogFormat format) {
    this(format, LoggerFactory.getLogger(LOGGER_NAME));
  }

  /** Logs to the given logger, e.g. one of a separate Logback context. */
  public AccessLogListener(AccessLogFormat format, Logger log) {
    this.format = requireNonNull(format, "format");
    this.log = requireNonNull(log, "log");
  }

  @Override
  public void onCallFinished(CallOutcome outcome) {
    if (!log.isInfoEnabled()) {
      return;
    }
    try {
      log.info(format == AccessLogFormat.JSON ? json(outcome) : text(outcome));
    } catch (IOException | RuntimeException e) {
      // A listener must not throw into the call path; a lost log line is the lesser harm.
    }
  }

  /** One line for a connection refused before any call (a failed TLS handshake). */
  @Override
  public void onConnectionRefused(ConnectionRefusal r) {
    if (!log.isInfoEnabled()) {
      return;
    }
    try {
      log.info(format == AccessLogFormat.JSON ? json(r) : text(r));
    } catch (IOException | RuntimeException e) {
      // as for calls: a lost log line is the lesser harm
    }
  }

  static String text(ConnectionRefusal r) {
    StringBuilder line = new StringBuilder(160);
    line.append(r.time()).append(' ');
    TextField.append(line, r.peer());
    line.append(" connection-refused reason=").append(r.reason()).append(" detail=");
    TextField.append(line, r.detail());
    return line.toString();
  }

  static String json(ConnectionRefusal r) throws IOException {
    StringWriter out = new StringWriter(192);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", r.time().toString());
      g.writeStringField("peer", r.peer());
      g.writeStringField("event", "connection-refused");
      g.writeStringField("reason", r.reason());
      g.writeStringField("detail", r.detail());
      g.writeEndObject();
    }
    return out.toString();
  }

  static String text(CallOutcome o) {
    StringBuilder line = new StringBuilder(192);
    line.append(o.startTime()).append(' ');
    TextField.append(line, o.peer());
    line.append(' ');
    TextField.append(line, o.fullMethod());
    line.append(" backend=");
    TextField.append(line, o.backend());
    line.append(" status=").append(o.code().name())
        .append(" duration_ms=");
    appendMillis(line, o.durationNanos());
    line.append(" bytes_in=").append(o.bytesIn())
        .append(" bytes_out=").append(o.bytesOut())
        .append(" router_error=").append(o.routerError())
        .append(" route=").append(o.cause().label())
        .append(" share=");
    appendShare(line, o.share());
    return line.toString();
  }

  static String json(CallOutcome o) throws IOException {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", o.startTime().toString());
      g.writeStringField("peer", o.peer());
      g.writeStringField("method", o.fullMethod());
      g.writeStringField("backend", o.backend());
      g.writeStringField("status", o.code().name());
      g.writeNumberField("durationMs", o.durationNanos() / 1e6);
      g.writeNumberField("bytesIn", o.bytesIn());
      g.writeNumberField("bytesOut", o.bytesOut());
      g.writeBooleanField("routerError", o.routerError());
      g.writeStringField("route", o.cause().label());
      g.writeNumberField("share", o.share());
      g.writeEndObject();
    }
    return out.toString();
  }

  /** A share in [0, 1] with three decimals (0.100), without String.format's cost. */
  private static void appendShare(StringBuilder line, double share) {
    appendThousandths(line, Math.round(Math.max(0.0, Math.min(1.0, share)) * 1000));
  }

  /** Milliseconds with three decimals (microsecond precision), without String.format's cost. */
  private static void appendMillis(StringBuilder line, long nanos) {
    appendThousandths(line, Math.max(0, nanos) / 1000);
  }

  /** {@code value / 1000} with exactly three decimals; {@code value >= 0}. */
  private static void appendThousandths(StringBuilder line, long value) {
    long fraction = value % 1000;
    line.append(value / 1000).append('.');
    if (fraction < 100) {
      line.append('0');
    }
    if (fraction < 10) {
      line.append('0');
    }
    line.append(fraction);
  }
}
