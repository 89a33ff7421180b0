package dev.siskin.model;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into a latch the main thread waits on, so the drain runs in normal code and the exit
 * status is ours to choose (a JVM stopped by a shutdown hook exits 143 whatever the hook does).
 */
final class ShutdownSignal {
    private final CountDownLatch received = new CountDownLatch(1);

    static ShutdownSignal install() {
        ShutdownSignal signal = new ShutdownSignal();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), s -> signal.received.countDown());
        }
        return signal;
    }

    void await() throws InterruptedException {
        received.await();
    }
}
