package dev.siskin.router.h2;

import io.grpc.Status;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;

/**
 * gRPC statuses at the frame level: read from a response's trailers (or Trailers-Only HEADERS) as gRPC's HTTP/2
 * protocol says, derived from an HTTP status or an RST_STREAM code when there is none, and written as a
 * router-made Trailers-Only response. Stateless.
 */
final class GrpcStatuses {
  static final String GRPC_STATUS = "grpc-status";
  static final String GRPC_MESSAGE = "grpc-message";
  static final String GRPC_ENCODING = "grpc-encoding";

  private GrpcStatuses() {}

  /**
   * The call's status from the HEADERS that ended it. No {@code grpc-status}: from {@code :status} as
   * grpc's http-grpc-status-mapping says (a 200 without a status is UNKNOWN).
   */
  static Status.Code fromTrailers(Http2Headers headers) {
    CharSequence status = headers.get(GRPC_STATUS);
    if (status != null) {
      try {
        return Status.fromCodeValue(Integer.parseInt(status.toString())).getCode();
      } catch (NumberFormatException e) {
        return Status.Code.UNKNOWN;
      }
    }
    CharSequence http = headers.status();
    if (http == null) {
      return Status.Code.UNKNOWN;
    }
    return switch (http.toString()) {
      case "400" -> Status.Code.INTERNAL;
      case "401" -> Status.Code.UNAUTHENTICATED;
      case "403" -> Status.Code.PERMISSION_DENIED;
      case "404" -> Status.Code.UNIMPLEMENTED;
      case "429", "502", "503", "504" -> Status.Code.UNAVAILABLE;
      default -> Status.Code.UNKNOWN;
    };
  }

  /** The status a call reset with {@code error} ends with (gRPC's HTTP/2 protocol, "Errors"). */
  static Status.Code fromReset(long error) {
    Http2Error e = Http2Error.valueOf(error);
    if (e == null) {
      return Status.Code.INTERNAL;
    }
    return switch (e) {
      case REFUSED_STREAM -> Status.Code.UNAVAILABLE;
      case CANCEL -> Status.Code.CANCELLED;
      case ENHANCE_YOUR_CALM -> Status.Code.RESOURCE_EXHAUSTED;
      case INADEQUATE_SECURITY -> Status.Code.PERMISSION_DENIED;
      default -> Status.Code.INTERNAL;
    };
  }

  /** A Trailers-Only response with this status and message, from the router itself. */
  static Http2Headers trailersOnly(Status.Code code, String message, String backendHeader, String backend) {
    Http2Headers h = new DefaultHttp2Headers().status("200").set("content-type", "application/grpc")
        .setInt(GRPC_STATUS, code.value());
    if (message != null && !message.isEmpty()) {
      h.set(GRPC_MESSAGE, percentEncode(message));
    }
    if (backend != null) {
      h.set(backendHeader, backend);
    }
    return h;
  }

  /** grpc-message's encoding: printable ASCII but '%' as is, every other byte of the UTF-8 as %XX. */
  static String percentEncode(String message) {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
