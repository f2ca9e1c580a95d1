package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.testkit.InvariantChecker;
import dev.orderkit.testkit.JdbcPaymentLedger;
import dev.orderkit.testkit.TestServices;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * Four JVM processes, eight threads each, hammer one PostgreSQL schema for a few seconds with
 * order placements whose idempotency keys collide across processes, raw holds with a 1 s expiry,
 * releases and expiry sweeps on four hot SKUs. Every process's simulated gateway keeps its state
 * in one {@link JdbcPaymentLedger} in the same schema, so the four act as one gateway. Afterwards
 * every invariant holds, every key has exactly one order, the same one in every process that placed
 * it, and across all processes: no order has more than one payment that is not voided, a live
 * (authorized or action-requiring) payment belongs to a CONFIRMED or AWAITING_PAYMENT_ACTION order,
 * and every CONFIRMED order carries the one authorized payment of that order.
 */
class MultiProcessTest {
    private static final int PROCESSES = 4;
    private static final int THREADS = 8;
    private static final int KEYS = 120;
    private static final int HOT = 4;
    private static final long DURATION_MS = 6_000;

    @Test
    void fourJvmsKeepEveryInvariantOnOneSchema() throws Exception {
        long start = System.nanoTime();
        TestDatabases.Server server = TestDatabases.server(TestDatabases.Kind.POSTGRES);
        DataSource ds = TestDatabases.pool(TestDatabases.Kind.POSTGRES);
        String prefix = TestServices.uniqueName("mp").replace("_", "") + "_";
        JdbcBackend backend = JdbcBackend.builder()
                .dataSource(ds)
                .tablePrefix(prefix)
                .migrateOnBuild(true)
                .build();
        JdbcPaymentLedger ledger = new JdbcPaymentLedger(ds, prefix).createTables();
        try {
            for (int i = 0; i < HOT; i++) {
                backend.stockStorage().adjust(StockKey.of("HOT-" + i), 30, "initial", Instant.now());
            }
            backend.stockStorage().adjust(StockKey.of("WARM"), 1_000_000, "warm-up stock", Instant.now());
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<Process> procs = new ArrayList<>();
            List<File> outs = new ArrayList<>();
            for (int w = 0; w < PROCESSES; w++) {
                File out = File.createTempFile("okjdbc-mp-" + w, ".out");
                File err = File.createTempFile("okjdbc-mp-" + w, ".err");
                out.deleteOnExit();
                err.deleteOnExit();
                outs.add(out);
                ProcessBuilder pb = new ProcessBuilder(
                                java,
                                "-Xmx192m",
                                "-XX:TieredStopAtLevel=1",
                                "-Xshare:auto",
                                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                                "-cp",
                                System.getProperty("java.class.path"),
                                MultiProcessWorker.class.getName(),
                                server.url(),
                                prefix,
                                String.valueOf(w),
                                String.valueOf(DURATION_MS),
                                String.valueOf(THREADS),
                                String.valueOf(KEYS),
                                String.valueOf(HOT))
                        .redirectOutput(out)
                        .redirectError(err);
                procs.add(pb.start());
            }
            Map<String, Set<String>> ordersByKey = new HashMap<>();
            Map<String, Integer> keysPlacedByProcesses = new HashMap<>();
            long gatewayCalls = 0;
            long gatewayApplied = 0;
            for (int w = 0; w < PROCESSES; w++) {
                Process p = procs.get(w);
                if (!p.waitFor(90, TimeUnit.SECONDS)) {
                    procs.forEach(Process::destroyForcibly);
                    throw new AssertionError("worker " + w + " did not finish in time");
                }
                String text = Files.readString(outs.get(w).toPath(), StandardCharsets.UTF_8);
                assertThat(p.exitValue())
                        .as("worker %d exit code; output:%n%s", w, text)
                        .isZero();
                for (String line : text.split("\n")) {
                    if (line.startsWith("KEY ")) {
                        String[] parts = line.split(" ");
                        ordersByKey
                                .computeIfAbsent(parts[1], k -> new HashSet<>())
                                .add(parts[2]);
                        keysPlacedByProcesses.merge(parts[1], 1, Integer::sum);
                    } else if (line.startsWith("STATS")) {
                        System.out.println(line);
                    } else if (line.startsWith("GATEWAY ")) {
                        String[] parts = line.split(" ");
                        gatewayCalls += Long.parseLong(parts[1].substring("calls=".length()));
                        gatewayApplied += Long.parseLong(parts[2].substring("applied=".length()));
                    }
                }
            }
            // every process that placed a key got the same order
            ordersByKey.forEach(
                    (k, ids) -> assertThat(ids).as("orders of key %s", k).hasSize(1));
            assertThat(ordersByKey).as("keys placed").isNotEmpty();
            assertThat(keysPlacedByProcesses.values().stream()
                            .filter(n -> n > 1)
                            .count())
                    .as("keys placed by more than one process (cross-process duplicates)")
                    .isPositive();

            // let the last 1 s holds run out, then sweep like a scheduler would
            Thread.sleep(1_100);
            SimulatedPaymentPort gateway = new SimulatedPaymentPort(ledger);
            OrderKit kit = OrderKit.builder()
                    .stockStorage(backend.stockStorage())
                    .idempotencyStore(backend.idempotencyStore())
                    .orderStore(backend.orderStore())
                    .paymentPort(gateway)
                    .build();
            kit.stock().expireDue(100);
            assertThat(backend.stockStorage().dueReservations(Instant.now(), 10))
                    .isEmpty();

            Jdbi jdbi = Jdbi.create(ds);
            List<String> dupKeys = jdbi.withHandle(h -> h.createQuery(
                            "SELECT idem_key FROM " + prefix + "orders GROUP BY scope, idem_key HAVING COUNT(*) > 1")
                    .mapTo(String.class)
                    .list());
            assertThat(dupKeys).as("keys with more than one order").isEmpty();
            List<String> orderIds = jdbi.withHandle(h -> h.createQuery("SELECT id FROM " + prefix + "orders")
                    .mapTo(String.class)
                    .list());
            Set<String> reported = new HashSet<>();
            ordersByKey.values().forEach(reported::addAll);
            assertThat(orderIds).containsAll(reported);
            assertThat(InvariantChecker.checkOrders(backend.stockStorage(), backend.orderStore(), orderIds))
                    .as("invariants after the multi-process run")
                    .isEmpty();
            assertThat(backend.stockStorage().reservations(EnumSet.of(ReservationState.EXPIRED)))
                    .as("expired holds")
                    .isNotEmpty();
            long holds = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + prefix + "reservation")
                    .mapTo(Long.class)
                    .one());

            // payments, across every process: the shared ledger is the one gateway they all used
            Map<String, SimulatedPaymentPort.Payment> payments = gateway.payments();
            Map<String, List<SimulatedPaymentPort.Payment>> paymentsByOrder = new HashMap<>();
            payments.values()
                    .forEach(p -> paymentsByOrder
                            .computeIfAbsent(p.orderId(), k -> new ArrayList<>())
                            .add(p));
            Map<String, Order> orders = new HashMap<>();
            for (String id : orderIds) {
                orders.put(id, backend.orderStore().find(id).orElseThrow());
            }
            assertThat(orders.keySet()).as("orders of the payments").containsAll(paymentsByOrder.keySet());
            List<String> paymentViolations = new ArrayList<>();
            paymentsByOrder.forEach((orderId, ps) -> {
                Order o = orders.get(orderId);
                List<SimulatedPaymentPort.Payment> notVoided = ps.stream()
                        .filter(p -> p.status() != SimulatedPaymentPort.Status.VOIDED)
                        .toList();
                if (notVoided.size() > 1) {
                    paymentViolations.add(
                            "order " + orderId + " has " + notVoided.size() + " payments not voided: " + notVoided);
                }
                for (SimulatedPaymentPort.Payment p : ps) {
                    boolean live = p.status() == SimulatedPaymentPort.Status.AUTHORIZED
                            || p.status() == SimulatedPaymentPort.Status.REQUIRES_ACTION;
                    if (live
                            && o != null
                            && o.status() != OrderStatus.CONFIRMED
                            && o.status() != OrderStatus.AWAITING_PAYMENT_ACTION) {
                        paymentViolations.add("live payment " + p.id() + " (" + p.status() + ") on order " + orderId
                                + " which is " + o.status());
                    }
                }
            });
            Map<OrderStatus, Integer> statuses = new TreeMap<>();
            for (Order o : orders.values()) {
                statuses.merge(o.status(), 1, Integer::sum);
                if (o.status() == OrderStatus.CONFIRMED) {
                    List<String> authorized = paymentsByOrder.getOrDefault(o.id(), List.of()).stream()
                            .filter(p -> p.status() == SimulatedPaymentPort.Status.AUTHORIZED)
                            .map(SimulatedPaymentPort.Payment::id)
                            .toList();
                    if (!authorized.equals(List.of(String.valueOf(o.paymentId())))) {
                        paymentViolations.add("CONFIRMED order " + o.id() + " carries payment " + o.paymentId()
                                + " but its authorized payments are " + authorized);
                    }
                }
            }
            assertThat(paymentViolations).as("payments across all processes").isEmpty();
            assertThat(InvariantChecker.checkPayments(backend.orderStore(), orderIds, gateway))
                    .as("payment invariants across all processes")
                    .isEmpty();
            assertThat(payments).as("effective authorizations").isNotEmpty();
            long authorizedOrders = paymentsByOrder.size();
            long tombstones = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + prefix
                            + "payment_keys WHERE outcome = 'DECLINED' AND ref = 'authorization_voided'")
                    .mapTo(Long.class)
                    .one());
            double wall = (System.nanoTime() - start) / 1e9;
            String summary = String.format(
                    "multi-process test: %d JVMs x %d threads, %d keys placed, %d orders %s, "
                            + "%d reservations; gateway: %d effective authorizations on %d orders (max %d per order), "
                            + "%d tombstones, %d calls from all JVMs of which %d applied; wall time %.1f s",
                    PROCESSES,
                    THREADS,
                    ordersByKey.size(),
                    orderIds.size(),
                    statuses,
                    holds,
                    payments.size(),
                    authorizedOrders,
                    paymentsByOrder.values().stream().mapToInt(List::size).max().orElse(0),
                    tombstones,
                    gatewayCalls,
                    gatewayApplied,
                    wall);
            System.out.println(summary);
            Files.writeString(Path.of("target", "multiprocess-wall-time.txt"), summary + "\n");
        } finally {
            String drop = "DROP TABLE IF EXISTS " + String.join(", ", backend.tableNames());
            Jdbi.create(ds).useHandle(h -> h.execute(drop));
            ledger.dropTables();
        }
    }
}
