package dev.orderkit.micrometer;

import dev.orderkit.core.Money;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;

/** A simulated gateway tests hook into before each authorization. */
class DelegatingPort implements PaymentPort {
    final SimulatedPaymentPort delegate = new SimulatedPaymentPort();

    /** Runs before each authorization. */
    void beforeAuthorize(AuthorizeRequest request) {}

    @Override
    public PaymentResult authorize(AuthorizeRequest request) {
        beforeAuthorize(request);
        return delegate.authorize(request);
    }

    @Override
    public PaymentResult capture(String idempotencyKey, String paymentId, Money amount) {
        return delegate.capture(idempotencyKey, paymentId, amount);
    }

    @Override
    public PaymentResult voidAuthorization(String idempotencyKey, String paymentId) {
        return delegate.voidAuthorization(idempotencyKey, paymentId);
    }

    @Override
    public PaymentResult refund(String idempotencyKey, String paymentId, Money amount) {
        return delegate.refund(idempotencyKey, paymentId, amount);
    }
}
