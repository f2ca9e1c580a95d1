package dev.orderkit.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} on virtual time for tests: nothing runs until {@link #advance}
 * runs the due one-shot jobs on the calling thread, in due order, moving {@link #clock()} to each
 * job's due instant first (so a kit built on that clock sees the time the job was due at). Only the
 * one-shot {@code schedule(Runnable, ...)} is supported (what the background runner uses).
 */
final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    /** A clock that reads the scheduler's virtual time. */
    static final class VirtualClock extends Clock {
        private final Instant origin;
        private volatile long nanos;

        VirtualClock(Instant origin) {
            this.origin = origin;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return origin.plusNanos(nanos);
        }
    }

    private final class Job implements ScheduledFuture<Object> {
        final Runnable task;
        final long due;
        final long seq;
        boolean cancelled;
        boolean done;

        Job(Runnable task, long due, long seq) {
            this.task = task;
            this.due = due;
            this.seq = seq;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - clock.nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Job j = (Job) o;
            return due != j.due ? Long.compare(due, j.due) : Long.compare(seq, j.seq);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            synchronized (ManualScheduler.this) {
                if (done || cancelled) {
                    return false;
                }
                cancelled = true;
                queue.remove(this);
                return true;
            }
        }

        @Override
        public boolean isCancelled() {
            synchronized (ManualScheduler.this) {
                return cancelled;
            }
        }

        @Override
        public boolean isDone() {
            synchronized (ManualScheduler.this) {
                return done || cancelled;
            }
        }

        @Override
        public Object get() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }
    }

    private final VirtualClock clock;
    private final PriorityQueue<Job> queue = new PriorityQueue<>();
    private long seq;
    private boolean shutdown;

    ManualScheduler(Instant origin) {
        this.clock = new VirtualClock(origin);
    }

    /** The virtual clock (build the kit on it). */
    VirtualClock clock() {
        return clock;
    }

    /** Runs every job due within {@code d} from now (including jobs those jobs schedule), then sets the time to now + d. */
    void advance(Duration d) {
        long target = clock.nanos + d.toNanos();
        while (true) {
            Job next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due > target) {
                    break;
                }
                queue.poll();
                clock.nanos = Math.max(clock.nanos, next.due);
            }
            next.task.run();
            synchronized (this) {
                next.done = true;
            }
        }
        clock.nanos = target;
    }

    /** Jobs waiting (not cancelled, not run). */
    synchronized int pending() {
        return queue.size();
    }

    @Override
    public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        Job j = new Job(command, clock.nanos + Math.max(0, unit.toNanos(delay)), seq++);
        queue.add(j);
        return j;
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> out = new ArrayList<>();
        queue.forEach(j -> out.add(j.task));
        queue.clear();
        return out;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }
}
