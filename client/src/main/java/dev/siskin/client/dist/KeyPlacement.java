package dev.siskin.client.dist;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the sticky keys of a run were served. Immutable.
 *
 * @param header      the header the keys were sent in
 * @param keys        distinct keys sent
 * @param keysByBackend keys served by exactly one backend, by that backend (sorted by name)
 * @param split       keys served by more than one backend, with the calls each backend served; at most
 *                    {@link #MAX_EXAMPLES} of them, the first ones by key order
 * @param splitCount  how many keys were served by more than one backend
 */
public record KeyPlacement(String header, int keys, Map<String, Long> keysByBackend,
    List<Map.Entry<String, Map<String, Long>>> split, int splitCount) {
  /** Keys shown in a report when some moved. */
  public static final int MAX_EXAMPLES = 5;

  public KeyPlacement {
    keysByBackend = Collections.unmodifiableMap(new TreeMap<>(keysByBackend));
    split = List.copyOf(split);
  }

  /** True when every key that got an answer was served by one backend only. */
  public boolean everyKeyStayed() {
    return splitCount == 0;
  }

  /** Keys that were served by one backend only. */
  public long stayed() {
    return keysByBackend.values().stream().mapToLong(Long::longValue).sum();
  }
}
