package dev.orderkit.stripe;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.stripe.fake.FakeStripeServer;
import java.time.Duration;

/** Test wiring: fake Stripe + StripePaymentPort + an in-memory OrderKit using it. */
final class StripeKit implements AutoCloseable {
    static final String API_KEY = "sk_test_kit_" + Long.toHexString(System.nanoTime());
    static final Scope SCOPE = Scope.of("shop-1");
    final FakeStripeServer server = new FakeStripeServer(API_KEY);
    final StripePaymentPort port;
    final OrderKit kit;

    StripeKit(CaptureMode mode) {
        port = StripePaymentPort.builder()
                .apiKey(API_KEY)
                .apiBase(server.baseUrl())
                .captureMode(mode)
                .readTimeout(Duration.ofMillis(400))
                .build();
        kit = OrderKit.builder()
                .paymentPort(port)
                .retry(RetrySettings.defaults()
                        .withPaymentRetries(5, Duration.ofMillis(5), Duration.ofMillis(200))
                        .withBreaker(1000, Duration.ofSeconds(1)))
                .inProgressWait(Duration.ofSeconds(20))
                .build();
        kit.stock().adjust(StockKey.of("sku-1"), 10, "initial");
    }

    PlaceOrderResult place(String key, String paymentMethod, long qty) {
        return kit.orders()
                .place(PlaceOrderRequest.builder(SCOPE, IdempotencyKey.of(key))
                        .customerRef("cust-1")
                        .currency("eur")
                        .paymentMethod(paymentMethod)
                        .line("sku-1", qty, 1250)
                        .build());
    }

    long available() {
        return kit.stock().level(StockKey.of("sku-1")).orElseThrow().available();
    }

    long onHand() {
        return kit.stock().level(StockKey.of("sku-1")).orElseThrow().onHand();
    }

    @Override
    public void close() {
        server.close();
    }
}
