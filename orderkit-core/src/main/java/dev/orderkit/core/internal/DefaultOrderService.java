package dev.orderkit.core.internal;

import dev.orderkit.core.AsyncPlacement;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.Dispute;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.IdempotencyKeyReuseException;
import dev.orderkit.core.IllegalStateTransitionException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.LeaseLostException;
import dev.orderkit.core.Money;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderFilter;
import dev.orderkit.core.OrderKitConfig;
import dev.orderkit.core.OrderPage;
import dev.orderkit.core.OrderService;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PageRequest;
import dev.orderkit.core.PaymentRateLimitedException;
import dev.orderkit.core.PaymentRejectedException;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.RecoverySettings;
import dev.orderkit.core.Refund;
import dev.orderkit.core.RefundExceedsCaptureException;
import dev.orderkit.core.RefundUpdate;
import dev.orderkit.core.RequestInProgressException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Scope;
import dev.orderkit.core.Shortfall;
import dev.orderkit.core.SubmitResult;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.memory.InMemoryIdempotencyStore;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.observability.Operation;
import dev.orderkit.core.observability.Outcomes;
import dev.orderkit.core.observability.Timing;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.spi.ClaimRequest;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.IdempotencyClaims;
import dev.orderkit.core.spi.OrderPosition;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ScopedKey;
import dev.orderkit.core.spi.StepHook;
import dev.orderkit.core.spi.StepTransactions;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Core's {@link OrderService}: the idempotency state machine and the resumable placement steps.
 * Backends only provide the SPI primitives.
 */
public final class DefaultOrderService implements OrderService {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultOrderService.class);
    /** Failure reason recorded when a hold expired before the order could be confirmed. */
    public static final String RESERVATION_EXPIRED = "reservation_expired";

    private static final String OUT_OF_STOCK = "out_of_stock";

    private final DefaultStockLedger ledger;
    private final IdempotencyClaims keys;
    private final OrderStore orders;
    private final PaymentPort payments;
    private final Retries retries;
    private final Clock clock;
    private final OrderKitConfig settings;
    private final StepHook hook;
    private final StepTransactions steps;
    /**
     * Whether the idempotency store is core's in-memory one, which keeps the record objects it is
     * given: the stored response is then the {@link PlaceOrderResult} itself, never JSON.
     */
    private final boolean objectResponses;
    /** The order store drops the events it is given: build none. */
    private final boolean discardsEvents;
    /**
     * The longest one retried payment call can take ({@link
     * dev.orderkit.core.RetrySettings#paymentCallBudget}): a lease must last that long past the
     * moment its worker calls the gateway.
     */
    private final Duration paymentBudget;

    private final Instrumentation instrumentation;
    /** The application's port behind the kit's pace. */
    private final PacedPaymentPort paced;
    /** The payment workers, while they run (set by the kit): the sweep then leaves placements to them. */
    private volatile @Nullable PaymentWorkers workers;
    /** The backlog as last counted, and when (nanoTime); this instance's accepted orders since are added. */
    private volatile Backlog backlog = new Backlog(0, 0, false);

    private final AtomicInteger acceptedSinceCount = new AtomicInteger();
    /** Whether a caller is counting the backlog now. */
    private final AtomicBoolean counting = new AtomicBoolean();

    /**
     * Creates the order service of a kit.
     *
     * @param config the kit's configuration
     * @param ledger the kit's stock ledger
     * @param retries the kit's retry executors
     */
    public DefaultOrderService(OrderKitConfig config, DefaultStockLedger ledger, Retries retries) {
        this.ledger = ledger;
        this.keys = new IdempotencyClaims(config.idempotencyStore());
        this.orders = config.orderStore();
        this.paced = new PacedPaymentPort(config.paymentPort(), config.pacing());
        this.payments = paced;
        this.retries = retries;
        this.clock = config.clock();
        this.settings = config;
        this.hook = config.stepHook();
        this.steps = config.stepTransactions();
        this.objectResponses = config.idempotencyStore() instanceof InMemoryIdempotencyStore;
        this.discardsEvents = orders.discardsEvents();
        this.paymentBudget = config.retry().paymentCallBudget(payments.callTimeout());
        this.instrumentation = retries.instrumentation();
    }

    // ---------------------------------------------------------------- place

    @Override
    public PlaceOrderResult place(PlaceOrderRequest request) {
        Check.notNull(request, "request");
        return timedRequest(Operation.PLACE, request, this::placing, result -> {
            instrumentation.placed(result.outcome(), result.replayed());
            return Outcomes.of(result.outcome());
        });
    }

    /**
     * Runs a placement request ({@code place}, {@code submit}) in its request context (MDC),
     * timed as {@code operation}: a failure is timed as such and rethrown; {@code outcome} reports
     * a result and names its outcome value.
     */
    private <T> T timedRequest(
            Operation operation,
            PlaceOrderRequest request,
            Function<PlaceOrderRequest, T> body,
            Function<T, String> outcome) {
        Timing timing = instrumentation.start(operation);
        T result;
        try (RequestContext.Saved outer = RequestContext.enter(request.scope(), request.idempotencyKey())) {
            result = body.apply(request);
        } catch (RuntimeException | Error e) {
            timing.failure(e);
            throw e;
        }
        timing.success(outcome.apply(result));
        return result;
    }

    // ---------------------------------------------------------------- submit (asynchronous placement)

    /** The statuses of a placement in flight: what the payment workers drive (and the backlog counts). */
    private static final Set<OrderStatus> PLACING =
            EnumSet.of(OrderStatus.CREATED, OrderStatus.STOCK_RESERVED, OrderStatus.PAYMENT_AUTHORIZED);

    /** A counted backlog: the count, when it was read ({@code System.nanoTime()}), whether it was read at all. */
    private record Backlog(int count, long readAt, boolean read) {}

    @Override
    public SubmitResult submit(PlaceOrderRequest request) {
        Check.notNull(request, "request");
        return timedRequest(
                Operation.SUBMIT,
                request,
                this::submitting,
                result -> result instanceof SubmitResult.Finished f
                        ? Outcomes.of(f.result().outcome())
                        : result instanceof SubmitResult.Busy ? Outcomes.BUSY : Outcomes.ACCEPTED);
    }

    /** {@link #submit} inside its request context. */
    private SubmitResult submitting(PlaceOrderRequest request) {
        requireKnownSkus(request);
        String fingerprint = Fingerprints.of(request);
        ScopedKey key = new ScopedKey(request.scope(), request.idempotencyKey());
        SubmitResult.Busy busy = busy();
        if (busy != null) {
            // a repeat of a key whose order exists is answered as usual, full or not; a new key
            // writes nothing at all
            Optional<Order> existing = retries.backend(
                    () -> orders.findByKey(key.scope().value(), key.key().value()));
            if (existing.isEmpty()) {
                return busy;
            }
        }
        long waitUntilNanos = System.nanoTime() + settings.inProgressWait().toNanos();
        while (true) {
            String orderId = newOrderId();
            Instant asked = clock.instant();
            ClaimResult claim;
            if (steps.isAtomic()) {
                // one commit: claim + order + hold + STOCK_RESERVED + the key handed back to the workers
                Opening opening = open(key, fingerprint, orderId, request, true);
                claim = opening.claim();
                if (claim instanceof ClaimResult.Acquired a) {
                    RequestContext.orderId(a.resourceId());
                    if (opening.done() != null) {
                        return new SubmitResult.Finished(opening.done().result()); // out of stock, key completed
                    }
                    if (opening.order() != null) {
                        return accepted(opening.order(), false);
                    }
                }
            } else {
                claim = retries.backend(() -> keys.claim(key, fingerprint, orderId, clock.instant(), settings.lease()));
            }
            if (claim instanceof ClaimResult.Acquired a) {
                RequestContext.orderId(a.resourceId());
                SubmitResult r = acceptUnderLease(new Lease(key, a, fingerprint, orderId, asked), request);
                if (r != null) {
                    return r;
                }
                continue; // lease lost: read what the new holder stored
            }
            if (claim instanceof ClaimResult.Completed c) {
                return new SubmitResult.Finished(storedResult(c, orderId));
            }
            if (claim instanceof ClaimResult.Mismatch) {
                throw new IdempotencyKeyReuseException(
                        key.scope().value(), key.key().value());
            }
            // leased: a worker (or a placing caller) is on it. An order that holds its stock and
            // waits for its payment is accepted, whoever drives it; anything else (not reserved
            // yet, or ended but its key not completed) is answered only by the key, as place does:
            // an answer read off the order could still change (the reserve may fail, an ended
            // order's key may be completed otherwise after a takeover)
            Optional<Order> current = retries.backend(
                    () -> orders.findByKey(key.scope().value(), key.key().value()));
            if (current.isPresent() && holdsAndAwaitsPayment(current.get())) {
                RequestContext.orderId(current.get().id());
                return new SubmitResult.Accepted(current.get(), true);
            }
            Instant until = ((ClaimResult.InProgress) claim).leaseExpiresAt();
            Instant now = clock.instant();
            if (System.nanoTime() - waitUntilNanos >= 0) {
                throw new RequestInProgressException(key.key().value(), Duration.between(now, until));
            }
            pause(Duration.ofMillis(
                    Math.max(1, Math.min(50, Duration.between(now, until).toMillis()))));
        }
    }

    /**
     * The general way of a submit that holds the key's lease (a fresh claim on a backend whose
     * steps are separate transactions, a repeat, a takeover): the order is read or created, its
     * stock held if it is still CREATED; a placement still in flight is handed back to the workers
     * (the key's lease released) and answered as accepted; one that has ended is finished like
     * {@link #place} would (the key completed) and answered with its outcome.
     *
     * @return the answer; null if the lease was lost on the way (the caller claims again)
     */
    private @Nullable SubmitResult acceptUnderLease(Lease lease, PlaceOrderRequest request) {
        // this call's own claim (also when its first commit's acknowledgement was lost) is no replay
        boolean replay = !lease.acquired.resourceId().equals(lease.claimant);
        AtomicReference<@Nullable Order> pending = new AtomicReference<>();
        Optional<PlaceOrderResult> done = underLease(lease, () -> {
            Order order = loadOrCreate(lease.acquired, lease.claimant, request, lease.fingerprint);
            if (order.status() == OrderStatus.CREATED) {
                hook.before(order.id(), OrderStatus.CREATED.name());
                Order created = order;
                Step step;
                try {
                    // not due yet: the key is still leased to this call (see handedOver)
                    step = retries.unit(steps, () -> reserveStep(created, lease, true, false));
                } catch (StaleOrder stale) {
                    step = new Step(reload(created), null);
                }
                if (step.done() != null) {
                    return step.done();
                }
                order = step.order();
            }
            if (holdsAndAwaitsPayment(order)) {
                pending.set(order);
                return null; // hand the key back: the workers take it over
            }
            return advance(order, null, lease);
        });
        Order accepted = pending.get();
        if (accepted != null) {
            return accepted(handedOver(accepted), replay);
        }
        return done.map(r -> (SubmitResult) new SubmitResult.Finished(replay ? r.asReplay() : r))
                .orElse(null);
    }

    /**
     * Makes a pending order whose key this call just released due for the workers now. A worker
     * that had found it due while the key was still leased to this call would have deferred it by
     * {@code stuckAfter}; so the order becomes due only after the release (one compare-and-set, on
     * the backends whose steps are separate writes). A lost race leaves it as another writer made it.
     */
    private Order handedOver(Order pending) {
        Instant now = clock.instant();
        if (!PLACING.contains(pending.status())
                || !pending.recovery().nextAttemptAt().isAfter(now)) {
            return pending;
        }
        Order due = pending.transition(pending.status(), pending.updatedAt())
                .withRecovery(new Order.Recovery(
                        pending.recovery().attempts(), now, pending.recovery().lastError(), null));
        try {
            return writeRecovery(pending, due, List.of()) ? due : pending;
        } catch (RuntimeException e) {
            // still accepted: its claim-free schedule makes it due after stuckAfter instead
            LOG.debug("could not make order {} due now", pending.id(), e);
            return pending;
        }
    }

    /** Whether an order holds its stock and waits for its payment: what "accepted" promises. */
    private static boolean holdsAndAwaitsPayment(Order order) {
        return order.status() == OrderStatus.STOCK_RESERVED || order.status() == OrderStatus.PAYMENT_AUTHORIZED;
    }

    /** An order accepted (or found pending) by this call: counted into the backlog, the workers woken. */
    private SubmitResult accepted(Order order, boolean replay) {
        if (!replay) {
            acceptedSinceCount.incrementAndGet();
        }
        PaymentWorkers w = workers;
        if (w != null) {
            w.wake();
        }
        return new SubmitResult.Accepted(order, replay);
    }

    /**
     * Busy if the backlog (placements in flight, all instances) has reached its bound: the count is
     * read again once {@link AsyncPlacement#backlogRefresh()} has passed (and whenever the last
     * count was at the bound), and this instance's accepted orders since are added to it.
     */
    private SubmitResult.@Nullable Busy busy() {
        AsyncPlacement async = settings.async();
        int max = async.maxBacklog();
        Backlog b = backlog;
        long now = System.nanoTime();
        int count;
        boolean stale = !b.read()
                || b.count() >= max
                || now - b.readAt() >= async.backlogRefresh().toNanos();
        // one caller counts at a time; the others use the last count meanwhile
        if (stale && counting.compareAndSet(false, true)) {
            // what this instance accepts from here on is added to the new count (those accepted
            // while it runs may be counted twice: never fewer)
            int since = acceptedSinceCount.getAndSet(0);
            try {
                int counted = retries.backend(() -> orders.countInStatus(PLACING, max));
                backlog = new Backlog(counted, now, true);
                count = counted + acceptedSinceCount.get();
            } catch (RuntimeException e) {
                acceptedSinceCount.addAndGet(since);
                throw e;
            } finally {
                counting.set(false);
            }
        } else {
            count = b.count() + acceptedSinceCount.get();
        }
        if (count < max) {
            return null;
        }
        double pace = settings.pacing().permitsPerSecond();
        long seconds = Double.isInfinite(pace) ? 1 : (long) Math.ceil((count - max + 1) / pace);
        return new SubmitResult.Busy(Duration.ofSeconds(Math.max(1, seconds)), count);
    }

    /**
     * The kit's payment port with its pace.
     *
     * @return the paced port
     */
    public PacedPaymentPort pacedPayments() {
        return paced;
    }

    /**
     * Tells the service that payment workers run (the sweep then leaves placements to them), or
     * that they stopped.
     *
     * @param running the workers, or null
     */
    public void workers(@Nullable PaymentWorkers running) {
        this.workers = running;
    }

    /**
     * Placements due for a worker, earliest due first.
     *
     * @param limit at most this many
     * @return the due orders
     */
    List<Order> duePlacements(int limit) {
        return retries.backend(() -> orders.findDue(PLACING, clock.instant(), limit));
    }

    /**
     * Claims a due order for a worker (the sweep's compare-and-set of its next attempt).
     *
     * @param due the order as found
     * @return the claimed order, or null if another instance claimed it first
     */
    @Nullable
    Order claimDue(Order due) {
        try (RequestContext.Saved outer = RequestContext.enterOrder(due.id())) {
            return claimForWork(due);
        }
    }

    /**
     * Works a claimed order on a worker: resumes its placement; a failure is recorded on the order.
     *
     * @param claimed the claimed order
     */
    void workClaimed(Order claimed) {
        try (RequestContext.Saved outer = RequestContext.enterOrder(claimed.id())) {
            work(claimed, clock.instant(), false);
        } catch (RuntimeException | Error e) {
            LOG.warn("payment worker failed on order {}: {}", claimed.id(), describe(e));
        }
    }

    /** Invariant 9: unknown SKUs are rejected before anything (even the key) is written. */
    private void requireKnownSkus(PlaceOrderRequest request) {
        ledger.requireKnown(request.lines().stream()
                .map(l -> ReservationLine.of(l.sku(), l.quantity()))
                .toList());
    }

    /**
     * The stored answer of a completed key: replayed, unless it names this call's own order (its
     * placement completed and only the acknowledgement was lost).
     */
    private static PlaceOrderResult storedResult(ClaimResult.Completed c, String orderId) {
        RequestContext.orderId(c.resourceId());
        PlaceOrderResult stored = c.value() instanceof PlaceOrderResult kept
                ? kept // the in-memory store keeps the object: no JSON either way
                : Json.read(c.response(), PlaceOrderResult.class);
        return c.resourceId().equals(orderId) ? stored : stored.asReplay();
    }

    /** A key as logs show it: scope and hashed key, never the raw key (see {@link RequestContext}). */
    private static String keyHash(ScopedKey key) {
        return key.scope().value() + "/" + RequestContext.hash(key.key());
    }

    /** {@link #place} inside its request context (MDC) and timing. */
    private PlaceOrderResult placing(PlaceOrderRequest request) {
        requireKnownSkus(request);
        String fingerprint = Fingerprints.of(request);
        ScopedKey key = new ScopedKey(request.scope(), request.idempotencyKey());
        long waitUntilNanos = System.nanoTime() + settings.inProgressWait().toNanos(); // real time, not the clock
        while (true) {
            // one id per claim call, the same on each of its retries: a retry after a lost
            // acknowledgement is recognised as this call's claimant and gets its own lease back
            String orderId = newOrderId();
            ClaimResult claim;
            Optional<PlaceOrderResult> done = Optional.empty();
            Instant asked = clock.instant(); // no earlier than the claim's own reading: bounds the lease's end
            if (steps.isAtomic()) {
                // commit 1 of 2: claim + order + hold + STOCK_RESERVED (or REJECTED + completed key)
                Opening opening = open(key, fingerprint, orderId, request, false);
                claim = opening.claim();
                if (claim instanceof ClaimResult.Acquired a) {
                    RequestContext.orderId(a.resourceId()); // every later log line of the request names it
                    Lease lease = new Lease(key, a, fingerprint, orderId, asked);
                    done = underLease(lease, () -> {
                        if (opening.done() != null) {
                            return opening.done();
                        }
                        Order start = opening.order() != null
                                ? opening.order()
                                : loadOrCreate(a, orderId, request, fingerprint);
                        return advance(start, opening.held(), lease);
                    });
                }
            } else {
                claim = retries.backend(() -> keys.claim(key, fingerprint, orderId, clock.instant(), settings.lease()));
                if (claim instanceof ClaimResult.Acquired a) {
                    RequestContext.orderId(a.resourceId());
                    Lease lease = new Lease(key, a, fingerprint, orderId, asked);
                    done = underLease(
                            lease, () -> advance(loadOrCreate(a, orderId, request, fingerprint), null, lease));
                }
            }
            if (claim instanceof ClaimResult.Acquired) {
                if (done.isPresent()) {
                    return done.get();
                }
                continue; // lease lost while completing: read what the new holder stored
            }
            if (claim instanceof ClaimResult.Completed c) {
                return storedResult(c, orderId);
            }
            if (claim instanceof ClaimResult.Mismatch) {
                throw new IdempotencyKeyReuseException(
                        key.scope().value(), key.key().value());
            }
            Instant until = ((ClaimResult.InProgress) claim).leaseExpiresAt();
            Instant now = clock.instant();
            if (System.nanoTime() - waitUntilNanos >= 0) {
                throw new RequestInProgressException(key.key().value(), Duration.between(now, until));
            }
            pause(Duration.ofMillis(
                    Math.max(1, Math.min(50, Duration.between(now, until).toMillis()))));
        }
    }

    /**
     * The lease a placement runs under. Its completion time is fixed at the first completion
     * attempt, so every repeat of the completion (a retried unit, a retry after a lost
     * acknowledgement) passes identical arguments and is recognised as the same completion.
     * Confined to the placing thread.
     */
    private final class Lease {
        final ScopedKey key;
        final ClaimResult.Acquired acquired;
        final String fingerprint;
        final String claimant;
        private @Nullable Instant completedAt;
        /**
         * No later than the end of the lease as this worker last wrote it: the claim's (taken before
         * the claim read the clock, so the stored end is at least this) or the last renewal's.
         */
        private Instant until;
        /** The record's version after this worker's last write of it (the token, or the last renewal's). */
        private long version;

        Lease(ScopedKey key, ClaimResult.Acquired acquired, String fingerprint, String claimant, Instant asked) {
            this.key = key;
            this.acquired = acquired;
            this.fingerprint = fingerprint;
            this.claimant = claimant;
            this.until = asked.plus(settings.lease());
            this.version = acquired.fencingToken();
        }

        /**
         * Called right before an external call made under this lease (the gateway): makes sure the
         * lease is still this worker's and lasts until the call's budget is spent. When the end this
         * worker wrote is a budget away or more, nobody can take the key over before the call ends
         * and nothing is written (a fresh claim, the common case). Otherwise the lease is renewed in
         * the store to {@code now + lease}, fenced by its token (one compare-and-set).
         *
         * @param orderId the order, for the message
         * @param call what is about to be called, for the message
         * @throws LeaseLostException if another worker took the key over (or it ended): the call
         *     must not be made; the caller answers with what the new holder stores
         */
        void coverCall(String orderId, String call) {
            Instant now = clock.instant();
            if (!until.isBefore(now.plus(paymentBudget))) {
                return;
            }
            Duration length = settings.lease().compareTo(paymentBudget) >= 0 ? settings.lease() : paymentBudget;
            Instant newUntil = now.plus(length);
            long known = version;
            OptionalLong renewed =
                    retries.backend(() -> keys.renewLease(key, fingerprint, claimant, acquired, known, newUntil, now));
            if (renewed.isEmpty()) {
                throw new LeaseLostException("lease token " + acquired.fencingToken() + " on " + key
                        + " is no longer current; not calling " + call + " for order " + orderId);
            }
            version = renewed.getAsLong();
            until = newUntil;
        }

        /**
         * Completes the key with the result: one compare-and-set on the record the claim wrote (no
         * read), or the stored record decides (a repeat, a takeover). Identical arguments on every
         * call. The in-memory store keeps the result object itself; every other store gets JSON.
         */
        void complete(PlaceOrderResult result) {
            if (completedAt == null) {
                completedAt = clock.instant();
            }
            Instant at = completedAt;
            Instant retainUntil = at.plus(settings.keyRetention());
            if (objectResponses) {
                keys.completeLease(key, fingerprint, claimant, acquired, version, "", result, at, retainUntil);
            } else {
                keys.completeLease(
                        key, fingerprint, claimant, acquired, version, Json.write(result), null, at, retainUntil);
            }
        }
    }

    /** A placement's answer, and whether its key was already completed (inside the last step's transaction). */
    private record Done(PlaceOrderResult result, boolean completed) {}

    /**
     * Where a step left the order; {@code done} when the placement reached its answer; {@code held}
     * the hold a reserve step created (handed to the authorize step so it need not read it back).
     */
    private record Step(
            Order order, @Nullable Done done, @Nullable Reservation held) {
        Step(Order order, @Nullable Done done) {
            this(order, done, null);
        }
    }

    /**
     * The first transaction of a two-commit placement: the claim, and for a fresh claim the order,
     * the hold and STOCK_RESERVED with their events (an out-of-stock outcome: REJECTED and the
     * completed key instead).
     *
     * @param claim the claim's answer (committed)
     * @param order the order after the transaction, null unless this call created it
     * @param held the hold, null unless reserved here
     * @param done the answer if the placement ended in this transaction (key completed)
     */
    private record Opening(
            ClaimResult claim,
            @Nullable Order order,
            @Nullable Reservation held,
            @Nullable Done done) {}

    /**
     * Commit 1 of a two-commit placement (atomic backends): claim the key, insert the order, hold
     * the stock and record STOCK_RESERVED in one transaction. The lease commits with it, so a
     * concurrent call with the same key waits at most for this short transaction (never for the
     * payment call) and then finds the lease. Anything else than a fresh claim by this call (a
     * takeover, a completed or leased key, or this unit's own repeat after its commit's
     * acknowledgement was lost) commits just the claim and goes the general, resumable way.
     */
    private Opening open(ScopedKey key, String fingerprint, String orderId, PlaceOrderRequest request, boolean accept) {
        try {
            return retries.unit(steps, () -> {
                Instant now = clock.instant();
                ClaimResult claim = keys.claim(key, fingerprint, orderId, now, settings.lease());
                if (!(claim instanceof ClaimResult.Acquired a) || !freshClaim(a, orderId)) {
                    return new Opening(claim, null, null, null);
                }
                Order fresh = newOrder(orderId, request, fingerprint, now);
                if (!orders.insert(fresh, events(fresh, EventType.ORDER_CREATED))) {
                    return new Opening(claim, null, null, null); // our own earlier commit: resume it
                }
                hook.before(orderId, OrderStatus.CREATED.name()); // a crash here rolls all of it back
                Step step = reserveStep(fresh, new Lease(key, a, fingerprint, orderId, now), accept, accept);
                if (accept && step.done() == null) {
                    keys.release(key, a.fencingToken()); // accepted: the key is the workers' to take
                }
                return new Opening(claim, step.order(), step.held(), step.done());
            });
        } catch (StaleOrder impossible) {
            // nobody else can see, let alone change, an order inserted in this very transaction
            throw new ConcurrencyConflictException("order " + orderId + " changed inside its own transaction");
        }
    }

    /**
     * Whether a claim is this call's own first claim of the key (not a takeover): then no order
     * with its id can exist unless this call inserted it, so there is nothing to read first.
     */
    private static boolean freshClaim(ClaimResult.Acquired a, String claimant) {
        return !a.resumed() && a.resourceId().equals(claimant);
    }

    /**
     * The lease protocol, the same for a caller's {@code place} and for recovery: run the placement
     * work; on a failure release the key (a retry resumes from the recovery point at once) and
     * rethrow; on success complete the key with the response, fenced by the lease's token, unless
     * the work's last transaction completed it already.
     *
     * @return the result; empty if the lease was no longer ours at completion (the caller then
     *         answers with whatever the key's current holder stored)
     */
    private Optional<PlaceOrderResult> underLease(Lease lease, Supplier<@Nullable Done> work) {
        @Nullable Done done;
        try {
            done = work.get();
        } catch (LeaseLostException fenced) {
            // the lease was taken over: found before an external call (which was not made), or by
            // the last step's transaction completing the key (which rolled back whole)
            LOG.info("lease on key {} was no longer ours; answering with the stored response", keyHash(lease.key));
            return Optional.empty();
        } catch (RuntimeException e) {
            try {
                retries.backend(() -> {
                    keys.release(lease.key, lease.acquired.fencingToken());
                    return null;
                });
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        if (done == null) {
            // the work handed the key back (an accepted order, the workers' to finish)
            try {
                retries.backend(() -> {
                    keys.release(lease.key, lease.acquired.fencingToken());
                    return null;
                });
            } catch (LeaseLostException taken) {
                // a worker took the key over already: the order is in its hands either way
            }
            return Optional.empty();
        }
        if (done.completed()) {
            return Optional.of(done.result());
        }
        hook.before(lease.acquired.resourceId(), "complete");
        try {
            // identical arguments on every retry, so a store can recognise a repeat of an applied call
            retries.backend(() -> {
                lease.complete(done.result());
                return null;
            });
        } catch (LeaseLostException fenced) {
            // another worker took the key over (or our own completion committed and only its
            // acknowledgement was lost): the caller answers with the stored response
            LOG.info(
                    "lease on key {} was no longer ours at completion; answering with the stored response",
                    keyHash(lease.key));
            return Optional.empty();
        }
        return Optional.of(done.result());
    }

    /**
     * The order of a lease: a fresh claim of this call inserts it without reading first (it cannot
     * exist yet, except on an atomic backend whose first transaction committed and only its
     * acknowledgement was lost); a takeover reads it and creates it only if the crashed holder never did.
     */
    private Order loadOrCreate(ClaimResult.Acquired lease, String claimant, PlaceOrderRequest r, String fingerprint) {
        String orderId = lease.resourceId();
        if (!freshClaim(lease, claimant) || steps.isAtomic()) {
            Optional<Order> existing = retries.backend(() -> orders.find(orderId));
            if (existing.isPresent()) {
                return existing.get();
            }
        }
        Order fresh = newOrder(orderId, r, fingerprint, clock.instant());
        boolean inserted = retries.backend(() -> orders.insert(fresh, events(fresh, EventType.ORDER_CREATED)));
        // not inserted: a retry whose first attempt committed (lost acknowledgement)
        return inserted ? fresh : retries.backend(() -> orders.find(orderId)).orElseThrow();
    }

    private Order newOrder(String orderId, PlaceOrderRequest r, String fingerprint, Instant now) {
        return scheduled(new Order(
                orderId,
                r.scope().value(),
                r.idempotencyKey().value(),
                fingerprint,
                OrderStatus.CREATED,
                r.customerRef(),
                r.lines(),
                r.total(),
                r.paymentMethod(),
                r.metadata(),
                List.of(),
                null,
                null,
                0,
                now,
                now));
    }

    /**
     * Drives an order from its recovery point to a placement outcome.
     *
     * <p>Every step reads the order (its snapshot) and acts on it only through a compare-and-set
     * from that snapshot: a step that gives stock back or ends the order first claims the order's
     * next status (CANCELLING, PAYMENT_DECLINED) and only then touches the hold or the payment, so a
     * stale worker whose snapshot is old can never release a hold that a newer worker committed.
     * Placement steps never release a hold they did not find HELD.
     *
     * <p>On an atomic backend the step that reaches the answer also completes the key, in its own
     * transaction (see {@link #finalStep}).
     *
     * @param start the order at its recovery point
     * @param held the hold, if the caller just created it (saves reading it again before authorizing)
     * @param lease the lease the placement runs under
     */
    private Done advance(Order start, @Nullable Reservation held, Lease lease) {
        Order order = start;
        Reservation known = held;
        while (true) {
            if (order.status().isPlacementInFlight()) {
                hook.before(order.id(), order.status().name());
            }
            Step step;
            switch (order.status()) {
                case CREATED -> {
                    Order created = order;
                    try {
                        step = retries.unit(steps, () -> reserveStep(created, lease, false, false));
                    } catch (StaleOrder stale) {
                        order = reload(created);
                        continue;
                    }
                    known = step.held();
                }
                case STOCK_RESERVED -> {
                    step = authorize(order, known, lease);
                    known = null;
                }
                case PAYMENT_AUTHORIZED -> step = confirm(order, lease);
                case CANCELLING -> {
                    lease.coverCall(order.id(), "the cancellation's payment calls"); // or the new holder finishes it
                    step = new Step(finishCancel(order), null);
                }
                case NEEDS_ATTENTION -> // the client retries a placement that recovery parked: resume it
                    step = new Step(transition(order, parkedFrom(order), UnaryOperator.identity()), null);
                case PAYMENT_DECLINED -> {
                    releaseIfHeld(order); // a crash may have left the hold between the decline and its release
                    return new Done(resultOf(order), false);
                }
                default -> {
                    return new Done(resultOf(order), false);
                }
            }
            if (step.done() != null) {
                return step.done();
            }
            order = step.order();
        }
    }

    /**
     * Atomic phase: hold the stock and record STOCK_RESERVED (or REJECTED) as one unit; an outcome
     * that ends the placement completes the key in the same unit (atomic backends).
     */
    /**
     * @param accept a submit's hold: {@link AsyncPlacement#holdTtl()} instead of the placement's TTL
     * @param dueNow STOCK_RESERVED due for the workers at once (the key is released in the same commit)
     */
    private Step reserveStep(Order order, Lease lease, boolean accept, boolean dueNow) {
        Reservation held;
        try {
            held = ledger.reserve(new ReservationRequest(
                    order.id(),
                    order.lines().stream()
                            .map(l -> ReservationLine.of(l.sku(), l.quantity()))
                            .toList(),
                    accept ? settings.async().holdTtl() : settings.reservationTtl()));
        } catch (InsufficientStockException e) {
            Order rejected = claim(order, OrderStatus.REJECTED, o -> o.withFailureReason(OUT_OF_STOCK));
            return finalStep(
                    rejected,
                    new PlaceOrderResult(PlacementOutcome.OUT_OF_STOCK, rejected, e.shortfalls(), null, false),
                    lease);
        }
        if (held.state() != ReservationState.HELD) {
            // an earlier attempt's hold expired before the recovery point was written: the gateway
            // was never called for this order (that only happens after STOCK_RESERVED)
            Order cancelled = claim(order, OrderStatus.CANCELLED, o -> o.withFailureReason(RESERVATION_EXPIRED));
            return finalStep(cancelled, resultOf(cancelled), lease);
        }
        if (dueNow) {
            // accepted in the commit that releases the key: due for the payment workers at once
            return new Step(
                    claim(order, OrderStatus.STOCK_RESERVED, o -> o.withAllocations(held.lines()), true), null, held);
        }
        return new Step(claim(order, OrderStatus.STOCK_RESERVED, o -> o.withAllocations(held.lines())), null, held);
    }

    /**
     * Whether the step that ends a placement completes its key in its own transaction: on an
     * atomic backend, always (the key, the order and the stock share the database).
     */
    private boolean completesInUnit() {
        return steps.isAtomic();
    }

    /**
     * A step that ended the placement with {@code result}. Inside a unit of an atomic backend the key
     * is completed here, in the same transaction, fenced by the lease's token: a lost fence throws
     * {@link LeaseLostException} and rolls the whole step back.
     */
    private Step finalStep(Order order, PlaceOrderResult result, Lease lease) {
        if (!completesInUnit()) {
            return new Step(order, new Done(result, false));
        }
        lease.complete(result);
        return new Step(order, new Done(result, true));
    }

    /**
     * STOCK_RESERVED is the recovery point that says "an authorization with the key
     * {@code <order id>:authorize} may exist": every path that ends the order from here without
     * confirming it goes through CANCELLING, whose finisher voids whatever that key authorized.
     *
     * @param known the hold as this call created it, or null to read it
     */
    private Step authorize(Order order, @Nullable Reservation known, Lease lease) {
        Reservation r = known != null ? known : reservationOf(order);
        if (r.state() != ReservationState.HELD) {
            Order current = reload(order);
            if (current.version() != order.version()) {
                // our snapshot is stale: continue from what the newer worker reached
                return new Step(current, null);
            }
            if (r.state().isActive()) {
                throw new ConcurrencyConflictException(
                        "reservation " + order.id() + " is " + r.state() + " while its order is " + order.status());
            }
            return new Step(
                    abandon(order, RESERVATION_EXPIRED), null); // the hold is gone: never authorize money for it
        }
        if (!r.expiresAt().isAfter(clock.instant())) {
            // due: never authorize money for stock about to go
            return new Step(abandon(order, RESERVATION_EXPIRED), null);
        }
        AuthorizeRequest req = authorizeRequest(order);
        hook.before(order.id(), "authorize");
        // fencing of the side effect: a worker whose lease was taken over never calls the gateway
        lease.coverCall(order.id(), "authorize");
        PaymentResult paymentResult = retries.payment(Operation.AUTHORIZE, () -> payments.authorize(req));
        hook.before(order.id(), "authorized");
        if (paymentResult instanceof PaymentResult.Approved a) {
            return approved(order, a.paymentId(), lease);
        }
        if (paymentResult instanceof PaymentResult.ActionRequired a) {
            return actionRequired(order, a.paymentId(), lease);
        }
        PaymentResult.Declined d = (PaymentResult.Declined) paymentResult;
        return decline(order, d.code() + ": " + d.message(), lease);
    }

    /** The authorize request of an order: identical on every call, so the gateway can replay it by key. */
    private static AuthorizeRequest authorizeRequest(Order order) {
        Map<String, String> meta = new HashMap<>(order.metadata());
        meta.put("orderkit_order_id", order.id());
        return new AuthorizeRequest(
                order.paymentKey("authorize"), order.id(), order.total(), order.paymentMethod(), meta);
    }

    /**
     * The gateway approved. Step by step: record PAYMENT_AUTHORIZED, then the confirm step. On an
     * atomic backend, commit 2 of 2: record the authorization, commit the hold (refused once it is
     * due), record CONFIRMED and complete the key, in one transaction. A refused commit keeps only
     * the recorded authorization (the confirm step then cancels the order and voids it).
     */
    private Step approved(Order order, String paymentId, Lease lease) {
        if (!completesInUnit()) {
            return new Step(recordPayment(order, OrderStatus.PAYMENT_AUTHORIZED, paymentId), null);
        }
        // the boundaries of the steps this transaction joins; a crash at either leaves STOCK_RESERVED
        hook.before(order.id(), OrderStatus.PAYMENT_AUTHORIZED.name());
        hook.before(order.id(), "complete");
        try {
            return retries.unit(steps, () -> {
                Order authorized = claim(order, OrderStatus.PAYMENT_AUTHORIZED, o -> o.withPaymentId(paymentId));
                Order confirmed = commitHoldAndConfirm(authorized);
                if (confirmed == null) {
                    return new Step(authorized, null); // due: keep the authorization on record to void it
                }
                return finalStep(confirmed, resultOf(confirmed), lease);
            });
        } catch (StaleOrder stale) {
            return new Step(lostRecording(order, paymentId), null);
        }
    }

    /** The gateway wants the customer to act: record AWAITING_PAYMENT_ACTION (and complete the key). */
    private Step actionRequired(Order order, String paymentId, Lease lease) {
        if (!completesInUnit()) {
            return new Step(recordPayment(order, OrderStatus.AWAITING_PAYMENT_ACTION, paymentId), null);
        }
        hook.before(order.id(), "complete");
        try {
            return retries.unit(steps, () -> {
                Order awaiting = claim(order, OrderStatus.AWAITING_PAYMENT_ACTION, o -> o.withPaymentId(paymentId));
                return finalStep(awaiting, resultOf(awaiting), lease);
            });
        } catch (StaleOrder stale) {
            return new Step(lostRecording(order, paymentId), null);
        }
    }

    /**
     * Records the gateway's approval. If the order moved on meanwhile (our lease lapsed during the
     * call and recovery cancelled it), a late approval it does not carry is voided here, so no
     * authorization outlives its order.
     */
    private Order recordPayment(Order order, OrderStatus status, String paymentId) {
        return voidIfEnded(transition(order, status, o -> o.withPaymentId(paymentId)), paymentId);
    }

    /** The recording of an authorization lost its compare-and-set: continue from the stored order. */
    private Order lostRecording(Order order, String paymentId) {
        return voidIfEnded(reload(order), paymentId);
    }

    /** Voids a late authorization that the (ended) stored order does not carry. */
    private Order voidIfEnded(Order stored, String paymentId) {
        if (!paymentId.equals(stored.paymentId())
                && (stored.status() == OrderStatus.CANCELLING
                        || stored.status() == OrderStatus.CANCELLED
                        || stored.status() == OrderStatus.PAYMENT_DECLINED)) {
            LOG.info(
                    "order {} ended ({}) while its authorization {} was in flight; voiding it",
                    stored.id(),
                    stored.status(),
                    paymentId);
            voidPayment(stored, paymentId);
        }
        return stored;
    }

    /** The step hook's name for the release of a declined order's hold, after PAYMENT_DECLINED was claimed. */
    static final String RELEASE_DECLINED = "release-declined";

    /**
     * A recovery time that never comes: a declined order whose hold is known to be given back.
     * Within the nanosecond range the JDBC store keeps (up to 2262).
     */
    private static final Instant NEVER_DUE = Instant.parse("2200-01-01T00:00:00Z");

    /**
     * The gateway declined: claim PAYMENT_DECLINED first, then give the hold back (one unit where
     * the backend is transactional, which also completes the key). Nobody can commit the hold of a
     * declined order, so the release never races a confirmation.
     *
     * <p>Where the claim and the release are separate writes, a process that dies between them
     * leaves a declined order with its hold: the claim therefore leaves the order due for the
     * recovery sweep after {@code stuckAfter}, which gives back a hold still HELD and then marks the
     * order never due again ({@link #settleDeclined}). In one transaction nothing can come between
     * them, and the claim marks it never due at once.
     */
    private Step decline(Order order, String reason, @Nullable Lease lease) {
        if (lease != null && completesInUnit()) {
            hook.before(order.id(), "complete");
        }
        try {
            return retries.unit(steps, () -> {
                Order declined = claim(order, OrderStatus.PAYMENT_DECLINED, o -> o.withFailureReason(reason));
                hook.before(order.id(), RELEASE_DECLINED);
                releaseIfHeld(declined);
                return lease == null
                        ? new Step(declined, null)
                        : finalStep(declined, resultOf(declined), lease); // released: no second look
            });
        } catch (StaleOrder stale) {
            return new Step(reload(order), null);
        }
    }

    /** Starts ending an unconfirmed order: claims CANCELLING; the caller's loop finishes it. */
    private Order abandon(Order order, String reason) {
        return transition(order, OrderStatus.CANCELLING, o -> o.withFailureReason(reason));
    }

    /** Gives back a hold still HELD (never a committed one: that belongs to a confirmed order). */
    private boolean releaseIfHeld(Order order) {
        Optional<Reservation> r = retries.backend(() -> ledger.storage().reservation(order.id()));
        if (r.isPresent() && r.get().state() == ReservationState.HELD) {
            // Applied, or Unchanged when it expired meanwhile: either way the stock is back
            ledger.transition(order.id(), ReservationTransition.RELEASE);
            return true;
        }
        return false;
    }

    /**
     * Commits the hold of a PAYMENT_AUTHORIZED order and records CONFIRMED; null (nothing done) when
     * the lifecycle refuses the commit (expired, released or due). Runs inside a unit.
     */
    private @Nullable Order commitHoldAndConfirm(Order authorized) {
        TransitionResult commit = ledger.transition(authorized.id(), ReservationTransition.COMMIT);
        if (commit instanceof TransitionResult.Refused) {
            return null; // expired, released or due: the lifecycle refuses the commit
        }
        commit.reservationOrThrow(); // committed now or before; NotFound is an inconsistency
        return claim(authorized, OrderStatus.CONFIRMED, UnaryOperator.identity());
    }

    /**
     * Atomic phase: commit the hold and record CONFIRMED as one unit (with the key's completion on an
     * atomic backend when a lease is given); cancels the order if the hold is gone.
     */
    private Step confirm(Order order, @Nullable Lease lease) {
        if (lease != null && completesInUnit()) {
            hook.before(order.id(), "complete");
        }
        Step confirmed;
        try {
            confirmed = retries.unit(steps, () -> {
                Order c = commitHoldAndConfirm(order);
                if (c == null) {
                    return null;
                }
                return lease == null ? new Step(c, null) : finalStep(c, resultOf(c), lease);
            });
        } catch (StaleOrder stale) {
            // another worker moved the order; if it is cancelling, its finisher releases our commit
            return new Step(reload(order), null);
        }
        return confirmed != null ? confirmed : new Step(abandon(order, RESERVATION_EXPIRED), null);
    }

    /** Drives orders whose owner already claimed a step (after a payment update): confirm or cancel. */
    private Order settle(Order start) {
        Order order = start;
        while (true) {
            switch (order.status()) {
                case PAYMENT_AUTHORIZED -> {
                    hook.before(order.id(), order.status().name());
                    order = confirm(order, null).order();
                }
                case CANCELLING -> order = finishCancel(order);
                default -> {
                    return order;
                }
            }
        }
    }

    private PlaceOrderResult resultOf(Order order) {
        return switch (order.status()) {
            case REJECTED ->
                new PlaceOrderResult(
                        PlacementOutcome.OUT_OF_STOCK,
                        order,
                        order.lines().stream()
                                .map(l -> new Shortfall(l.sku(), null, l.quantity(), -1))
                                .toList(),
                        null,
                        false);
            case PAYMENT_DECLINED ->
                new PlaceOrderResult(PlacementOutcome.PAYMENT_DECLINED, order, List.of(), order.failureReason(), false);
            case AWAITING_PAYMENT_ACTION ->
                new PlaceOrderResult(PlacementOutcome.PAYMENT_ACTION_REQUIRED, order, List.of(), null, false);
            case CANCELLED ->
                // a cancellation that was not the hold's expiry (OrderService#cancel while the key
                // was still open) is said as such: replaying PLACED would promise goods that are gone
                new PlaceOrderResult(
                        RESERVATION_EXPIRED.equals(order.failureReason())
                                ? PlacementOutcome.RESERVATION_EXPIRED
                                : PlacementOutcome.CANCELLED,
                        order,
                        List.of(),
                        null,
                        false);
            default -> new PlaceOrderResult(PlacementOutcome.PLACED, order, List.of(), null, false);
        };
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public Optional<Order> get(Scope scope, String orderId) {
        Check.notNull(scope, "scope");
        Check.identifier(orderId, "orderId", 128);
        return retries.backend(() -> orders.find(orderId)).filter(o -> o.scope().equals(scope.value()));
    }

    @Override
    public Optional<Order> findByKey(Scope scope, IdempotencyKey key) {
        Check.notNull(scope, "scope");
        Check.notNull(key, "key");
        return retries.backend(() -> orders.findByKey(scope.value(), key.value()))
                .filter(o -> o.scope().equals(scope.value()));
    }

    private Order visible(Scope scope, String orderId) {
        return get(scope, orderId).orElseThrow(() -> new NotFoundException("order", orderId));
    }

    @Override
    public Order cancel(Scope scope, String orderId, String reason) {
        Check.identifier(reason, "reason", 255);
        Order order = visible(scope, orderId);
        while (true) {
            switch (order.status()) {
                case CANCELLED -> {
                    return order;
                }
                case CONFIRMED, AWAITING_PAYMENT_ACTION, FULFILLED ->
                    order = transition(order, OrderStatus.CANCELLING, o -> o.withFailureReason(reason));
                case CANCELLING -> order = finishCancel(order);
                case REFUNDING -> order = finishRefund(order); // the refund in progress first
                default ->
                    throw new IllegalStateTransitionException(
                            orderId, order.status().name(), "cancel");
            }
        }
    }

    private Order finishCancel(Order order) {
        hook.before(order.id(), "CANCELLING");
        Optional<Reservation> r = retries.backend(() -> ledger.storage().reservation(order.id()));
        if (r.isPresent() && r.get().state().isActive()) {
            ledger.release(order.id());
        }
        String paymentId = order.paymentId();
        if (paymentId != null) {
            if (r.isPresent() && r.get().state() == ReservationState.FULFILLED) {
                // what earlier refunds (OrderService#refund, the gateway) left of the capture
                Money remaining = order.refundable();
                PaymentResult paymentResult = remaining.minor() == 0
                        ? new PaymentResult.Approved(paymentId)
                        : retries.payment(
                                Operation.REFUND,
                                () -> payments.refund(order.paymentKey("refund"), paymentId, remaining));
                if (paymentResult instanceof PaymentResult.Declined d) {
                    throw new PaymentRejectedException(
                            "refund of order " + order.id() + " declined: " + d.code(), null);
                }
            } else {
                voidPayment(order, paymentId);
            }
        } else if (r.isPresent()) {
            // the placement ended after STOCK_RESERVED without recording a payment: the gateway may
            // have authorized under the derived key (a crash after the approval, or a call still in
            // flight from a worker whose lease lapsed); void whatever that key did or will do
            Optional<PaymentResult> voided = retries.payment(
                    Operation.VOID,
                    () -> payments.voidAuthorizationByKey(authorizeRequest(order), order.paymentKey("void")));
            if (voided.isPresent() && voided.get() instanceof PaymentResult.Declined d) {
                LOG.warn("void by key of order {} declined: {}", order.id(), d.code());
            }
        }
        return transition(order, OrderStatus.CANCELLED, UnaryOperator.identity());
    }

    private void voidPayment(Order order, String paymentId) {
        PaymentResult paymentResult =
                retries.payment(Operation.VOID, () -> payments.voidAuthorization(order.paymentKey("void"), paymentId));
        if (paymentResult instanceof PaymentResult.Declined d) {
            LOG.warn("void of payment {} for order {} declined: {}", paymentId, order.id(), d.code());
        }
    }

    @Override
    public Reservation extendHold(Scope scope, String orderId, Instant until) {
        Check.notNull(until, "until");
        Order order = visible(scope, orderId);
        Instant latest = order.createdAt().plus(settings.maxHold());
        if (until.isAfter(latest)) {
            throw new InvalidRequestException(
                    "until",
                    until,
                    "exceeds maxHold (" + settings.maxHold() + " since the order was placed at " + order.createdAt()
                            + "): at most " + latest);
        }
        Instant asked = clock.instant();
        if (!until.isAfter(asked)) {
            throw new InvalidRequestException("until", until, "must be after now (" + asked + ")");
        }
        while (true) {
            if (order.status() != OrderStatus.AWAITING_PAYMENT_ACTION) {
                throw new IllegalStateTransitionException(
                        orderId, order.status().name(), "extend the hold of");
            }
            hook.before(order.id(), "EXTEND_HOLD");
            Order read = order;
            try {
                // one unit where stock and orders share a database: the hold and the order's record
                // of it commit together; elsewhere the hold moves first (a later lost write of the
                // order only leaves a longer hold, which recovery reads, see holdExpiry)
                return retries.unit(steps, () -> {
                    DefaultStockLedger.Extension e = ledger.extended(orderId, until);
                    recordExtension(read, e.reservation().expiresAt());
                    return e.reservation();
                });
            } catch (StaleOrder stale) {
                order = reload(read); // another writer moved the order: decide again on what it wrote
            }
        }
    }

    /**
     * Records a hold extension on the order: a version compare-and-set (so a writer that read an
     * older version, a recovery sweep that claimed the order meanwhile, loses and re-reads) of the
     * same status, due for recovery at the new expiry, with a {@code HOLD_EXTENDED} event in the
     * same write. Nothing is written when the order already records it (a repeated call); a retried
     * write whose first attempt committed is recognised as ours.
     */
    private void recordExtension(Order order, Instant expiresAt) {
        Order.Recovery r = order.recovery();
        if (r.nextAttemptAt().equals(expiresAt) && r.attempts() == 0) {
            return; // recorded by an earlier call
        }
        Instant now = clock.instant();
        Order next = order.transition(order.status(), order.updatedAt())
                .withRecovery(new Order.Recovery(0, expiresAt, r.lastError(), null));
        List<OrderKitEvent> events = discardsEvents
                ? List.of()
                : List.of(OrderKitEvent.of(
                        EventType.HOLD_EXTENDED,
                        next.id(),
                        next.version(),
                        next.scope(),
                        Map.of("status", next.status().name(), "expiresAt", expiresAt.toString()),
                        now));
        if (retries.backend(() -> orders.update(next, order.version(), events))) {
            return;
        }
        Order stored = retries.backend(() -> orders.find(order.id())).orElseThrow();
        if (stored.version() == next.version()
                && stored.recovery().nextAttemptAt().equals(expiresAt)) {
            return; // our own write, retried after its acknowledgement was lost
        }
        throw new StaleOrder(order.id());
    }

    /**
     * The expiry of the order's hold if it is HELD and not due at {@code now} (it was extended
     * past the payment action's grace period), else null.
     */
    private @Nullable Instant liveHold(Order order, Instant now) {
        Optional<Reservation> r = retries.backend(() -> ledger.storage().reservation(order.id()));
        if (r.isPresent()
                && r.get().state() == ReservationState.HELD
                && r.get().expiresAt().isAfter(now)) {
            return r.get().expiresAt();
        }
        return null;
    }

    @Override
    public Order fulfil(Scope scope, String orderId) {
        Order order = visible(scope, orderId);
        while (true) {
            switch (order.status()) {
                case FULFILLED, REFUNDING, REFUNDED -> {
                    return order; // fulfilled (and refunded since, in part or in full)
                }
                case CONFIRMED -> {
                    // a backorder no restock covers yet ships nothing and captures nothing: refused
                    // while the order is still CONFIRMED (the storage refuses again atomically)
                    List<Shortfall> shortfalls = ledger.fulfilShortfalls(order.id());
                    if (!shortfalls.isEmpty()) {
                        throw new InsufficientStockException(shortfalls);
                    }
                    order = transition(order, OrderStatus.FULFILLING, UnaryOperator.identity());
                }
                case FULFILLING -> order = finishFulfil(order);
                default ->
                    throw new IllegalStateTransitionException(
                            orderId, order.status().name(), "fulfil");
            }
        }
    }

    private Order finishFulfil(Order order) {
        hook.before(order.id(), "FULFILLING");
        // only a CONFIRMED order reaches FULFILLING, and confirming records the authorization
        String paymentId = Objects.requireNonNull(order.paymentId(), "a FULFILLING order has a payment id");
        PaymentResult paymentResult = retries.payment(
                Operation.CAPTURE, () -> payments.capture(order.paymentKey("capture"), paymentId, order.total()));
        if (paymentResult instanceof PaymentResult.Declined d) {
            throw new PaymentRejectedException("capture of order " + order.id() + " declined: " + d.code(), null);
        }
        ledger.fulfil(order.id());
        return transition(order, OrderStatus.FULFILLED, UnaryOperator.identity());
    }

    // ---------------------------------------------------------------- refunds and disputes

    @Override
    public Order refund(Scope scope, String orderId, Money amount, IdempotencyKey key) {
        Check.notNull(scope, "scope");
        Check.notNull(amount, "amount");
        Check.notNull(key, "key");
        if (amount.minor() <= 0) {
            throw new InvalidRequestException("amount", amount.minor(), "must be positive");
        }
        Order order = visible(scope, orderId);
        if (!order.total().currency().equals(amount.currency())) {
            throw new InvalidRequestException(
                    "amount.currency",
                    amount.currency(),
                    "must be the order's currency " + order.total().currency());
        }
        String refundId = Refund.idFor(key.value());
        while (true) {
            Optional<Refund> mine = order.refund(refundId);
            if (mine.isPresent()) {
                if (mine.get().amount().minor() != amount.minor()) {
                    throw new IdempotencyKeyReuseException(scope.value(), key.value());
                }
                if (mine.get().status() != Refund.Status.PENDING || order.status() != OrderStatus.REFUNDING) {
                    return order; // done (a repeat), or settled by the gateway's report
                }
                order = finishRefund(order); // ours, interrupted: finish it with the same gateway key
                continue;
            }
            switch (order.status()) {
                case FULFILLED -> {
                    Money refundable = order.refundable();
                    if (amount.minor() > refundable.minor()) {
                        throw new RefundExceedsCaptureException(orderId, amount, refundable);
                    }
                    Instant now = clock.instant();
                    Refund pending = new Refund(
                            refundId,
                            key.value(),
                            amount,
                            Refund.Status.PENDING,
                            Refund.Origin.API,
                            null,
                            null,
                            now,
                            now);
                    hook.before(orderId, "refund"); // decided on this snapshot: the claim below is its CAS
                    // the recovery point: recorded (and counted against the capture) before the gateway call
                    Order from = order;
                    Order refunding = writeIfCurrent(
                            from,
                            OrderStatus.REFUNDING,
                            o -> o.withRefunds(appended(o.refunds(), pending)),
                            next -> List.of(refundEvent(next, EventType.REFUND_REQUESTED, pending)));
                    order = refunding != null ? refunding : reload(from);
                }
                // another refund is in progress: finish it first, then decide on the order it leaves
                case REFUNDING -> order = finishRefund(order);
                case REFUNDED -> throw new RefundExceedsCaptureException(orderId, amount, order.refundable());
                default ->
                    throw new IllegalStateTransitionException(
                            orderId, order.status().name(), "refund");
            }
        }
    }

    /**
     * Finishes the refund a {@code REFUNDING} order records as pending: the gateway call under the
     * refund's derived key (a repeat is answered by the gateway with the first call's result), then
     * one compare-and-set that settles the refund and moves the order to {@code FULFILLED} or
     * {@code REFUNDED} with its event. Returns the order as it is afterwards (re-read if the write
     * lost a race; the caller decides again).
     */
    private Order finishRefund(Order order) {
        Refund pending = null;
        for (Refund r : order.refunds()) {
            if (r.origin() == Refund.Origin.API && r.status() == Refund.Status.PENDING) {
                pending = r;
            }
        }
        if (pending == null) {
            // settled meanwhile (the gateway's report): only the status is left to move on
            Order from = order;
            Order next = writeIfCurrent(from, afterRefund(from), UnaryOperator.identity(), o -> List.of());
            return next != null ? next : reload(from);
        }
        hook.before(order.id(), "REFUNDING");
        String paymentId = Objects.requireNonNull(order.paymentId(), "a REFUNDING order has a payment id");
        Refund p = pending;
        PaymentResult result = retries.payment(
                Operation.REFUND, () -> payments.refund(order.paymentKey("refund:" + p.id()), paymentId, p.amount()));
        hook.before(order.id(), "refunded");
        Instant now = clock.instant();
        Refund settled;
        if (result instanceof PaymentResult.Declined d) {
            settled = p.settle(Refund.Status.FAILED, null, d.code() + ": " + d.message(), now);
        } else {
            String gatewayId = result instanceof PaymentResult.Approved a ? a.paymentId() : null;
            settled = p.settle(Refund.Status.SUCCEEDED, gatewayId, null, now);
        }
        Order withRefund = order.withRefunds(replaced(order.refunds(), settled));
        EventType type = settled.status() == Refund.Status.FAILED ? EventType.REFUND_FAILED : EventType.ORDER_REFUNDED;
        Order next = writeIfCurrent(
                order,
                afterRefund(withRefund),
                o -> o.withRefunds(withRefund.refunds()),
                o -> List.of(refundEvent(o, type, settled)));
        if (next == null) {
            LOG.debug("refund {} of order {} was settled by another writer", p.id(), order.id());
            return reload(order);
        }
        return next;
    }

    /** The status a fulfilled order has with its refunds: REFUNDED once the succeeded ones reach the total. */
    private static OrderStatus afterRefund(Order order) {
        return order.refunded().minor() >= order.total().minor() ? OrderStatus.REFUNDED : OrderStatus.FULFILLED;
    }

    @Override
    public Order applyRefundUpdate(String orderId, RefundUpdate update) {
        Check.identifier(orderId, "orderId", 128);
        Check.notNull(update, "update");
        while (true) {
            Order order = retries.backend(() -> orders.find(orderId))
                    .orElseThrow(() -> new NotFoundException("order", orderId));
            if (!order.total().currency().equals(update.amount().currency())) {
                throw new InvalidRequestException(
                        "amount.currency",
                        update.amount().currency(),
                        "must be the order's currency " + order.total().currency());
            }
            String gatewayId = update.gatewayRefundId();
            Refund match = null;
            for (Refund r : order.refunds()) {
                if (gatewayId.equals(r.gatewayRefundId())
                        || gatewayId.equals(r.id())
                        || (update.idempotencyKey() != null
                                && update.idempotencyKey().equals(order.paymentKey("refund:" + r.id())))) {
                    match = r;
                }
            }
            Instant now = clock.instant();
            Refund changed;
            List<Refund> refunds;
            String reason = update.status() == Refund.Status.FAILED ? update.failureReason() : null;
            if (match == null) {
                changed = new Refund(
                        gatewayId,
                        gatewayId,
                        update.amount(),
                        update.status(),
                        Refund.Origin.GATEWAY,
                        gatewayId,
                        reason,
                        now,
                        now);
                refunds = appended(order.refunds(), changed);
            } else {
                boolean nothingNew = match.status() == Refund.Status.FAILED // final
                        || (update.status() == Refund.Status.PENDING && match.status() != Refund.Status.PENDING)
                        || (update.status() == match.status() && gatewayId.equals(match.gatewayRefundId()));
                if (nothingNew) {
                    return order;
                }
                changed = match.settle(update.status(), gatewayId, reason, now);
                refunds = replaced(order.refunds(), changed);
            }
            Order withRefund = order.withRefunds(refunds);
            OrderStatus status = order.status();
            boolean settlesOurs = match != null
                    && match.origin() == Refund.Origin.API
                    && match.status() == Refund.Status.PENDING
                    && changed.status() != Refund.Status.PENDING;
            if (status == OrderStatus.FULFILLED
                    || status == OrderStatus.REFUNDED
                    || (status == OrderStatus.REFUNDING && settlesOurs)) {
                status = afterRefund(withRefund);
            }
            EventType type = switch (changed.status()) {
                case SUCCEEDED -> EventType.ORDER_REFUNDED;
                case FAILED -> EventType.REFUND_FAILED;
                case PENDING -> EventType.REFUND_REQUESTED;
            };
            Refund c = changed;
            Order next =
                    writeIfCurrent(order, status, o -> o.withRefunds(refunds), o -> List.of(refundEvent(o, type, c)));
            if (next != null) {
                return next;
            }
            // lost a race (or our own write's acknowledgement): decide again on what is stored
        }
    }

    @Override
    public Order applyDisputeUpdate(String orderId, Dispute dispute) {
        Check.identifier(orderId, "orderId", 128);
        Check.notNull(dispute, "dispute");
        while (true) {
            Order order = retries.backend(() -> orders.find(orderId))
                    .orElseThrow(() -> new NotFoundException("order", orderId));
            Dispute existing = null;
            for (Dispute d : order.disputes()) {
                if (d.id().equals(dispute.id())) {
                    existing = d;
                }
            }
            if (existing != null && (existing.sameAs(dispute) || existing.closed())) {
                return order; // a redelivery, or a late report of a dispute already closed
            }
            Dispute stored =
                    new Dispute(dispute.id(), dispute.amount(), dispute.status(), dispute.reason(), clock.instant());
            List<Dispute> disputes = new ArrayList<>(order.disputes());
            if (existing == null) {
                disputes.add(stored);
            } else {
                disputes.set(disputes.indexOf(existing), stored);
            }
            EventType type = stored.closed()
                    ? EventType.DISPUTE_CLOSED
                    : existing == null ? EventType.DISPUTE_OPENED : EventType.DISPUTE_UPDATED;
            Order next = writeIfCurrent(
                    order, order.status(), o -> o.withDisputes(disputes), o -> List.of(disputeEvent(o, type, stored)));
            if (next != null) {
                return next;
            }
        }
    }

    private static List<Refund> appended(List<Refund> refunds, Refund r) {
        List<Refund> out = new ArrayList<>(refunds);
        out.add(r);
        return out;
    }

    private static List<Refund> replaced(List<Refund> refunds, Refund r) {
        List<Refund> out = new ArrayList<>(refunds.size());
        for (Refund x : refunds) {
            out.add(x.id().equals(r.id()) ? r : x);
        }
        return out;
    }

    /**
     * One compare-and-set from {@code from}'s version to the changed order in {@code status}, with
     * the events built from the written order. Returns the written order, or {@code null} when the
     * stored order moved on (another writer; or this write's own acknowledgement was lost): the
     * caller re-reads and decides again, which every caller's decision tolerates.
     */
    private @Nullable Order writeIfCurrent(
            Order from, OrderStatus status, UnaryOperator<Order> change, Function<Order, List<OrderKitEvent>> events) {
        Order next = scheduled(change.apply(from).transition(status, clock.instant()));
        List<OrderKitEvent> written = discardsEvents ? List.of() : events.apply(next);
        return retries.backend(() -> orders.update(next, from.version(), written)) ? next : null;
    }

    private static OrderKitEvent refundEvent(Order o, EventType type, Refund r) {
        Map<String, String> attrs = new HashMap<>();
        attrs.put("status", o.status().name());
        attrs.put("refundId", r.id());
        attrs.put("amount", Long.toString(r.amount().minor()));
        attrs.put("currency", r.amount().currency());
        attrs.put("refundStatus", r.status().name());
        attrs.put("origin", r.origin().name());
        attrs.put("refunded", Long.toString(o.refunded().minor()));
        attrs.put("full", Boolean.toString(o.status() == OrderStatus.REFUNDED));
        if (r.gatewayRefundId() != null) {
            attrs.put("gatewayRefundId", r.gatewayRefundId());
        }
        if (r.failureReason() != null) {
            attrs.put("reason", r.failureReason());
        }
        if (o.paymentId() != null) {
            attrs.put("paymentId", o.paymentId());
        }
        return OrderKitEvent.of(type, o.id(), o.version(), o.scope(), attrs, o.updatedAt());
    }

    private static OrderKitEvent disputeEvent(Order o, EventType type, Dispute d) {
        Map<String, String> attrs = new HashMap<>();
        attrs.put("status", o.status().name());
        attrs.put("disputeId", d.id());
        attrs.put("disputeStatus", d.status());
        attrs.put("amount", Long.toString(d.amount().minor()));
        attrs.put("currency", d.amount().currency());
        if (d.reason() != null) {
            attrs.put("reason", d.reason());
        }
        if (o.paymentId() != null) {
            attrs.put("paymentId", o.paymentId());
        }
        return OrderKitEvent.of(type, o.id(), o.version(), o.scope(), attrs, o.updatedAt());
    }

    @Override
    public Order applyPaymentUpdate(String orderId, PaymentResult result) {
        Check.identifier(orderId, "orderId", 128);
        Check.notNull(result, "result");
        Order order =
                retries.backend(() -> orders.find(orderId)).orElseThrow(() -> new NotFoundException("order", orderId));
        if (order.status() == OrderStatus.AWAITING_PAYMENT_ACTION) {
            if (result instanceof PaymentResult.Approved) {
                // claim the confirmation first: a racing decline (or expiry) then cannot release the hold we commit
                order = transition(order, OrderStatus.PAYMENT_AUTHORIZED, UnaryOperator.identity());
            } else if (result instanceof PaymentResult.Declined d) {
                order = decline(order, d.code() + ": " + d.message(), null).order();
            } else {
                return order;
            }
        }
        return settle(order);
    }

    // ---------------------------------------------------------------- recovery

    /**
     * Statuses the sweep works: interrupted placements, cancellations and fulfilments, payment
     * actions whose time ran out, and declined orders that may still have their hold (see
     * {@link #decline}). Each is due at its {@code Order.Recovery.nextAttemptAt()}.
     */
    private static final Set<OrderStatus> RECOVERABLE = EnumSet.of(
            OrderStatus.CREATED,
            OrderStatus.STOCK_RESERVED,
            OrderStatus.PAYMENT_AUTHORIZED,
            OrderStatus.AWAITING_PAYMENT_ACTION,
            OrderStatus.CANCELLING,
            OrderStatus.FULFILLING,
            OrderStatus.REFUNDING,
            OrderStatus.PAYMENT_DECLINED);

    /** What the sweep works while payment workers run: everything but placements. */
    private static final Set<OrderStatus> SWEPT_WITH_WORKERS = EnumSet.of(
            OrderStatus.AWAITING_PAYMENT_ACTION,
            OrderStatus.CANCELLING,
            OrderStatus.FULFILLING,
            OrderStatus.REFUNDING,
            OrderStatus.PAYMENT_DECLINED);

    private static final int MAX_ERROR_LENGTH = 500;
    private static final int MAX_PARKED_LISTED = 10_000;

    /** What working one claimed order came to. */
    private enum Worked {
        /** A stuck placement reached its answer. */
        RESUMED,
        /** A cancellation, fulfilment or timed-out payment action was finished. */
        FINISHED,
        /** Not ours to do now (its placement's key is leased, its payment action has time left). */
        DEFERRED,
        /** The work failed; recorded on the order (backoff or parked). */
        FAILED,
        /** The work failed and the order was parked in NEEDS_ATTENTION. */
        PARKED,
        /** Another instance claimed the order first. */
        TAKEN,
        /** A declined order had nothing left to give back; it is never due again. */
        SETTLED
    }

    /**
     * The sweep: due orders, earliest first, in batches; each one is claimed (a compare-and-set
     * that moves its next-attempt time past the lease: another instance's sweep then skips it)
     * and worked once per sweep. An order that fails is not due again before its backoff, so
     * failing orders cannot hold back the others; {@code start} bounds the query, so the loop
     * ends once every order due at the start was seen (or the sweep's budget is spent).
     */
    @Override
    public SweepReport recover() {
        Timing timing = instrumentation.start(Operation.RECOVER);
        SweepReport report;
        try {
            report = sweep();
        } catch (RuntimeException | Error e) {
            timing.failure(e);
            throw e;
        }
        instrumentation.recovered(report);
        timing.success(Outcomes.DONE);
        return report;
    }

    /** One {@link #recover()} sweep. */
    private SweepReport sweep() {
        RecoverySettings rs = settings.recovery();
        Instant start = clock.instant();
        int resumed = 0;
        int finished = 0;
        int failed = 0;
        int parked = 0;
        int seen = 0;
        Set<String> worked = new HashSet<>();
        while (seen < rs.maxOrdersPerSweep()) {
            int limit = Math.min(rs.batchSize(), rs.maxOrdersPerSweep() - seen);
            // while payment workers run, placements are theirs (paced, in a bounded pool)
            Set<OrderStatus> statuses = workers != null ? SWEPT_WITH_WORKERS : RECOVERABLE;
            List<Order> due = retries.backend(() -> orders.findDue(statuses, start, limit));
            boolean progress = false;
            for (Order order : due) {
                seen++;
                if (!worked.add(order.id())) {
                    continue; // still due after this sweep worked it: leave it to the next sweep
                }
                progress = true;
                switch (attemptInContext(order)) {
                    case RESUMED -> resumed++;
                    case FINISHED -> finished++;
                    case FAILED -> failed++;
                    case PARKED -> {
                        failed++;
                        parked++;
                    }
                    default -> {}
                }
            }
            if (!progress || due.size() < limit) {
                break;
            }
        }
        int holds = ledger.expireDue(10);
        int purged = retries.backend(() -> keys.purgeExpired(clock.instant(), 1000));
        return new SweepReport(resumed, finished, holds, purged, failed, parked);
    }

    /** {@link #attempt} with the order's id in the MDC of its log lines. */
    private Worked attemptInContext(Order due) {
        try (RequestContext.Saved outer = RequestContext.enterOrder(due.id())) {
            return attempt(due);
        }
    }

    /**
     * Claims a due order and works it once. A failure is recorded on the order (one WARN line),
     * never thrown; a claim that cannot be written (storage failing after its retries) skips the
     * order for this sweep.
     */
    private Worked attempt(Order due) {
        Instant now = clock.instant();
        Order claimed = claimForWork(due);
        return claimed == null ? Worked.TAKEN : work(claimed, now, false);
    }

    /**
     * The claim of a due order: a compare-and-set that moves its next attempt past the lease, so
     * other sweeps and workers skip it. Null if another one claimed it first (or the write failed:
     * then the order is skipped this time).
     */
    private @Nullable Order claimForWork(Order due) {
        Instant now = clock.instant();
        Order.Recovery r = due.recovery();
        Order claimed = due.transition(due.status(), due.updatedAt())
                .withRecovery(new Order.Recovery(r.attempts(), now.plus(settings.lease()), r.lastError(), null));
        try {
            return writeRecovery(due, claimed, List.of()) ? claimed : null;
        } catch (RuntimeException e) {
            LOG.warn("recovery could not claim order {} ({}): {}", due.id(), due.status(), describe(e));
            LOG.debug("claim failure of order {}", due.id(), e);
            return null;
        }
    }

    /**
     * Works a claimed order; records a failure, and rethrows it if asked ({@code rethrow}: an
     * explicit {@link #retryParked} by a caller, which also skips the payment action's grace).
     */
    private Worked work(Order claimed, Instant now, boolean rethrow) {
        Worked done;
        try {
            done = switch (claimed.status()) {
                case CREATED, STOCK_RESERVED, PAYMENT_AUTHORIZED -> resume(claimed) ? Worked.RESUMED : Worked.DEFERRED;
                case AWAITING_PAYMENT_ACTION -> expireAction(claimed, now, rethrow); // a retry: no grace left
                case CANCELLING -> {
                    finishCancel(claimed);
                    yield Worked.FINISHED;
                }
                case FULFILLING -> {
                    finishFulfil(claimed);
                    yield Worked.FINISHED;
                }
                case REFUNDING -> {
                    finishRefund(claimed);
                    yield Worked.FINISHED;
                }
                case PAYMENT_DECLINED -> settleDeclined(claimed);
                default -> Worked.DEFERRED;
            };
        } catch (RuntimeException e) {
            Worked recorded = recordFailure(claimed, e);
            if (rethrow) {
                throw e;
            }
            return recorded;
        }
        if (done == Worked.DEFERRED) {
            // nothing was done: look again after the status's grace period, no failure counted
            Order.Recovery r = claimed.recovery();
            Instant next = clock.instant().plus(settings.stuckAfter());
            if (claimed.status() == OrderStatus.AWAITING_PAYMENT_ACTION) {
                Instant hold = liveHold(claimed, now); // an extended hold: look again when it is due
                if (hold != null && hold.isAfter(next)) {
                    next = hold;
                }
            }
            Order later = claimed.transition(claimed.status(), claimed.updatedAt())
                    .withRecovery(new Order.Recovery(r.attempts(), next, r.lastError(), null));
            try {
                writeRecovery(claimed, later, List.of()); // lost: the order moved on, nothing to reschedule
            } catch (RuntimeException e) {
                // storage failing: the claim lapses after the lease instead, which is as good
                LOG.debug("could not reschedule order {}", claimed.id(), e);
            }
        }
        return done;
    }

    /**
     * A declined order the sweep found due: its decline may have been cut off between the claim and
     * the release (a process killed there). Gives back a hold still HELD, then marks the order
     * never due again (a lost write: the order is looked at once more after its claim lapses).
     */
    private Worked settleDeclined(Order declined) {
        boolean released = releaseIfHeld(declined);
        Order settled = declined.transition(declined.status(), declined.updatedAt())
                .withRecovery(Order.Recovery.fresh(NEVER_DUE));
        writeRecovery(declined, settled, List.of());
        if (released) {
            LOG.info("gave back the hold of declined order {}, left by an interrupted decline", declined.id());
            return Worked.FINISHED;
        }
        return Worked.SETTLED;
    }

    /** Cancels an order whose payment action timed out (the sweep finds it due at that moment). */
    private Worked expireAction(Order order, Instant now, boolean retry) {
        if (!retry && order.updatedAt().plus(settings.reservationTtl()).isAfter(now)) {
            return Worked.DEFERRED;
        }
        if (!retry && liveHold(order, now) != null) {
            // its hold was extended (extendHold): the action has time until the hold is due; a due
            // hold is never extended again, so the cancellation below cannot race a live extension
            return Worked.DEFERRED;
        }
        Order cancelling = transition(order, OrderStatus.CANCELLING, o -> o.withFailureReason(RESERVATION_EXPIRED));
        if (cancelling.status() != OrderStatus.CANCELLING) {
            return Worked.DEFERRED; // moved meanwhile (the customer acted): nothing to expire
        }
        finishCancel(cancelling);
        return Worked.FINISHED;
    }

    /**
     * Records a failed attempt on the order as it now is (the work may have moved it to another
     * recoverable status, whose count starts afresh): the attempt count, the error, and the next
     * attempt after the backoff; at the limit the order is parked in NEEDS_ATTENTION with an
     * ORDER_NEEDS_ATTENTION event. Written from the claimed version first (the usual case: the
     * work failed before writing anything), from a fresh read if that lost. One WARN line; the
     * stack trace only at DEBUG.
     */
    private Worked recordFailure(Order claimed, RuntimeException e) {
        String error = describe(e);
        Order current = claimed;
        String unrecorded = "the order changed meanwhile";
        for (int round = 0; round < 2; round++) {
            if (round == 1) {
                try {
                    current = reload(claimed);
                } catch (RuntimeException readFailed) {
                    unrecorded = describe(readFailed);
                    break;
                }
                if (!RECOVERABLE.contains(current.status())) {
                    // ended or parked meanwhile (by the work itself, or another caller): nothing to retry
                    LOG.warn(
                            "recovery of order {} ({}) failed: {}; the order is now {}",
                            claimed.id(),
                            claimed.status(),
                            error,
                            current.status());
                    LOG.debug("recovery failure of order {}", claimed.id(), e);
                    return Worked.FAILED;
                }
            }
            Failure f = failure(current, error, e instanceof PaymentRateLimitedException limited ? limited : null);
            try {
                if (writeRecovery(current, f.next(), f.events())) {
                    logFailure(current, error, f.next());
                    LOG.debug("recovery failure of order {}", current.id(), e);
                    return f.next().status() == OrderStatus.NEEDS_ATTENTION ? Worked.PARKED : Worked.FAILED;
                }
            } catch (RuntimeException writeFailed) {
                unrecorded = describe(writeFailed);
                break;
            }
        }
        LOG.warn(
                "recovery of order {} ({}) failed: {}; the failure could not be recorded ({}), its claim lapses at {}",
                claimed.id(),
                claimed.status(),
                error,
                unrecorded,
                claimed.recovery().nextAttemptAt());
        LOG.debug("recovery failure of order {}", claimed.id(), e);
        return Worked.FAILED;
    }

    /** A failure's write: the order with the failure recorded (or parked) and its events. */
    private record Failure(Order next, List<OrderKitEvent> events) {}

    private Failure failure(Order current, String error, @Nullable PaymentRateLimitedException limited) {
        RecoverySettings rs = settings.recovery();
        Instant now = clock.instant();
        if (limited != null) {
            // the gateway's limit (or our pace) is no failure of the order: not counted, never
            // parked; tried again once the pause is over
            Duration after = paced.pauseLeft();
            Duration hint = limited.retryAfter();
            if (hint != null && hint.compareTo(after) > 0) {
                after = hint;
            }
            Order next = current.transition(current.status(), current.updatedAt())
                    .withRecovery(new Order.Recovery(current.recovery().attempts(), now.plus(after), error, null));
            return new Failure(next, List.of());
        }
        int attempts = current.recovery().attempts() + 1;
        if (attempts >= rs.maxAttempts()) {
            Order parked = current.transition(OrderStatus.NEEDS_ATTENTION, now)
                    .withRecovery(new Order.Recovery(attempts, now, error, current.status()));
            return new Failure(parked, discardsEvents ? List.of() : List.of(parkedEvent(parked)));
        }
        Order next = current.transition(current.status(), current.updatedAt())
                .withRecovery(new Order.Recovery(attempts, now.plus(rs.backoff(attempts)), error, null));
        return new Failure(next, List.of());
    }

    private void logFailure(Order current, String error, Order recorded) {
        Order.Recovery r = recorded.recovery();
        if (recorded.status() == OrderStatus.NEEDS_ATTENTION) {
            LOG.warn(
                    "recovery of order {} ({}) failed, attempt {}/{}: {}; parked in NEEDS_ATTENTION",
                    current.id(),
                    current.status(),
                    r.attempts(),
                    settings.recovery().maxAttempts(),
                    error);
        } else {
            LOG.warn(
                    "recovery of order {} ({}) failed, attempt {}/{}: {}; next attempt at {}",
                    current.id(),
                    current.status(),
                    r.attempts(),
                    settings.recovery().maxAttempts(),
                    error,
                    r.nextAttemptAt());
        }
    }

    /** {@code <exception class>: <message>}, at most {@value #MAX_ERROR_LENGTH} characters. */
    private static String describe(Throwable e) {
        String s = e.getClass().getName() + ": " + e.getMessage();
        return s.length() <= MAX_ERROR_LENGTH ? s : s.substring(0, MAX_ERROR_LENGTH - 3) + "...";
    }

    private static OrderKitEvent parkedEvent(Order parked) {
        Map<String, String> attrs = new HashMap<>();
        attrs.put("status", parked.status().name());
        Order.Recovery r = parked.recovery();
        attrs.put("parkedFrom", String.valueOf(r.parkedFrom()));
        attrs.put("attempts", Integer.toString(r.attempts()));
        attrs.put("error", String.valueOf(r.lastError()));
        if (parked.paymentId() != null) {
            attrs.put("paymentId", parked.paymentId());
        }
        return OrderKitEvent.of(
                EventType.ORDER_NEEDS_ATTENTION,
                parked.id(),
                parked.version(),
                parked.scope(),
                attrs,
                parked.updatedAt());
    }

    /**
     * Compare-and-set of recovery bookkeeping (no lifecycle effect). Deliberately without the
     * "was it my own write?" read-back of {@link #claim}: two instances claiming one order at the
     * same instant write identical orders, so an equal stored order does not prove the write was
     * ours. A retried write whose first attempt committed (lost acknowledgement) therefore counts
     * as lost: the order is left alone until its claim lapses, which is safe.
     */
    private boolean writeRecovery(Order from, Order to, List<OrderKitEvent> events) {
        return retries.backend(() -> orders.update(to, from.version(), events));
    }

    /** The status a NEEDS_ATTENTION order was parked from. */
    private static OrderStatus parkedFrom(Order parked) {
        OrderStatus from = parked.recovery().parkedFrom();
        if (from == null) {
            throw new IllegalStateTransitionException(
                    parked.id(), parked.status().name(), "retry");
        }
        return from;
    }

    @Override
    public List<Order> parked(int limit) {
        if (limit < 1 || limit > MAX_PARKED_LISTED) {
            throw new InvalidRequestException("limit", limit, "must be between 1 and " + MAX_PARKED_LISTED);
        }
        return retries.backend(() -> orders.findStale(EnumSet.of(OrderStatus.NEEDS_ATTENTION), Instant.MAX, limit));
    }

    @Override
    public Order retryParked(String orderId) {
        Check.identifier(orderId, "orderId", 128);
        Order order =
                retries.backend(() -> orders.find(orderId)).orElseThrow(() -> new NotFoundException("order", orderId));
        if (order.status() != OrderStatus.NEEDS_ATTENTION) {
            return order;
        }
        Instant now = clock.instant();
        Order back = unparked(order, now, now.plus(settings.lease())); // claimed by this call for a lease
        if (!writeRecovery(order, back, events(back, EventType.ORDER_RETRIED))) {
            return reload(order); // another caller retried it first
        }
        try (RequestContext.Saved outer = RequestContext.enterOrder(orderId)) {
            work(back, now, true);
        }
        return reload(back);
    }

    @Override
    public OrderPage list(Scope scope, OrderFilter filter, PageRequest page) {
        Check.notNull(scope, "scope");
        Check.notNull(filter, "filter");
        Check.notNull(page, "page");
        String cursor = page.cursor();
        OrderPosition after = cursor == null ? null : OrderCursors.decode(scope, filter, cursor);
        int size = page.size();
        List<Order> found = retries.backend(() -> orders.list(scope.value(), filter, after, size + 1));
        if (found.size() <= size) {
            return new OrderPage(found, null);
        }
        List<Order> shown = found.subList(0, size);
        return new OrderPage(shown, OrderCursors.encode(scope, filter, OrderPosition.of(shown.get(size - 1))));
    }

    /**
     * The parked order back in the status it was parked from as of {@code now}, no failure
     * counted, due at {@code dueAt}.
     */
    private static Order unparked(Order parked, Instant now, Instant dueAt) {
        return parked.transition(parkedFrom(parked), now)
                .withRecovery(new Order.Recovery(0, dueAt, parked.recovery().lastError(), null));
    }

    /** Resumes a stuck placement on behalf of its client by taking over its idempotency key. */
    private boolean resume(Order stuck) {
        ScopedKey key = ScopedKey.of(stuck.scope(), stuck.idempotencyKey());
        // a fresh claimant: the order id is the claimant of the placement's own first claim
        String claimant = "rec_" + newOrderId();
        Instant asked = clock.instant();
        ClaimResult claim = retries.backend(() -> keys.claim(
                key, new ClaimRequest(stuck.fingerprint(), stuck.id(), claimant, clock.instant(), settings.lease())));
        if (claim instanceof ClaimResult.Completed && stuck.status() == OrderStatus.PAYMENT_AUTHORIZED) {
            // a payment update (webhook) claimed the confirmation of an order whose placement had
            // completed, then died: finish it (every step is claimed by CAS, so a redelivered
            // webhook running at the same time cannot double any effect)
            settle(stuck);
            return true;
        }
        if (!(claim instanceof ClaimResult.Acquired a)) {
            return false; // still leased (its worker is alive), or already completed
        }
        if (!a.resourceId().equals(stuck.id())) {
            // the key was purged and reused by another request: its lease is not ours to run
            retries.backend(() -> {
                keys.release(key, a.fencingToken());
                return null;
            });
            return false;
        }
        Lease lease = new Lease(key, a, stuck.fingerprint(), claimant, asked);
        // read again under the lease: the order may have moved since the sweep found it
        return underLease(
                        lease,
                        () -> advance(
                                retries.backend(() -> orders.find(stuck.id())).orElseThrow(), null, lease))
                .isPresent();
    }

    // ---------------------------------------------------------------- helpers

    private Reservation reservationOf(Order order) {
        return retries.backend(() -> ledger.storage().reservation(order.id()))
                .orElseThrow(() -> new NotFoundException("reservation", order.id()));
    }

    private Order reload(Order order) {
        return retries.backend(() -> orders.find(order.id())).orElseThrow();
    }

    /**
     * Lost compare-and-set inside a unit of work: thrown so that the unit's side effects roll back
     * with it (atomic backends) and the caller re-reads the order. Never retried.
     */
    private static final class StaleOrder extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StaleOrder(String orderId) {
            super("order " + orderId + " changed meanwhile", null, false, false);
        }
    }

    /**
     * Compare-and-set transition that the caller's side effects depend on: throws {@link StaleOrder}
     * when the order is no longer at the version the caller read. A retried write whose first
     * attempt committed (lost acknowledgement) is recognised as ours and returned.
     */
    private Order claim(Order order, OrderStatus status, UnaryOperator<Order> change) {
        return claim(order, status, change, false);
    }

    /** {@link #claim}; {@code dueNow}: the recovery (the payment workers) may work the order at once. */
    private Order claim(Order order, OrderStatus status, UnaryOperator<Order> change, boolean dueNow) {
        Order changed = change.apply(order).transition(status, clock.instant());
        Order next = dueNow ? changed.withRecovery(Order.Recovery.fresh(changed.updatedAt())) : scheduled(changed);
        List<OrderKitEvent> events = events(next, eventType(status));
        if (retries.backend(() -> orders.update(next, order.version(), events))) {
            return next;
        }
        Order stored = retries.backend(() -> orders.find(order.id())).orElseThrow();
        if (stored.version() == next.version() && stored.status() == status) {
            return stored; // our own write, retried after its acknowledgement was lost
        }
        throw new StaleOrder(order.id());
    }

    /**
     * Compare-and-set transition. On a lost race returns the current stored order, so callers
     * re-evaluate from the state the winner reached.
     */
    private Order transition(Order order, OrderStatus status, UnaryOperator<Order> change) {
        Order next = scheduled(change.apply(order).transition(status, clock.instant()));
        List<OrderKitEvent> events = events(
                next, order.status() == OrderStatus.NEEDS_ATTENTION ? EventType.ORDER_RETRIED : eventType(status));
        boolean ok = retries.backend(() -> orders.update(next, order.version(), events));
        if (ok) {
            return next;
        }
        // lost the race (or our own retried write already committed): continue from what is stored
        return retries.backend(() -> orders.find(order.id())).orElseThrow();
    }

    /**
     * An order as a status change leaves it: the recovery sweep may work it after its status's
     * grace period (a payment action: the hold's time to live; any other: {@code stuckAfter}).
     */
    private Order scheduled(Order changed) {
        if (changed.status() == OrderStatus.PAYMENT_DECLINED && steps.isAtomic()) {
            return changed.withRecovery(Order.Recovery.fresh(NEVER_DUE)); // released in the same transaction
        }
        Duration grace = changed.status() == OrderStatus.AWAITING_PAYMENT_ACTION
                ? settings.reservationTtl()
                : settings.stuckAfter();
        return changed.withRecovery(Order.Recovery.fresh(changed.updatedAt().plus(grace)));
    }

    /** The events of one order write; none when the order store discards them (nobody would see them). */
    private List<OrderKitEvent> events(Order o, EventType type) {
        return discardsEvents ? List.of() : List.of(event(o, type));
    }

    private static OrderKitEvent event(Order o, EventType type) {
        Map<String, String> attrs = new HashMap<>();
        attrs.put("status", o.status().name());
        if (o.paymentId() != null) {
            attrs.put("paymentId", o.paymentId());
        }
        if (o.failureReason() != null) {
            attrs.put("reason", o.failureReason());
        }
        return OrderKitEvent.of(type, o.id(), o.version(), o.scope(), attrs, o.updatedAt());
    }

    private static EventType eventType(OrderStatus status) {
        return switch (status) {
            case CREATED -> EventType.ORDER_CREATED;
            case STOCK_RESERVED -> EventType.STOCK_RESERVED;
            case PAYMENT_AUTHORIZED -> EventType.PAYMENT_AUTHORIZED;
            case AWAITING_PAYMENT_ACTION -> EventType.PAYMENT_ACTION_REQUIRED;
            case CONFIRMED -> EventType.ORDER_CONFIRMED;
            case REJECTED -> EventType.ORDER_REJECTED;
            case PAYMENT_DECLINED -> EventType.PAYMENT_DECLINED;
            case CANCELLING -> EventType.ORDER_CANCELLING;
            case CANCELLED -> EventType.ORDER_CANCELLED;
            case FULFILLING -> EventType.ORDER_FULFILLING;
            case FULFILLED -> EventType.ORDER_FULFILLED;
            case NEEDS_ATTENTION -> EventType.ORDER_NEEDS_ATTENTION;
            case REFUNDING -> EventType.REFUND_REQUESTED;
            case REFUNDED -> EventType.ORDER_REFUNDED;
        };
    }

    private static String newOrderId() {
        return "ord_" + UUID.randomUUID().toString().replace("-", "");
    }

    /**
     * Whether {@code id} has the shape of the ids {@link #newOrderId()} mints ({@code ord_} and 32
     * lower-case hex digits): only such an id can name an order, so only such an id needs an order
     * lookup before a public stock call.
     */
    static boolean hasOrderIdShape(String id) {
        if (id.length() != 36 || !id.startsWith("ord_")) {
            return false;
        }
        for (int i = 4; i < 36; i++) {
            char c = id.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RequestInProgressException("interrupted", d);
        }
    }
}
