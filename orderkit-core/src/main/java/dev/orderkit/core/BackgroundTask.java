package dev.orderkit.core;

/**
 * One round of periodic work that a backend contributes to the kit's background runner, e.g. the
 * JDBC {@code OutboxPublisher} (give it to {@link OrderKit.Builder#outboxPublishing(BackgroundTask)}).
 *
 * <p>The runner calls {@link #runOnce()} on its own thread, never twice at the same time for one
 * kit, but other instances of the application run the same work concurrently: a round must be safe
 * against that (claimed batches, conditional updates). A round that throws is logged and retried
 * after a backoff; it must not block without bound ({@link OrderKit#close()} waits for it only up to
 * {@link Background#shutdownTimeout()}).
 */
@FunctionalInterface
public interface BackgroundTask {
    /**
     * Runs one round.
     *
     * @return how many items the round handled (0 when there was nothing to do), shown in
     *     {@link BackgroundTaskStatus#lastHandled()}
     * @throws RuntimeException on failure; the runner logs it and runs the round again later
     */
    int runOnce();
}
