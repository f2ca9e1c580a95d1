package dev.orderkit.faults;

import dev.orderkit.core.AsyncPlacement;
import dev.orderkit.core.Background;
import dev.orderkit.core.IdempotencyKeyReuseException;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderKitException;
import dev.orderkit.core.OrderService;
import dev.orderkit.core.OutboxRelay;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.RecoverySettings;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.SubmitResult;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.testkit.JdbcPaymentLedger;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One worker JVM of the fault suite. Its threads place (one placement in three asynchronously,
 * with {@link OrderService#submit}), reuse, cancel and fulfil orders and take short raw holds in a
 * loop, over a key space every worker shares (all workers pick keys from the same sliding window of
 * the clock, so one key is sent from several processes at once), until the suite kills it with
 * SIGKILL. The kit runs its background work ({@link #kit(Stores, PaymentPort, boolean)}): the
 * payment workers that finish accepted orders (and placements whose caller died) on any worker
 * JVM, and recovery and expiry; a recovery thread of its own also runs
 * {@link OrderService#recover()} and {@code expireDue} twice a second and logs what they did.
 *
 * <p>Every answer is appended to the worker's log as one line with one {@code write} call on an
 * unbuffered file stream, so what a killed worker was told survives it (the page cache belongs to
 * the kernel, not to the process). Lines: {@code T <op>} an attempt; {@code P <key> <order>
 * <outcome> <replayed>} a placement's answer (a {@code submit} answered {@code Finished} too, with a
 * trailing {@code submit}); {@code S <key> <order> <replayed> <status>} a {@code submit} answered
 * {@code Accepted} (the order's status as the answer carried it); {@code B <key>
 * <backlog>} a {@code submit} answered {@code Busy}; {@code U <key> REJECTED|ACCEPTED ...} a deliberate key
 * reuse; {@code C|F <key> <order>} an acknowledged cancellation / fulfilment; {@code E <op> <class>}
 * a typed (OrderKitException) failure; {@code X <op> <class> <message>} any other exception;
 * {@code R <resumed> <expired> <holdsExpired> <failed> <parked>} a recovery sweep that did
 * something; {@code L <n>} commits whose acknowledgement was lost so far; {@code Y <event>} a
 * publish the recording sink failed by injection.
 *
 * <p>A publisher thread per outbox of the run ({@link Stores#outboxes()}) runs core's
 * {@link OutboxRelay} into the durable {@link RecordingSink}, so workers also die in the middle of
 * deliveries: after the sink committed an event and before the outbox marked it sent, or with a
 * claimed batch half delivered.
 *
 * <p>Arguments: {@link FaultConfig#toArgs()} plus {@code worker=}, {@code generation=},
 * {@code threads=}, {@code log=}, {@code seed=}.
 */
public final class FaultWorker {
    private FaultWorker() {}

    /** Retries tuned for a run: quick backoff, a few attempts, so chaos does not wedge a thread. */
    static final RetrySettings RETRY = new RetrySettings(
            50,
            Duration.ofMillis(1),
            Duration.ofMillis(20),
            4,
            Duration.ofMillis(20),
            Duration.ofMillis(200),
            2,
            Duration.ofMillis(5),
            Duration.ofMillis(50),
            1000,
            Duration.ofMillis(1),
            0.25);

    /** One publish in this many fails by injection ({@link RecordingSink}), in the workers and the final drain. */
    static final int SINK_FAIL_EVERY = 7;

    /** Payment workers per worker JVM (the kit pool has room for them: see {@link #main}). */
    static final int PAYMENT_WORKERS = 2;

    /**
     * The kit every process of a run builds: 3 s leases (a killed worker's key and orders are taken
     * over 3 s after its last renewal), stuck placements resumed after 1 s, 5 s holds, recovery
     * retried quickly and parked only after 50 failed attempts, {@link #PAYMENT_WORKERS} payment
     * workers polling every 50 ms (accepted orders' holds: the default 30 min).
     *
     * @param background whether the kit runs its background work: the worker JVMs do (payment
     *     workers, recovery and expiry every 500 ms from the start); the suite's own kit, whose
     *     final {@code recover()} drives every placement left in flight to rest, does not
     */
    static OrderKit kit(Stores s, PaymentPort port, boolean background) {
        Background bg = Background.on()
                .withInitialDelay(Duration.ZERO)
                .withRecoveryEvery(Duration.ofMillis(500))
                .withExpiryEvery(Duration.ofMillis(500))
                .withMaxBackoff(Duration.ofSeconds(2))
                .withShutdownTimeout(Duration.ofSeconds(1))
                .withEnabled(background);
        return OrderKit.builder()
                .background(bg)
                // holds of accepted orders short like the placements' (reservationTtl): a worker
                // killed between recording a decline and releasing its hold (stock and orders in
                // two stores) leaves the hold to expiry, which must come within the suite's 90 s
                // of quiescence (the default 30 min would not)
                .asyncPlacement(AsyncPlacement.defaults()
                        .withWorkers(PAYMENT_WORKERS)
                        .withPollEvery(Duration.ofMillis(50))
                        .withHoldTtl(Duration.ofSeconds(10)))
                .stockStorage(s.stock())
                .idempotencyStore(s.keys())
                .orderStore(s.orders())
                .stepTransactions(s.steps())
                .paymentPort(port)
                .retry(RETRY)
                .lease(Duration.ofSeconds(3))
                .stuckAfter(Duration.ofSeconds(1))
                .reservationTtl(Duration.ofSeconds(5))
                .recovery(new RecoverySettings(50, Duration.ofMillis(50), Duration.ofSeconds(1), 100, 10_000))
                .build();
    }

    /** The worker's log: one write per line. */
    static final class Log implements AutoCloseable {
        private final FileOutputStream out;

        Log(Path path) throws IOException {
            this.out = new FileOutputStream(path.toFile(), true);
        }

        synchronized void line(String s) {
            try {
                out.write((s + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException("cannot write the worker log", e);
            }
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /** What one worker learnt: keys it saw completed or accepted, orders it saw placed. Thread-safe. */
    private static final class Known {
        private final List<Integer> completed = new ArrayList<>();
        private final List<Integer> placedKeys = new ArrayList<>();
        private final Map<Integer, String> placedOrder = new HashMap<>();

        synchronized void completed(int n, PlaceOrderResult r) {
            if (!completed.contains(n)) {
                completed.add(n);
            }
            if (r.outcome() == PlacementOutcome.PLACED && !placedOrder.containsKey(n)) {
                placedKeys.add(n);
                placedOrder.put(n, r.order().id());
            }
        }

        /** An accepted key: its payload is stored, so a reuse with another one must be refused. */
        synchronized void accepted(int n) {
            if (!completed.contains(n)) {
                completed.add(n);
            }
        }

        synchronized int anyCompleted(Random rnd) {
            return completed.isEmpty() ? -1 : completed.get(rnd.nextInt(completed.size()));
        }

        synchronized int anyPlaced(Random rnd) {
            return placedKeys.isEmpty() ? -1 : placedKeys.get(rnd.nextInt(placedKeys.size()));
        }

        synchronized String order(int n) {
            return placedOrder.get(n);
        }
    }

    /**
     * Entry point.
     *
     * @param args see the class comment
     * @throws Exception on setup failure
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> rest = new HashMap<>();
        FaultConfig c = FaultConfig.parse(args, rest);
        int worker = Integer.parseInt(rest.get("worker"));
        int generation = Integer.parseInt(rest.get("generation"));
        int threads = Integer.parseInt(rest.get("threads"));
        long seed = Long.parseLong(rest.get("seed"));
        String name = "w" + worker + "g" + generation;
        try (Log log = new Log(Path.of(rest.get("log")));
                Stores s = new Stores(c, Stores.applicationName(c.prefix()), threads + 1 + PAYMENT_WORKERS, 1, false)) {
            SimulatedPaymentPort gateway = new SimulatedPaymentPort(new JdbcPaymentLedger(s.gatewayPool(), c.prefix()));
            OrderKit kit = kit(s, new RecordingPaymentPort(gateway, s.gatewayPool(), c.prefix(), name), true);
            // the backend's outbox publishers, delivering to the durable recording sink (started
            // before the warm-up: a restarted worker delivers what the others left sooner)
            for (SuiteOutbox o : s.outboxes()) {
                RecordingSink sink = new RecordingSink(
                        s.sinkPool(),
                        c.prefix(),
                        o.name(),
                        name,
                        new Random(seed * 17 + o.name().hashCode()),
                        SINK_FAIL_EVERY,
                        log);
                OutboxRelay relay = o.relay(sink);
                Thread publisher = new Thread(() -> publish(relay, log), name + "-outbox-" + o.name());
                publisher.setDaemon(true);
                publisher.start();
            }
            warmUp(c);
            s.armLostCommits(seed);
            log.line("READY " + ManagementFactory.getRuntimeMXBean().getUptime());
            Known known = new Known();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random rnd = new Random(seed * 31 + t);
                String holdPrefix = "h-" + name + "-" + t + "-";
                Thread th = new Thread(() -> loop(c, kit, log, known, rnd, holdPrefix), name + "-" + t);
                th.setDaemon(true);
                ts.add(th);
                th.start();
            }
            Thread sweeper = new Thread(() -> sweep(kit, s, log), name + "-recovery");
            sweeper.setDaemon(true);
            sweeper.start();
            // runs until SIGKILL; exits by itself if the suite's JVM is gone
            while (ProcessHandle.current().parent().map(ProcessHandle::isAlive).orElse(false)) {
                Thread.sleep(500);
            }
            System.exit(0);
        }
    }

    /**
     * Loads and compiles the placement path on an in-memory kit (nothing shared is touched), so a
     * restarted worker reaches the shared backends sooner.
     */
    private static void warmUp(FaultConfig c) {
        OrderKit warm = OrderKit.builder().build();
        for (int i = 0; i < c.skus(); i++) {
            warm.stock().adjust(StockKey.of(FaultConfig.sku(i)), 1000, "warm-up");
        }
        for (int n = 0; n < 30; n++) {
            PlaceOrderResult r = warm.orders().place(c.request(n, false));
            if (r.outcome() == PlacementOutcome.PLACED) {
                warm.orders().fulfil(FaultConfig.SCOPE, r.order().id());
            }
        }
        warm.close();
    }

    private static void sweep(OrderKit kit, Stores s, Log log) {
        int lost = 0;
        while (true) {
            try {
                Thread.sleep(500);
                OrderService.SweepReport r = kit.orders().recover();
                int holds = kit.stock().expireDue(5);
                if (r.ordersResumed() + r.ordersExpired() + r.ordersFailed() + holds > 0) {
                    log.line("R " + r.ordersResumed() + " " + r.ordersExpired() + " " + holds + " " + r.ordersFailed()
                            + " " + r.ordersParked());
                }
            } catch (OrderKitException e) {
                log.line("E recover " + e.getClass().getSimpleName());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.line("X recover " + e.getClass().getName() + " " + oneLine(e));
            }
            if (s.lostCommits() != lost) {
                lost = s.lostCommits();
                log.line("L " + lost);
            }
        }
    }

    /**
     * Runs the relay's rounds, as the kit's background runner would: again at once after a round
     * that delivered something, after 100 ms otherwise or after a failure.
     */
    private static void publish(OutboxRelay relay, Log log) {
        while (true) {
            boolean idle = true;
            try {
                idle = relay.runOnce() == 0;
            } catch (OrderKitException e) {
                log.line("E publish " + e.getClass().getSimpleName());
            } catch (RuntimeException e) {
                log.line("X publish " + e.getClass().getName() + " " + oneLine(e));
            }
            if (idle) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static void loop(FaultConfig c, OrderKit kit, Log log, Known known, Random rnd, String holdPrefix) {
        long seq = 0;
        while (true) {
            int r = rnd.nextInt(100);
            String op;
            if (r < 55) {
                // one placement in three asynchronous: accepted, then finished by the payment workers
                op = rnd.nextInt(3) == 0 ? "submit" : "place";
            } else if (r < 60) {
                op = "reuse";
            } else if (r < 72) {
                op = "cancel";
            } else if (r < 87) {
                op = "fulfil";
            } else {
                op = "hold";
            }
            try {
                switch (op) {
                    case "place", "submit" -> {
                        // every worker picks from the same window of 24 keys, moving every 1.5 s
                        long window = System.currentTimeMillis() / 1500;
                        int n = (int) ((window * 13 + rnd.nextInt(24)) % c.keys());
                        log.line("T " + op);
                        if (op.equals("place")) {
                            place(c, kit, log, known, n);
                        } else {
                            submit(c, kit, log, known, n);
                        }
                    }
                    case "reuse" -> {
                        int n = known.anyCompleted(rnd);
                        if (n >= 0) {
                            log.line("T " + op);
                            try {
                                PlaceOrderResult res = kit.orders().place(c.request(n, true));
                                log.line("U " + FaultConfig.key(n) + " ACCEPTED "
                                        + res.order().id() + " " + res.outcome());
                            } catch (IdempotencyKeyReuseException e) {
                                log.line("U " + FaultConfig.key(n) + " REJECTED");
                            }
                        }
                    }
                    case "cancel", "fulfil" -> {
                        int n = known.anyPlaced(rnd);
                        if (n >= 0) {
                            String id = known.order(n);
                            log.line("T " + op);
                            if (op.equals("cancel")) {
                                Order o = kit.orders().cancel(FaultConfig.SCOPE, id, "fault suite");
                                log.line("C " + FaultConfig.key(n) + " " + o.id() + " " + o.status());
                            } else {
                                Order o = kit.orders().fulfil(FaultConfig.SCOPE, id);
                                log.line("F " + FaultConfig.key(n) + " " + o.id() + " " + o.status());
                            }
                        }
                    }
                    default -> {
                        log.line("T " + op);
                        Reservation h = kit.stock()
                                .reserve(new ReservationRequest(
                                        holdPrefix + (seq++),
                                        List.of(ReservationLine.of(FaultConfig.sku(rnd.nextInt(c.skus())), 1)),
                                        Duration.ofSeconds(1)));
                        if (rnd.nextBoolean()) {
                            kit.stock().release(h.id());
                        }
                    }
                }
            } catch (OrderKitException e) {
                log.line("E " + op + " " + e.getClass().getSimpleName());
            } catch (RuntimeException e) {
                log.line("X " + op + " " + e.getClass().getName() + " " + oneLine(e));
            }
        }
    }

    private static void place(FaultConfig c, OrderKit kit, Log log, Known known, int n) {
        PlaceOrderResult res = kit.orders().place(c.request(n, false));
        log.line("P " + FaultConfig.key(n) + " " + res.order().id() + " " + res.outcome() + " "
                + (res.replayed() ? 1 : 0));
        known.completed(n, res);
    }

    private static void submit(FaultConfig c, OrderKit kit, Log log, Known known, int n) {
        SubmitResult res = kit.orders().submit(c.request(n, false));
        if (res instanceof SubmitResult.Accepted a) {
            // the status the answer carried: a post-mortem's evidence (the verdict reads the final one)
            log.line("S " + FaultConfig.key(n) + " " + a.order().id() + " " + (a.replayed() ? 1 : 0) + " "
                    + a.order().status());
            known.accepted(n);
        } else if (res instanceof SubmitResult.Finished f) {
            PlaceOrderResult r = f.result();
            // a place answer's line; the trailing "submit" only tells a post-mortem which call it was
            log.line("P " + FaultConfig.key(n) + " " + r.order().id() + " " + r.outcome() + " " + (r.replayed() ? 1 : 0)
                    + " submit");
            known.completed(n, r);
        } else if (res instanceof SubmitResult.Busy b) {
            log.line("B " + FaultConfig.key(n) + " " + b.backlog());
        }
    }

    static String oneLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        return m.replace('\n', ' ').replace('\r', ' ');
    }
}
