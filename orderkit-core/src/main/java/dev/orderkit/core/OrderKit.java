package dev.orderkit.core;

import dev.orderkit.core.internal.BackgroundRunner;
import dev.orderkit.core.internal.Check;
import dev.orderkit.core.internal.DefaultOrderService;
import dev.orderkit.core.internal.DefaultStockLedger;
import dev.orderkit.core.internal.PaymentWorkers;
import dev.orderkit.core.internal.PublicStockLedger;
import dev.orderkit.core.internal.Purger;
import dev.orderkit.core.internal.Retries;
import dev.orderkit.core.memory.InMemoryIdempotencyStore;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.memory.InMemoryOutbox;
import dev.orderkit.core.memory.InMemoryStockStorage;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StepHook;
import dev.orderkit.core.spi.StepTransactions;
import dev.orderkit.core.spi.StockStorage;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * Entry point: wires backends, payment gateway and policies into an {@link OrderService} and a
 * {@link StockLedger}.
 *
 * <pre>{@code
 * OrderKit kit = OrderKit.builder().paymentPort(myGateway).build();   // in-memory backends
 * kit.stock().adjust(StockKey.of("sku-1"), 10, "initial");
 * PlaceOrderResult r = kit.orders().place(request);
 * }</pre>
 *
 * <p>An {@code OrderKit} is thread-safe; build one per application and share it. With
 * {@link Builder#background(Background) background work} on, {@link Builder#build()} starts the
 * periodic tasks (recovery, expiry, outbox publishing, purge) and {@link #close()} stops them; close the
 * kit on shutdown, before the data source its backends use.
 */
public final class OrderKit implements AutoCloseable {
    private final OrderKitConfig config;
    private final DefaultStockLedger stock;
    private final DefaultOrderService orders;
    /** {@link #stock} as applications see it: order-owned holds refused. */
    private final PublicStockLedger publicStock;

    private final Background background;
    private final @Nullable BackgroundRunner runner;
    /** The relay of the in-process outbox this kit delivers, if any (see {@link #outbox()}). */
    private final @Nullable OutboxRelay memoryRelay;

    private final Purger purger;
    /** The payment workers of asynchronous placement; null when background work is off. */
    private final @Nullable PaymentWorkers workers;

    private OrderKit(
            OrderKitConfig config,
            Background background,
            @Nullable ScheduledExecutorService executor,
            @Nullable BackgroundTask userOutbox,
            @Nullable InMemoryOutbox memoryOutbox,
            Instrumentation instrumentation) {
        Retries retries = new Retries(config.retry(), instrumentation);
        this.config = config;
        this.stock = new DefaultStockLedger(config, retries);
        InMemoryOutbox inProcess = memoryOutbox != null ? memoryOutbox : stock.fallbackOutbox();
        this.memoryRelay = inProcess == null ? null : inProcess.relay();
        BackgroundTask outbox = outboxTask(userOutbox, memoryRelay);
        this.orders = new DefaultOrderService(config, stock, retries);
        this.publicStock = new PublicStockLedger(stock, config.orderStore(), retries);
        this.purger = new Purger(config, retries, config.inboxStore());
        instrumentation.watch(stock.combiner()::stats, retries::circuitState);
        this.background = background;
        this.workers = background.enabled() ? new PaymentWorkers(orders, orders.pacedPayments(), config.async()) : null;
        orders.workers(workers);
        this.runner = background.enabled()
                ? BackgroundRunner.start(
                        backgroundTasks(orders, stock, purger, background, outbox, workers, config.async()),
                        background,
                        config.clock(),
                        executor)
                : null;
    }

    /** The outbox round: the backend's publisher and the in-process outbox's retries, if any. */
    private static @Nullable BackgroundTask outboxTask(
            @Nullable BackgroundTask userOutbox, @Nullable OutboxRelay memoryRelay) {
        if (userOutbox == null) {
            return memoryRelay;
        }
        if (memoryRelay == null) {
            return userOutbox;
        }
        return () -> userOutbox.runOnce() + memoryRelay.runOnce();
    }

    /**
     * The relay of the in-process outbox this kit delivers: the in-memory backends' outbox (when
     * the kit built the in-memory order store or stock storage), or the outbox in which the stock
     * ledger records the events of a storage that does not record them itself. Use it
     * to list and redrive dead letters ({@link OutboxRelay#deadLetters(int)},
     * {@link OutboxRelay#redrive(String)}). Empty when every store records its events in its own
     * outbox (JDBC: use {@code JdbcBackend#outboxPublisher(sink)}, which has the same methods; Redis stock:
     * {@code RedisBackend#outboxPublisher(sink)}).
     *
     * @return the relay, if any
     */
    public Optional<OutboxRelay> outbox() {
        return Optional.ofNullable(memoryRelay);
    }

    /** The periodic tasks of {@link Background}, in the order {@link #backgroundStatus()} lists them. */
    private static List<BackgroundRunner.Task> backgroundTasks(
            OrderService orders,
            StockLedger stock,
            Purger purger,
            Background bg,
            @Nullable BackgroundTask outbox,
            @Nullable PaymentWorkers workers,
            AsyncPlacement async) {
        List<BackgroundRunner.Task> tasks = new ArrayList<>();
        tasks.add(new BackgroundRunner.Task(Background.RECOVERY, bg.recoveryEvery(), () -> {
            OrderService.SweepReport r = orders.recover();
            return r.ordersResumed() + r.ordersExpired();
        }));
        tasks.add(new BackgroundRunner.Task(
                Background.EXPIRY, bg.expiryEvery(), () -> stock.expireDue(bg.expiryBatches())));
        if (outbox != null) {
            tasks.add(new BackgroundRunner.Task(Background.OUTBOX, bg.outboxEvery(), outbox));
        }
        tasks.add(new BackgroundRunner.Task(Background.PURGE, bg.purgeEvery(), () ->
                (int) Math.min(Integer.MAX_VALUE, purger.purge().total())));
        if (workers != null) {
            tasks.add(new BackgroundRunner.Task(Background.PAYMENTS, async.pollEvery(), workers));
        }
        return tasks;
    }

    /**
     * Starts a builder whose defaults are the in-memory backends, a {@link SimulatedPaymentPort},
     * the system UTC clock and {@link RetrySettings#defaults()}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The order service.
     *
     * @return the shared, thread-safe service
     */
    public OrderService orders() {
        return orders;
    }

    /**
     * The stock ledger. A hold that {@link #orders()} made for an order (its id is the order id)
     * cannot be reserved, committed, released or fulfilled through it
     * ({@link ReservationOwnedException}): use the order's own operations. A hold is an order's
     * when this kit's order store has an order with its id, so give every kit that shares a stock
     * backend the same order store (as placing orders from several instances requires anyway).
     *
     * @return the shared, thread-safe ledger
     */
    public StockLedger stock() {
        return publicStock;
    }

    /**
     * The clock used for leases, expiries and timestamps.
     *
     * @return the clock
     */
    public Clock clock() {
        return config.clock();
    }

    /**
     * Counters of the hot-SKU combiner ({@link Combining}): batches formed, their members, the
     * largest. For tests and benchmarks.
     *
     * @return a snapshot (all zero when combining is off)
     */
    public CombinerStats combinerStats() {
        return stock.combiner().stats();
    }

    /**
     * Deletes what the {@link Retention} settings ({@link Builder#retention}) say is old enough:
     * completed idempotency keys past their retention, terminal reservations with their lines,
     * published outbox events, completed inbox messages (of {@link Builder#inboxStore}), and, with
     * an {@link OrderArchiver} only, terminal orders (archived first); it folds old movements into
     * one snapshot movement per level (replaying a level's movements still gives its on-hand and
     * reserved). Active reservations, unpublished events and orders without an archiver are never
     * deleted.
     *
     * <p>Bounded: every kind is deleted in batches of {@link Retention#batchSize()}, at most
     * {@link Retention#maxBatches()} batches per kind; a report that is not
     * {@linkplain PurgeReport#complete() complete} left work for the next call. Run it periodically
     * on any instance (the {@link Background#PURGE} background task does, every 10 minutes by
     * default, when {@link Builder#background(Background) background work} is on): it is safe on several instances at once (every deletion is
     * conditional) and safe to interrupt (each batch is atomic, the next call continues). Safe to
     * call concurrently with every other operation of the kit.
     *
     * @return what was deleted
     * @throws BackendUnavailableException if a backend failed after the configured retries (the
     *     batches before it stay deleted)
     * @throws RuntimeException whatever the {@link OrderArchiver} throws (that batch is kept)
     */
    public PurgeReport purge() {
        return purger.purge();
    }

    /**
     * The configuration this kit was built with (defaults filled in).
     *
     * @return the immutable configuration
     */
    public OrderKitConfig config() {
        return config;
    }

    /**
     * The background work settings this kit was built with.
     *
     * @return the settings ({@link Background#off()} unless {@link Builder#background} enabled them)
     */
    public Background background() {
        return background;
    }

    /**
     * What each background task has done so far (runs, failures, last error, next run), for health
     * checks and metrics. Thread-safe; each call takes a new snapshot.
     *
     * @return one status per scheduled task ({@link Background#RECOVERY}, {@link Background#EXPIRY},
     *     {@link Background#OUTBOX} if an outbox round was given, {@link Background#PURGE}); empty
     *     when background work is off
     */
    public List<BackgroundTaskStatus> backgroundStatus() {
        return runner != null ? runner.status() : List.of();
    }

    /**
     * Stops the background work: no new run starts, pending runs are cancelled, a run in flight is
     * not interrupted and is awaited up to {@link Background#shutdownTimeout()}. An executor the
     * kit owns is shut down (and awaited within the same bound); one given to
     * {@link Builder#backgroundExecutor} is left running. The services stay usable: call
     * {@link OrderService#recover()} yourself if needed. Idempotent; a no-op when background work is
     * off.
     */
    @Override
    public void close() {
        if (runner != null) {
            runner.close();
        }
        if (workers != null) {
            orders.workers(null); // the sweep (of whoever calls recover()) takes placements back
            workers.close(background.shutdownTimeout());
        }
    }

    /**
     * Builder of {@link OrderKit}. Not thread-safe; every setter rejects {@code null}. Reusable:
     * every {@link #build()} creates an independent kit (unset backends get fresh in-memory ones
     * each time; nothing is written back into the builder).
     */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private @Nullable StockStorage stockStorage;
        private @Nullable IdempotencyStore idempotencyStore;
        private @Nullable OrderStore orderStore;
        private EventSink eventSink = EventSink.discarding();
        private @Nullable PaymentPort paymentPort;
        private AllocationStrategy allocation = AllocationStrategy.defaultStrategy();
        private RetrySettings retry = RetrySettings.defaults();
        /** The configured lease; null: the default, {@link #DEFAULT_LEASE} or the payment call budget. */
        private @Nullable Duration lease;

        private Duration keyRetention = Duration.ofHours(24);
        private Duration reservationTtl = Duration.ofMinutes(15);
        private Duration stuckAfter = Duration.ofMinutes(1);
        private @Nullable Duration maxHold;
        private Duration inProgressWait = Duration.ZERO;
        private StepHook stepHook = StepHook.NONE;
        private StepTransactions stepTransactions = StepTransactions.NONE;
        private @Nullable Combining combining;
        private Background background = Background.off();
        private @Nullable ScheduledExecutorService backgroundExecutor;
        private @Nullable BackgroundTask outboxPublishing;
        private Retention retention = Retention.defaults();
        private @Nullable InboxStore inboxStore;
        private RecoverySettings recovery = RecoverySettings.defaults();
        private PaymentPacing paymentPacing = PaymentPacing.unlimited();
        private AsyncPlacement asyncPlacement = AsyncPlacement.defaults();

        /** The shortest lease a kit uses by default (longer when the payment call budget is). */
        private static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
        /** The longest lease. */
        private static final Duration MAX_LEASE = Duration.ofHours(1);

        private Instrumentation instrumentation = Instrumentation.noop();

        private Builder() {}

        /**
         * Clock for leases, expiries and timestamps (default: system UTC).
         *
         * @param value the clock
         * @return this builder
         */
        public Builder clock(Clock value) {
            this.clock = Check.notNull(value, "clock");
            return this;
        }

        /**
         * Stock backend (default: {@link InMemoryStockStorage}).
         *
         * @param value the storage
         * @return this builder
         */
        public Builder stockStorage(StockStorage value) {
            this.stockStorage = Check.notNull(value, "stockStorage");
            return this;
        }

        /**
         * Idempotency backend (default: {@link InMemoryIdempotencyStore}).
         *
         * @param value the store
         * @return this builder
         */
        public Builder idempotencyStore(IdempotencyStore value) {
            this.idempotencyStore = Check.notNull(value, "idempotencyStore");
            return this;
        }

        /**
         * Order backend (default: {@link InMemoryOrderStore} publishing to the event sink).
         *
         * @param value the store
         * @return this builder
         */
        public Builder orderStore(OrderStore value) {
            this.orderStore = Check.notNull(value, "orderStore");
            return this;
        }

        /**
         * Where events go (default: discarded). Used directly by the ledger and by the default
         * in-memory order store.
         *
         * @param value the sink
         * @return this builder
         */
        public Builder eventSink(EventSink value) {
            this.eventSink = Check.notNull(value, "eventSink");
            return this;
        }

        /**
         * Payment gateway (default: a new {@link SimulatedPaymentPort}).
         *
         * @param value the port
         * @return this builder
         */
        public Builder paymentPort(PaymentPort value) {
            this.paymentPort = Check.notNull(value, "paymentPort");
            return this;
        }

        /**
         * How lines are allocated to locations (default: {@link AllocationStrategy#defaultStrategy()}).
         *
         * @param value the strategy
         * @return this builder
         */
        public Builder allocationStrategy(AllocationStrategy value) {
            this.allocation = Check.notNull(value, "allocationStrategy");
            return this;
        }

        /**
         * Retry and circuit-breaker settings (default: {@link RetrySettings#defaults()}).
         *
         * @param value the settings
         * @return this builder
         */
        public Builder retry(RetrySettings value) {
            this.retry = Check.notNull(value, "retry");
            return this;
        }

        /**
         * Lease of an in-progress idempotency key, 100 ms .. 1 h. After it a retry may take over;
         * the stale holder is fenced. A worker makes a payment call only while its lease covers the
         * whole retried call, renewing it first if it does not (so a worker that lost its lease
         * never calls the gateway), and the lease must be at least that payment call budget
         * ({@link RetrySettings#paymentCallBudget} of the {@link PaymentPort#callTimeout()}):
         * {@link #build()} rejects a shorter one. Default: 30 s, or the payment call budget if that
         * is longer (e.g. about 3 min for {@code StripePaymentPort}'s default timeouts with
         * {@link RetrySettings#defaults()}).
         *
         * @param value the lease
         * @return this builder
         */
        public Builder lease(Duration value) {
            this.lease = Check.ttl(value, "lease", Duration.ofMillis(100), MAX_LEASE);
            return this;
        }

        /**
         * How long completed keys are kept for replay, 1 min .. 90 days (default 24 h).
         *
         * @param value the retention
         * @return this builder
         */
        public Builder keyRetention(Duration value) {
            this.keyRetention = Check.ttl(value, "keyRetention", Duration.ofMinutes(1), Duration.ofDays(90));
            return this;
        }

        /**
         * Stock hold of a placed order until its payment completes (default 15 min).
         *
         * @param value the hold, within {@link ReservationRequest#MIN_TTL}..{@link ReservationRequest#MAX_TTL}
         * @return this builder
         */
        public Builder reservationTtl(Duration value) {
            this.reservationTtl =
                    Check.ttl(value, "reservationTtl", ReservationRequest.MIN_TTL, ReservationRequest.MAX_TTL);
            return this;
        }

        /**
         * The longest an order's stock may be held since the order was placed, counting every
         * {@link OrderService#extendHold} (default {@link OrderKitConfig#DEFAULT_MAX_HOLD}, one hour,
         * or {@link #reservationTtl} if that is longer). An extension past it is refused with
         * {@link InvalidRequestException} naming {@code until}.
         *
         * @param value the bound, within {@link ReservationRequest#MIN_TTL}..{@link ReservationRequest#MAX_TTL},
         *     at least {@link #reservationTtl} (checked by {@link #build()})
         * @return this builder
         */
        public Builder maxHold(Duration value) {
            this.maxHold = Check.ttl(value, "maxHold", ReservationRequest.MIN_TTL, ReservationRequest.MAX_TTL);
            return this;
        }

        /**
         * Age after which the recovery sweeper resumes an order stuck in a placement step
         * (default 1 min; it still skips orders whose lease is live).
         *
         * @param value the age, 1 s .. 1 day
         * @return this builder
         */
        public Builder stuckAfter(Duration value) {
            this.stuckAfter = Check.ttl(value, "stuckAfter", Duration.ofSeconds(1), Duration.ofDays(1));
            return this;
        }

        /**
         * How long {@code place} waits for a concurrent call with the same key before throwing
         * {@link RequestInProgressException} (default 0: throw at once), at most 1 min.
         *
         * @param value the wait
         * @return this builder
         */
        public Builder inProgressWait(Duration value) {
            this.inProgressWait = Check.ttl(value, "inProgressWait", Duration.ZERO, Duration.ofMinutes(1));
            return this;
        }

        /**
         * Step observer (tracing, fault injection in tests).
         *
         * @param value the hook
         * @return this builder
         */
        public Builder stepHook(StepHook value) {
            this.stepHook = Check.notNull(value, "stepHook");
            return this;
        }

        /**
         * Atomic phases: when stock, orders and keys live in one transactional database, the
         * backend's {@link StepTransactions} (e.g. {@code JdbcBackend.stepTransactions()}) makes
         * each placement step commit together with the order status that records it. Default:
         * {@link StepTransactions#NONE} (each SPI call commits on its own; steps are still resumable).
         *
         * @param value the backend's transactions
         * @return this builder
         */
        public Builder stepTransactions(StepTransactions value) {
            this.stepTransactions = Check.notNull(value, "stepTransactions");
            return this;
        }

        /**
         * Hot-SKU combining of concurrent reservations of one stock key (see {@link Combining}).
         * Default: on when the stock storage applies batches natively
         * ({@link StockStorage#reserveBatchLimit()} {@code > 1}), off otherwise.
         *
         * @param value the settings, e.g. {@link Combining#on()} or {@link Combining#off()}
         * @return this builder
         */
        public Builder combining(Combining value) {
            this.combining = Check.notNull(value, "combining");
            return this;
        }

        /**
         * Background work (default {@link Background#off()}): with {@link Background#on()} the kit
         * runs recovery, expiry of due holds, outbox publishing and the retention purge periodically, from
         * {@link #build()} until {@link OrderKit#close()}, safe on every instance.
         *
         * @param value the settings, e.g. {@code Background.on().withRecoveryEvery(Duration.ofSeconds(10))}
         * @return this builder
         */
        public Builder background(Background value) {
            this.background = Check.notNull(value, "background");
            return this;
        }

        /**
         * What {@link OrderKit#purge()} deletes and when (default {@link Retention#defaults()}:
         * terminal reservations after 7 days, movements folded after 30 days, published events and
         * completed inbox messages after 7 days, orders kept).
         *
         * @param value the settings
         * @return this builder
         */
        public Builder retention(Retention value) {
            this.retention = Check.notNull(value, "retention");
            return this;
        }

        /**
         * Runs the background work on the application's executor instead of a thread the kit owns.
         * {@link OrderKit#close()} cancels the kit's pending runs on it but never shuts it down.
         * Runs of one task never overlap, whatever the executor's pool size; with one thread the
         * tasks run one after another.
         *
         * @param value the executor
         * @return this builder
         */
        public Builder backgroundExecutor(ScheduledExecutorService value) {
            this.backgroundExecutor = Check.notNull(value, "backgroundExecutor");
            return this;
        }

        /**
         * The message inbox (e.g. the one given to the Stripe webhook handler) whose completed
         * messages {@link OrderKit#purge()} deletes after {@link Retention#inbox()} (default: none;
         * the kit itself does not use an inbox otherwise).
         *
         * @param value the inbox
         * @return this builder
         */
        public Builder inboxStore(InboxStore value) {
            this.inboxStore = Check.notNull(value, "inboxStore");
            return this;
        }

        /**
         * How the recovery sweep ({@link OrderService#recover()}) backs off from orders whose
         * recovery fails, when it parks them in {@link OrderStatus#NEEDS_ATTENTION}, and how much
         * one sweep does (default {@link RecoverySettings#defaults()}).
         *
         * @param value the settings
         * @return this builder
         */
        public Builder recovery(RecoverySettings value) {
            this.recovery = Check.notNull(value, "recovery");
            return this;
        }

        /**
         * The backend's outbox publishing round, run as the {@link Background#OUTBOX} task every
         * {@link Background#outboxEvery()}, e.g. {@code jdbcBackend.outboxPublisher(sink)} (then do
         * not also {@code start()} that publisher). Requires background work on.
         *
         * @param value one publishing round
         * @return this builder
         */
        public Builder outboxPublishing(BackgroundTask value) {
            this.outboxPublishing = Check.notNull(value, "outboxPublishing");
            return this;
        }

        /**
         * Where the kit reports its operations, outcomes, retries and background runs (default
         * {@link Instrumentation#noop()}): e.g. {@code MicrometerInstrumentation} of the optional
         * {@code orderkit-micrometer} module for meters and observations. Core itself depends on
         * no metrics library.
         *
         * @param value the instrumentation (thread-safe, must not throw)
         * @return this builder
         */
        public Builder instrumentation(Instrumentation value) {
            this.instrumentation = Check.notNull(value, "instrumentation");
            return this;
        }

        /**
         * The pace of payment calls (default {@link PaymentPacing#unlimited()}): every call to the
         * gateway takes a permit first; a 429 pauses the calls.
         *
         * @param value the pacing
         * @return this builder
         */
        public Builder paymentPacing(PaymentPacing value) {
            this.paymentPacing = Check.notNull(value, "paymentPacing");
            return this;
        }

        /**
         * Asynchronous placement ({@link OrderService#submit}): the payment workers and the backlog
         * bound (default {@link AsyncPlacement#defaults()}). The workers run with
         * {@link #background(Background) background work}.
         *
         * @param value the settings
         * @return this builder
         */
        public Builder asyncPlacement(AsyncPlacement value) {
            this.asyncPlacement = Check.notNull(value, "asyncPlacement");
            return this;
        }

        /**
         * Builds the kit, creating in-memory defaults for unset backends, and starts its background
         * work if {@link #background(Background)} enabled it.
         *
         * @return the kit
         * @throws InvalidRequestException if a background executor or an outbox round was given
         *     while background work is off (it would never run), or the executor is shut down; naming
         *     {@code lease} if the configured lease is shorter than the payment call budget (see
         *     {@link #lease(Duration)}), or if that budget is longer than the longest lease (1 h)
         */
        public OrderKit build() {
            if (!background.enabled() && backgroundExecutor != null) {
                throw new InvalidRequestException(
                        "backgroundExecutor",
                        backgroundExecutor,
                        "is set but background work is off: set background(Background.on())");
            }
            if (backgroundExecutor != null && backgroundExecutor.isShutdown()) {
                throw new InvalidRequestException("backgroundExecutor", backgroundExecutor, "is shut down");
            }
            if (!background.enabled() && outboxPublishing != null) {
                throw new InvalidRequestException(
                        "outboxPublishing",
                        outboxPublishing,
                        "is set but background work is off: set background(Background.on())");
            }
            Duration configuredMaxHold = maxHold;
            if (configuredMaxHold != null && configuredMaxHold.compareTo(reservationTtl) < 0) {
                throw new InvalidRequestException(
                        "maxHold", configuredMaxHold, "must be at least reservationTtl (" + reservationTtl + ")");
            }
            Duration resolvedMaxHold = configuredMaxHold != null
                    ? configuredMaxHold
                    : reservationTtl.compareTo(OrderKitConfig.DEFAULT_MAX_HOLD) > 0
                            ? reservationTtl
                            : OrderKitConfig.DEFAULT_MAX_HOLD;
            PaymentPort payments = paymentPort != null ? paymentPort : new SimulatedPaymentPort();
            Duration resolvedLease = leaseCovering(lease, retry, payments, paymentPacing);
            checkBacklogHolds(asyncPlacement, paymentPacing, resolvedLease, resolvedMaxHold);
            // the in-memory defaults share one outbox: an order's events and its hold's events are
            // one ordered stream, delivered after each change with retries
            InMemoryOutbox memoryOutbox =
                    stockStorage == null || orderStore == null ? new InMemoryOutbox(eventSink) : null;
            StockStorage stock = stockStorage != null
                    ? stockStorage
                    : new InMemoryStockStorage(Objects.requireNonNull(memoryOutbox));
            Combining combine =
                    combining != null ? combining : stock.reserveBatchLimit() > 1 ? Combining.on() : Combining.off();
            return new OrderKit(
                    new OrderKitConfig(
                            clock,
                            stock,
                            idempotencyStore != null ? idempotencyStore : new InMemoryIdempotencyStore(),
                            orderStore != null
                                    ? orderStore
                                    : new InMemoryOrderStore(Objects.requireNonNull(memoryOutbox)),
                            eventSink,
                            payments,
                            allocation,
                            retry,
                            resolvedLease,
                            keyRetention,
                            reservationTtl,
                            stuckAfter,
                            inProgressWait,
                            stepHook,
                            stepTransactions,
                            combine,
                            retention,
                            inboxStore,
                            recovery,
                            resolvedMaxHold,
                            paymentPacing,
                            asyncPlacement),
                    background,
                    backgroundExecutor,
                    outboxPublishing,
                    memoryOutbox,
                    instrumentation);
        }

        /**
         * Checks that an accepted order's hold outlasts its wait in a full backlog at the pace, and
         * is no longer than the kit's longest hold.
         */
        private static void checkBacklogHolds(
                AsyncPlacement async, PaymentPacing pacing, Duration lease, Duration maxHold) {
            if (async.holdTtl().compareTo(maxHold) > 0) {
                throw new InvalidRequestException(
                        "asyncPlacement.holdTtl", async.holdTtl(), "must be at most maxHold (" + maxHold + ")");
            }
            if (!pacing.limited()) {
                return;
            }
            Duration drain = Duration.ofNanos(
                    (long) Math.min(Long.MAX_VALUE / 2.0, async.maxBacklog() / pacing.permitsPerSecond() * 1e9));
            Duration needed = drain.plus(lease);
            if (async.holdTtl().compareTo(needed) < 0) {
                throw new InvalidRequestException(
                        "asyncPlacement.holdTtl",
                        async.holdTtl(),
                        "must outlast a full backlog at the payment pace: " + async.maxBacklog() + " orders at "
                                + pacing.permitsPerSecond() + "/s take " + drain + ", plus the lease " + lease
                                + " = " + needed + " (raise holdTtl or lower maxBacklog)");
            }
        }

        /**
         * The lease a kit runs with: the configured one if it covers the payment call budget, else
         * an {@link InvalidRequestException}; without one, the longer of {@link #DEFAULT_LEASE} and
         * the budget.
         */
        private static Duration leaseCovering(
                @Nullable Duration configured, RetrySettings retry, PaymentPort port, PaymentPacing pacing) {
            Duration callTimeout = Check.notNull(port.callTimeout(), "paymentPort.callTimeout()");
            // a paced call may first wait for its permit
            Duration permitWait = pacing.limited() ? pacing.maxWait() : Duration.ZERO;
            Duration budget = retry.paymentCallBudget(callTimeout.plus(permitWait));
            String how = (1 + retry.paymentMaxRetries()) + " attempts of up to " + callTimeout
                    + " (paymentPort.callTimeout())"
                    + (permitWait.isZero()
                            ? ""
                            : " plus " + permitWait + " waiting for a payment permit (paymentPacing.maxWait)")
                    + " and " + retry.paymentMaxRetries() + " retry delays of up to "
                    + retry.paymentMaxDelay() + " + " + Math.round(retry.jitterFactor() * 100) + "% jitter";
            if (configured != null) {
                if (configured.compareTo(budget) < 0) {
                    throw new InvalidRequestException(
                            "lease",
                            configured,
                            "must cover the payment call budget of " + budget + " (" + how
                                    + "): a worker's lease must outlast its payment call");
                }
                return configured;
            }
            if (budget.compareTo(MAX_LEASE) > 0) {
                throw new InvalidRequestException(
                        "lease",
                        budget,
                        "cannot cover the payment call budget of " + budget + " (" + how + "): longer than the "
                                + "longest lease " + MAX_LEASE + "; lower the payment retries or the call timeout");
            }
            return budget.compareTo(DEFAULT_LEASE) > 0 ? budget : DEFAULT_LEASE;
        }
    }
}
