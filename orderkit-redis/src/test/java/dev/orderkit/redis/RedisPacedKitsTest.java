package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Money;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PaymentPacing;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.testkit.TestServices;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * Two kits (two application instances, each with its own Redis client) paced by one
 * {@link RedisPaymentPermits} bucket call their gateway at the shared pace together: core's paced
 * payment calls and the Bucket4j bucket end to end.
 */
class RedisPacedKitsTest {
    private static final double RATE = 20;

    /** Counts every gateway call of both kits. */
    private static final class CountingPort implements PaymentPort {
        private final PaymentPort delegate = new SimulatedPaymentPort();
        private final AtomicInteger calls;

        CountingPort(AtomicInteger calls) {
            this.calls = calls;
        }

        @Override
        public PaymentResult authorize(AuthorizeRequest request) {
            calls.incrementAndGet();
            return delegate.authorize(request);
        }

        @Override
        public PaymentResult capture(String idempotencyKey, String paymentId, Money amount) {
            calls.incrementAndGet();
            return delegate.capture(idempotencyKey, paymentId, amount);
        }

        @Override
        public PaymentResult voidAuthorization(String idempotencyKey, String paymentId) {
            calls.incrementAndGet();
            return delegate.voidAuthorization(idempotencyKey, paymentId);
        }

        @Override
        public PaymentResult refund(String idempotencyKey, String paymentId, Money amount) {
            calls.incrementAndGet();
            return delegate.refund(idempotencyKey, paymentId, amount);
        }
    }

    @Test
    void twoKitsSharingOneBucketCallTheGatewayAtTheSharedPace() throws Exception {
        String prefix = TestServices.uniqueName("okpk") + ":";
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger placed = new AtomicInteger();
        String url = RedisTestServices.standaloneUrl();
        try (UnifiedJedis clientA = RedisClient.create(URI.create(url));
                UnifiedJedis clientB = RedisClient.create(URI.create(url))) {
            List<OrderKit> kits = new ArrayList<>();
            long burst = 0;
            for (UnifiedJedis client : List.of(clientA, clientB)) {
                RedisPaymentPermits permits = RedisPaymentPermits.builder()
                        .client(client)
                        .keyPrefix(prefix)
                        .permitsPerSecond(RATE)
                        .build();
                burst = permits.burst();
                OrderKit kit = OrderKit.builder()
                        .paymentPort(new CountingPort(calls))
                        .paymentPacing(PaymentPacing.shared(permits, permits.permitsPerSecond()))
                        .build();
                kit.stock().adjust(StockKey.of("sku-1"), 1_000_000, "test");
                kits.add(kit);
            }
            ExecutorService pool = Executors.newFixedThreadPool(6);
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(2);
            double elapsed;
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 6; t++) {
                    OrderKit kit = kits.get(t % 2);
                    futures.add(pool.submit(() -> {
                        while (System.nanoTime() < end) {
                            PlaceOrderRequest req = PlaceOrderRequest.builder(
                                            Scope.of("paced"), IdempotencyKey.of("k-" + UUID.randomUUID()))
                                    .line("sku-1", 1, 100)
                                    .build();
                            if (kit.orders().place(req).outcome() == PlacementOutcome.PLACED) {
                                placed.incrementAndGet();
                            }
                        }
                    }));
                }
                for (Future<?> f : futures) {
                    f.get(60, TimeUnit.SECONDS);
                }
                elapsed = (System.nanoTime() - start) / 1e9;
            } finally {
                pool.shutdownNow();
                kits.forEach(OrderKit::close);
                RedisBackend.builder().client(clientA).keyPrefix(prefix).build().deleteAllKeys();
            }
            double allowed = RATE * elapsed + burst;
            String what = calls.get() + " gateway calls, " + placed.get() + " orders placed in " + elapsed + " s at "
                    + RATE + "/s, burst " + burst;
            System.out.println("redis paced kits: " + what);
            assertThat((double) calls.get()).as(what).isLessThanOrEqualTo(allowed * 1.02 + 2);
            assertThat((double) calls.get()).as(what).isGreaterThanOrEqualTo(allowed / 2);
            assertThat(placed.get()).as(what).isPositive().isLessThanOrEqualTo(calls.get());
        }
    }
}
