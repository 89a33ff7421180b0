package dev.siskin.client;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where to send calls: {@code HOST:PORT} (IPv6 in brackets) or a gRPC target URI such as
 * {@code dns:///router:50051}. Validated up front so that a typo gets a usage error, not a connection timeout.
 */
public record Target(String value) {
  private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[^:\\s\\[\\]/]+):(\\d{1,5})");
  private static final String EXPECTED =
      "expected HOST:PORT such as 127.0.0.1:50051, or a gRPC target URI such as dns:///router:50051";

  /** Parses {@code text}; throws {@link IllegalArgumentException} with a message naming it and the expected form. */
  public static Target parse(String text) {
    if (text.contains("://")) {
      return new Target(text);
    }
    return parseHostPort(text, EXPECTED);
  }

  /** Parses a plain {@code HOST:PORT} (no URI), e.g. the address of an HTTP endpoint. */
  public static Target parseHostPort(String text) {
    return parseHostPort(text, "expected HOST:PORT such as 127.0.0.1:9901");
  }

  private static Target parseHostPort(String text, String expected) {
    Matcher m = HOST_PORT.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "': " + expected);
    }
    int port = Integer.parseInt(m.group(2));
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("'" + text + "': port " + port + " is out of range 1..65535");
    }
    return new Target(text);
  }

  /** A plaintext channel; the caller owns it and must shut it down. */
  public ManagedChannel openChannel() {
    return openChannel(InsecureChannelCredentials.create(), Optional.empty());
  }

  /** A channel with {@code credentials}, sending {@code authority} (and, over TLS, verifying it) if given. */
  public ManagedChannel openChannel(ChannelCredentials credentials, Optional<String> authority) {
    ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(value, credentials);
    authority.ifPresent(builder::overrideAuthority);
    return builder.build();
  }

  @Override
  public String toString() {
    return value;
  }
}
