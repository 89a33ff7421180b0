package dev.siskin.client.admin;

/**
 * One backend in the router's {@code /clusters}: its health and the calls it finished, over two windows.
 *
 * @param name            backend name; "-" for calls the router answered itself
 * @param configured      false for a backend a reload removed, or for "-"
 * @param health          health state such as "healthy", null when the router reports none
 * @param lastMinuteCalls calls finished in the router's last-minute window (50 to 60 s, in 10 s slots)
 * @param sinceStartCalls calls finished since the router started
 */
public record BackendActivity(String name, boolean configured, String health, long lastMinuteCalls,
    long sinceStartCalls) {}
