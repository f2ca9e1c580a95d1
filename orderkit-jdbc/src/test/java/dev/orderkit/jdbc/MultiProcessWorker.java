package dev.orderkit.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.RequestInProgressException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.Scope;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.testkit.JdbcPaymentLedger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One process of {@link MultiProcessTest}: many threads placing orders with keys from a key space
 * shared by every process (so keys collide across JVMs), taking short raw holds on the hot SKUs,
 * releasing some and expiring due ones. Its simulated gateway keeps its state in the
 * {@link JdbcPaymentLedger} every process shares (created by the test under the same table prefix,
 * on a small pool of its own, as a separate service would be), so a key authorized in one JVM is a
 * replay in the others. Prints {@code KEY <key> <orderId> <outcome>} per key it placed, a
 * {@code STATS} line and a {@code GATEWAY calls=<n> applied=<n>} line.
 *
 * <p>Arguments: jdbcUrl, tablePrefix, workerIndex, durationMs, threads, keySpace, hotSkus.
 */
public final class MultiProcessWorker {
    private MultiProcessWorker() {}

    /**
     * Deterministic request of a key: every process sends the same payload for the same key.
     *
     * @param k key index
     * @param hotSkus number of hot SKUs
     * @return the request
     */
    static PlaceOrderRequest request(int k, int hotSkus) {
        return PlaceOrderRequest.builder(Scope.of("mp"), IdempotencyKey.of("mp-key-" + k))
                .customerRef("cust-" + k)
                .currency("usd")
                .paymentMethod("pm_card_visa")
                .line("HOT-" + (k % hotSkus), 1 + (k % 2), 500)
                .build();
    }

    /**
     * Entry point.
     *
     * @param args see the class comment
     * @throws Exception on setup failure (exit code 1)
     */
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String prefix = args[1];
        int worker = Integer.parseInt(args[2]);
        long durationMs = Long.parseLong(args[3]);
        int threads = Integer.parseInt(args[4]);
        int keySpace = Integer.parseInt(args[5]);
        int hotSkus = Integer.parseInt(args[6]);
        Map<String, String> orderByKey = new ConcurrentHashMap<>();
        Map<String, String> outcomeByKey = new ConcurrentHashMap<>();
        Map<String, AtomicLong> stats = new ConcurrentHashMap<>();
        AtomicLong conflicts = new AtomicLong();
        SimulatedPaymentPort gateway;
        try (HikariDataSource ds = HikariPools.recommended(url, null, null, threads);
                HikariDataSource gatewayDs = HikariPools.recommended(url, null, null, 4)) {
            JdbcBackend backend =
                    JdbcBackend.builder().dataSource(ds).tablePrefix(prefix).build();
            gateway = new SimulatedPaymentPort(new JdbcPaymentLedger(gatewayDs, prefix));
            OrderKit kit = OrderKit.builder()
                    .stockStorage(backend.stockStorage())
                    .idempotencyStore(backend.idempotencyStore())
                    .orderStore(backend.orderStore())
                    .stepTransactions(backend.stepTransactions())
                    .paymentPort(gateway)
                    .build();
            // warm up (class loading, JIT) outside the measured window, in a scope of its own
            for (int i = 0; i < 20; i++) {
                kit.orders()
                        .place(PlaceOrderRequest.builder(Scope.of("warm-" + worker), IdempotencyKey.of("w" + i))
                                .customerRef("warm")
                                .currency("usd")
                                .paymentMethod("pm_card_visa")
                                .line("WARM", 1, 1)
                                .build());
                kit.stock()
                        .release(kit.stock()
                                .reserve(new ReservationRequest(
                                        "warm-" + worker + "-" + i,
                                        List.of(ReservationLine.of("WARM", 1)),
                                        Duration.ofSeconds(1)))
                                .id());
            }
            long deadline = System.nanoTime() + durationMs * 1_000_000L;
            Thread[] ts = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int tn = t;
                ts[t] = new Thread(
                        () -> {
                            Random rnd = new Random(worker * 1000L + tn);
                            long seq = 0;
                            while (System.nanoTime() < deadline) {
                                int r = rnd.nextInt(10);
                                String what = "?";
                                try {
                                    if (r < 5) {
                                        what = "place";
                                        int k = rnd.nextInt(keySpace);
                                        PlaceOrderResult res = kit.orders().place(request(k, hotSkus));
                                        String key = "mp-key-" + k;
                                        String prev = orderByKey.putIfAbsent(
                                                key, res.order().id());
                                        if (prev != null
                                                && !prev.equals(res.order().id())) {
                                            conflicts.incrementAndGet();
                                        }
                                        outcomeByKey.put(key, res.outcome().name());
                                        what = "place." + res.outcome();
                                    } else if (r < 9) {
                                        what = "hold";
                                        String id = "hold-" + worker + "-" + tn + "-" + (seq++);
                                        Reservation h = kit.stock()
                                                .reserve(new ReservationRequest(
                                                        id,
                                                        List.of(ReservationLine.of("HOT-" + rnd.nextInt(hotSkus), 1)),
                                                        Duration.ofSeconds(1)));
                                        if (rnd.nextBoolean()) {
                                            kit.stock().release(h.id());
                                            what = "hold.released";
                                        }
                                    } else {
                                        what = "expire";
                                        kit.stock().expireDue(2);
                                    }
                                } catch (InsufficientStockException e) {
                                    what += ".insufficient";
                                } catch (RequestInProgressException e) {
                                    what += ".inProgress";
                                } catch (RuntimeException e) {
                                    what += ".error." + e.getClass().getSimpleName();
                                    System.err.println("worker " + worker + " " + what + ": " + e);
                                }
                                stats.computeIfAbsent(what, x -> new AtomicLong())
                                        .incrementAndGet();
                            }
                        },
                        "mp-" + worker + "-" + t);
                ts[t].start();
            }
            for (Thread t : ts) {
                t.join();
            }
        }
        StringBuilder out = new StringBuilder();
        orderByKey.forEach((k, v) -> out.append("KEY ")
                .append(k)
                .append(' ')
                .append(v)
                .append(' ')
                .append(outcomeByKey.get(k))
                .append('\n'));
        Map<String, Long> sorted = new TreeMap<>();
        stats.forEach((k, v) -> sorted.put(k, v.get()));
        out.append("STATS worker=")
                .append(worker)
                .append(" conflicts=")
                .append(conflicts.get())
                .append(' ')
                .append(sorted)
                .append('\n');
        out.append("GATEWAY calls=")
                .append(gateway.callCount())
                .append(" applied=")
                .append(gateway.appliedCount())
                .append('\n');
        System.out.print(out);
        System.out.flush();
        System.exit(conflicts.get() == 0 ? 0 : 3);
    }
}
