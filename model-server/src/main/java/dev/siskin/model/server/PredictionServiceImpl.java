package dev.siskin.model.server;

import dev.siskin.model.fault.Fault;
import dev.siskin.model.fault.FaultInjector;
import dev.siskin.model.iris.IrisMeasurements;
import dev.siskin.model.metrics.ModelMetrics;
import dev.siskin.model.predict.Classification;
import dev.siskin.model.predict.FeatureValidator;
import dev.siskin.model.predict.InvalidFeatureException;
import dev.siskin.model.predict.IrisClassifier;
import dev.siskin.model.predict.TrainingRanges;
import dev.siskin.proto.v1.HealthRequest;
import dev.siskin.proto.v1.HealthResponse;
import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.proto.v1.PredictResponse;
import dev.siskin.proto.v1.PredictionServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mlservice.v1.PredictionService}: validates the request, classifies it, answers. Never answers with a
 * made-up prediction: bad input gets INVALID_ARGUMENT naming the feature, an unexpected failure INTERNAL.
 * A valid flower far outside the training ranges is answered (it may be a real, unusual flower) and counted per
 * feature, so that a client sending millimetres or swapped columns shows up in the metrics. The one made-up
 * answer is the one an operator asks for: fault injection's wrong species (FAULT_WRONG_RATE), counted apart.
 *
 * <p>Thread-safe: all collaborators are. Calls delayed by fault injection are answered from {@code delayer}
 * without holding a request thread; they stay in flight for graceful shutdown like any other call.
 */
final class PredictionServiceImpl extends PredictionServiceGrpc.PredictionServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(PredictionServiceImpl.class);

    private final IrisClassifier classifier;
    private final TrainingRanges trainingRanges;
    private final String version;
    private final ServingHealth health;
    private final FaultInjector faults;
    private final ModelMetrics metrics;
    private final ScheduledExecutorService delayer;

    PredictionServiceImpl(IrisClassifier classifier, TrainingRanges trainingRanges, String version,
            ServingHealth health, FaultInjector faults, ModelMetrics metrics, ScheduledExecutorService delayer) {
        this.classifier = classifier;
        this.trainingRanges = trainingRanges;
        this.version = version;
        this.health = health;
        this.faults = faults;
        this.metrics = metrics;
        this.delayer = delayer;
    }

    @Override
    public void predict(PredictRequest request, StreamObserver<PredictResponse> responses) {
        long start = System.nanoTime();
        Fault fault = faults.next();
        if (fault.delayNanos() <= 0) {
            answer(request, responses, fault, start);
            return;
        }
        ServerCallStreamObserver<PredictResponse> call = (ServerCallStreamObserver<PredictResponse>) responses;
        call.setOnCancelHandler(() -> {}); // a cancelled delayed call is skipped below, not failed with an exception
        try {
            delayer.schedule(() -> {
                if (!call.isCancelled()) {
                    answer(request, responses, fault, start);
                }
            }, fault.delayNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // Not expected: the delayer stops only after the server has terminated, and then no call arrives.
            responses.onError(Status.UNAVAILABLE.withDescription("model server is shutting down").asRuntimeException());
        }
    }

    private void answer(PredictRequest request, StreamObserver<PredictResponse> responses, Fault fault, long start) {
        if (fault.error().isPresent()) {
            Status status = fault.error().get();
            metrics.injectedFault(status.getCode(), System.nanoTime() - start);
            responses.onError(status.asRuntimeException());
            return;
        }
        IrisMeasurements flower;
        try {
            flower = FeatureValidator.validate(request.getFeaturesList());
        } catch (InvalidFeatureException e) {
            metrics.rejected(e.reason(), System.nanoTime() - start);
            responses.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        Classification result;
        try {
            result = classifier.classify(flower);
        } catch (RuntimeException e) {
            log.error("prediction failed for {}: {}", flower, e.toString());
            log.debug("prediction failure", e);
            metrics.failed(Status.Code.INTERNAL, System.nanoTime() - start);
            responses.onError(Status.INTERNAL.withDescription("prediction failed").asRuntimeException());
            return;
        }
        if (fault.wrongAnswer().isPresent()) {
            result = fault.wrongAnswer().get().applyTo(result);
            metrics.injectedWrongAnswer();
        }
        trainingRanges.farOutside(flower).forEach(metrics::outOfRange);
        metrics.predicted(result.species(), System.nanoTime() - start);
        responses.onNext(PredictResponse.newBuilder()
                .setPrediction(result.species())
                .setConfidence(result.confidence())
                .setModelVersion(version)
                .putAllProbabilities(result.probabilities())
                .build());
        responses.onCompleted();
    }

    @Override
    public void health(HealthRequest request, StreamObserver<HealthResponse> responses) {
        responses.onNext(health.response());
        responses.onCompleted();
    }
}
