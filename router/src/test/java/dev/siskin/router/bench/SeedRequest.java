package dev.siskin.router.bench;

import dev.siskin.proto.v1.Feature;
import dev.siskin.proto.v1.PredictRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The seed's Predict request (sepal 5.1 x 3.5, petal 1.4 x 0.2 cm: a setosa), and a main that writes it as one
 * gRPC length-prefixed frame for {@code h2load -d FILE}: every benchmark target gets the same bytes.
 *
 * <p>Usage: {@code SeedRequest OUTPUT_FILE}.
 */
public final class SeedRequest {
  /** The species the models answer for this request. */
  static final String EXPECTED_SPECIES = "setosa";

  private SeedRequest() {}

  static PredictRequest request() {
    return PredictRequest.newBuilder()
        .addFeatures(feature("sepal_length", 5.1))
        .addFeatures(feature("sepal_width", 3.5))
        .addFeatures(feature("petal_length", 1.4))
        .addFeatures(feature("petal_width", 0.2))
        .build();
  }

  /** gRPC message framing: 1 byte compressed-flag (0), 4 bytes big-endian length, the message. */
  static byte[] grpcFrame(byte[] message) {
    return ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message).array();
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: SeedRequest OUTPUT_FILE");
      System.exit(2);
    }
    Files.write(Path.of(args[0]), grpcFrame(request().toByteArray()));
  }

  private static Feature feature(String name, double value) {
    return Feature.newBuilder().setName(name).setValue(value).build();
  }
}
