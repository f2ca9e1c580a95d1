package dev.orderkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.AsyncPlacement;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.Money;
import dev.orderkit.core.PaymentPacing;
import dev.orderkit.core.PaymentRateLimitedException;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentPermits;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.PaymentResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The pace of payment calls: the rate holds, authorizations go before background calls, a 429
 * pauses every call, a call that waits too long fails without reaching the gateway.
 */
class PacedPaymentPortTest {

    /** A gateway that records the order of its calls and can answer 429. */
    private static final class Gateway implements PaymentPort {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger tooMany = new AtomicInteger();
        volatile Duration retryAfter = Duration.ofMillis(300);

        private PaymentResult answer(String call) {
            calls.add(call);
            if (tooMany.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new PaymentRateLimitedException("429", retryAfter, null);
            }
            return new PaymentResult.Approved("pay_" + calls.size());
        }

        @Override
        public PaymentResult authorize(AuthorizeRequest request) {
            return answer("authorize");
        }

        @Override
        public PaymentResult capture(String idempotencyKey, String paymentId, Money amount) {
            return answer("capture");
        }

        @Override
        public PaymentResult voidAuthorization(String idempotencyKey, String paymentId) {
            return answer("void");
        }

        @Override
        public PaymentResult refund(String idempotencyKey, String paymentId, Money amount) {
            return answer("refund");
        }
    }

    private static AuthorizeRequest authorization(int i) {
        return new AuthorizeRequest("k" + i + ":authorize", "o" + i, Money.of(100, "EUR"), "pm_card", Map.of());
    }

    @Test
    void callsFollowThePace() throws Exception {
        Gateway gateway = new Gateway();
        PacedPaymentPort port = new PacedPaymentPort(gateway, PaymentPacing.perSecond(50));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int n = i;
            done.add(pool.submit(() -> port.authorize(authorization(n))));
        }
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        // 40 calls at 50/s, evenly spaced: at least 39 intervals of 20 ms
        assertThat(seconds).isGreaterThan(0.7);
        assertThat(gateway.calls).hasSize(40);
    }

    @Test
    void authorizationsGoBeforeBackgroundCalls() throws Exception {
        Gateway gateway = new Gateway();
        AtomicBoolean open = new AtomicBoolean();
        ThreadLocal<String> kind = new ThreadLocal<>();
        List<String> grants = Collections.synchronizedList(new ArrayList<>());
        // a limiter closed until the test opens it; records who got each permit
        PaymentPermits permits = () -> {
            if (!open.get()) {
                return Duration.ofMillis(5);
            }
            grants.add(kind.get());
            return Duration.ZERO;
        };
        PacedPaymentPort port = new PacedPaymentPort(gateway, PaymentPacing.shared(permits, 100));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            done.add(pool.submit(() -> {
                kind.set("capture");
                return port.capture("c", "pay", Money.of(1, "EUR"));
            }));
        }
        Thread.sleep(50); // the captures wait first
        for (int i = 0; i < 3; i++) {
            int n = i;
            done.add(pool.submit(() -> {
                kind.set("authorize");
                return port.authorize(authorization(n));
            }));
        }
        Thread.sleep(100); // every call is waiting now
        open.set(true);
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        // every authorization that was waiting got its permit before any waiting capture
        assertThat(grants).containsExactly("authorize", "authorize", "authorize", "capture", "capture", "capture");
    }

    @Test
    void a429PausesEveryCallForItsRetryAfter() {
        Gateway gateway = new Gateway();
        gateway.tooMany.set(1);
        PacedPaymentPort port = new PacedPaymentPort(gateway, PaymentPacing.unlimited());
        assertThatThrownBy(() -> port.authorize(authorization(1))).isInstanceOf(PaymentRateLimitedException.class);
        assertThat(port.paused()).isTrue();
        assertThat(port.rateLimitedAnswers()).isEqualTo(1);

        long start = System.nanoTime();
        port.refund("r", "pay", Money.of(1, "EUR")); // waits out the pause, then calls once
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(waitedMs).isGreaterThanOrEqualTo(200);
        assertThat(gateway.calls).containsExactly("authorize", "refund");
        assertThat(port.paused()).isFalse();
    }

    @Test
    void aCallThatCannotGetAPermitInTimeNeverReachesTheGateway() {
        Gateway gateway = new Gateway();
        PaymentPermits never = () -> Duration.ofSeconds(1);
        PacedPaymentPort port =
                new PacedPaymentPort(gateway, PaymentPacing.shared(never, 1).withMaxWait(Duration.ofMillis(100)));
        assertThatThrownBy(() -> port.authorize(authorization(1)))
                .isInstanceOf(PaymentRateLimitedException.class)
                .hasMessageContaining("no payment permit");
        assertThat(gateway.calls).isEmpty();
        assertThat(port.permitTimeouts()).isEqualTo(1);
    }

    @Test
    void aFailingSharedLimiterIsWaitedOutNotBypassed() {
        Gateway gateway = new Gateway();
        AtomicInteger failures = new AtomicInteger(3);
        PaymentPermits flaky = () -> {
            if (failures.getAndDecrement() > 0) {
                throw new IllegalStateException("store down");
            }
            return Duration.ZERO;
        };
        PacedPaymentPort port = new PacedPaymentPort(gateway, PaymentPacing.shared(flaky, 10));
        port.authorize(authorization(1));
        assertThat(gateway.calls).containsExactly("authorize");
        assertThat(failures.get()).isNegative();
    }

    @Test
    void settingsNameTheFieldThatIsOutOfRange() {
        assertThatThrownBy(() -> PaymentPacing.perSecond(0))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("rate"));
        assertThatThrownBy(() -> PaymentPacing.unlimited().withMaxWait(Duration.ofMinutes(11)))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("maxWait"));
        assertThatThrownBy(() -> AsyncPlacement.defaults().withWorkers(0))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("workers"));
        assertThatThrownBy(() -> AsyncPlacement.defaults().withMaxBacklog(0))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("maxBacklog"));
    }
}
