package dev.orderkit.core.payment;

import dev.orderkit.core.Money;
import dev.orderkit.core.PaymentRejectedException;
import dev.orderkit.core.PaymentUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A deterministic, in-process payment gateway for tests and demos. Thread-safe.
 *
 * <p>Behaves like an idempotent gateway: a repeated call with the same idempotency key returns the
 * stored result and applies nothing twice. Payment methods decide the outcome: a method starting
 * with {@code pm_decline} is declined, {@code pm_action} requires action, anything else is
 * approved. Transient failures can be injected: {@link #failNext(int)} makes the next N calls throw
 * {@link PaymentUnavailableException} before applying anything, and {@link #failNextAfterApplying(int)}
 * applies the next N calls but then throws (an ambiguous timeout); {@link #failWhen} aims such a
 * fault at one operation or key. Payment ids carry a random per-instance part, so gateways in
 * several JVMs never hand out the same id.
 *
 * <p>The gateway's state (the result stored under each idempotency key and the payments) lives in
 * a {@link Ledger}: by default a private in-memory one; ports built on one shared ledger act as
 * one gateway, e.g. across JVMs with a durable ledger (testkit's {@code JdbcPaymentLedger}). Call
 * and applied counts, latency and injected faults stay per port.
 */
public final class SimulatedPaymentPort implements PaymentPort {

    /** State of a simulated payment. */
    public enum Status {
        /** Authorized, not captured. */
        AUTHORIZED,
        /** Waiting for customer action. */
        REQUIRES_ACTION,
        /** Captured. */
        CAPTURED,
        /** Voided. */
        VOIDED,
        /** Declined. */
        DECLINED
    }

    /**
     * A simulated payment.
     *
     * @param id payment id
     * @param orderId order id
     * @param amount authorized amount
     * @param status current state
     * @param refundedMinor total refunded in minor units
     */
    public record Payment(String id, String orderId, Money amount, Status status, long refundedMinor) {}

    /**
     * Where a simulated gateway keeps its state: the result stored under each idempotency key and
     * the payments. Implementations must be thread-safe and guarantee, across every port sharing
     * the ledger (also in other JVMs, for a durable ledger):
     * <ul>
     *   <li>the effect of a key is applied at most once, atomically with the payment rows it
     *       changes: either its result is stored together with all its {@link Payments#save saves},
     *       or nothing is;</li>
     *   <li>a call with a key that already has a stored result returns that result without running
     *       the effect;</li>
     *   <li>if the effect throws, nothing is stored and the exception propagates (a later call with
     *       the key runs its effect again).</li>
     * </ul>
     * Effects are pure apart from their {@link Payments} writes; a ledger may run one again after a
     * rolled-back attempt.
     */
    public interface Ledger {

        /**
         * The payment rows an effect reads and changes, inside the ledger's atomic unit.
         */
        interface Payments {
            /**
             * Reads a payment for change (a durable ledger locks it until its unit ends).
             *
             * @param paymentId the payment id
             * @return the payment, if it exists
             */
            Optional<Payment> find(String paymentId);

            /**
             * Inserts or replaces a payment, as part of the effect's unit.
             *
             * @param payment the new state of the payment
             */
            void save(Payment payment);
        }

        /**
         * The result of {@link #apply}.
         *
         * @param result the result stored under the key (this call's, or an earlier call's)
         * @param applied whether this call applied the effect (false for a replay)
         */
        record Outcome(PaymentResult result, boolean applied) {
            /** Validates presence. */
            public Outcome {
                Objects.requireNonNull(result, "result");
            }
        }

        /**
         * Returns the result stored under {@code key}; if there is none, runs {@code effect} and
         * stores its result under the key, atomically with the payments it saves.
         *
         * @param key the idempotency key
         * @param effect computes the result, reading and saving payments through its argument
         * @return the stored result and whether this call applied it
         * @throws PaymentUnavailableException if the ledger cannot tell or store the outcome now
         *         (outcome unknown, retry with the same key)
         */
        Outcome apply(String key, Function<Payments, PaymentResult> effect);

        /**
         * All payments made so far through this ledger.
         *
         * @return a snapshot keyed by payment id
         */
        Map<String, Payment> payments();
    }

    /**
     * Creates an in-memory ledger, to share among several ports of one JVM (each port built with
     * {@link #SimulatedPaymentPort()} has its own).
     *
     * @return a new, empty in-memory ledger
     */
    public static Ledger inMemoryLedger() {
        return new InMemoryLedger();
    }

    /** The default ledger: maps guarded by one lock; an effect's saves are kept only if it returns. */
    private static final class InMemoryLedger implements Ledger {
        private final Map<String, PaymentResult> byKey = new ConcurrentHashMap<>();
        private final Map<String, Payment> payments = new ConcurrentHashMap<>();

        @Override
        public synchronized Outcome apply(String key, Function<Payments, PaymentResult> effect) {
            Objects.requireNonNull(key, "key");
            PaymentResult stored = byKey.get(key);
            if (stored != null) {
                return new Outcome(stored, false);
            }
            Map<String, Payment> writes = new LinkedHashMap<>();
            PaymentResult result = effect.apply(new Payments() {
                @Override
                public Optional<Payment> find(String paymentId) {
                    Payment p = writes.get(paymentId);
                    return Optional.ofNullable(p != null ? p : payments.get(paymentId));
                }

                @Override
                public void save(Payment payment) {
                    writes.put(payment.id(), payment);
                }
            });
            Objects.requireNonNull(result, "effect result");
            payments.putAll(writes);
            byKey.put(key, result);
            return new Outcome(result, true);
        }

        @Override
        public synchronized Map<String, Payment> payments() {
            return Map.copyOf(payments);
        }
    }

    private final Ledger ledger;
    /** Where an aimed fault strikes a call. */
    public enum FaultPoint {
        /** The call fails with {@link PaymentUnavailableException} before the gateway applies anything. */
        BEFORE_APPLYING,
        /** The gateway applies the call, then the caller gets {@link PaymentUnavailableException} (a timeout). */
        AFTER_APPLYING
    }

    private record AimedFault(FaultPoint point, String operation, String keyPrefix, AtomicInteger remaining) {
        boolean matches(FaultPoint p, String op, String key) {
            return point == p
                    && (operation == null || operation.equals(op))
                    && (keyPrefix == null || key.startsWith(keyPrefix));
        }
    }

    private final List<AimedFault> aimed = new CopyOnWriteArrayList<>();
    /** Unique per instance, so payment ids of simulated gateways in several JVMs never collide. */
    private final String instance = UUID.randomUUID().toString().substring(0, 8);

    private final AtomicInteger failNext = new AtomicInteger();
    private final AtomicInteger failAfterApplying = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger applied = new AtomicInteger();
    private final AtomicInteger calls = new AtomicInteger();
    private volatile Duration latency = Duration.ZERO;

    /** Creates a gateway with its own in-memory ledger, no latency and no injected failures. */
    public SimulatedPaymentPort() {
        this(new InMemoryLedger());
    }

    /**
     * Creates a gateway on a given ledger, no latency and no injected failures. Ports sharing a
     * ledger share keys and payments: a key applied through one is a replay through the others.
     *
     * @param ledger where keys and payments are kept
     */
    public SimulatedPaymentPort(Ledger ledger) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
    }

    /**
     * The ledger this gateway keeps its state in.
     *
     * @return the ledger
     */
    public Ledger ledger() {
        return ledger;
    }

    /**
     * Makes the next {@code n} calls fail with {@link PaymentUnavailableException} without applying.
     *
     * @param n number of calls
     * @return this
     */
    public SimulatedPaymentPort failNext(int n) {
        failNext.set(n);
        return this;
    }

    /**
     * Makes the next {@code n} calls apply their effect and then fail (the caller cannot tell).
     *
     * @param n number of calls
     * @return this
     */
    public SimulatedPaymentPort failNextAfterApplying(int n) {
        failAfterApplying.set(n);
        return this;
    }

    /**
     * Aims a fault at calls of one operation and/or key: the next {@code times} matching calls fail
     * at {@code point}.
     *
     * @param point before or after the gateway applies the call
     * @param operation {@code authorize}, {@code capture}, {@code void}, {@code refund}, or {@code null} for any
     * @param keyPrefix only calls whose idempotency key starts with it ({@code null}: any key), e.g. an order id
     * @param times number of calls to fail, at least 1
     * @return this
     */
    public SimulatedPaymentPort failWhen(FaultPoint point, String operation, String keyPrefix, int times) {
        Objects.requireNonNull(point, "point");
        if (times < 1) {
            throw new IllegalArgumentException("times must be >= 1: " + times);
        }
        aimed.add(new AimedFault(point, operation, keyPrefix, new AtomicInteger(times)));
        return this;
    }

    private boolean aimedFault(FaultPoint point, String operation, String key) {
        for (AimedFault f : aimed) {
            if (f.matches(point, operation, key) && f.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Payments that still hold the customer's money without being captured: authorized or waiting
     * for customer action, per order id.
     *
     * @return order id → live payment ids
     */
    public Map<String, List<String>> liveAuthorizationsByOrder() {
        Map<String, List<String>> out = new TreeMap<>();
        for (Payment p : ledger.payments().values()) {
            if (p.status() == Status.AUTHORIZED || p.status() == Status.REQUIRES_ACTION) {
                out.computeIfAbsent(p.orderId(), k -> new ArrayList<>()).add(p.id());
            }
        }
        return out;
    }

    /**
     * Sets an artificial latency per call.
     *
     * @param value the latency
     * @return this
     */
    public SimulatedPaymentPort latency(Duration value) {
        this.latency = Objects.requireNonNull(value, "latency");
        return this;
    }

    /**
     * The artificial latency currently set ({@link #latency(Duration)}; zero by default): a simulated
     * call takes that long plus the in-memory work, which is negligible. A kit reads it when it is
     * built to size its lease, so set the latency before building the kit.
     *
     * @return the latency per call
     */
    @Override
    public Duration callTimeout() {
        return latency;
    }

    /**
     * Number of calls through this port that applied an effect (idempotent replays excluded).
     *
     * @return the count
     */
    public int appliedCount() {
        return applied.get();
    }

    /**
     * Number of calls received by this port, replays and failures included.
     *
     * @return the count
     */
    public int callCount() {
        return calls.get();
    }

    /**
     * All payments made so far through this port's ledger (by every port sharing it).
     *
     * @return an immutable snapshot keyed by payment id
     */
    public Map<String, Payment> payments() {
        return Map.copyOf(ledger.payments());
    }

    @Override
    public PaymentResult authorize(AuthorizeRequest request) {
        return call("authorize", request.idempotencyKey(), payments -> {
            String method = request.paymentMethod();
            if (method.startsWith("pm_decline")) {
                return new PaymentResult.Declined("card_declined", "Your card was declined.");
            }
            String id = "sim_pi_" + instance + "_" + ids.incrementAndGet();
            boolean action = method.startsWith("pm_action");
            payments.save(new Payment(
                    id, request.orderId(), request.amount(), action ? Status.REQUIRES_ACTION : Status.AUTHORIZED, 0));
            return action ? new PaymentResult.ActionRequired(id, "redirect_to_url") : new PaymentResult.Approved(id);
        });
    }

    @Override
    public PaymentResult capture(String idempotencyKey, String paymentId, Money amount) {
        return call("capture", idempotencyKey, payments -> {
            Payment p = existing(payments, paymentId);
            if (p.status() == Status.CAPTURED) {
                return new PaymentResult.Approved(paymentId);
            }
            if (p.status() != Status.AUTHORIZED) {
                return new PaymentResult.Declined("payment_intent_unexpected_state", "cannot capture " + p.status());
            }
            payments.save(new Payment(paymentId, p.orderId(), p.amount(), Status.CAPTURED, 0));
            return new PaymentResult.Approved(paymentId);
        });
    }

    @Override
    public PaymentResult voidAuthorization(String idempotencyKey, String paymentId) {
        return call("void", idempotencyKey, payments -> {
            Payment p = existing(payments, paymentId);
            if (p.status() == Status.CAPTURED) {
                return new PaymentResult.Declined("payment_intent_unexpected_state", "already captured");
            }
            payments.save(new Payment(paymentId, p.orderId(), p.amount(), Status.VOIDED, 0));
            return new PaymentResult.Approved(paymentId);
        });
    }

    @Override
    public PaymentResult refund(String idempotencyKey, String paymentId, Money amount) {
        return call("refund", idempotencyKey, payments -> {
            Payment p = existing(payments, paymentId);
            if (p.status() != Status.CAPTURED
                    || p.refundedMinor() + amount.minor() > p.amount().minor()) {
                return new PaymentResult.Declined("charge_not_refundable", "cannot refund " + amount.minor());
            }
            payments.save(new Payment(
                    paymentId, p.orderId(), p.amount(), Status.CAPTURED, p.refundedMinor() + amount.minor()));
            return new PaymentResult.Approved(paymentId);
        });
    }

    private static Payment existing(Ledger.Payments payments, String paymentId) {
        return payments.find(paymentId)
                .orElseThrow(() -> new PaymentRejectedException("no such payment: " + paymentId, null));
    }

    /**
     * Looks the key up without creating anything: an approval stored under it is voided; a key
     * never used is tombstoned with a decline, so an authorize call with that key still in flight
     * (from a worker whose lease lapsed) can no longer authorize anything. The tombstone goes through
     * the ledger like any call, so it holds for every port sharing the ledger; it does not count
     * as an applied call.
     */
    @Override
    public Optional<PaymentResult> voidAuthorizationByKey(AuthorizeRequest authorization, String voidKey) {
        PaymentResult original = ledger.apply(
                        authorization.idempotencyKey(),
                        payments -> new PaymentResult.Declined("authorization_voided", "voided before it was made"))
                .result();
        if (original instanceof PaymentResult.Approved a) {
            return Optional.of(voidAuthorization(voidKey, a.paymentId()));
        }
        if (original instanceof PaymentResult.ActionRequired a) {
            return Optional.of(voidAuthorization(voidKey, a.paymentId()));
        }
        return Optional.empty();
    }

    private PaymentResult call(String operation, String key, Function<Ledger.Payments, PaymentResult> effect) {
        Objects.requireNonNull(key, "idempotencyKey");
        calls.incrementAndGet();
        sleep();
        if (aimedFault(FaultPoint.BEFORE_APPLYING, operation, key)) {
            throw new PaymentUnavailableException(
                    "simulated gateway failure before " + operation, Duration.ofMillis(1), null);
        }
        if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new PaymentUnavailableException("simulated gateway timeout", Duration.ofMillis(1), null);
        }
        Ledger.Outcome outcome = ledger.apply(key, effect);
        if (outcome.applied()) {
            applied.incrementAndGet();
        }
        PaymentResult result = outcome.result();
        if (aimedFault(FaultPoint.AFTER_APPLYING, operation, key)
                || failAfterApplying.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new PaymentUnavailableException("simulated timeout after the gateway applied the call", null, null);
        }
        return result;
    }

    private void sleep() {
        Duration d = latency;
        if (!d.isZero()) {
            try {
                Thread.sleep(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PaymentUnavailableException("interrupted", null, e);
            }
        }
    }
}
