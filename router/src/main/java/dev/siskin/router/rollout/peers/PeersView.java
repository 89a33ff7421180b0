package dev.siskin.router.rollout.peers;

import java.time.Instant;
import java.util.List;

/**
 * The routers sharing a rollout as one router sees them at one moment: for /canary, the judge's hold and the
 * logs. Immutable.
 *
 * @param role          this router's part
 * @param instance      this router process's id
 * @param judge         the judge's admin address ("" when alone or none resolved)
 * @param judgeContact  a follower's last answer from the judge (null: none yet)
 * @param judgeProblem  why a follower's last try to reach the judge failed ("" when it did not)
 * @param lookupProblem why the last lookup of {@code rollout.routers} failed ("" when it did not; the last good
 *                      answer is used)
 * @param peers         the judge's view of every other router (empty for a follower)
 */
public record PeersView(PeerRole role, String instance, String judge, Instant judgeContact, String judgeProblem,
    String lookupProblem, List<Peer> peers) {
  public PeersView {
    peers = List.copyOf(peers);
  }

  /**
   * One router the judge takes calls from.
   *
   * @param address   its admin address
   * @param instance  its process id ("" until it answered)
   * @param lastSeen  its last answer (null: never)
   * @param following whether that answer said it follows this judge in the same run
   * @param problem   why it did not answer or does not follow ("" when fine)
   * @param taken     observations taken from it since this judge started
   * @param dropped   observations it dropped because they were not taken in time
   */
  public record Peer(String address, String instance, Instant lastSeen, boolean following, String problem,
      long taken, long dropped) {}
}
