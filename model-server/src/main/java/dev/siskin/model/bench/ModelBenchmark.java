package dev.siskin.model.bench;

import dev.siskin.model.Logging;
import dev.siskin.model.fault.FaultInjector;
import dev.siskin.model.iris.Iris;
import dev.siskin.model.iris.IrisMeasurements;
import dev.siskin.model.load.LoadedModel;
import dev.siskin.model.load.ModelLoader;
import dev.siskin.model.metrics.ModelMetrics;
import dev.siskin.model.predict.FeatureValidator;
import dev.siskin.model.predict.InvalidFeatureException;
import dev.siskin.model.predict.IrisClassifier;
import dev.siskin.model.server.ModelGrpcServer;
import dev.siskin.proto.v1.Feature;
import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Prints (1) the in-process latency of one Predict's work (validation + model) for each model, on one thread, and
 * (2) the unary Predict throughput of a real server over loopback with 1 and N concurrent blocking callers sharing
 * one channel. Requests cycle through the 150 rows of data/iris.csv. Run by {@code scripts/bench-model.sh}.
 * A plain harness, not JMH: each run first warms up for half its measured time; figures are per run.
 */
public final class ModelBenchmark {
    private static final List<String> VERSIONS = List.of("v1.0.0", "v2.0.0");
    /** Written by every in-process call so that the JIT cannot drop the work. */
    static volatile Object blackhole;

    private ModelBenchmark() {}

    public static void main(String[] args) throws Exception {
        Logging.routeJulToSlf4j();
        int callers = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        Duration measure = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 8);
        Duration warmup = measure.dividedBy(2);
        List<PredictRequest> requests = irisRequests(Path.of("data/iris.csv"));

        System.out.printf(Locale.ROOT, "model-server benchmark, %s, Java %s, %d CPUs, %d s measured per run%n",
                LocalDate.now(), Runtime.version(), Runtime.getRuntime().availableProcessors(), measure.toSeconds());
        System.out.println();
        System.out.println("In-process Predict work (validate + classify), 1 thread:");
        System.out.printf(Locale.ROOT, "  %-8s %12s %12s %12s%n", "model", "median µs", "p99 µs", "calls/s");
        for (String version : VERSIONS) {
            LoadedModel model = ModelLoader.load(Path.of("models", "iris-" + version + ".tribuo"), Optional.empty());
            IrisClassifier classifier = new IrisClassifier(model.model());
            inProcess(classifier, requests, warmup);
            Result r = inProcess(classifier, requests, measure);
            System.out.printf(Locale.ROOT, "  %-8s %12.1f %12.1f %12.0f%n", version, r.medianMicros, r.p99Micros,
                    r.callsPerSecond);
        }
        System.out.println();
        System.out.println("gRPC unary Predict over loopback (one channel, blocking callers):");
        System.out.printf(Locale.ROOT, "  %-8s %8s %12s %12s %12s %8s%n", "model", "callers", "median µs", "p99 µs",
                "calls/s", "errors");
        for (String version : VERSIONS) {
            LoadedModel model = ModelLoader.load(Path.of("models", "iris-" + version + ".tribuo"), Optional.empty());
            ModelGrpcServer server = ModelGrpcServer.start(ModelGrpcServer.onPort(0, Duration.ofSeconds(5)), model,
                    FaultInjector.DISABLED, new ModelMetrics(model.version(), model.sha256()));
            ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(),
                    InsecureChannelCredentials.create()).build();
            try {
                for (int n : callers == 1 ? List.of(1) : List.of(1, callers)) {
                    overLoopback(channel, requests, n, warmup);
                    Result r = overLoopback(channel, requests, n, measure);
                    System.out.printf(Locale.ROOT, "  %-8s %8d %12.1f %12.1f %12.0f %8d%n", version, n,
                            r.medianMicros, r.p99Micros, r.callsPerSecond, r.errors);
                }
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                server.shutdownNow();
            }
        }
    }

    private record Result(double medianMicros, double p99Micros, double callsPerSecond, long errors) {}

    private static Result inProcess(IrisClassifier classifier, List<PredictRequest> requests, Duration duration)
            throws InvalidFeatureException {
        LatencyRecorder recorder = new LatencyRecorder();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long calls = 0;
        for (long now = start; now < end; ) {
            PredictRequest request = requests.get((int) (calls % requests.size()));
            IrisMeasurements flower = FeatureValidator.validate(request.getFeaturesList());
            blackhole = classifier.classify(flower);
            long after = System.nanoTime();
            recorder.record(after - now);
            now = after;
            calls++;
        }
        long[] sorted = LatencyRecorder.sorted(List.of(recorder));
        return new Result(LatencyRecorder.percentileMicros(sorted, 0.5), LatencyRecorder.percentileMicros(sorted, 0.99),
                calls / (duration.toNanos() / 1e9), 0);
    }

    private static Result overLoopback(ManagedChannel channel, List<PredictRequest> requests, int callers,
            Duration duration) throws InterruptedException {
        List<LatencyRecorder> recorders = new ArrayList<>();
        long[] errors = new long[callers];
        CountDownLatch done = new CountDownLatch(callers);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        for (int c = 0; c < callers; c++) {
            LatencyRecorder recorder = new LatencyRecorder();
            recorders.add(recorder);
            int caller = c;
            Thread thread = new Thread(() -> {
                var stub = PredictionServiceGrpc.newBlockingStub(channel);
                int i = caller;
                for (long now = System.nanoTime(); now < end; ) {
                    try {
                        stub.withDeadlineAfter(10, TimeUnit.SECONDS).predict(requests.get(i++ % requests.size()));
                    } catch (RuntimeException e) {
                        errors[caller]++;
                    }
                    long after = System.nanoTime();
                    recorder.record(after - now);
                    now = after;
                }
                done.countDown();
            }, "bench-caller-" + c);
            thread.start();
        }
        done.await();
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] sorted = LatencyRecorder.sorted(recorders);
        long errorCount = 0;
        for (long e : errors) {
            errorCount += e;
        }
        return new Result(LatencyRecorder.percentileMicros(sorted, 0.5), LatencyRecorder.percentileMicros(sorted, 0.99),
                sorted.length / seconds, errorCount);
    }

    private static List<PredictRequest> irisRequests(Path csv) throws IOException {
        List<PredictRequest> requests = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",");
            PredictRequest.Builder request = PredictRequest.newBuilder();
            for (int i = 0; i < 4; i++) {
                request.addFeatures(Feature.newBuilder().setName(Iris.FEATURES.get(i))
                        .setValue(Double.parseDouble(f[i])));
            }
            requests.add(request.build());
        }
        return requests;
    }
}
