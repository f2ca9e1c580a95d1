package dev.orderkit.core;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What one background task of a kit has done so far ({@link OrderKit#backgroundStatus()}): for
 * health checks, dashboards and metrics. A snapshot; counts only grow. Times are read from the
 * kit's clock.
 *
 * @param task the task's name, e.g. {@link Background#RECOVERY}
 * @param period its configured period
 * @param running whether a run is in flight right now
 * @param runs finished runs, successful or not
 * @param failures runs that threw
 * @param consecutiveFailures failures since the last success (0 when the last run succeeded); the
 *     delay before the next run doubles with each, up to {@link Background#maxBackoff()}
 * @param lastHandled items the last successful run handled (orders recovered, holds expired,
 *     events published)
 * @param lastStartedAt start of the last run, {@code null} before the first
 * @param lastSucceededAt end of the last successful run, {@code null} if none yet
 * @param lastFailedAt end of the last failed run, {@code null} if none yet
 * @param lastError {@code toString()} of the last failure (at most 500 characters), {@code null} if
 *     none yet; kept after later successes
 * @param nextRunAt when the next run is due, {@code null} once the kit is closed
 */
public record BackgroundTaskStatus(
        String task,
        Duration period,
        boolean running,
        long runs,
        long failures,
        int consecutiveFailures,
        int lastHandled,
        @Nullable Instant lastStartedAt,
        @Nullable Instant lastSucceededAt,
        @Nullable Instant lastFailedAt,
        @Nullable String lastError,
        @Nullable Instant nextRunAt) {}
