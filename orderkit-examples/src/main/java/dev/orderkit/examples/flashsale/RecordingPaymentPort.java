package dev.orderkit.examples.flashsale;

import dev.orderkit.core.Money;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.PaymentResult;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A payment port wrapper that records every authorization the gateway made, per order, and
 * turns every {@code timeoutEvery}-th authorize call into a timeout after the gateway applied it
 * (the kit must retry with the same key and get the same authorization back). Thread-safe.
 */
final class RecordingPaymentPort implements PaymentPort {
    private final PaymentPort delegate;
    private final int timeoutEvery;
    private final AtomicInteger authorizeCalls = new AtomicInteger();
    private final AtomicInteger timeouts = new AtomicInteger();
    private final Map<String, Set<String>> authorizationsByOrder = new ConcurrentHashMap<>();

    RecordingPaymentPort(PaymentPort delegate, int timeoutEvery) {
        this.delegate = delegate;
        this.timeoutEvery = timeoutEvery;
    }

    @Override
    public PaymentResult authorize(AuthorizeRequest request) {
        int call = authorizeCalls.incrementAndGet();
        PaymentResult result = delegate.authorize(request);
        String paymentId = null;
        if (result instanceof PaymentResult.Approved a) {
            paymentId = a.paymentId();
        } else if (result instanceof PaymentResult.ActionRequired a) {
            paymentId = a.paymentId();
        }
        if (paymentId != null) {
            authorizationsByOrder
                    .computeIfAbsent(request.orderId(), k -> ConcurrentHashMap.newKeySet())
                    .add(paymentId);
        }
        if (timeoutEvery > 0 && call % timeoutEvery == 0) {
            timeouts.incrementAndGet();
            throw new PaymentUnavailableException(
                    "simulated network timeout after the gateway applied the authorization",
                    Duration.ofMillis(5),
                    null);
        }
        return result;
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

    @Override
    public Optional<PaymentResult> voidAuthorizationByKey(AuthorizeRequest authorization, String voidKey) {
        return delegate.voidAuthorizationByKey(authorization, voidKey);
    }

    @Override
    public Duration callTimeout() {
        return delegate.callTimeout();
    }

    int authorizeCalls() {
        return authorizeCalls.get();
    }

    int timeouts() {
        return timeouts.get();
    }

    /** Distinct gateway authorizations per order id. */
    Map<String, Set<String>> authorizationsByOrder() {
        return Map.copyOf(authorizationsByOrder);
    }
}
