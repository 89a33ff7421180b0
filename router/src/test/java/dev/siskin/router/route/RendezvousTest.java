package dev.siskin.router.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Weighted rendezvous hashing as properties over many random keys and random weight changes (seeded, so every run
 * checks the same cases): a key stays while the weights stay, moves only towards a backend whose weight rose
 * (only away from one whose weight fell), and the keys split by the weights.
 *
 * <p>The tolerance of the split: each key lands on backend {@code i} independently with probability
 * {@code p_i = w_i / sum(w)} (see {@link Rendezvous}), so the count of {@code n} keys on {@code i} is
 * Binomial(n, p_i), with standard deviation {@code sqrt(n p_i (1 - p_i))}. The checks allow 5 of those: a correct
 * implementation misses one check with probability 5.7e-7, so about 1 in 3,000 for the 600 checks of the longest
 * test -- and the seed fixes the keys, so a pass is a pass every time. A wrong one (say a share off by 2 points
 * at 10,000 keys, 4.7 sigma at p = 0.3 for one check, and such a bias shows in all of them) fails.
 */
class RendezvousTest {
  private static final int KEYS = 10_000;
  private static final List<String> THREE = List.of("v1", "v2", "v3");

  private static long[] keyHashes(int n, long salt, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long[] hashes = new long[n];
    for (int i = 0; i < n; i++) {
      hashes[i] = Rendezvous.keyHash(salt, "user-" + Long.toHexString(random.nextLong()));
    }
    return hashes;
  }

  private static int[] assign(Rendezvous hrw, long[] keys, int[] weights) {
    int[] at = new int[keys.length];
    for (int k = 0; k < keys.length; k++) {
      at[k] = hrw.pick(keys[k], weights, null);
    }
    return at;
  }

  /** Asserts that the count of keys on each backend is within 5 binomial standard deviations of its share. */
  private static void assertSplitMatches(int[] at, int[] weights, String when) {
    int n = at.length;
    long sum = Arrays.stream(weights).asLongStream().sum();
    int[] counts = new int[weights.length];
    for (int b : at) {
      counts[b]++;
    }
    for (int i = 0; i < weights.length; i++) {
      double p = (double) weights[i] / sum;
      double sigma = Math.sqrt(n * p * (1 - p));
      assertThat((double) counts[i]).as("%s: keys on backend %d with weights %s", when, i, Arrays.toString(weights))
          .isBetween(n * p - 5 * sigma, n * p + 5 * sigma);
    }
  }

  @Test
  void aKeyStaysWhileTheWeightsStayAndTheSameKeyAlwaysHashesAlike() {
    Rendezvous hrw = new Rendezvous(THREE);
    long salt = Rendezvous.saltHash("");
    int[] weights = {70, 20, 10};
    long[] keys = keyHashes(KEYS, salt, 1);

    assertThat(assign(hrw, keys, weights)).containsExactly(assign(new Rendezvous(THREE), keys, weights));
    assertThat(Rendezvous.keyHash(salt, "user-42")).isEqualTo(Rendezvous.keyHash(salt, "user-42"));
    assertThat(Rendezvous.keyHash(salt, "user-42")).isNotEqualTo(Rendezvous.keyHash(salt, "user-43"));
    // The salt picks another set of keys: the same key hashes apart under another salt.
    assertThat(Rendezvous.keyHash(Rendezvous.saltHash("rollout-2"), "user-42"))
        .isNotEqualTo(Rendezvous.keyHash(salt, "user-42"));
  }

  /**
   * The property: 10,000 keys, 200 random changes of one backend's weight (0 to 100, at least one weight
   * left positive) over three backends. After every change: a key moved only towards the backend whose weight
   * rose, or only away from the backend whose weight fell; a backend at weight 0 holds no key; the split fits the
   * weights.
   */
  @Test
  void aWeightChangeMovesKeysOnlyTowardsARisenWeightOrAwayFromAFallenOne() {
    Rendezvous hrw = new Rendezvous(THREE);
    long[] keys = keyHashes(KEYS, Rendezvous.saltHash(""), 2);
    SplittableRandom random = new SplittableRandom(3);
    int[] weights = {90, 10, 0};
    int[] before = assign(hrw, keys, weights);
    int rises = 0;
    int falls = 0;
    for (int change = 0; change < 200; change++) {
      int j = random.nextInt(weights.length);
      int[] next = weights.clone();
      next[j] = random.nextInt(101);
      if (Arrays.stream(next).sum() == 0 || next[j] == weights[j]) {
        continue;
      }
      int[] after = assign(hrw, keys, next);
      String when = "change " + change + ": backend " + j + " " + weights[j] + " -> " + next[j];
      for (int k = 0; k < keys.length; k++) {
        if (after[k] == before[k]) {
          continue;
        }
        if (next[j] > weights[j]) {
          assertThat(after[k]).as("%s: key %d moved from %d", when, k, before[k]).isEqualTo(j);
        } else {
          assertThat(before[k]).as("%s: key %d moved to %d", when, k, after[k]).isEqualTo(j);
        }
      }
      if (next[j] == 0) {
        assertThat(after).as(when).doesNotContain(j);
      }
      assertSplitMatches(after, next, when);
      if (next[j] > weights[j]) {
        rises++;
      } else {
        falls++;
      }
      weights = next;
      before = after;
    }
    // The random walk did exercise both directions many times.
    assertThat(rises).isGreaterThan(50);
    assertThat(falls).isGreaterThan(50);
  }

  /**
   * The canary's stages with two backends: from 90/10 to 50/50 exactly the keys that must move go from v1 to v2
   * (about 40 %), none back; rollback (100/0) puts every key on v1; back to 90/10 every key is where it was.
   */
  @Test
  void stagesMoveKeysOnlyTowardsTheCanaryAndRollbackMovesAllToV1() {
    Rendezvous hrw = new Rendezvous(List.of("v1", "v2"));
    long[] keys = keyHashes(KEYS, Rendezvous.saltHash(""), 4);
    int[] at10 = assign(hrw, keys, new int[] {90, 10});
    int[] at50 = assign(hrw, keys, new int[] {50, 50});
    int moved = 0;
    for (int k = 0; k < keys.length; k++) {
      if (at10[k] != at50[k]) {
        assertThat(at50[k]).as("key %d moved from v2 to v1", k).isEqualTo(1);
        moved++;
      }
    }
    double sigma = Math.sqrt(KEYS * 0.4 * 0.6);
    assertThat((double) moved).isBetween(KEYS * 0.4 - 5 * sigma, KEYS * 0.4 + 5 * sigma);
    assertThat(assign(hrw, keys, new int[] {100, 0})).containsOnly(0);
    assertThat(assign(hrw, keys, new int[] {90, 10})).containsExactly(at10);
    // The ratio counts, not the sum: 9/1 places every key as 90/10 does (unlike hash % total_weight).
    assertThat(assign(hrw, keys, new int[] {9, 1})).containsExactly(at10);
  }

  /**
   * A backend that becomes unroutable (its weight in force drops to 0): only its keys move, each to the backend
   * that was second for it; when it is back, they return and nothing else moved.
   */
  @Test
  void keysOfAnUnroutableBackendGoToTheirNextBestAndComeBack() {
    Rendezvous hrw = new Rendezvous(THREE);
    long[] keys = keyHashes(KEYS, Rendezvous.saltHash(""), 5);
    int[] healthy = {50, 30, 20};
    int[] home = assign(hrw, keys, healthy);
    int[] v2Down = assign(hrw, keys, new int[] {50, 0, 20});
    boolean[] skipV2 = {false, true, false};
    for (int k = 0; k < keys.length; k++) {
      if (home[k] != 1) {
        assertThat(v2Down[k]).as("key %d was not on v2", k).isEqualTo(home[k]);
      } else {
        assertThat(v2Down[k]).isNotEqualTo(1).isEqualTo(hrw.pick(keys[k], healthy, skipV2));
      }
    }
    assertSplitMatches(v2Down, new int[] {50, 0, 20}, "v2 down");
    assertThat(assign(hrw, keys, healthy)).containsExactly(home);
  }

  /** A new backend takes keys from the others and no key moves between the old ones. */
  @Test
  void addingABackendOnlyTakesKeysToIt() {
    long[] keys = keyHashes(KEYS, Rendezvous.saltHash(""), 6);
    int[] two = assign(new Rendezvous(List.of("v1", "v2")), keys, new int[] {50, 50});
    int[] three = assign(new Rendezvous(THREE), keys, new int[] {50, 50, 25});
    for (int k = 0; k < keys.length; k++) {
      assertThat(three[k]).as("key %d", k).isIn(two[k], 2);
    }
    assertSplitMatches(three, new int[] {50, 50, 25}, "v3 added");
  }

  @Test
  void skippedAndZeroWeightBackendsAreNeverChosenAndNoneLeftGivesMinusOne() {
    Rendezvous hrw = new Rendezvous(THREE);
    long key = Rendezvous.keyHash(0, "k");
    assertThat(hrw.pick(key, new int[] {0, 5, 0}, null)).isEqualTo(1);
    assertThat(hrw.pick(key, new int[] {5, 5, 5}, new boolean[] {true, true, false})).isEqualTo(2);
    assertThat(hrw.pick(key, new int[] {5, 0, 5}, new boolean[] {true, false, true})).isEqualTo(-1);
  }

  /** A 10 kB key is hashed whole (keys that differ only at the end go apart) and places like any other. */
  @Test
  void aTenKilobyteKeyIsHashedWhole() {
    long salt = Rendezvous.saltHash("");
    String longKey = "u".repeat(10_240);
    String otherEnd = "u".repeat(10_239) + "v";
    assertThat(Rendezvous.keyHash(salt, longKey)).isEqualTo(Rendezvous.keyHash(salt, "u".repeat(10_240)))
        .isNotEqualTo(Rendezvous.keyHash(salt, otherEnd));
    Rendezvous hrw = new Rendezvous(List.of("v1", "v2"));
    List<Integer> places = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      places.add(hrw.pick(Rendezvous.keyHash(salt, longKey + i), new int[] {50, 50}, null));
    }
    long onV2 = places.stream().filter(p -> p == 1).count();
    assertThat((double) onV2).isBetween(1000 - 5 * Math.sqrt(500), 1000 + 5 * Math.sqrt(500));
  }
}
