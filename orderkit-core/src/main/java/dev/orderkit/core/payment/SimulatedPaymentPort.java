package dev.orderkit.core.payment;

import dev.orderkit.core.Money;
import dev.orderkit.core.PaymentRejectedException;
import dev.orderkit.core.PaymentUnavailableException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A deterministic, in-process payment gateway for tests and demos. Thread-safe.
 *
 * <p>Behaves like an idempotent gateway: a repeated call with the same idempotency key returns the
 * stored result and applies nothing twice. Payment methods decide the outcome: a method starting
 * with {@code pm_decline} is declined, {@code pm_action} requires action, anything else is
 * approved. Transient failures can be injected: {@link #failNext(int)} makes the next N calls throw
 * {@link PaymentUnavailableException} before applying anything, and {@link #failNextAfterApplying(int)}
 * applies the next N calls but then throws (an ambiguous timeout).
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
    public record Payment(String id, String orderId, Money amount, Status status, long refundedMinor) {
    }

    private final Map<String, PaymentResult> byKey = new ConcurrentHashMap<>();
    private final Map<String, Payment> payments = new ConcurrentHashMap<>();
    private final AtomicInteger failNext = new AtomicInteger();
    private final AtomicInteger failAfterApplying = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger applied = new AtomicInteger();
    private final AtomicInteger calls = new AtomicInteger();
    private volatile Duration latency = Duration.ZERO;

    /** Creates a gateway with no latency and no injected failures. */
    public SimulatedPaymentPort() {
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
     * Number of calls that applied an effect (idempotent replays excluded).
     *
     * @return the count
     */
    public int appliedCount() {
        return applied.get();
    }

    /**
     * Number of calls received, replays and failures included.
     *
     * @return the count
     */
    public int callCount() {
        return calls.get();
    }

    /**
     * All payments made so far.
     *
     * @return an immutable snapshot keyed by payment id
     */
    public Map<String, Payment> payments() {
        return Map.copyOf(payments);
    }

    @Override
    public PaymentResult authorize(AuthorizeRequest request) {
        return call(request.idempotencyKey(), () -> {
            String method = request.paymentMethod();
            if (method.startsWith("pm_decline")) {
                return new PaymentResult.Declined("card_declined", "Your card was declined.");
            }
            String id = "sim_pi_" + ids.incrementAndGet();
            boolean action = method.startsWith("pm_action");
            payments.put(id, new Payment(id, request.orderId(), request.amount(),
                    action ? Status.REQUIRES_ACTION : Status.AUTHORIZED, 0));
            return action ? new PaymentResult.ActionRequired(id, "redirect_to_url")
                    : new PaymentResult.Approved(id);
        });
    }

    @Override
    public PaymentResult capture(String idempotencyKey, String paymentId, Money amount) {
        return call(idempotencyKey, () -> {
            Payment p = existing(paymentId);
            if (p.status() == Status.CAPTURED) {
                return new PaymentResult.Approved(paymentId);
            }
            if (p.status() != Status.AUTHORIZED) {
                return new PaymentResult.Declined("payment_intent_unexpected_state", "cannot capture " + p.status());
            }
            payments.put(paymentId, new Payment(paymentId, p.orderId(), p.amount(), Status.CAPTURED, 0));
            return new PaymentResult.Approved(paymentId);
        });
    }

    @Override
    public PaymentResult voidAuthorization(String idempotencyKey, String paymentId) {
        return call(idempotencyKey, () -> {
            Payment p = existing(paymentId);
            if (p.status() == Status.CAPTURED) {
                return new PaymentResult.Declined("payment_intent_unexpected_state", "already captured");
            }
            payments.put(paymentId, new Payment(paymentId, p.orderId(), p.amount(), Status.VOIDED, 0));
            return new PaymentResult.Approved(paymentId);
        });
    }

    @Override
    public PaymentResult refund(String idempotencyKey, String paymentId, Money amount) {
        return call(idempotencyKey, () -> {
            Payment p = existing(paymentId);
            if (p.status() != Status.CAPTURED || p.refundedMinor() + amount.minor() > p.amount().minor()) {
                return new PaymentResult.Declined("charge_not_refundable", "cannot refund " + amount.minor());
            }
            payments.put(paymentId, new Payment(paymentId, p.orderId(), p.amount(), Status.CAPTURED,
                    p.refundedMinor() + amount.minor()));
            return new PaymentResult.Approved(paymentId);
        });
    }

    private Payment existing(String paymentId) {
        Payment p = payments.get(paymentId);
        if (p == null) {
            throw new PaymentRejectedException("no such payment: " + paymentId, null);
        }
        return p;
    }

    private PaymentResult call(String key, java.util.function.Supplier<PaymentResult> effect) {
        Objects.requireNonNull(key, "idempotencyKey");
        calls.incrementAndGet();
        sleep();
        if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new PaymentUnavailableException("simulated gateway timeout", Duration.ofMillis(1), null);
        }
        PaymentResult result;
        synchronized (byKey) {
            result = byKey.get(key);
            if (result == null) {
                result = effect.get();
                byKey.put(key, result);
                applied.incrementAndGet();
            }
        }
        if (failAfterApplying.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
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
