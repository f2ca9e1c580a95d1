package dev.orderkit.jmh.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Unique operation ids without a shared counter: each instance owns a process-unique prefix and
 * counts locally. Use one per benchmark thread; not thread-safe.
 */
public final class Ids {
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private final String prefix;
    private long next;

    /** Creates a generator with a fresh prefix. */
    public Ids() {
        this.prefix = "b" + Long.toString(System.currentTimeMillis() % 100_000_000L, 36) + "-t"
                + INSTANCES.incrementAndGet() + "-";
    }

    /**
     * The next id.
     *
     * @return an id never returned before in this process
     */
    public String next() {
        return prefix + (next++);
    }
}
