package dev.orderkit.testkit;

import dev.orderkit.core.Money;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import java.time.Duration;

/**
 * A {@link SimulatedPaymentPort} behind a gate that may refuse a call before it has any effect (a
 * gateway's rate limit, a storm of 429s): each call (authorize, capture, void, refund) first passes
 * {@link #admit(String)}, which throws to refuse it. Thread-safe if {@code admit} is.
 */
public abstract class GatedPaymentPort implements PaymentPort {
    private final SimulatedPaymentPort delegate;

    /**
     * Wraps a simulated gateway.
     *
     * @param delegate the gateway behind the gate
     */
    protected GatedPaymentPort(SimulatedPaymentPort delegate) {
        this.delegate = delegate;
    }

    /**
     * Lets a call through, or refuses it by throwing (e.g. a
     * {@link dev.orderkit.core.PaymentRateLimitedException}).
     *
     * @param call {@code authorize}, {@code capture}, {@code void} or {@code refund}
     */
    protected abstract void admit(String call);

    /**
     * The simulated gateway behind the gate (its ledger, for money checks).
     *
     * @return the delegate
     */
    public final SimulatedPaymentPort simulated() {
        return delegate;
    }

    @Override
    public PaymentResult authorize(AuthorizeRequest request) {
        admit("authorize");
        return delegate.authorize(request);
    }

    @Override
    public PaymentResult capture(String idempotencyKey, String paymentId, Money amount) {
        admit("capture");
        return delegate.capture(idempotencyKey, paymentId, amount);
    }

    @Override
    public PaymentResult voidAuthorization(String idempotencyKey, String paymentId) {
        admit("void");
        return delegate.voidAuthorization(idempotencyKey, paymentId);
    }

    @Override
    public PaymentResult refund(String idempotencyKey, String paymentId, Money amount) {
        admit("refund");
        return delegate.refund(idempotencyKey, paymentId, amount);
    }

    @Override
    public Duration callTimeout() {
        return delegate.callTimeout();
    }
}
