package dev.siskin.router.h2;

import static java.util.Objects.requireNonNull;

import dev.siskin.router.observe.CallListener;
import dev.siskin.router.observe.ConnectionRefusal;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertificateException;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Waits for a TLS client connection's handshake, behind the {@code SslHandler}: once it succeeds with ALPN
 * {@code h2} (or with no ALPN at all: a client that offers none still speaks gRPC's HTTP/2), the connection gets its
 * {@link FrontendHandler} and this handler leaves the pipeline. A failed handshake closes the connection and is
 * reported once to the call listeners as a {@link ConnectionRefusal} with one of a few reasons -- what metrics and
 * the access log count; nothing of it reaches a backend.
 *
 * <p>Event-loop confined, one per connection.
 */
final class TlsNegotiation extends ApplicationProtocolNegotiationHandler {
  static final String NOT_TLS = "not_tls";
  static final String TIMEOUT = "tls_handshake_timeout";
  static final String NO_CLIENT_CERTIFICATE = "tls_no_client_certificate";
  static final String BAD_CLIENT_CERTIFICATE = "tls_bad_client_certificate";
  static final String NOT_H2 = "tls_not_h2";
  static final String FAILED = "tls_handshake_failed";

  private final Supplier<ChannelHandler> http2;
  private final CallListener listener;
  private boolean refused;

  TlsNegotiation(Supplier<ChannelHandler> http2, CallListener listener) {
    super(ApplicationProtocolNames.HTTP_2);
    this.http2 = requireNonNull(http2, "http2");
    this.listener = requireNonNull(listener, "listener");
  }

  @Override
  protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
    if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
      ctx.pipeline().addLast(http2.get());
      return;
    }
    refuse(ctx, NOT_H2, "the client negotiated " + protocol + " (ALPN); gRPC needs h2");
  }

  /*
   * A failed handshake comes as a failed SslHandshakeCompletionEvent (Netty's base class ignores those and waits
   * for the exception, but a handshake timeout sends none), then, when the failure was in decoding, as an
   * exception too: reported on the first, once.
   */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
      handshakeFailure(ctx, done.cause());
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
    refuse(ctx, reason(cause), detail(cause));
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    refuse(ctx, reason(cause), detail(cause));
  }

  private void refuse(ChannelHandlerContext ctx, String reason, String detail) {
    if (!refused) {
      refused = true;
      listener.onConnectionRefused(new ConnectionRefusal(Instant.now(),
          String.valueOf(ctx.channel().remoteAddress()), reason, detail));
    }
    ctx.close();
  }

  /** The innermost message: Netty wraps the TLS stack's exception in its own. */
  private static String detail(Throwable cause) {
    String detail = String.valueOf(cause);
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        detail = t.getMessage();
      }
    }
    return detail;
  }

  /** One of the reasons above, from the handshake's exception (and its causes). */
  static String reason(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof NotSslRecordException) {
        return NOT_TLS;
      }
      if (t instanceof SslHandshakeTimeoutException) {
        return TIMEOUT;
      }
      if (t instanceof CertificateException) {
        return BAD_CLIENT_CERTIFICATE;
      }
      String message = t.getMessage();
      // The JDK's words when a required client certificate is missing (TLS 1.3 and 1.2).
      if (message != null && (message.contains("Empty client certificate chain")
          || message.contains("certificate_required"))) {
        return NO_CLIENT_CERTIFICATE;
      }
    }
    return FAILED;
  }
}
