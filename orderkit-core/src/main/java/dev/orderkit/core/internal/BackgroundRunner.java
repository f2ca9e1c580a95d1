package dev.orderkit.core.internal;

import dev.orderkit.core.Background;
import dev.orderkit.core.BackgroundTask;
import dev.orderkit.core.BackgroundTaskStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a kit's periodic tasks ({@link Background}) on a {@link ScheduledExecutorService}: its own
 * single daemon thread, or one the application gives it.
 *
 * <p>Each task is a chain of one-shot schedules: a run schedules the next one when it has
 * finished, so runs of one task never overlap, and the delay can grow while the task keeps
 * failing (exponential backoff up to {@link Background#maxBackoff()}) and shrink back after a
 * success. Every delay is jittered (±10 %); the first one is {@link Background#initialDelay()}
 * plus a random part of the period, so instances started together do not run in lockstep. A run
 * that throws (anything, {@link Error}s included) is counted, logged on one WARN line (the stack
 * trace at DEBUG) and scheduled again: one failing task never stops the others or itself.
 *
 * <p>{@link #close()} stops scheduling, cancels the pending runs (without interrupting a run in
 * flight), waits up to {@link Background#shutdownTimeout()} for runs in flight, and shuts down
 * and awaits the executor only if it owns it. Thread-safe; one lock guards all task state (runs
 * are seconds apart, the lock is held for bookkeeping only, never while a task runs).
 */
public final class BackgroundRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundRunner.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final int MAX_ERROR_CHARS = 500;

    /**
     * One periodic task.
     *
     * @param name its name in logs and status
     * @param period the delay between the end of one run and the start of the next
     * @param work one round of the work
     */
    public record Task(String name, Duration period, BackgroundTask work) {}

    /** Mutable state of one task; every field is guarded by {@link #lock}. */
    private static final class Slot {
        final Task task;

        @Nullable
        ScheduledFuture<?> future;

        @Nullable
        Thread runner;

        long runs;
        long failures;
        int consecutiveFailures;
        int lastHandled;

        @Nullable
        Instant lastStartedAt;

        @Nullable
        Instant lastSucceededAt;

        @Nullable
        Instant lastFailedAt;

        @Nullable
        String lastError;

        @Nullable
        Instant nextRunAt;

        Slot(Task task) {
            this.task = task;
        }
    }

    private final Background settings;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private final boolean ownsExecutor;
    private final List<Slot> slots;
    private final Object lock = new Object();
    private int inFlight; // guarded by lock
    private boolean closed; // guarded by lock

    private BackgroundRunner(
            List<Task> tasks, Background settings, Clock clock, ScheduledExecutorService executor, boolean owns) {
        this.settings = settings;
        this.clock = clock;
        this.executor = executor;
        this.ownsExecutor = owns;
        List<Slot> s = new ArrayList<>();
        for (Task t : tasks) {
            s.add(new Slot(t));
        }
        this.slots = List.copyOf(s);
    }

    /**
     * Creates a runner and schedules the first run of every task.
     *
     * @param tasks the tasks, in the order {@link #status()} lists them
     * @param settings initial delay, backoff cap, shutdown timeout
     * @param clock clock of the status times
     * @param executor the application's executor (never shut down by the runner), or {@code null}
     *     for an owned single daemon thread named {@code orderkit-background-N}
     * @return the started runner
     */
    public static BackgroundRunner start(
            List<Task> tasks, Background settings, Clock clock, @Nullable ScheduledExecutorService executor) {
        BackgroundRunner runner = executor != null
                ? new BackgroundRunner(tasks, settings, clock, executor, false)
                : new BackgroundRunner(tasks, settings, clock, ownedExecutor(), true);
        runner.scheduleFirstRuns();
        return runner;
    }

    private static ScheduledExecutorService ownedExecutor() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "orderkit-background-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        e.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        return e;
    }

    private void scheduleFirstRuns() {
        synchronized (lock) {
            Instant now = clock.instant();
            for (Slot s : slots) {
                long period = s.task.period().toNanos();
                long delay = settings.initialDelay().toNanos()
                        + (long) (period * ThreadLocalRandom.current().nextDouble());
                schedule(s, delay, now);
            }
        }
    }

    /** Schedules the next run of {@code s}, unless closed. Caller holds {@link #lock}. */
    private void schedule(Slot s, long delayNanos, Instant now) {
        s.future = null;
        s.nextRunAt = null;
        if (closed) {
            return;
        }
        try {
            s.future = executor.schedule(() -> run(s), delayNanos, TimeUnit.NANOSECONDS);
            s.nextRunAt = now.plusNanos(delayNanos);
        } catch (RejectedExecutionException e) {
            LOG.warn(
                    "orderkit background task {} stopped: its executor rejected the next run (was it shut down?)",
                    s.task.name());
        }
    }

    private void run(Slot s) {
        synchronized (lock) {
            if (closed || s.runner != null) {
                return; // closed meanwhile (a cancel that came too late), or in flight (runs are chained)
            }
            s.runner = Thread.currentThread();
            s.future = null;
            s.nextRunAt = null;
            s.lastStartedAt = clock.instant();
            inFlight++;
        }
        int handled = 0;
        Throwable failure = null;
        try {
            handled = s.task.work().runOnce();
        } catch (Throwable t) { // a failure of any kind must not end the schedule
            failure = t;
        }
        long delay;
        int consecutive;
        synchronized (lock) {
            Instant end = clock.instant();
            s.runs++;
            if (failure == null) {
                s.consecutiveFailures = 0;
                s.lastHandled = handled;
                s.lastSucceededAt = end;
            } else {
                s.failures++;
                s.consecutiveFailures++;
                s.lastFailedAt = end;
                String error = String.valueOf(failure);
                s.lastError = error.length() > MAX_ERROR_CHARS ? error.substring(0, MAX_ERROR_CHARS) : error;
            }
            consecutive = s.consecutiveFailures;
            delay = nextDelay(s.task.period(), consecutive);
            s.runner = null;
            inFlight--;
            lock.notifyAll();
            schedule(s, delay, end);
        }
        if (failure != null) {
            LOG.warn(
                    "orderkit background task {} failed ({} in a row), next run in {} ms: {}",
                    s.task.name(),
                    consecutive,
                    TimeUnit.NANOSECONDS.toMillis(delay),
                    failure.toString());
            LOG.debug("orderkit background task {} failure", s.task.name(), failure);
        }
    }

    /**
     * The delay before the next run: the period after a success; after {@code n} consecutive
     * failures the period times 2^n, capped at {@code max(period, maxBackoff)}; jittered ±10 %.
     */
    long nextDelay(Duration period, int consecutiveFailures) {
        double base = period.toNanos();
        if (consecutiveFailures > 0) {
            double cap = Math.max(base, settings.maxBackoff().toNanos());
            base = Math.min(cap, base * Math.pow(2, Math.min(consecutiveFailures, 62)));
        }
        return (long) (base * (0.9 + 0.2 * ThreadLocalRandom.current().nextDouble()));
    }

    /**
     * A snapshot of every task's status, in the order the tasks were given.
     *
     * @return the statuses
     */
    public List<BackgroundTaskStatus> status() {
        synchronized (lock) {
            List<BackgroundTaskStatus> out = new ArrayList<>(slots.size());
            for (Slot s : slots) {
                out.add(new BackgroundTaskStatus(
                        s.task.name(),
                        s.task.period(),
                        s.runner != null,
                        s.runs,
                        s.failures,
                        s.consecutiveFailures,
                        s.lastHandled,
                        s.lastStartedAt,
                        s.lastSucceededAt,
                        s.lastFailedAt,
                        s.lastError,
                        s.nextRunAt));
            }
            return List.copyOf(out);
        }
    }

    /**
     * Stops the tasks: no new run starts; runs in flight finish (not interrupted) and are awaited up
     * to {@link Background#shutdownTimeout()}; an owned executor is shut down and awaited within the
     * same bound ({@code shutdownNow} after it). A given executor keeps running. Idempotent; safe to
     * call from a task (it then does not wait for itself).
     */
    @Override
    public void close() {
        long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
        boolean calledFromTask;
        List<String> stillRunning = new ArrayList<>();
        synchronized (lock) {
            closed = true;
            calledFromTask = false;
            for (Slot s : slots) {
                ScheduledFuture<?> f = s.future;
                if (f != null) {
                    f.cancel(false);
                }
                s.future = null;
                s.nextRunAt = null;
                calledFromTask |= s.runner == Thread.currentThread();
            }
            int self = calledFromTask ? 1 : 0;
            try {
                long left = deadline - System.nanoTime();
                while (inFlight > self && left > 0) {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                    left = deadline - System.nanoTime();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (Slot s : slots) {
                if (s.runner != null && s.runner != Thread.currentThread()) {
                    stillRunning.add(s.task.name());
                }
            }
        }
        if (!stillRunning.isEmpty()) {
            LOG.warn(
                    "orderkit background tasks {} still running after the shutdown timeout of {}",
                    stillRunning,
                    settings.shutdownTimeout());
        }
        if (ownsExecutor) {
            executor.shutdown();
            if (calledFromTask) {
                return; // our own thread: it ends when this run returns
            }
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!executor.awaitTermination(left, TimeUnit.NANOSECONDS)) {
                    executor.shutdownNow();
                }
            } catch (InterruptedException e) {
                executor.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
