package dev.siskin.router.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.siskin.router.observe.CallOutcome;
import dev.siskin.router.observe.RouteCause;
import dev.siskin.router.testing.ByteMethods;
import dev.siskin.router.testing.Configs;
import dev.siskin.router.testing.RouterHarness;
import dev.siskin.router.testing.TestBackend;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AccessLogListenerTest {
  private static final CallOutcome FAILED_CALL = new CallOutcome("v2", "mlservice.v1.PredictionService/Predict",
      Status.Code.UNAVAILABLE, false, Instant.parse("2025-01-01T12:00:00.123Z"), 12_345_678, 58, 0,
      "127.0.0.1:53412", 1, RouteCause.STICKY, 0.1);
  private static final CallOutcome ROUTER_ANSWERED = new CallOutcome("-", "pkg.Svc/Say \"hi\"",
      Status.Code.RESOURCE_EXHAUSTED, true, Instant.parse("2025-01-01T12:00:01Z"), 7_000, 5_000_000, 0, "-");

  /** A method name that, written raw, would end the line and add a whole forged one. */
  private static final String FORGERY = "pkg.Svc/Do\n2025-01-01T12:00:00Z 10.0.0.1:1"
      + " mlservice.v1.PredictionService/Predict backend=v1 status=OK";

  /** Each test logs into a context of its own, never the JVM's shared one. */
  private final LoggerContext context = newContext();

  private static LoggerContext newContext() {
    LoggerContext c = new LoggerContext();
    c.setMDCAdapter(new LogbackMDCAdapter()); // the async appender copies the MDC of each event
    return c;
  }

  @AfterEach
  void stopContext() {
    context.stop();
  }

  @Test
  void textLineHasEveryFieldInOrder() {
    ListAppender<ILoggingEvent> lines = capture();
    AccessLogListener listener = new AccessLogListener(AccessLogFormat.TEXT, context.getLogger(AccessLogListener.LOGGER_NAME));

    listener.onCallFinished(FAILED_CALL);
    listener.onCallFinished(ROUTER_ANSWERED);

    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "2025-01-01T12:00:00.123Z 127.0.0.1:53412 mlservice.v1.PredictionService/Predict backend=v2"
            + " status=UNAVAILABLE duration_ms=12.345 bytes_in=58 bytes_out=0 router_error=false route=sticky"
            + " share=0.100",
        "2025-01-01T12:00:01Z - pkg.Svc/Say\\x20\\x22hi\\x22 backend=- status=RESOURCE_EXHAUSTED duration_ms=0.007"
            + " bytes_in=5000000 bytes_out=0 router_error=true route=weight share=0.000");
    assertThat(lines.list).allSatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.INFO));
  }

  @Test
  void aRefusedConnectionIsOneLineInEitherFormatWithItsDetailEscaped() throws Exception {
    ListAppender<ILoggingEvent> lines = capture();
    dev.siskin.router.observe.ConnectionRefusal refused = new dev.siskin.router.observe.ConnectionRefusal(
        Instant.parse("2025-01-01T12:00:02Z"), "/127.0.0.1:40000", "tls_no_client_certificate",
        "Empty client certificate chain");
    new AccessLogListener(AccessLogFormat.TEXT, context.getLogger(AccessLogListener.LOGGER_NAME))
        .onConnectionRefused(refused);
    new AccessLogListener(AccessLogFormat.JSON, context.getLogger(AccessLogListener.LOGGER_NAME))
        .onConnectionRefused(refused);

    assertThat(lines.list).hasSize(2);
    assertThat(lines.list.get(0).getFormattedMessage()).isEqualTo("2025-01-01T12:00:02Z /127.0.0.1:40000 "
        + "connection-refused reason=tls_no_client_certificate detail=Empty\\x20client\\x20certificate\\x20chain");
    JsonNode json = new ObjectMapper().readTree(lines.list.get(1).getFormattedMessage());
    assertThat(json.get("event").asText()).isEqualTo("connection-refused");
    assertThat(json.get("reason").asText()).isEqualTo("tls_no_client_certificate");
    assertThat(json.get("detail").asText()).isEqualTo("Empty client certificate chain");
  }

  @Test
  void jsonLineIsOneObjectWithTypedFields() throws Exception {
    ListAppender<ILoggingEvent> lines = capture();
    AccessLogListener listener = new AccessLogListener(AccessLogFormat.JSON, context.getLogger(AccessLogListener.LOGGER_NAME));

    listener.onCallFinished(FAILED_CALL);
    listener.onCallFinished(ROUTER_ANSWERED);

    assertThat(lines.list).hasSize(2);
    String first = lines.list.get(0).getFormattedMessage();
    assertThat(first).doesNotContain("\n");
    JsonNode json = new ObjectMapper().readTree(first);
    assertThat(json.properties()).extracting(java.util.Map.Entry::getKey).containsExactly(
        "time", "peer", "method", "backend", "status", "durationMs", "bytesIn", "bytesOut", "routerError", "route",
        "share");
    assertThat(json.get("time").asText()).isEqualTo("2025-01-01T12:00:00.123Z");
    assertThat(json.get("peer").asText()).isEqualTo("127.0.0.1:53412");
    assertThat(json.get("method").asText()).isEqualTo("mlservice.v1.PredictionService/Predict");
    assertThat(json.get("backend").asText()).isEqualTo("v2");
    assertThat(json.get("status").asText()).isEqualTo("UNAVAILABLE");
    assertThat(json.get("durationMs").asDouble()).isEqualTo(12.345678);
    assertThat(json.get("bytesIn").asLong()).isEqualTo(58);
    assertThat(json.get("bytesOut").asLong()).isZero();
    assertThat(json.get("routerError").asBoolean()).isFalse();
    assertThat(json.get("route").asText()).isEqualTo("sticky");
    assertThat(json.get("share").asDouble()).isEqualTo(0.1);

    JsonNode second = new ObjectMapper().readTree(lines.list.get(1).getFormattedMessage());
    assertThat(second.get("method").asText()).isEqualTo("pkg.Svc/Say \"hi\""); // quotes escaped, not broken
    assertThat(second.get("routerError").asBoolean()).isTrue();
  }

  @Test
  void aMethodWithALineBreakWritesExactlyOneLineAndForgesNoField() throws Exception {
    configureFrom("access-log-include-test.xml"); // the shipped appenders, pattern %msg%n, to a stream of ours
    Logger access = context.getLogger(AccessLogListener.LOGGER_NAME);
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    AsyncAppender async = (AsyncAppender) access.getAppender("SISKIN_ACCESS");
    ((ConsoleAppender<ILoggingEvent>) async.getAppender("SISKIN_ACCESS_STDOUT")).setOutputStream(stdout);

    new AccessLogListener(AccessLogFormat.TEXT, access).onCallFinished(call(FORGERY, "10.0.0.9:41000"));
    context.stop(); // the async appender writes out its queue

    String written = stdout.toString(StandardCharsets.UTF_8);
    assertThat(written).isEqualTo("2025-01-01T12:00:02Z 10.0.0.9:41000 pkg.Svc/Do\\x0a2025-01-01T12:00:00Z\\x20"
        + "10.0.0.1:1\\x20mlservice.v1.PredictionService/Predict\\x20backend\\x3dv1\\x20status\\x3dOK"
        + " backend=v1 status=UNIMPLEMENTED duration_ms=0.001 bytes_in=0 bytes_out=0 router_error=false route=weight"
        + " share=0.000\n");
    assertThat(written.split("\n", -1)).hasSize(2); // one line, then nothing
    assertThat(written.split(" status=", -1)).hasSize(2);
  }

  @Test
  void everyCharacterThatCouldBreakOrForgeAFieldIsEscapedAndAPlainNameIsNot() {
    Map<String, String> escaped = new LinkedHashMap<>();
    escaped.put("a\rb", "a\\x0db");
    escaped.put("a\tb", "a\\x09b");
    escaped.put("a\u0000b", "a\\x00b");
    escaped.put("a\u007fb", "a\\x7fb");
    escaped.put("a\u0085b", "a\\x85b"); // NEL: a line end to some tools
    escaped.put("a\u2028b", "a\\u2028b"); // LINE SEPARATOR
    escaped.put("a\u202eb", "a\\u202eb"); // RIGHT-TO-LEFT OVERRIDE: reorders what a reader sees
    escaped.put("a\u00e9b", "a\\xe9b");
    escaped.put("a b", "a\\x20b");
    escaped.put("a\"b", "a\\x22b");
    escaped.put("a=b", "a\\x3db");
    escaped.put("a\\x20b", "a\\x5cx20b"); // the escape character itself: the form stays reversible
    escaped.put("", "-");
    escaped.put("mlservice.v1.PredictionService/Predict", "mlservice.v1.PredictionService/Predict");
    escaped.put("[::1]:50051", "[::1]:50051");
    escaped.forEach((raw, expected) -> {
      StringBuilder line = new StringBuilder();
      TextField.append(line, raw);
      assertThat(line.toString()).as("escaped %s", raw).isEqualTo(expected);
    });
    assertThat(AccessLogListener.text(call("a/b", "1.2.3.4:5 status=OK\n")))
        .startsWith("2025-01-01T12:00:02Z 1.2.3.4:5\\x20status\\x3dOK\\x0a a/b backend=v1 ");
  }

  @Test
  void jsonKeepsALineBreakInsideItsStringAndOnOneLine() throws Exception {
    String line = AccessLogListener.json(call(FORGERY, "-"));
    assertThat(line).doesNotContain("\n").doesNotContain("\r");
    assertThat(new ObjectMapper().readTree(line).get("method").asText()).isEqualTo(FORGERY);
  }

  @Test
  void theFrameCoreRefusesAMethodWithALineBreakBeforeRoutingAndLogsNothingForged() throws Exception {
    ListAppender<ILoggingEvent> lines = capture();
    MethodDescriptor<byte[], byte[]> forged = ByteMethods.unary("pkg.Svc/Do\nforged status=OK");
    try (TestBackend backend = new TestBackend("v1");
        RouterHarness harness = new RouterHarness(Configs.of(Configs.backend(backend, 1)))) {
      harness.router.addCallListener(
          new AccessLogListener(AccessLogFormat.TEXT, context.getLogger(AccessLogListener.LOGGER_NAME)));
      // A line feed in a field value makes the request malformed (RFC 9113, 8.2.1): the HTTP/2 layer resets the
      // stream before the router sees a call, so there is nothing to log and nothing reaches the backend.
      assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(harness.channel.newCall(forged,
          CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)), new byte[0]))
          .hasMessageContaining("PROTOCOL_ERROR");
      assertThat(harness.calls.finished()).isEmpty();
      assertThat(backend.unaryHandled.get()).isZero();
    }
    assertThat(lines.list).isEmpty();
  }

  private static CallOutcome call(String method, String peer) {
    return new CallOutcome("v1", method, Status.Code.UNIMPLEMENTED, false, Instant.parse("2025-01-01T12:00:02Z"),
        1_000, 0, 0, peer);
  }

  @Test
  void nothingIsFormattedWhenTheLoggerIsOff() {
    ListAppender<ILoggingEvent> lines = capture();
    context.getLogger(AccessLogListener.LOGGER_NAME).setLevel(Level.OFF);
    new AccessLogListener(AccessLogFormat.TEXT, context.getLogger(AccessLogListener.LOGGER_NAME))
        .onCallFinished(FAILED_CALL);
    assertThat(lines.list).isEmpty();
  }

  @Test
  void formatIsParsedFromItsConfigSpelling() {
    assertThat(AccessLogFormat.fromConfig("text")).isEqualTo(AccessLogFormat.TEXT);
    assertThat(AccessLogFormat.fromConfig("json")).isEqualTo(AccessLogFormat.JSON);
    assertThatThrownBy(() -> AccessLogFormat.fromConfig("JSONL"))
        .hasMessage("router.access-log-format: \"JSONL\" (expected: text or json)");
  }

  @Test
  void shippedAppenderConfigIsAsyncAndNeverBlocks() throws Exception {
    configureFrom("access-log-include-test.xml");
    Logger access = context.getLogger(AccessLogListener.LOGGER_NAME);
    assertThat(access.getLevel()).isEqualTo(Level.INFO);
    assertThat(access.isAdditive()).isFalse();
    AsyncAppender async = (AsyncAppender) access.getAppender("SISKIN_ACCESS");
    assertThat(async.isStarted()).isTrue();
    assertThat(async.isNeverBlock()).isTrue();
    assertThat(async.getDiscardingThreshold()).isZero();
    int queueSize = async.getQueueSize();

    // Make the real console appender behind the queue hang, as a stuck stdout pipe would.
    ConsoleAppender<ILoggingEvent> console = (ConsoleAppender<ILoggingEvent>) async.getAppender("SISKIN_ACCESS_STDOUT");
    GateStream stuck = new GateStream();
    console.setOutputStream(stuck);

    AccessLogListener listener = new AccessLogListener(AccessLogFormat.TEXT, access);
    int sent = queueSize * 2 + 100;
    // With neverBlock=false the second half of these calls would wait forever for the stuck appender.
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      for (int i = 0; i < sent; i++) {
        listener.onCallFinished(FAILED_CALL);
      }
    });

    // Unstick the appender: what the queue held gets written, the overflow was dropped. Before it got
    // stuck, the worker may have drained a batch of up to queueSize lines (drainTo) into its own hands, so
    // between queueSize and 2 * queueSize + 1 lines come out -- and at least 99 of the calls' lines do not.
    stuck.open();
    await().atMost(Duration.ofSeconds(60))
        .until(() -> async.getNumberOfElementsInQueue() == 0 && stuck.lines() >= queueSize);
    Thread.sleep(200); // let the worker finish the batch it holds
    assertThat(stuck.lines()).isBetween((long) queueSize, 2L * queueSize + 1);
    assertThat(stuck.lines()).isLessThan(sent);
  }

  private ListAppender<ILoggingEvent> capture() {
    ListAppender<ILoggingEvent> list = new ListAppender<>();
    list.setContext(context);
    list.start();
    Logger logger = context.getLogger(AccessLogListener.LOGGER_NAME);
    logger.setLevel(Level.INFO);
    logger.addAppender(list);
    return list;
  }

  private void configureFrom(String resource) throws Exception {
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(getClass().getClassLoader().getResource(resource));
  }

  /** An output stream whose writes wait until it is opened, then go to memory. */
  private static final class GateStream extends OutputStream {
    private final CountDownLatch gate = new CountDownLatch(1);
    private final ByteArrayOutputStream sink = new ByteArrayOutputStream();

    void open() {
      gate.countDown();
    }

    synchronized long lines() {
      return sink.toString(StandardCharsets.UTF_8).chars().filter(c -> c == '\n').count();
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        if (gate.getCount() > 0) { // await() would throw for a thread interrupted after opening
          gate.await();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("stuck stream interrupted");
      }
      synchronized (this) {
        sink.write(b, off, len);
      }
    }
  }
}
