package dev.siskin.client;

import dev.siskin.client.iris.IrisFeatures;
import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.proto.v1.PredictResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code predict}: classifies one flower and says which model version and backend answered. With {@code --backend}
 * it asks the router to send the call to that backend (the router's force header), whatever the weights.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = {"Classify one Iris flower and show which model version and backend answered.",
        "With --backend NAME the router sends the call to that backend, also at weight 0; exit 1 when another "
            + "backend answered (the router does not route by that header)."},
    footer = {"", "Examples:", "  predict 5.1 3.5 1.4 0.2", "  predict --backend v2 6.7 3.0 5.2 2.3",
        "  predict --feature sepal_length=6.7 --feature sepal_width=3.0 --feature petal_length=5.2 --feature petal_width=2.3"})
final class PredictCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ConnectionOptions connection;

  @Parameters(paramLabel = "VALUE", arity = "0..4",
      description = "The four measurements in cm, in this order: sepal_length sepal_width petal_length petal_width.")
  List<String> values = List.of();

  @Option(names = {"-f", "--feature"}, paramLabel = "NAME=VALUE",
      description = "A named measurement instead of positional values; give all four once each.")
  List<String> named = List.of();

  @Mixin
  ForcedBackendOptions forced;

  @Override
  public Integer call() {
    PredictRequest request = request();
    Metadata forcedHeaders = forced.headers(spec);
    ManagedChannel channel = connection.openChannel();
    try {
      BackendHeader header = new BackendHeader();
      PredictResponse response = connection.stub(channel, header)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(forcedHeaders))
          .predict(request);
      PrintWriter out = spec.commandLine().getOut();
      out.printf(Locale.ROOT, "species     %s%n", response.getPrediction());
      out.printf(Locale.ROOT, "confidence  %.3f%n", response.getConfidence());
      out.printf(Locale.ROOT, "version     %s%n", response.getModelVersion());
      out.printf(Locale.ROOT, "backend     %s%n", header.backend());
      out.flush();
      if (forced.backend != null && !forced.backend.equals(header.backend())) {
        throw new CliException("asked for backend " + forced.backend + " with " + forced.forceHeader + ", but "
            + (header.backend().equals(BackendHeader.NONE) ? "the answer names no backend (is --target a model "
            + "server rather than the router?)" : header.backend() + " answered: the router does not route by "
            + forced.forceHeader + " (its routing.force-header is off or another header; see its /config)"));
      }
      return ExitCodes.OK;
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.asCliException("Predict", connection.target, e);
    } finally {
      ConnectionOptions.close(channel);
    }
  }

  private PredictRequest request() {
    try {
      if (!named.isEmpty() && !values.isEmpty()) {
        throw new IllegalArgumentException("give the features either as 4 values or with --feature, not both");
      }
      if (named.isEmpty() && values.isEmpty()) {
        throw new IllegalArgumentException("no features given; expected 4 values (" + String.join(" ", IrisFeatures.NAMES)
            + ") or --feature NAME=VALUE for each");
      }
      return named.isEmpty() ? IrisFeatures.fromPositional(values) : IrisFeatures.fromNamed(named);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
