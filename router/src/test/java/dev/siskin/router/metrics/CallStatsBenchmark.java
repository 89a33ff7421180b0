package dev.siskin.router.metrics;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.OutputStreamAppender;
import dev.siskin.router.accesslog.AccessLogFormat;
import dev.siskin.router.accesslog.AccessLogListener;
import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.CallOutcome;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Micro benchmark (a main, not a test) of what one call costs the listeners on the proxy's hot path:
 * {@code onCallStarted} + {@code onCallFinished} per call, on 1 and 2 threads, next to a no-op listener
 * (loop cost) and to the Prometheus client's own metric objects used per call with label lookup.
 * Prints ns per call (per thread) as the median of several rounds. Run it with the command in
 * docs/observability.md.
 */
public final class CallStatsBenchmark {
  private static final int ROUNDS = 5;
  private static final long ROUND_NANOS = 1_000_000_000L;
  private static final CallOutcome[] OUTCOMES = outcomes();

  private CallStatsBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, Supplier<CallListener>> variants = new LinkedHashMap<>();
    variants.put("no-op listener (loop cost)", () -> outcome -> { });
    variants.put("CallStats (this package)", () -> new CallStats(backend -> true));
    variants.put("Prometheus client objects, labelValues per call", PrometheusClientListener::new);
    variants.put("access log, text, synchronous no-op appender", () -> accessLog(AccessLogFormat.TEXT, false));
    variants.put("access log, json, synchronous no-op appender", () -> accessLog(AccessLogFormat.JSON, false));
    variants.put("access log, text, async appender to a null stream", () -> accessLog(AccessLogFormat.TEXT, true));
    variants.put("access log, json, async appender to a null stream", () -> accessLog(AccessLogFormat.JSON, true));

    System.out.printf("%-52s %8s %14s%n", "listener", "threads", "ns/call (median of " + ROUNDS + ")");
    for (int threads : new int[] {1, 2}) {
      for (Map.Entry<String, Supplier<CallListener>> v : variants.entrySet()) {
        CallListener listener = v.getValue().get();
        run(listener, threads); // warm-up round
        double[] ns = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
          ns[r] = run(listener, threads);
        }
        Arrays.sort(ns);
        System.out.printf("%-52s %8d %14.1f   (min %.1f, max %.1f)%n", v.getKey(), threads, ns[ROUNDS / 2], ns[0],
            ns[ROUNDS - 1]);
      }
    }
    System.exit(0); // the logback contexts' worker threads are not daemons
  }

  /** Runs the listener on {@code threads} threads for one round; returns ns per call per thread. */
  private static double run(CallListener listener, int threads) throws InterruptedException {
    AtomicBoolean stop = new AtomicBoolean();
    LongAdder calls = new LongAdder();
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int offset = t * 7;
      Thread w = new Thread(() -> {
        ready.countDown();
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        long n = 0;
        int i = offset;
        while (!stop.get()) {
          for (int k = 0; k < 256; k++) {
            CallOutcome o = OUTCOMES[i++ & (OUTCOMES.length - 1)];
            listener.onCallStarted(o.backend(), o.fullMethod());
            listener.onCallFinished(o);
          }
          n += 256;
        }
        calls.add(n);
      });
      workers.add(w);
      w.start();
    }
    ready.await();
    long start = System.nanoTime();
    go.countDown();
    Thread.sleep(ROUND_NANOS / 1_000_000);
    stop.set(true);
    for (Thread w : workers) {
      w.join();
    }
    long elapsed = System.nanoTime() - start;
    return (double) elapsed * threads / calls.sum();
  }

  private static CallOutcome[] outcomes() {
    CallOutcome[] out = new CallOutcome[64];
    Instant now = Instant.now();
    for (int i = 0; i < out.length; i++) {
      String backend = i % 10 == 0 ? "v2" : "v1";
      String method = i % 4 == 0 ? "mlservice.v1.PredictionService/Health" : "mlservice.v1.PredictionService/Predict";
      Status.Code code = i % 16 == 5 ? Status.Code.UNAVAILABLE : Status.Code.OK;
      out[i] = new CallOutcome(backend, method, code, false, now, 200_000L + i * 37_000L, 58, 41, "127.0.0.1:40000");
    }
    return out;
  }

  /**
   * The access log listener on a Logback logger of its own context: either the async appender of
   * siskin-access-log.xml in front of a null stream, or (to separate formatting from queueing) a
   * synchronous appender that drops every event.
   */
  private static CallListener accessLog(AccessLogFormat format, boolean async) {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter());
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%msg%n");
    encoder.start();
    OutputStreamAppender<ILoggingEvent> sink = new OutputStreamAppender<>();
    sink.setContext(context);
    sink.setEncoder(encoder);
    sink.setOutputStream(OutputStream.nullOutputStream());
    sink.start();
    Logger logger = context.getLogger(AccessLogListener.LOGGER_NAME);
    logger.setAdditive(false);
    if (async) {
      AsyncAppender queue = new AsyncAppender(); // the settings of siskin-access-log.xml
      queue.setContext(context);
      queue.setQueueSize(8192);
      queue.setDiscardingThreshold(0);
      queue.setNeverBlock(true);
      queue.addAppender(sink);
      queue.start();
      logger.addAppender(queue);
    } else {
      AppenderBase<ILoggingEvent> drop = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
          event.getFormattedMessage();
        }
      };
      drop.setContext(context);
      drop.start();
      logger.addAppender(drop);
    }
    return new AccessLogListener(format, logger);
  }

  /** The straightforward alternative: the client library's metric objects, labels looked up per call. */
  private static final class PrometheusClientListener implements CallListener {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter calls = Counter.builder().name("calls_total").labelNames("backend", "method", "code")
        .register(registry);
    private final Histogram duration = Histogram.builder().name("duration_seconds").classicOnly()
        .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
            5, 10)
        .labelNames("backend", "method").register(registry);
    private final Gauge inFlight = Gauge.builder().name("in_flight").labelNames("backend").register(registry);
    private final Counter bytesIn = Counter.builder().name("in_bytes_total").labelNames("backend").register(registry);
    private final Counter bytesOut = Counter.builder().name("out_bytes_total").labelNames("backend").register(registry);

    @Override
    public void onCallStarted(String backend, String fullMethod) {
      inFlight.labelValues(backend).inc();
    }

    @Override
    public void onCallFinished(CallOutcome o) {
      inFlight.labelValues(o.backend()).dec();
      calls.labelValues(o.backend(), o.fullMethod(), o.code().name()).inc();
      duration.labelValues(o.backend(), o.fullMethod()).observe(o.durationNanos() / 1e9);
      bytesIn.labelValues(o.backend()).inc(o.bytesIn());
      bytesOut.labelValues(o.backend()).inc(o.bytesOut());
    }
  }
}
