package dev.siskin.router.route;

import dev.siskin.router.config.RoutingSettings;
import io.grpc.Metadata;

/**
 * The routing block of one config made ready for the hot path: the metadata keys to read (null when a rule is
 * off) and the salt's hash. Immutable.
 */
record RoutingRules(RoutingSettings settings, Metadata.Key<String> forceKey, Metadata.Key<String> stickyKey,
    long saltHash) {

  static RoutingRules of(RoutingSettings settings) {
    return new RoutingRules(settings, key(settings.forceHeader()), key(settings.stickyHeader()),
        Rendezvous.saltHash(settings.stickySalt()));
  }

  private static Metadata.Key<String> key(String header) {
    return header.isEmpty() ? null : Metadata.Key.of(header, Metadata.ASCII_STRING_MARSHALLER);
  }
}
