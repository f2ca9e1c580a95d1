package dev.orderkit.core.internal;

import dev.orderkit.core.AsyncPlacement;
import dev.orderkit.core.BackgroundTask;
import dev.orderkit.core.Order;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The payment workers of asynchronous placement: a bounded pool ({@link AsyncPlacement#workers()}
 * daemon threads {@code orderkit-payments-N}) that drives due placements (accepted orders, and
 * placements whose caller is gone) through payment, each one claimed first by the recovery
 * sweep's compare-and-set, so instances share the work and never work one order twice at once.
 *
 * <p>A fill looks up as many due placements as there are idle workers, claims them and hands each
 * to a worker. It runs as the kit's {@code payments} background task (every
 * {@link AsyncPlacement#pollEvery()}), and, coalesced on a dispatcher thread, whenever this
 * instance accepts an order or a worker finishes one. No fill looks for work while the gateway's
 * 429 pause lasts ({@link PacedPaymentPort#paused()}).
 *
 * <p>Thread-safe. {@link #close()} stops handing out work, lets the orders in progress finish (up
 * to the given timeout) and stops the threads; an order not finished by then keeps its claim until
 * the claim lapses and is then taken up again (here after a restart, or by another instance).
 */
public final class PaymentWorkers implements BackgroundTask, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PaymentWorkers.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final DefaultOrderService service;
    private final PacedPaymentPort payments;
    private final int workers;
    private final Semaphore idle;
    private final ThreadPoolExecutor pool;
    private final ThreadPoolExecutor dispatcher;
    private final AtomicBoolean fillQueued = new AtomicBoolean();
    private volatile boolean closed;

    /**
     * Starts the pool (its threads start on first use).
     *
     * @param service the order service whose placements the workers drive
     * @param payments the kit's paced port (its pause stops the fills)
     * @param settings the number of workers
     */
    public PaymentWorkers(DefaultOrderService service, PacedPaymentPort payments, AsyncPlacement settings) {
        this.service = service;
        this.payments = payments;
        this.workers = settings.workers();
        this.idle = new Semaphore(workers);
        this.pool = executor(workers, "orderkit-payments-");
        this.dispatcher = executor(1, "orderkit-payments-dispatch-");
    }

    private static ThreadPoolExecutor executor(int threads, String name) {
        ThreadPoolExecutor e =
                new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, name + THREADS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        e.allowCoreThreadTimeOut(true);
        return e;
    }

    /** One fill (the background task's round): the number of orders handed to workers. */
    @Override
    public int runOnce() {
        return fill();
    }

    /** Asks for a fill soon, on the dispatcher thread; coalesced with one already queued. */
    public void wake() {
        if (closed || idle.availablePermits() == 0 || !fillQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            dispatcher.execute(() -> {
                fillQueued.set(false);
                try {
                    fill();
                } catch (RuntimeException e) {
                    LOG.debug("payment workers' fill failed; the next poll tries again", e);
                }
            });
        } catch (RejectedExecutionException e) {
            fillQueued.set(false); // closed meanwhile
        }
    }

    /** Hands due placements to idle workers until none is idle or none is due. */
    private int fill() {
        int handed = 0;
        while (!closed && !payments.paused()) {
            int free = idle.availablePermits();
            if (free == 0) {
                break;
            }
            List<Order> due = service.duePlacements(free);
            int claimed = 0;
            for (Order order : due) {
                if (closed || !idle.tryAcquire()) {
                    break;
                }
                Order mine = service.claimDue(order);
                if (mine == null) {
                    idle.release(); // another instance (or the sweep) claimed it first
                    continue;
                }
                claimed++;
                try {
                    pool.execute(() -> {
                        try {
                            service.workClaimed(mine);
                        } finally {
                            idle.release();
                            wake();
                        }
                    });
                } catch (RejectedExecutionException e) {
                    idle.release(); // closed: the claim lapses and the order is taken up again
                    return handed;
                }
                handed++;
            }
            if (claimed == 0 || due.size() < free) {
                break;
            }
        }
        return handed;
    }

    /**
     * Orders being worked now.
     *
     * @return busy workers
     */
    public int busy() {
        return workers - idle.availablePermits();
    }

    /**
     * Stops the workers: no new order is handed out; orders in progress are awaited up to
     * {@code timeout}, then the threads are interrupted.
     *
     * @param timeout how long to wait for orders in progress
     */
    public void close(Duration timeout) {
        closed = true;
        dispatcher.shutdown();
        pool.shutdown();
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            if (!pool.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                LOG.warn("orderkit payment workers still busy after {}; interrupting them", timeout);
                pool.shutdownNow();
            }
            dispatcher.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
        dispatcher.shutdownNow();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    /** The executors, for tests: whether they have terminated. */
    boolean terminated() {
        return pool.isTerminated() && dispatcher.isTerminated();
    }
}
