package dev.orderkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.memory.InMemoryIdempotencyStore;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.memory.InMemoryStockStorage;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.OrderStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The kit's built-in background runner ({@link Background}): periods, failure isolation and
 * backoff, no overlapping runs, {@code close()} with an owned and with a given executor, and the
 * real work (a crashed placement recovered, a due hold expired) with no manual call. Deterministic
 * tests run on {@link ManualScheduler}'s virtual time; the ones on real threads only wait for
 * conditions (bounded), never assert elapsed times.
 */
class OrderKitBackgroundTest {
    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    private static final Scope SHOP = Scope.of("shop");

    private static BackgroundTaskStatus status(OrderKit kit, String task) {
        return kit.backgroundStatus().stream()
                .filter(s -> s.task().equals(task))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no task " + task + " in " + kit.backgroundStatus()));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static Background fast() {
        return Background.on()
                .withRecoveryEvery(Duration.ofMillis(10))
                .withExpiryEvery(Duration.ofMillis(10))
                .withOutboxEvery(Duration.ofMillis(10))
                .withPurgeEvery(Duration.ofMillis(10))
                .withInitialDelay(Duration.ZERO);
    }

    @Test
    void offByDefaultAndAnExecutorOrOutboxWithoutItIsRejected() {
        OrderKit kit = OrderKit.builder().build();
        assertThat(kit.background().enabled()).isFalse();
        assertThat(kit.backgroundStatus()).isEmpty();
        kit.close(); // a no-op
        kit.close();

        ManualScheduler scheduler = new ManualScheduler(T0);
        assertThatThrownBy(
                        () -> OrderKit.builder().backgroundExecutor(scheduler).build())
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("backgroundExecutor"));
        assertThatThrownBy(() -> OrderKit.builder().outboxPublishing(() -> 0).build())
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("outboxPublishing"));
        assertThat(scheduler.pending()).isZero();
        scheduler.shutdown();
        assertThatThrownBy(() -> OrderKit.builder()
                        .background(Background.on())
                        .backgroundExecutor(scheduler)
                        .build())
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.getMessage()).contains("backgroundExecutor is shut down"));
        assertThatThrownBy(() -> Background.on().withExpiryEvery(Duration.ZERO))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("expiryEvery"));
        assertThatThrownBy(() -> Background.on().withExpiryBatches(0))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("expiryBatches"));
        assertThatThrownBy(() -> Background.on().withInitialDelay(Duration.ofSeconds(-1)))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("initialDelay"));
    }

    @Test
    void eachTaskRunsAtItsOwnPeriodWithJitteredFirstRuns() {
        ManualScheduler scheduler = new ManualScheduler(T0);
        List<Instant> outboxRuns = new ArrayList<>();
        OrderKit kit = OrderKit.builder()
                .clock(scheduler.clock())
                .background(Background.on()
                        .withRecoveryEvery(Duration.ofSeconds(30))
                        .withExpiryEvery(Duration.ofSeconds(5))
                        .withOutboxEvery(Duration.ofSeconds(1))
                        .withPurgeEvery(Duration.ofMinutes(1))
                        .withInitialDelay(Duration.ofSeconds(2)))
                .backgroundExecutor(scheduler)
                .outboxPublishing(() -> {
                    outboxRuns.add(scheduler.clock().instant());
                    return 0;
                })
                .build();
        assertThat(kit.backgroundStatus())
                .extracting(BackgroundTaskStatus::task)
                .containsExactly(
                        Background.RECOVERY,
                        Background.EXPIRY,
                        Background.OUTBOX,
                        Background.PURGE,
                        Background.PAYMENTS);
        for (BackgroundTaskStatus s : kit.backgroundStatus()) {
            // first run: initial delay plus a random part of one period
            assertThat(s.nextRunAt())
                    .as(s.task())
                    .isBetween(T0.plusSeconds(2), T0.plusSeconds(2).plus(s.period()));
            assertThat(s.runs()).isZero();
        }

        scheduler.advance(Duration.ofMinutes(10));

        // 10 min after the first run (at most 2 s + one period in), every next one a period ±10 % later
        // runs within 600 s: first at 2 s + [0, period), then gaps of [0.9, 1.1) periods
        assertThat(status(kit, Background.RECOVERY).runs()).isBetween(18L, 23L); // 1 + 568/33 .. 1 + 598/27
        assertThat(status(kit, Background.EXPIRY).runs()).isBetween(108L, 133L); // 1 + 593/5.5 .. 1 + 598/4.5
        assertThat(outboxRuns).hasSizeBetween(543, 665); // 1 + 597/1.1 .. 1 + 598/0.9
        assertThat(status(kit, Background.PURGE).runs()).isBetween(9L, 12L); // 1 + 538/66 .. 1 + 598/54
        for (int i = 1; i < outboxRuns.size(); i++) {
            Duration gap = Duration.between(outboxRuns.get(i - 1), outboxRuns.get(i));
            assertThat(gap).isBetween(Duration.ofMillis(900), Duration.ofMillis(1100));
        }
        for (BackgroundTaskStatus s : kit.backgroundStatus()) {
            assertThat(s.failures()).isZero();
            assertThat(s.running()).isFalse();
            assertThat(s.nextRunAt()).isAfter(scheduler.clock().instant());
            assertThat(s.lastSucceededAt()).isNotNull();
        }

        kit.close();
        assertThat(scheduler.pending()).as("our pending runs are cancelled").isZero();
        assertThat(scheduler.isShutdown())
                .as("a given executor is not shut down")
                .isFalse();
        assertThat(kit.backgroundStatus())
                .allSatisfy(s -> assertThat(s.nextRunAt()).isNull());
        int before = outboxRuns.size();
        scheduler.advance(Duration.ofMinutes(10));
        assertThat(outboxRuns).hasSize(before);
    }

    @Test
    void aFailingTaskIsLoggedBackedOffAndKeepsBeingScheduled() {
        ManualScheduler scheduler = new ManualScheduler(T0);
        List<Instant> starts = new ArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        OrderKit kit = OrderKit.builder()
                .clock(scheduler.clock())
                .background(Background.on()
                        .withOutboxEvery(Duration.ofSeconds(1))
                        .withExpiryEvery(Duration.ofSeconds(1))
                        .withMaxBackoff(Duration.ofSeconds(10))
                        .withInitialDelay(Duration.ZERO))
                .backgroundExecutor(scheduler)
                .outboxPublishing(() -> {
                    starts.add(scheduler.clock().instant());
                    int n = calls.incrementAndGet();
                    if (n == 3) {
                        throw new AssertionError("an Error does not end the schedule either");
                    }
                    if (n <= 5) {
                        throw new IllegalStateException("boom " + n);
                    }
                    return 7;
                })
                .build();

        scheduler.advance(Duration.ofSeconds(20));
        BackgroundTaskStatus failing = status(kit, Background.OUTBOX);
        assertThat(failing.runs()).isEqualTo(4);
        assertThat(failing.failures()).isEqualTo(4);
        assertThat(failing.consecutiveFailures()).isEqualTo(4);
        assertThat(failing.lastError()).isEqualTo("java.lang.IllegalStateException: boom 4");
        assertThat(failing.lastFailedAt()).isEqualTo(starts.get(3));
        assertThat(failing.lastSucceededAt()).isNull();
        assertThat(failing.nextRunAt()).isNotNull();
        assertThat(status(kit, Background.EXPIRY).runs())
                .as("the other tasks go on")
                .isGreaterThan(10);

        scheduler.advance(Duration.ofSeconds(40));
        failing = status(kit, Background.OUTBOX);
        assertThat(failing.failures()).isEqualTo(5);
        assertThat(failing.consecutiveFailures()).as("reset by the success").isZero();
        assertThat(failing.lastHandled()).isEqualTo(7);
        assertThat(failing.lastError()).as("kept for operators").isEqualTo("java.lang.IllegalStateException: boom 5");
        // delays after 1..5 consecutive failures: 2, 4, 8, then the 10 s cap (±10 %), then the period again
        long[] expectedMs = {2000, 4000, 8000, 10_000, 10_000, 1000, 1000};
        for (int i = 0; i < expectedMs.length; i++) {
            Duration gap = Duration.between(starts.get(i), starts.get(i + 1));
            assertThat(gap.toMillis()).as("delay after run %d", i + 1).isBetween((long) (expectedMs[i] * 0.9), (long)
                    (expectedMs[i] * 1.1));
        }
        kit.close();
    }

    @Test
    void aCrashedPlacementIsRecoveredByTheRunnerWithoutAManualCall() {
        ManualScheduler scheduler = new ManualScheduler(T0);
        InMemoryStockStorage stock = new InMemoryStockStorage();
        InMemoryIdempotencyStore keys = new InMemoryIdempotencyStore();
        InMemoryOrderStore orders = new InMemoryOrderStore(EventSink.discarding());
        SimulatedPaymentPort gateway = new SimulatedPaymentPort();
        OrderKit.Builder builder = OrderKit.builder()
                .clock(scheduler.clock())
                .stockStorage(stock)
                .idempotencyStore(keys)
                .orderStore(orders)
                .paymentPort(gateway)
                .lease(Duration.ofSeconds(30))
                .stuckAfter(Duration.ofMinutes(1));
        AtomicBoolean armed = new AtomicBoolean(true);
        OrderKit crashing = builder.stepHook((orderId, step) -> {
                    if (step.equals("STOCK_RESERVED") && armed.compareAndSet(true, false)) {
                        throw new Error("process died before authorizing");
                    }
                })
                .build();
        crashing.stock().adjust(StockKey.of("widget"), 10, "initial");
        PlaceOrderRequest req = PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("crash-1"))
                .paymentMethod("pm_card_visa")
                .line("widget", 3, 700)
                .build();
        assertThatThrownBy(() -> crashing.orders().place(req)).isInstanceOf(Error.class);
        assertThat(crashing.orders()
                        .findByKey(SHOP, req.idempotencyKey())
                        .orElseThrow()
                        .status())
                .isEqualTo(OrderStatus.STOCK_RESERVED);

        OrderKit survivor = builder.stepHook((orderId, step) -> {})
                .background(Background.on().withInitialDelay(Duration.ZERO))
                .backgroundExecutor(scheduler)
                .build();
        scheduler.advance(Duration.ofSeconds(50)); // not stuck long enough yet: left alone
        assertThat(survivor.orders()
                        .findByKey(SHOP, req.idempotencyKey())
                        .orElseThrow()
                        .status())
                .isEqualTo(OrderStatus.STOCK_RESERVED);
        assertThat(status(survivor, Background.RECOVERY).runs()).isPositive();

        // The kit's payment workers (asynchronous placement) also take up a placement whose caller
        // is gone, on real threads, reading the virtual clock. Moving the clock two minutes at once
        // could pass a worker's 30 s lease while it ran (a cold JVM takes a while), so the next
        // recovery run took the key over and the worker gave up: done late or not at all. The clock
        // moves a second at a time, with real time in between for a worker in flight.
        for (int i = 0; i < 120; i++) {
            scheduler.advance(Duration.ofSeconds(1));
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(25));
        }
        Order recovered =
                survivor.orders().findByKey(SHOP, req.idempotencyKey()).orElseThrow();
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                recovered.status() != OrderStatus.CONFIRMED && System.nanoTime() < deadline; ) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // a worker finishing its last step
            recovered = survivor.orders().findByKey(SHOP, req.idempotencyKey()).orElseThrow();
        }
        assertThat(recovered.status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(gateway.appliedCount()).isEqualTo(1);
        assertThat(survivor.stock().level(StockKey.of("widget")).orElseThrow().reserved())
                .isEqualTo(3);
        assertThat(status(survivor, Background.RECOVERY).failures()).isZero();
        survivor.close();
    }

    @Test
    void aDueHoldIsExpiredByTheExpiryTaskEvenWhileRecoveryFails() {
        ManualScheduler scheduler = new ManualScheduler(T0);
        OrderStore real = new InMemoryOrderStore(EventSink.discarding());
        // every order store primitive fails: the recovery task fails on each run and so cannot be
        // the one that expires the hold below
        OrderStore broken = (OrderStore) Proxy.newProxyInstance(
                OrderStore.class.getClassLoader(), new Class<?>[] {OrderStore.class}, (p, m, args) -> {
                    if (m.getDeclaringClass() == Object.class) {
                        return m.invoke(real, args);
                    }
                    if (m.isDefault()) { // e.g. findDue over findStale: fails through the primitives
                        return InvocationHandler.invokeDefault(p, m, args);
                    }
                    throw new BackendUnavailableException("order database down", null);
                });
        OrderKit kit = OrderKit.builder()
                .clock(scheduler.clock())
                .orderStore(broken)
                .retry(RetrySettings.none())
                .background(Background.on()
                        .withInitialDelay(Duration.ZERO)
                        .withRecoveryEvery(Duration.ofSeconds(1))
                        .withExpiryEvery(Duration.ofSeconds(5)))
                .backgroundExecutor(scheduler)
                .build();
        StockKey mug = StockKey.of("mug");
        kit.stock().adjust(mug, 2, "initial");
        kit.stock()
                .reserve(new ReservationRequest(
                        "cart-1", List.of(ReservationLine.of("mug", 2)), Duration.ofSeconds(30)));
        assertThat(kit.stock().level(mug).orElseThrow().available()).isZero();

        scheduler.advance(Duration.ofSeconds(20)); // not due yet
        assertThat(kit.stock().reservation("cart-1").orElseThrow().state()).isEqualTo(ReservationState.HELD);

        long handled = 0;
        for (int i = 0; i < 30; i++) { // one second at a time, summing what each expiry run handled
            long runs = status(kit, Background.EXPIRY).runs();
            scheduler.advance(Duration.ofSeconds(1));
            BackgroundTaskStatus s = status(kit, Background.EXPIRY);
            if (s.runs() > runs) {
                handled += s.lastHandled();
            }
        }
        assertThat(kit.stock().reservation("cart-1").orElseThrow().state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(kit.stock().level(mug).orElseThrow().available()).isEqualTo(2);
        assertThat(handled).as("expired by the expiry task").isEqualTo(1);
        BackgroundTaskStatus recovery = status(kit, Background.RECOVERY);
        // failing on every run, backing off (1 s period: runs at about 0, 2, 6, 14, 30 s ...)
        assertThat(recovery.failures()).isEqualTo(recovery.runs()).isBetween(3L, 7L);
        assertThat(recovery.consecutiveFailures()).isEqualTo((int) recovery.runs());
        assertThat(recovery.lastError()).contains("order database down");
        kit.close();
    }

    @Test
    void aReleasedReservationPastItsRetentionIsPurgedByTheRunner() {
        ManualScheduler scheduler = new ManualScheduler(T0);
        OrderKit kit = OrderKit.builder()
                .clock(scheduler.clock())
                .retention(Retention.defaults().withReservations(Duration.ofMinutes(5)))
                .background(Background.on().withInitialDelay(Duration.ZERO).withPurgeEvery(Duration.ofMinutes(1)))
                .backgroundExecutor(scheduler)
                .build();
        kit.stock().adjust(StockKey.of("mug"), 2, "initial");
        kit.stock()
                .reserve(new ReservationRequest(
                        "cart-1", List.of(ReservationLine.of("mug", 1)), Duration.ofMinutes(10)));
        kit.stock().release("cart-1");

        scheduler.advance(Duration.ofMinutes(4)); // within retention: kept
        assertThat(kit.stock().reservation("cart-1")).isPresent();
        long handled = 0;
        // ten seconds at a time, summing what each purge run handled: runs are a jittered minute
        // apart (54-66 s), so a step never holds two of them (with one-minute steps a step could,
        // and the second run's zero hid the first's count)
        for (int i = 0; i < 24; i++) {
            long runs = status(kit, Background.PURGE).runs();
            scheduler.advance(Duration.ofSeconds(10));
            BackgroundTaskStatus s = status(kit, Background.PURGE);
            if (s.runs() > runs) {
                handled += s.lastHandled();
            }
        }
        assertThat(kit.stock().reservation("cart-1"))
                .as("purged with no manual purge()")
                .isEmpty();
        assertThat(handled).isPositive();
        assertThat(status(kit, Background.PURGE).failures()).isZero();
        assertThat(kit.stock().level(StockKey.of("mug")).orElseThrow().available())
                .isEqualTo(2);
        kit.close();
    }

    @Test
    void anOwnedExecutorRunsOnANamedDaemonThreadAndCloseStopsIt() throws Exception {
        AtomicReference<Thread> thread = new AtomicReference<>();
        AtomicInteger rounds = new AtomicInteger();
        OrderKit kit = OrderKit.builder()
                .background(fast())
                .outboxPublishing(() -> {
                    thread.set(Thread.currentThread());
                    return rounds.incrementAndGet();
                })
                .build();
        await(
                "runs of every task",
                () -> rounds.get() >= 3 && kit.backgroundStatus().stream().allMatch(s -> s.runs() >= 2));
        Thread t = thread.get();
        assertThat(t.getName()).matches("orderkit-background-\\d+");
        assertThat(t.isDaemon()).isTrue();

        kit.close();
        t.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(t.isAlive()).as("the owned thread ended").isFalse();
        List<BackgroundTaskStatus> after = kit.backgroundStatus();
        assertThat(after).allSatisfy(s -> {
            assertThat(s.nextRunAt()).isNull();
            assertThat(s.running()).isFalse();
        });
        kit.close(); // idempotent
        assertThat(kit.backgroundStatus()).isEqualTo(after);
    }

    @Test
    void closeCalledFromATaskDoesNotWaitForItself() throws Exception {
        AtomicReference<OrderKit> self = new AtomicReference<>();
        AtomicReference<Thread> thread = new AtomicReference<>();
        CountDownLatch built = new CountDownLatch(1);
        AtomicBoolean closedFromTask = new AtomicBoolean();
        OrderKit kit = OrderKit.builder()
                .background(fast().withShutdownTimeout(Duration.ofMinutes(10))) // a self-wait would hang
                .outboxPublishing(() -> {
                    thread.set(Thread.currentThread());
                    try {
                        built.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    self.get().close();
                    closedFromTask.set(true);
                    return 0;
                })
                .build();
        self.set(kit);
        built.countDown();
        await("close() from the task returned", closedFromTask::get);
        thread.get().join(TimeUnit.SECONDS.toMillis(20));
        assertThat(thread.get().isAlive())
                .as("the owned thread ended after the run")
                .isFalse();
        assertThat(kit.backgroundStatus()).allSatisfy(s -> {
            assertThat(s.nextRunAt()).isNull();
            assertThat(s.running()).isFalse();
        });
    }

    @Test
    void closeLeavesAGivenExecutorRunningAndLetsARunInFlightFinish() throws Exception {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(2);
        try {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean interrupted = new AtomicBoolean();
            AtomicBoolean finished = new AtomicBoolean();
            AtomicInteger rounds = new AtomicInteger();
            OrderKit kit = OrderKit.builder()
                    .background(fast())
                    .backgroundExecutor(executor)
                    .outboxPublishing(() -> {
                        if (rounds.incrementAndGet() == 1) {
                            entered.countDown();
                            try {
                                release.await(20, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                interrupted.set(true);
                            }
                            finished.set(true);
                        }
                        return 0;
                    })
                    .build();
            assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(status(kit, Background.OUTBOX).running()).isTrue();

            AtomicBoolean closed = new AtomicBoolean();
            Thread closer = new Thread(() -> {
                kit.close();
                closed.set(true);
            });
            closer.start();
            await("close() waiting for the run in flight", () -> closer.getState() == Thread.State.TIMED_WAITING);
            assertThat(closed.get())
                    .as("close() returned while a run was in flight")
                    .isFalse();
            release.countDown();
            closer.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(closed.get()).isTrue();
            assertThat(finished.get()).isTrue();
            assertThat(interrupted.get())
                    .as("the run in flight was not interrupted")
                    .isFalse();

            assertThat(executor.isShutdown())
                    .as("a given executor is not shut down")
                    .isFalse();
            assertThat(executor.getQueue())
                    .as("our pending runs are cancelled")
                    .allSatisfy(r -> assertThat(((Future<?>) r).isCancelled()).isTrue());
            assertThat(kit.backgroundStatus())
                    .allSatisfy(s -> assertThat(s.nextRunAt()).isNull());
            int rounds0 = rounds.get();
            assertThat(executor.schedule(() -> "still usable", 30, TimeUnit.MILLISECONDS)
                            .get(20, TimeUnit.SECONDS))
                    .isEqualTo("still usable");
            assertThat(rounds.get()).isEqualTo(rounds0);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void runsOfOneTaskNeverOverlapOnAPoolOfThreads() throws Exception {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(4);
        try {
            AtomicInteger inFlight = new AtomicInteger();
            AtomicInteger maxInFlight = new AtomicInteger();
            AtomicInteger rounds = new AtomicInteger();
            OrderKit kit = OrderKit.builder()
                    .background(fast())
                    .backgroundExecutor(executor)
                    .outboxPublishing(() -> {
                        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                        try {
                            Thread.sleep(25); // longer than the 10 ms period
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        inFlight.decrementAndGet();
                        return rounds.incrementAndGet();
                    })
                    .build();
            await("20 rounds", () -> rounds.get() >= 20);
            kit.close();
            assertThat(maxInFlight.get()).isEqualTo(1);
            assertThat(inFlight.get()).isZero();
        } finally {
            executor.shutdownNow();
        }
    }
}
