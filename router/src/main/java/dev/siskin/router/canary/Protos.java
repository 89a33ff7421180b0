package dev.siskin.router.canary;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import java.util.Optional;

/** Parses messages that came from the network, where not parsing is an outcome to count, not an error. */
final class Protos {
  private Protos() {}

  /** The message in {@code bytes}; empty when there are none or they are not such a message. Never throws. */
  static <T> Optional<T> parse(Parser<T> parser, byte[] bytes) {
    if (bytes == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(parser.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }
}
