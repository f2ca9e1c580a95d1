package dev.orderkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The lease covers the payment call budget, checked when the kit is built: a configured lease
 * shorter than the budget is rejected naming {@code lease}, the value and the budget; the default
 * lease is 30 s, raised to the budget when that is longer.
 */
class LeaseBudgetTest {
    /** 4 attempts of 40 s (Stripe's default connect + read timeouts) and 3 delays of up to 5 s + 25 %. */
    private static final Duration STRIPE_LIKE_BUDGET = Duration.ofMillis(4 * 40_000 + 3 * 6_250);

    /** A port that says how long its calls can take (the calls themselves are simulated). */
    private static final class TimedPort implements PaymentPort {
        private final SimulatedPaymentPort real = new SimulatedPaymentPort();
        private final Duration timeout;

        TimedPort(Duration timeout) {
            this.timeout = timeout;
        }

        @Override
        public Duration callTimeout() {
            return timeout;
        }

        @Override
        public PaymentResult authorize(AuthorizeRequest request) {
            return real.authorize(request);
        }

        @Override
        public PaymentResult capture(String key, String paymentId, Money amount) {
            return real.capture(key, paymentId, amount);
        }

        @Override
        public PaymentResult voidAuthorization(String key, String paymentId) {
            return real.voidAuthorization(key, paymentId);
        }

        @Override
        public PaymentResult refund(String key, String paymentId, Money amount) {
            return real.refund(key, paymentId, amount);
        }
    }

    /** A port that keeps {@link PaymentPort#callTimeout()}'s default. */
    private static final class UnsaidPort implements PaymentPort {
        private final SimulatedPaymentPort real = new SimulatedPaymentPort();

        @Override
        public PaymentResult authorize(AuthorizeRequest request) {
            return real.authorize(request);
        }

        @Override
        public PaymentResult capture(String key, String paymentId, Money amount) {
            return real.capture(key, paymentId, amount);
        }

        @Override
        public PaymentResult voidAuthorization(String key, String paymentId) {
            return real.voidAuthorization(key, paymentId);
        }

        @Override
        public PaymentResult refund(String key, String paymentId, Money amount) {
            return real.refund(key, paymentId, amount);
        }
    }

    @Test
    void theBudgetIsEveryAttemptAtItsTimeoutPlusEveryDelayAtItsCapWithJitter() {
        RetrySettings defaults = RetrySettings.defaults(); // 3 retries, delays capped at 5 s, jitter 0.25
        assertThat(defaults.paymentCallBudget(Duration.ofSeconds(40))).isEqualTo(STRIPE_LIKE_BUDGET);
        assertThat(defaults.paymentCallBudget(Duration.ZERO)).isEqualTo(Duration.ofMillis(18_750));
        RetrySettings none = RetrySettings.none(); // one attempt, no delay
        assertThat(none.paymentCallBudget(Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
        RetrySettings noJitter = new RetrySettings(
                0,
                Duration.ofMillis(1),
                Duration.ofMillis(1),
                0,
                Duration.ofMillis(1),
                Duration.ofMillis(1),
                2,
                Duration.ofMillis(100),
                Duration.ofSeconds(1),
                5,
                Duration.ofSeconds(1),
                0);
        assertThat(noJitter.paymentCallBudget(Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(32));
        assertThatThrownBy(() -> defaults.paymentCallBudget(Duration.ofSeconds(-1)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("callTimeout");
    }

    @Test
    void aConfiguredLeaseShorterThanTheBudgetIsRejectedNamingLeaseValueAndBudget() {
        OrderKit.Builder builder = OrderKit.builder()
                .paymentPort(new TimedPort(Duration.ofSeconds(40)))
                .lease(Duration.ofSeconds(30));
        assertThatThrownBy(builder::build)
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.field()).isEqualTo("lease");
                    assertThat(e.value()).isEqualTo("PT30S");
                })
                .hasMessageContaining("payment call budget")
                .hasMessageContaining(STRIPE_LIKE_BUDGET.toString()) // PT2M58.75S
                .hasMessageContaining("PT40S");
        // one millisecond short is still short; the budget itself is enough
        assertThatThrownBy(() -> OrderKit.builder()
                        .paymentPort(new TimedPort(Duration.ofSeconds(40)))
                        .lease(STRIPE_LIKE_BUDGET.minusMillis(1))
                        .build())
                .isInstanceOf(InvalidRequestException.class);
        OrderKit exact = OrderKit.builder()
                .paymentPort(new TimedPort(Duration.ofSeconds(40)))
                .lease(STRIPE_LIKE_BUDGET)
                .build();
        assertThat(exact.config().lease()).isEqualTo(STRIPE_LIKE_BUDGET);
    }

    @Test
    void fewerRetriesMakeAShortLeaseValid() {
        OrderKit kit = OrderKit.builder()
                .paymentPort(new TimedPort(Duration.ofSeconds(5)))
                .retry(RetrySettings.defaults().withPaymentRetries(1, Duration.ofMillis(100), Duration.ofSeconds(1)))
                .lease(Duration.ofSeconds(12)) // 2 × 5 s + 1 s × 1.25
                .build();
        assertThat(kit.config().lease()).isEqualTo(Duration.ofSeconds(12));
        assertThatThrownBy(() -> OrderKit.builder()
                        .paymentPort(new TimedPort(Duration.ofSeconds(5)))
                        .lease(Duration.ofSeconds(12)) // with the default 3 retries the budget is 38.75 s
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("PT38.75S");
    }

    @Test
    void theDefaultLeaseIsThirtySecondsOrTheBudgetWhenThatIsLonger() {
        assertThat(OrderKit.builder().build().config().lease())
                .as("simulated gateway: budget 18.75 s")
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(OrderKit.builder()
                        .paymentPort(new TimedPort(Duration.ofSeconds(40)))
                        .build()
                        .config()
                        .lease())
                .as("raised to the budget")
                .isEqualTo(STRIPE_LIKE_BUDGET);
        assertThat(OrderKit.builder()
                        .paymentPort(new UnsaidPort())
                        .build()
                        .config()
                        .lease())
                .as("a port that does not say is assumed to take up to 30 s a call")
                .isEqualTo(RetrySettings.defaults().paymentCallBudget(PaymentPort.DEFAULT_CALL_TIMEOUT))
                .isEqualTo(Duration.ofMillis(4 * 30_000 + 3 * 6_250));
        assertThat(OrderKit.builder()
                        .paymentPort(new SimulatedPaymentPort().latency(Duration.ofSeconds(3)))
                        .build()
                        .config()
                        .lease())
                .as("the simulated gateway's latency is its call timeout: 4 × 3 s + 18.75 s")
                .isEqualTo(Duration.ofMillis(30_750));
    }

    @Test
    void aBudgetLongerThanTheLongestLeaseIsRejected() {
        OrderKit.Builder builder = OrderKit.builder()
                .paymentPort(new TimedPort(Duration.ofMinutes(5)))
                .retry(RetrySettings.defaults().withPaymentRetries(20, Duration.ofMillis(100), Duration.ofSeconds(5)));
        assertThatThrownBy(builder::build)
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("lease"))
                .hasMessageContaining("payment call budget")
                .hasMessageContaining("PT1H");
    }
}
