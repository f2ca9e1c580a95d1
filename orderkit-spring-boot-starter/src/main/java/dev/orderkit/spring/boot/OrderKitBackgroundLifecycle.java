package dev.orderkit.spring.boot;

import dev.orderkit.core.BackgroundTaskStatus;
import dev.orderkit.core.OrderKit;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the kit's background work (recovery, expiry of lapsed holds, outbox publishing, retention
 * purge; see {@link dev.orderkit.core.Background}) from the start of the application context to its
 * shutdown. {@link #start()} builds a kit on the same stores, payment port and settings as the
 * application's {@link OrderKit} bean with background work on; {@link #stop()} closes it, waiting up
 * to {@code orderkit.background.shutdown-timeout} for a run in flight. Every task is safe on every
 * instance of the application at once (no leader election needed).
 *
 * <p>Thread-safe. Stops in an early shutdown phase after web servers stopped taking requests and
 * before the stores' pools close.
 */
public final class OrderKitBackgroundLifecycle implements SmartLifecycle {
    private final Supplier<OrderKit> backgroundKit;
    private @Nullable OrderKit running;

    /**
     * Creates the lifecycle.
     *
     * @param backgroundKit builds a kit whose background work is on (called on each start)
     */
    public OrderKitBackgroundLifecycle(Supplier<OrderKit> backgroundKit) {
        this.backgroundKit = Objects.requireNonNull(backgroundKit, "backgroundKit");
    }

    /** Builds the background kit, which starts its tasks. A no-op while running. */
    @Override
    public synchronized void start() {
        if (running == null) {
            running = backgroundKit.get();
        }
    }

    /** Closes the background kit: no new run starts and a run in flight is awaited (bounded). */
    @Override
    public synchronized void stop() {
        OrderKit kit = running;
        running = null;
        if (kit != null) {
            kit.close();
        }
    }

    /**
     * Whether the background work runs.
     *
     * @return true between {@link #start()} and {@link #stop()}
     */
    @Override
    public synchronized boolean isRunning() {
        return running != null;
    }

    /**
     * What each background task has done so far.
     *
     * @return one status per task; empty when not running
     */
    public synchronized List<BackgroundTaskStatus> status() {
        OrderKit kit = running;
        return kit != null ? kit.backgroundStatus() : List.of();
    }

    /**
     * Stops before the default phase (web server graceful shutdown runs later in Boot's order).
     *
     * @return the phase
     */
    @Override
    public int getPhase() {
        return DEFAULT_PHASE - 2048;
    }
}
