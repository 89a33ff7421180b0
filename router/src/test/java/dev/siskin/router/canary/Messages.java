package dev.siskin.router.canary;

import dev.siskin.proto.v1.Feature;
import dev.siskin.proto.v1.PredictRequest;
import dev.siskin.proto.v1.PredictResponse;
import java.util.Random;

/** Predict messages as bytes, the way the proxy sees them. */
final class Messages {
  private Messages() {}

  static byte[] answer(String prediction, double confidence, String version) {
    return PredictResponse.newBuilder().setPrediction(prediction).setConfidence(confidence).setModelVersion(version)
        .build().toByteArray();
  }

  static byte[] v1(String prediction, double confidence) {
    return answer(prediction, confidence, "v1.0.0");
  }

  static byte[] v2(String prediction, double confidence) {
    return answer(prediction, confidence, "v2.0.0");
  }

  static byte[] request(double sepalLength, double sepalWidth, double petalLength, double petalWidth) {
    return PredictRequest.newBuilder()
        .addFeatures(feature("sepal_length", sepalLength))
        .addFeatures(feature("sepal_width", sepalWidth))
        .addFeatures(feature("petal_length", petalLength))
        .addFeatures(feature("petal_width", petalWidth))
        .build().toByteArray();
  }

  static Feature feature(String name, double value) {
    return Feature.newBuilder().setName(name).setValue(value).build();
  }

  /** Bytes that are not a protobuf message: 0xFF is a field with the reserved wire type 7. */
  static byte[] garbage(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    bytes[0] = (byte) 0xFF;
    return bytes;
  }
}
