package dev.siskin.router.h2;

import java.time.Duration;

/**
 * How the frame core's backend connections are made and watched, fixed at start
 * ({@code router.connect-timeout}, {@code router.keepalive-time}, {@code router.keepalive-timeout}).
 *
 * @param connectTimeoutMillis how long a connection attempt may take
 * @param keepaliveTime        a connection with calls that read nothing for this long is sent a PING; zero: never
 * @param keepaliveTimeout     how long that PING may stay unanswered before the connection is dropped (its calls
 *                             end UNAVAILABLE, and are retried where they may be)
 */
record BackendLinks(int connectTimeoutMillis, Duration keepaliveTime, Duration keepaliveTimeout) {
}
