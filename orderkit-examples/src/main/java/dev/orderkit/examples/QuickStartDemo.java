package dev.orderkit.examples;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.IdempotencyKeyReuseException;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The quick-start demo on the embedded (in-memory) default: idempotent placement, replay, key
 * reuse, a decline, a flash sale of the last units, cancellation and fulfilment.
 *
 * <p>Run it with {@code mvn -q -pl orderkit-examples -am -DskipTests compile exec:java}.
 */
public final class QuickStartDemo {
    private QuickStartDemo() {}

    /**
     * Runs the demo and prints what happens.
     *
     * @param args ignored
     * @throws Exception if the flash-sale threads fail
     */
    public static void main(String[] args) throws Exception {
        SimulatedPaymentPort gateway = new SimulatedPaymentPort();
        OrderKit kit = OrderKit.builder().paymentPort(gateway).build();
        Scope shop = Scope.of("demo-shop");

        kit.stock().adjust(StockKey.of("tee-black-m"), 10, "initial stock");
        kit.stock().adjust(StockKey.of("sneaker-42"), 3, "initial stock");
        System.out.println("stock: tee-black-m=10, sneaker-42=3");

        // 1. place an order, then retry it with the same key: one order, replayed answer
        PlaceOrderRequest checkout = PlaceOrderRequest.builder(shop, IdempotencyKey.of("checkout-1001"))
                .customerRef("alice")
                .currency("EUR")
                .line("tee-black-m", 2, 1999)
                .build();
        PlaceOrderResult first = kit.orders().place(checkout);
        PlaceOrderResult retry = kit.orders().place(checkout);
        System.out.printf(
                "place       -> %s order=%s status=%s total=%d %s%n",
                first.outcome(),
                first.order().id(),
                first.order().status(),
                first.order().total().minor(),
                first.order().total().currency());
        System.out.printf(
                "retry       -> %s same order=%s replayed=%s, payments applied=%d%n",
                retry.outcome(),
                retry.order().id().equals(first.order().id()),
                retry.replayed(),
                gateway.appliedCount());

        // 2. same key, different payload: a client bug, rejected without effect
        try {
            kit.orders()
                    .place(PlaceOrderRequest.builder(shop, IdempotencyKey.of("checkout-1001"))
                            .customerRef("alice")
                            .currency("EUR")
                            .line("tee-black-m", 5, 1999)
                            .build());
        } catch (IdempotencyKeyReuseException e) {
            System.out.println("key reuse   -> rejected: " + e.getMessage());
        }

        // 3. a declined card releases the stock; the decline is replayed too
        PlaceOrderRequest declined = PlaceOrderRequest.builder(shop, IdempotencyKey.of("checkout-1002"))
                .customerRef("bob")
                .paymentMethod("pm_decline_insufficient_funds")
                .line("tee-black-m", 1, 1999)
                .build();
        System.out.println("declined    -> " + kit.orders().place(declined).outcome() + ", tee available="
                + available(kit, "tee-black-m"));

        // 4. flash sale: 20 buyers race for the last 3 sneakers
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger placed = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int buyer = i;
            futures.add(pool.submit(() -> {
                PlaceOrderResult r = kit.orders()
                        .place(PlaceOrderRequest.builder(shop, IdempotencyKey.of("flash-" + buyer))
                                .customerRef("buyer-" + buyer)
                                .line("sneaker-42", 1, 8900)
                                .build());
                if (r.order().status() == OrderStatus.CONFIRMED) {
                    placed.incrementAndGet();
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        System.out.println("flash sale  -> 20 buyers, " + placed.get() + " orders confirmed, sneaker available="
                + available(kit, "sneaker-42"));

        // 5. cancel releases stock and voids the payment; fulfil ships and captures
        Order cancelled = kit.orders().cancel(shop, first.order().id(), "customer changed mind");
        System.out.println("cancel      -> " + cancelled.status() + ", tee available=" + available(kit, "tee-black-m"));
        PlaceOrderResult second = kit.orders()
                .place(PlaceOrderRequest.builder(shop, IdempotencyKey.of("checkout-1003"))
                        .customerRef("carol")
                        .line("tee-black-m", 4, 1999)
                        .build());
        Order shipped = kit.orders().fulfil(shop, second.order().id());
        StockLevel tee = kit.stock().level(StockKey.of("tee-black-m")).orElseThrow();
        System.out.println(
                "fulfil      -> " + shipped.status() + ", tee onHand=" + tee.onHand() + " reserved=" + tee.reserved());
    }

    private static long available(OrderKit kit, String sku) {
        return kit.stock().level(StockKey.of(sku)).map(StockLevel::available).orElse(0L);
    }
}
