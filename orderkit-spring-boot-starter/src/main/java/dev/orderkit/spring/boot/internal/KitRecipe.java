package dev.orderkit.spring.boot.internal;

import dev.orderkit.core.AsyncPlacement;
import dev.orderkit.core.Background;
import dev.orderkit.core.BackgroundTask;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PaymentPacing;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StepTransactions;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.spring.boot.OrderKitBuilderCustomizer;
import dev.orderkit.spring.boot.OrderKitProperties;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything an {@link OrderKit} is built from, so the application's kit and the background kit
 * share stores, payment port and settings. Immutable; {@link #builder()} returns a fresh builder.
 *
 * @param properties the bound properties
 * @param stock stock storage
 * @param keys idempotency store
 * @param orders order store
 * @param inbox inbox store
 * @param sink event sink
 * @param payments payment port, or null for the kit's simulated one
 * @param steps atomic phases, or null
 * @param outbox outbox publishing round (reporting to {@code instrumentation}), or null
 * @param instrumentation what every kit built from this recipe reports to ({@link
 *     Instrumentation#noop()} when the context has none); a customizer may still replace it
 * @param pacing the pace of payment calls ({@code orderkit.payment-pacing.*}), one limiter shared
 *     by every kit built from this recipe
 * @param async asynchronous placement ({@code orderkit.async-placement.*})
 * @param customizers the application's customizers, in order
 */
public record KitRecipe(
        OrderKitProperties properties,
        StockStorage stock,
        IdempotencyStore keys,
        OrderStore orders,
        InboxStore inbox,
        EventSink sink,
        @Nullable PaymentPort payments,
        @Nullable StepTransactions steps,
        @Nullable BackgroundTask outbox,
        Instrumentation instrumentation,
        PaymentPacing pacing,
        AsyncPlacement async,
        List<OrderKitBuilderCustomizer> customizers) {

    /**
     * A builder with every part and setting, background work off.
     *
     * @return the builder
     */
    public OrderKit.Builder builder() {
        OrderKit.Builder b = OrderKit.builder()
                .stockStorage(stock)
                .idempotencyStore(keys)
                .orderStore(orders)
                .inboxStore(inbox)
                .eventSink(sink)
                .keyRetention(properties.getKeyRetention())
                .reservationTtl(properties.getReservationTtl())
                .stuckAfter(properties.getStuckAfter())
                .inProgressWait(properties.getInProgressWait())
                .paymentPacing(pacing)
                .asyncPlacement(async)
                .instrumentation(instrumentation);
        Duration lease = properties.getLease();
        if (lease != null) {
            b.lease(lease);
        }
        if (payments != null) {
            b.paymentPort(payments);
        }
        if (steps != null) {
            b.stepTransactions(steps);
        }
        for (OrderKitBuilderCustomizer c : customizers) {
            c.customize(b);
        }
        return b;
    }

    /**
     * A kit with background work on, per {@code orderkit.background.*}.
     *
     * @return the kit (its tasks started)
     */
    public OrderKit backgroundKit() {
        OrderKitProperties.Background p = properties.getBackground();
        OrderKit.Builder b = builder()
                .background(Background.on()
                        .withRecoveryEvery(p.getRecoveryEvery())
                        .withExpiryEvery(p.getExpiryEvery())
                        .withOutboxEvery(p.getOutboxEvery())
                        .withPurgeEvery(p.getPurgeEvery())
                        .withInitialDelay(p.getInitialDelay())
                        .withShutdownTimeout(p.getShutdownTimeout()));
        if (outbox != null) {
            b.outboxPublishing(outbox);
        }
        return b.build();
    }
}
