package dev.orderkit.micrometer;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.CombinerStats;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.IdempotencyKeyReuseException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.OrderService;
import dev.orderkit.core.PaymentRejectedException;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.PurgeReport;
import dev.orderkit.core.RequestInProgressException;
import dev.orderkit.core.observability.CircuitState;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.observability.Operation;
import dev.orderkit.core.observability.Outcomes;
import dev.orderkit.core.observability.RetryCause;
import dev.orderkit.core.observability.Timing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * An orderkit {@link Instrumentation} on Micrometer: meters in a {@link MeterRegistry} and
 * {@link Observation}s (spans, when Micrometer Tracing or OpenTelemetry is wired to the
 * {@link ObservationRegistry}) around place, reserve and payment calls.
 *
 * <pre>{@code
 * MicrometerInstrumentation metrics = MicrometerInstrumentation.builder()
 *         .meterRegistry(meterRegistry)
 *         .observationRegistry(observationRegistry)   // optional: tracing
 *         .build();
 * OrderKit kit = OrderKit.builder().instrumentation(metrics).build();
 * }</pre>
 *
 * <p>Every tag value comes from a small fixed set (operations, outcomes, retry causes, exception
 * class names): never a SKU, key, scope or order id. The meters are listed with their tags in the
 * README "Observability" table. One instance may serve several kits that share a registry only if
 * their {@linkplain Builder#tags common tags} differ; the gauges of a kit ({@link #watch}) are
 * registered once per tag set (the first kit wins). Thread-safe.
 */
public final class MicrometerInstrumentation implements Instrumentation {
    private final @Nullable MeterRegistry meters;
    private final ObservationRegistry observations;
    private final @Nullable OrderKitObservationConvention convention;
    private final boolean timers;
    private final Tags tags;

    /** The exception a nested operation already counted as a backend error (counted once). */
    private final ThreadLocal<@Nullable Throwable> counted = new ThreadLocal<>();
    /** Operations running on this thread (nesting depth), to forget {@link #counted} at the outermost end. */
    private final ThreadLocal<int[]> depth = ThreadLocal.withInitial(() -> new int[1]);

    private final AtomicLong outboxLagNanos = new AtomicLong();
    /** Sources of the function counters, strongly held (Micrometer holds them weakly). */
    private final List<Object> watched = new CopyOnWriteArrayList<>();

    private final Map<RetryCause, Counter> retries = new EnumMap<>(RetryCause.class);

    private MicrometerInstrumentation(Builder b) {
        this.meters = b.meters;
        this.observations = b.observations;
        this.convention = b.convention;
        this.timers = b.timers;
        this.tags = b.tags;
        if (meters != null) {
            for (RetryCause c : RetryCause.values()) {
                retries.put(
                        c,
                        counter("orderkit.retries", "Attempts run again by core's retry layer", "cause", c.tagValue()));
            }
            Gauge.builder("orderkit.outbox.lag", outboxLagNanos, n -> n.get() / 1e9)
                    .description("Age of the oldest event claimed by the last outbox round (0 when none was due)")
                    .baseUnit("seconds")
                    .tags(tags)
                    .register(meters);
        }
    }

    /**
     * Starts a builder (no registry: set at least one of them).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link MicrometerInstrumentation}. Not thread-safe; setters reject null. */
    public static final class Builder {
        private @Nullable MeterRegistry meters;
        private ObservationRegistry observations = ObservationRegistry.NOOP;
        private @Nullable OrderKitObservationConvention convention;
        private boolean timers = true;
        private Tags tags = Tags.empty();

        private Builder() {}

        /**
         * Where meters are registered (none without it).
         *
         * @param value the registry
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry value) {
            this.meters = Objects.requireNonNull(value, "meterRegistry");
            return this;
        }

        /**
         * Where observations go (default {@link ObservationRegistry#NOOP}: none). With Micrometer
         * Tracing or OpenTelemetry handlers on it, each place, reserve and payment call is a span,
         * nested as the calls nest.
         *
         * @param value the registry
         * @return this builder
         */
        public Builder observationRegistry(ObservationRegistry value) {
            this.observations = Objects.requireNonNull(value, "observationRegistry");
            return this;
        }

        /**
         * A convention that replaces {@link DefaultOrderKitObservationConvention} (names, key values).
         *
         * @param value the convention
         * @return this builder
         */
        public Builder observationConvention(OrderKitObservationConvention value) {
            this.convention = Objects.requireNonNull(value, "observationConvention");
            return this;
        }

        /**
         * Whether to record the {@code orderkit.*.duration} timers (default true). Turn them off
         * when the observation registry already turns the observations into timers (e.g. Spring
         * Boot's {@code DefaultMeterObservationHandler}, which records {@code orderkit.place} etc.).
         *
         * @param value true to record them
         * @return this builder
         */
        public Builder timers(boolean value) {
            this.timers = value;
            return this;
        }

        /**
         * Tags added to every meter, e.g. to tell two kits in one registry apart. Bounded values only.
         *
         * @param value the tags
         * @return this builder
         */
        public Builder tags(Iterable<Tag> value) {
            this.tags = Tags.of(Objects.requireNonNull(value, "tags"));
            return this;
        }

        /**
         * Builds the instrumentation; give it to {@code OrderKit.Builder#instrumentation} (and
         * {@code JdbcBackend#outboxPublisher(sink, settings, instrumentation)} for the outbox meters).
         *
         * @return the instrumentation
         */
        public MicrometerInstrumentation build() {
            return new MicrometerInstrumentation(this);
        }
    }

    // ------------------------------------------------------------------ operations

    @Override
    public Timing start(Operation operation) {
        boolean observed = operation == Operation.PLACE || operation == Operation.RESERVE || operation.isPayment();
        if (observed && !observations.isNoop()) {
            OrderKitObservationContext context = new OrderKitObservationContext(operation);
            Observation observation = Observation.createNotStarted(
                            convention, DefaultOrderKitObservationConvention.of(operation), () -> context, observations)
                    .start();
            return new Running(operation, observation, context, observation.openScope());
        }
        if (meters == null) {
            return Timing.NOOP;
        }
        return new Running(operation, null, null, null);
    }

    /** One running operation: its timer sample and observation. Confined to its thread. */
    private final class Running implements Timing {
        private final Operation operation;
        private final @Nullable Observation observation;
        private final @Nullable OrderKitObservationContext context;
        private final Observation.@Nullable Scope scope;
        private final long startNanos;

        Running(
                Operation operation,
                @Nullable Observation observation,
                @Nullable OrderKitObservationContext context,
                Observation.@Nullable Scope scope) {
            this.operation = operation;
            this.observation = observation;
            this.context = context;
            this.scope = scope;
            this.startNanos = meters != null ? meters.config().clock().monotonicTime() : 0;
            depth.get()[0]++;
        }

        @Override
        public void success(String outcome) {
            try {
                if (meters != null) {
                    if (operation == Operation.RESERVE) {
                        counter("orderkit.reservations", "Reserve calls by result", "result", outcome)
                                .increment();
                    }
                    time(outcome);
                }
            } finally {
                end(outcome, null);
            }
        }

        @Override
        public void failure(Throwable error) {
            String outcome = outcome(error);
            try {
                if (meters != null) {
                    countFailure(error, outcome);
                    time(outcome);
                }
            } finally {
                end(outcome, error);
            }
        }

        private void countFailure(Throwable error, String outcome) {
            if (operation == Operation.PLACE) {
                if (error instanceof IdempotencyKeyReuseException) {
                    counter("orderkit.idempotency.key.reuse", "Placements rejected: key reused with another request")
                            .increment();
                } else if (error instanceof RequestInProgressException) {
                    counter(
                                    "orderkit.idempotency.in.progress",
                                    "Placements answered: the key's first request still runs")
                            .increment();
                }
            } else if (operation == Operation.RESERVE && error instanceof InsufficientStockException) {
                counter("orderkit.reservations", "Reserve calls by result", "result", outcome)
                        .increment();
            }
            if (error instanceof BackendUnavailableException && counted.get() != error) {
                counted.set(error); // an enclosing operation rethrowing it does not count it again
                counter(
                                "orderkit.backend.errors",
                                "Backend failures that reached an operation's caller (after retries)",
                                "operation",
                                operation.tagValue(),
                                "exception",
                                exceptionName(error))
                        .increment();
            }
        }

        private void time(String outcome) {
            MeterRegistry registry = Objects.requireNonNull(meters);
            if (!timers) {
                return;
            }
            String name;
            String description;
            if (operation == Operation.PLACE) {
                name = "orderkit.placement.duration";
                description = "OrderService.place calls";
            } else if (operation == Operation.RESERVE) {
                name = "orderkit.reservation.duration";
                description = "StockLedger.reserve calls (and placements' reserve steps)";
            } else if (operation.isPayment()) {
                name = "orderkit.payment.duration";
                description = "PaymentPort calls, with their retries";
            } else {
                return; // background runs are counted, not timed
            }
            Timer.builder(name)
                    .description(description)
                    .tags(tags)
                    .tag("operation", operation.tagValue())
                    .tag("outcome", outcome)
                    .register(registry)
                    .record(registry.config().clock().monotonicTime() - startNanos, TimeUnit.NANOSECONDS);
        }

        private void end(String outcome, @Nullable Throwable error) {
            int[] d = depth.get();
            if (--d[0] == 0) {
                counted.remove();
            }
            if (observation != null) {
                Objects.requireNonNull(context).outcome(outcome);
                if (error != null) {
                    observation.error(error);
                }
                Objects.requireNonNull(scope).close();
                observation.stop();
            }
        }
    }

    /**
     * The outcome value of an exception: a lower-case class of failure, from a fixed set.
     *
     * @param error the exception an operation threw
     * @return e.g. {@code key_reuse}, {@code in_progress}, {@code out_of_stock},
     *     {@code backend_unavailable}, {@code payment_unavailable}, {@code conflict}, {@code error}
     */
    static String outcome(Throwable error) {
        if (error instanceof IdempotencyKeyReuseException) {
            return "key_reuse";
        }
        if (error instanceof RequestInProgressException) {
            return "in_progress";
        }
        if (error instanceof InsufficientStockException) {
            return "out_of_stock";
        }
        if (error instanceof BackendUnavailableException) {
            return "backend_unavailable";
        }
        if (error instanceof PaymentUnavailableException) {
            return "payment_unavailable";
        }
        if (error instanceof ConcurrencyConflictException) {
            return "conflict";
        }
        if (error instanceof PaymentRejectedException) {
            return "payment_rejected";
        }
        if (error instanceof InvalidRequestException || error instanceof NotFoundException) {
            return "invalid_request";
        }
        return "error";
    }

    /** The simple class name of the backend failure's cause (a driver exception), else of the failure. */
    private static String exceptionName(Throwable error) {
        Throwable cause = error.getCause();
        Class<?> c = (cause != null ? cause : error).getClass();
        String simple = c.getSimpleName();
        return simple.isEmpty() ? c.getName() : simple;
    }

    // ------------------------------------------------------------------ events

    @Override
    public void placed(PlacementOutcome outcome, boolean replayed) {
        if (meters == null) {
            return;
        }
        counter(
                        "orderkit.placements",
                        "Placement answers by outcome, first time or replayed",
                        "outcome",
                        Outcomes.of(outcome),
                        "replayed",
                        replayed ? "true" : "false")
                .increment();
    }

    @Override
    public void retried(RetryCause cause) {
        Counter c = retries.get(cause);
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void reservationsExpired(int count) {
        if (meters != null) {
            counter("orderkit.reservations.expired", "Holds expired (sweep or lazily by a reserve)")
                    .increment(count);
        }
    }

    @Override
    public void recovered(OrderService.SweepReport report) {
        if (meters == null) {
            return;
        }
        counter("orderkit.recovery.runs", "Recovery sweeps run").increment();
        String d = "Orders the recovery sweeps worked, by result";
        counter("orderkit.recovery.orders", d, "result", "resumed").increment(report.ordersResumed());
        counter("orderkit.recovery.orders", d, "result", "expired").increment(report.ordersExpired());
        counter("orderkit.recovery.orders", d, "result", "failed").increment(report.ordersFailed());
        counter("orderkit.recovery.orders", d, "result", "parked").increment(report.ordersParked());
        counter("orderkit.recovery.keys.purged", "Idempotency records the recovery sweeps purged")
                .increment(report.keysPurged());
    }

    @Override
    public void purged(PurgeReport report) {
        if (meters == null) {
            return;
        }
        counter("orderkit.purge.runs", "Purge runs").increment();
        String d = "Rows the purge deleted, by kind";
        counter("orderkit.purge.deleted", d, "kind", "idempotency_keys").increment(report.idempotencyKeys());
        counter("orderkit.purge.deleted", d, "kind", "reservations").increment(report.reservations());
        counter("orderkit.purge.deleted", d, "kind", "movements").increment(report.movements());
        counter("orderkit.purge.deleted", d, "kind", "sent_events").increment(report.sentEvents());
        counter("orderkit.purge.deleted", d, "kind", "inbox_messages").increment(report.inboxMessages());
        counter("orderkit.purge.deleted", d, "kind", "orders").increment(report.orders());
    }

    @Override
    public void circuitBreaker(CircuitState state) {
        if (meters != null) {
            counter(
                            "orderkit.payment.circuit.transitions",
                            "Payment circuit breaker transitions, by the state entered",
                            "state",
                            state.name().toLowerCase(Locale.ROOT))
                    .increment();
        }
    }

    @Override
    public void outboxRound(int delivered, int failed, int deadLettered, Duration lag) {
        outboxLagNanos.set(lag.toNanos());
        if (meters == null) {
            return;
        }
        counter("orderkit.outbox.published", "Outbox events delivered to the sink")
                .increment(delivered);
        counter("orderkit.outbox.failures", "Outbox deliveries that failed (retried later or dead-lettered)")
                .increment(failed);
        counter("orderkit.outbox.dead.letters", "Outbox events dead-lettered after their last attempt")
                .increment(deadLettered);
    }

    @Override
    public void watch(Supplier<CombinerStats> combiner, Supplier<CircuitState> breaker) {
        MeterRegistry registry = meters;
        if (registry == null) {
            return;
        }
        functionCounter(
                registry,
                "orderkit.combiner.calls",
                "Storage reservations through the hot-SKU combiner",
                combiner,
                CombinerStats::calls);
        functionCounter(
                registry,
                "orderkit.combiner.batches",
                "Combined batches (two or more members, one storage call)",
                combiner,
                CombinerStats::batches);
        functionCounter(
                registry,
                "orderkit.combiner.batched.members",
                "Reservations that went in a combined batch",
                combiner,
                CombinerStats::batchedMembers);
        functionCounter(
                registry,
                "orderkit.combiner.fallbacks",
                "Batch members re-run alone after their batch failed",
                combiner,
                CombinerStats::fallbacks);
        Gauge.builder("orderkit.combiner.largest.batch", combiner, s -> s.get().largestBatch())
                .description("Largest combined batch so far")
                .tags(tags)
                .strongReference(true)
                .register(registry);
        for (CircuitState state : CircuitState.values()) {
            Gauge.builder("orderkit.payment.circuit.state", breaker, b -> b.get() == state ? 1 : 0)
                    .description("1 for the payment circuit breaker's current state, 0 for the others")
                    .tags(tags)
                    .tag("state", state.name().toLowerCase(Locale.ROOT))
                    .strongReference(true)
                    .register(registry);
        }
    }

    private void functionCounter(
            MeterRegistry registry,
            String name,
            String description,
            Supplier<CombinerStats> combiner,
            ToDoubleFunction<CombinerStats> value) {
        // function counters hold their object weakly: this instance keeps the supplier alive
        watched.add(combiner);
        FunctionCounter.builder(name, combiner, s -> value.applyAsDouble(s.get()))
                .description(description)
                .tags(tags)
                .register(registry);
    }

    private Counter counter(String name, String description, String... keyValues) {
        return Counter.builder(name)
                .description(description)
                .tags(tags)
                .tags(keyValues)
                .register(Objects.requireNonNull(meters));
    }

    @Override
    public String toString() {
        return "MicrometerInstrumentation[meters=" + (meters != null) + ", observations=" + !observations.isNoop()
                + "]";
    }
}
