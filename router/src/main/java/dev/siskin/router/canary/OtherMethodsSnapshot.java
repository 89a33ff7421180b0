package dev.siskin.router.canary;

import java.util.List;

/**
 * Shadow pairs of methods the router cannot decode (everything but Predict), compared as Twitter's Diffy would
 * without its noise-measuring second primary: on status code and response bytes.
 *
 * @param pairs       pairs recorded
 * @param equal       pairs with the same status code and byte-identical responses (both absent counts as
 *                    identical)
 * @param statusPairs the pairs by (primary status, shadow status), each pair seen at least once
 */
public record OtherMethodsSnapshot(long pairs, long equal, List<StatusPair> statusPairs) {
  public OtherMethodsSnapshot {
    statusPairs = List.copyOf(statusPairs);
  }
}
