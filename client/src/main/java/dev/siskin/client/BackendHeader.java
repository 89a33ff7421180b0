package dev.siskin.client;

import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Captures the {@code x-canary-backend} header the router puts on every response, for one call.
 * A failed call may carry it in the trailers only (trailers-only response), so both are looked at.
 * Thread-safety: the references are written by gRPC's callback thread before the call completes and read
 * after completion, which gRPC orders (happens-before) for us.
 */
public final class BackendHeader {
  public static final Metadata.Key<String> KEY =
      Metadata.Key.of("x-canary-backend", Metadata.ASCII_STRING_MARSHALLER);

  /** Shown when the response had no header: the target is a model server, not the router. */
  public static final String NONE = "-";

  private final AtomicReference<Metadata> headers = new AtomicReference<>();
  private final AtomicReference<Metadata> trailers = new AtomicReference<>();

  /** Attach to the stub of exactly one call. */
  public ClientInterceptor interceptor() {
    return MetadataUtils.newCaptureMetadataInterceptor(headers, trailers);
  }

  /** The backend that served the call, or {@link #NONE}. Call after the call completed. */
  public String backend() {
    String fromHeaders = valueIn(headers.get());
    if (fromHeaders != null) {
      return fromHeaders;
    }
    String fromTrailers = valueIn(trailers.get());
    return fromTrailers != null ? fromTrailers : NONE;
  }

  private static String valueIn(Metadata metadata) {
    return metadata == null ? null : metadata.get(KEY);
  }
}
