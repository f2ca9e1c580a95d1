package dev.orderkit.examples.shop;

import dev.orderkit.core.Money;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The simulated payments, except that an authorization with the payment method {@value #GATED}
 * waits until the test opens the gate: a request that is provably still in flight.
 */
final class GatedPayments implements PaymentPort {
    static final String GATED = "pm_gated";
    private final SimulatedPaymentPort delegate = new SimulatedPaymentPort();
    volatile CountDownLatch entered = new CountDownLatch(1);
    volatile CountDownLatch gate = new CountDownLatch(1);

    void reset() {
        entered = new CountDownLatch(1);
        gate = new CountDownLatch(1);
    }

    @Override
    public PaymentResult authorize(AuthorizeRequest request) {
        if (request.paymentMethod().equals(GATED)) {
            entered.countDown();
            try {
                if (!gate.await(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never opened the gate");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
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
