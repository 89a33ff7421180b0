package dev.siskin.model;

import org.slf4j.bridge.SLF4JBridgeHandler;

/** Process-wide logging set-up shared by the server and the trainer. */
public final class Logging {
    private Logging() {}

    /** gRPC and Tribuo log through java.util.logging: send that to SLF4J/Logback as well. Idempotent. */
    public static void routeJulToSlf4j() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }
}
