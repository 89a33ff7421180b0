package dev.siskin.router.route;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Weighted rendezvous hashing (HRW) over the backends of one routing table: places a sticky key on one backend
 * so that equal keys land on the same backend while the weights stay, and a weight change moves only the keys
 * that must move.
 *
 * <h2>How</h2>
 * A key is hashed once ({@link #keyHash}: murmur3 over the salt and the key); each backend {@code i} then gets
 * a uniform {@code u_i} in (0, 1) from that hash and the backend's name alone, and the key goes to the backend
 * with the smallest {@code -ln(u_i) / w_i} -- the maximum of the usual HRW score {@code -w_i / ln(u_i)}. Each
 * {@code -ln(u_i) / w_i} is an exponential variable of rate {@code w_i}, so the smallest is backend {@code i}
 * with probability {@code w_i / sum(w)}: keys split exactly by the weights, on average over keys.
 *
 * <h2>Why it is monotone</h2>
 * {@code u_i} depends on the key, the salt and backend {@code i}'s name, never on weights, health or the
 * other backends. When only {@code w_j} rises, only {@code j}'s value falls: a key either stays or moves to
 * {@code j}. When only {@code w_j} falls (down to 0, a rollback or an unhealthy backend), only keys on {@code j}
 * move, each to the backend that was second for it, and they come back when {@code w_j} does. This holds for
 * any number of backends, unlike cumulative intervals, where a change of an earlier weight shifts the later
 * intervals.
 *
 * <p>Immutable and thread-safe; picking allocates nothing.
 */
final class Rendezvous {
  private static final HashFunction MURMUR = Hashing.murmur3_128();

  /** Per backend, in table order: the hash of its name, which makes its {@code u} independent of the others'. */
  private final long[] nameSeeds;

  Rendezvous(List<String> names) {
    nameSeeds = new long[names.size()];
    for (int i = 0; i < nameSeeds.length; i++) {
      nameSeeds[i] = MURMUR.hashUnencodedChars(names.get(i)).asLong();
    }
  }

  /** The hash of a salt, computed once per config. */
  static long saltHash(String salt) {
    return MURMUR.hashUnencodedChars(salt).asLong();
  }

  /**
   * The 64-bit hash of a sticky key under a salt. The whole key is hashed, as bytes in bulk (per character,
   * Guava's hasher takes about 3 ns each); the router's transport refuses request headers over 8 KiB in total,
   * so even the longest key costs only microseconds.
   */
  static long keyHash(long saltHash, String key) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    return MURMUR.newHasher(8 + bytes.length).putLong(saltHash).putBytes(bytes).hash().asLong();
  }

  /**
   * The backend for a key: the index with the smallest {@code -ln(u_i) / weights[i]} among the indexes with a
   * weight > 0 that {@code skip} does not exclude, or -1 when there is none.
   *
   * @param weights one per backend, in table order
   * @param skip    one per backend, true to leave it out (the backends a call has tried); null for none
   */
  int pick(long keyHash, int[] weights, boolean[] skip) {
    int best = -1;
    double bestScore = Double.POSITIVE_INFINITY;
    for (int i = 0; i < nameSeeds.length; i++) {
      if (weights[i] <= 0 || (skip != null && skip[i])) {
        continue;
      }
      double score = -Math.log(unit(mix(keyHash ^ nameSeeds[i]))) / weights[i];
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return best;
  }

  /** Stafford's mix13 (SplitMix64's finalizer): every input bit reaches every output bit. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** The top 53 bits as a double strictly inside (0, 1), so that its logarithm is finite. */
  private static double unit(long bits) {
    return ((bits >>> 11) + 0.5) * 0x1.0p-53;
  }
}
