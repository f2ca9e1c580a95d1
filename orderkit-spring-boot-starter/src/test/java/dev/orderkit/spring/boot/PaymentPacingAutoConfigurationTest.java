package dev.orderkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AsyncPlacement;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PaymentPacing;
import dev.orderkit.core.payment.PaymentPermits;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code orderkit.payment-pacing.*} and {@code orderkit.async-placement.*} reach the kit's config. */
class PaymentPacingAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(OrderKitAutoConfiguration.class))
            .withPropertyValues("orderkit.background.enabled=false");

    @Test
    void withoutPropertiesTheKitHasCoresDefaults() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            OrderKit kit = ctx.getBean(OrderKit.class);
            PaymentPacing pacing = kit.config().pacing();
            PaymentPacing unlimited = PaymentPacing.unlimited();
            assertThat(pacing.limited()).isFalse();
            assertThat(pacing.maxWait()).isEqualTo(unlimited.maxWait());
            assertThat(pacing.pauseWithoutHint()).isEqualTo(unlimited.pauseWithoutHint());
            assertThat(kit.config().async()).isEqualTo(AsyncPlacement.defaults());
        });
    }

    @Test
    void propertiesReachPacingAndAsyncPlacement() {
        runner.withPropertyValues(
                        "orderkit.payment-pacing.permits-per-second=40",
                        "orderkit.payment-pacing.max-wait=3s",
                        "orderkit.payment-pacing.pause-without-hint=250ms",
                        "orderkit.async-placement.workers=2",
                        "orderkit.async-placement.poll-every=50ms",
                        "orderkit.async-placement.max-backlog=500",
                        "orderkit.async-placement.hold-ttl=5m",
                        "orderkit.async-placement.backlog-refresh=0s")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    OrderKit kit = ctx.getBean(OrderKit.class);
                    PaymentPacing pacing = kit.config().pacing();
                    assertThat(pacing.permitsPerSecond()).isEqualTo(40.0);
                    assertThat(pacing.maxWait()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(pacing.pauseWithoutHint()).isEqualTo(Duration.ofMillis(250));
                    // this JVM's own smooth limiter: one permit every 25 ms
                    assertThat(pacing.permits().tryTake()).isZero();
                    assertThat(pacing.permits().tryTake()).isPositive();
                    assertThat(kit.config().async())
                            .isEqualTo(new AsyncPlacement(
                                    2, Duration.ofMillis(50), 500, Duration.ofMinutes(5), Duration.ZERO));
                });
    }

    @Test
    void aPaymentPermitsBeanIsSharedAtTheConfiguredRate() {
        AtomicInteger taken = new AtomicInteger();
        PaymentPermits shared = () -> {
            taken.incrementAndGet();
            return Duration.ZERO;
        };
        runner.withBean(PaymentPermits.class, () -> shared)
                .withPropertyValues("orderkit.payment-pacing.permits-per-second=20")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    PaymentPacing pacing = ctx.getBean(OrderKit.class).config().pacing();
                    assertThat(pacing.permits()).isSameAs(shared);
                    assertThat(pacing.permitsPerSecond()).isEqualTo(20.0);
                    assertThat(pacing.maxWait()).isEqualTo(Duration.ofSeconds(10));
                });
    }

    @Test
    void aPaymentPermitsBeanWithoutARateFailsStartup() {
        runner.withBean(PaymentPermits.class, () -> () -> Duration.ZERO)
                .run(ctx -> assertThat(ctx)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("orderkit.payment-pacing.permits-per-second is required"));
    }

    @Test
    void outOfRangeValuesFailStartupNamingTheProperty() {
        runner.withPropertyValues("orderkit.async-placement.workers=0")
                .run(ctx -> assertThat(ctx)
                        .hasFailed()
                        .getFailure()
                        .hasStackTraceContaining("IllegalStateException: orderkit.async-placement: ")
                        .rootCause()
                        .isInstanceOf(InvalidRequestException.class)
                        .hasMessageContaining("workers"));
        runner.withPropertyValues("orderkit.payment-pacing.permits-per-second=0")
                .run(ctx -> assertThat(ctx)
                        .hasFailed()
                        .getFailure()
                        .hasStackTraceContaining("IllegalStateException: orderkit.payment-pacing: ")
                        .rootCause()
                        .isInstanceOf(InvalidRequestException.class)
                        .hasMessageContaining("rate"));
    }

    @Test
    void aHoldShorterThanAFullBacklogAtThePaceFailsStartup() {
        // 10,000 orders at 1 per second take almost 3 h: a 1 h hold would lapse in the backlog
        runner.withPropertyValues(
                        "orderkit.payment-pacing.permits-per-second=1",
                        "orderkit.async-placement.max-backlog=10000",
                        "orderkit.async-placement.hold-ttl=1h")
                .run(ctx -> assertThat(ctx)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("asyncPlacement.holdTtl"));
    }
}
