package dev.siskin.router.canary;

import io.grpc.Status;

/**
 * How many primary/shadow pairs ended with this pair of status codes.
 *
 * @param primary the status the client got
 * @param shadow  the status of the shadow copy (the router's own status when it could not reach the shadow)
 */
public record StatusPair(Status.Code primary, Status.Code shadow, long count) {
  /** True when the two calls ended differently, e.g. primary OK and shadow INTERNAL. */
  public boolean mismatch() {
    return primary != shadow;
  }
}
