package dev.siskin.router.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import io.grpc.MethodDescriptor;

/** Methods of any name whose messages are raw bytes, for calls no generated stub has (unknown or forged names). */
public final class ByteMethods {
  /** Passes a message's bytes as they are. */
  public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private ByteMethods() {}

  /** A unary method named {@code fullMethod} ({@code package.Service/Method}), requests and answers raw bytes. */
  public static MethodDescriptor<byte[], byte[]> unary(String fullMethod) {
    return MethodDescriptor.newBuilder(BYTES, BYTES).setFullMethodName(fullMethod)
        .setType(MethodDescriptor.MethodType.UNARY).build();
  }
}
