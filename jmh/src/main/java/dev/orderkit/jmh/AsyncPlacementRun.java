package dev.orderkit.jmh;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.orderkit.core.AsyncPlacement;
import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.Background;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PaymentPacing;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.SubmitResult;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.jdbc.HikariPools;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.jmh.internal.Checks;
import dev.orderkit.jmh.internal.Kits;
import dev.orderkit.jmh.internal.RateLimitedGateway;
import dev.orderkit.jmh.internal.Tally;
import dev.orderkit.jmh.internal.TrialDatabase;
import dev.orderkit.jmh.internal.Workload;
import dev.orderkit.testkit.InvariantChecker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Asynchronous placement ({@code OrderService.submit}) against a rate-limited gateway: a burst of
 * orders (default 10,000, distinct keys, from 64 threads) over stock that covers them all, submitted
 * to a kit whose payment workers pay them in the background at the gateway's pace. Measures the
 * submit latency (p50 / p99 / max over every call, exact: sorted samples), how many submits were
 * accepted and how many answered busy (a busy submit is retried with the same key after its
 * {@code Retry-After}, as a client would), the drain rate (orders reaching CONFIRMED per second),
 * the backlog every second ({@code OrderStore.countInStatus} of the in-flight statuses), and the
 * gateway's 429s (zero expected: the kit paces its calls). At the end it requires that every
 * accepted order is CONFIRMED, none is lost or doubled, and the stock, order and payment invariants
 * hold ({@link Checks#orders}, the testkit's {@link InvariantChecker}). Backends: in-memory and
 * PostgreSQL (a private schema per run, dropped after).
 *
 * <p>A plain main rather than a JMH benchmark: one run is a fixed amount of work whose result is a
 * latency distribution, two counts, a rate and a time series, not an operations-per-second score;
 * the drain is paced by the gateway (100 orders/s ⇒ 100 s for 10,000), so repeating it as JMH
 * iterations would only multiply that time. It runs from the benchmarks jar:
 *
 * <pre>
 * java -cp jmh/target/benchmarks.jar dev.orderkit.jmh.AsyncPlacementRun [--backends memory,postgres]
 *     [--orders 10000] [--threads 64] [--rate 100] [--burst 10] [--pace 100] [--latency-ms 50]
 *     [--workers 16] [--max-backlog 10000] [--backlog-refresh-ms 1000] [--skus 50] [--max-429 N]
 *     [--out FILE.md] [--smoke]
 * </pre>
 *
 * {@code --smoke} is 500 orders on both backends (about 5 s each at 100/s), as {@code jmh/smoke.sh}
 * runs it. Exits 1 if an invariant fails, an accepted order is not CONFIRMED by the deadline, or the
 * gateway refused more than {@code --max-429} calls.
 */
public final class AsyncPlacementRun {
    private static final Set<OrderStatus> IN_FLIGHT =
            EnumSet.of(OrderStatus.CREATED, OrderStatus.STOCK_RESERVED, OrderStatus.PAYMENT_AUTHORIZED);
    private static final Set<OrderStatus> CONFIRMED = EnumSet.of(OrderStatus.CONFIRMED);

    /** The run's settings. */
    record Settings(
            List<String> backends,
            int orders,
            int threads,
            long rate,
            long burst,
            double pace,
            Duration latency,
            int workers,
            int maxBacklog,
            int skus,
            long max429,
            Duration backlogRefresh,
            Path out) {

        static Settings parse(String[] args) {
            List<String> backends = List.of("memory", "postgres");
            int orders = 10_000;
            int threads = 64;
            long rate = 100;
            long burst = 10;
            double pace = 100;
            long latencyMs = 50;
            int workers = 16;
            int maxBacklog = 10_000;
            int skus = 50;
            long max429 = Long.MAX_VALUE;
            long refreshMs = AsyncPlacement.defaults().backlogRefresh().toMillis();
            Path out = null;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--smoke")) {
                    orders = 500;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value after " + a);
                }
                String v = args[++i];
                switch (a) {
                    case "--backends" -> backends = List.of(v.split(","));
                    case "--orders" -> orders = Integer.parseInt(v);
                    case "--threads" -> threads = Integer.parseInt(v);
                    case "--rate" -> rate = Long.parseLong(v);
                    case "--burst" -> burst = Long.parseLong(v);
                    case "--pace" -> pace = Double.parseDouble(v);
                    case "--latency-ms" -> latencyMs = Long.parseLong(v);
                    case "--workers" -> workers = Integer.parseInt(v);
                    case "--max-backlog" -> maxBacklog = Integer.parseInt(v);
                    case "--skus" -> skus = Integer.parseInt(v);
                    case "--max-429" -> max429 = Long.parseLong(v);
                    case "--backlog-refresh-ms" -> refreshMs = Long.parseLong(v);
                    case "--out" -> out = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            for (String b : backends) {
                if (!b.equals("memory") && !b.equals("postgres")) {
                    throw new IllegalArgumentException("--backends: memory and/or postgres, not " + b);
                }
            }
            return new Settings(
                    backends,
                    orders,
                    threads,
                    rate,
                    burst,
                    pace,
                    Duration.ofMillis(latencyMs),
                    workers,
                    maxBacklog,
                    skus,
                    max429,
                    Duration.ofMillis(refreshMs),
                    out);
        }
    }

    /** One second of the run. */
    record Sample(double atSeconds, long accepted, long busy, int backlog, int confirmed, long rejected429) {}

    /** What one backend's run measured. */
    record Result(
            String backend,
            long submitted,
            long accepted,
            long busy,
            long finished,
            long errors,
            long gaveUp,
            Duration maxRetryAfter,
            int maxBusyBacklog,
            long[] latencyNanos,
            double submitSeconds,
            double drainSeconds,
            int confirmed,
            long gatewayCalls,
            long rejected429,
            List<Sample> series,
            List<String> violations) {}

    private AsyncPlacementRun() {}

    /**
     * Runs the scenario on each backend and prints the table and the series.
     *
     * @param args see the class comment
     * @throws Exception if a run cannot start
     */
    public static void main(String[] args) throws Exception {
        Settings s = Settings.parse(args);
        List<Result> results = new ArrayList<>();
        for (String backend : s.backends()) {
            System.err.println("async placement: " + backend + ", " + s.orders() + " orders from " + s.threads()
                    + " threads, gateway " + s.rate() + "/s (burst " + s.burst() + ", "
                    + s.latency().toMillis()
                    + " ms), kit pace " + s.pace() + "/s, " + s.workers() + " workers, max backlog "
                    + s.maxBacklog());
            Result r = backend.equals("memory") ? inMemory(s) : postgres(s);
            results.add(r);
            System.err.print(report(s, List.of(r)));
        }
        String report = report(s, results);
        System.out.print(report);
        if (s.out() != null) {
            Files.writeString(s.out(), report, StandardCharsets.UTF_8);
        }
        boolean failed = false;
        for (Result r : results) {
            if (!r.violations().isEmpty()) {
                failed = true;
                System.err.println("async placement: FAILED on " + r.backend() + ": "
                        + String.join(
                                "; ",
                                r.violations()
                                        .subList(0, Math.min(10, r.violations().size()))));
            }
        }
        if (failed) {
            System.exit(1);
        }
        System.err.println("async placement: OK, every accepted order CONFIRMED, invariants hold");
    }

    private static OrderKit.Builder kit(Settings s, RateLimitedGateway gateway) {
        return Kits.builder(Kits.DEFAULT)
                .paymentPort(gateway)
                .paymentPacing(PaymentPacing.perSecond(s.pace()))
                .asyncPlacement(AsyncPlacement.defaults()
                        .withWorkers(s.workers())
                        .withPollEvery(Duration.ofMillis(50))
                        .withMaxBacklog(s.maxBacklog())
                        .withBacklogRefresh(s.backlogRefresh()))
                .background(Background.on()
                        .withInitialDelay(Duration.ZERO)
                        .withRecoveryEvery(Duration.ofSeconds(1))
                        .withExpiryEvery(Duration.ofSeconds(1))
                        .withOutboxEvery(Duration.ofMillis(200)));
    }

    private static RateLimitedGateway gateway(Settings s) {
        return new RateLimitedGateway(s.latency(), s.rate(), s.burst(), Duration.ofSeconds(1));
    }

    private static Result inMemory(Settings s) throws InterruptedException {
        Workload workload = new Workload(s.skus(), 1, "spread");
        RateLimitedGateway gateway = gateway(s);
        OrderKit kit = kit(s, gateway).build();
        try {
            Kits.stock(kit, workload);
            return run("in-memory", s, kit, gateway, workload);
        } finally {
            kit.close();
        }
    }

    private static Result postgres(Settings s) throws InterruptedException {
        Workload workload = new Workload(s.skus(), 1, "spread");
        TrialDatabase database = TrialDatabase.create(TrialDatabase.Kind.POSTGRES);
        try {
            int size = 32;
            HikariConfig config = HikariPools.recommendedConfig(database.url(), null, null, size);
            config.setMinimumIdle(size);
            config.setPoolName("okbench-async");
            try (HikariDataSource dataSource = new HikariDataSource(config)) {
                JdbcBackend backend = JdbcBackend.builder()
                        .dataSource(dataSource)
                        .migrateOnBuild(true)
                        .build();
                RateLimitedGateway gateway = gateway(s);
                OrderKit kit = kit(s, gateway)
                        .stockStorage(backend.stockStorage())
                        .idempotencyStore(backend.idempotencyStore())
                        .orderStore(backend.orderStore())
                        .stepTransactions(backend.stepTransactions())
                        .build();
                try {
                    Kits.stock(kit, workload);
                    return run("PostgreSQL", s, kit, gateway, workload);
                } finally {
                    kit.close();
                }
            }
        } finally {
            database.drop();
        }
    }

    /** One thread's latency samples (plain array, written by that thread only). */
    private static final class Samples {
        long[] nanos = new long[1024];
        int n;

        void add(long v) {
            if (n == nanos.length) {
                nanos = Arrays.copyOf(nanos, n * 2);
            }
            nanos[n++] = v;
        }
    }

    private static Result run(String backend, Settings s, OrderKit kit, RateLimitedGateway gateway, Workload workload)
            throws InterruptedException {
        OrderStore store = kit.config().orderStore();
        Tally tally = new Tally();
        AtomicLong accepted = new AtomicLong();
        AtomicLong busy = new AtomicLong();
        AtomicLong finished = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong gaveUp = new AtomicLong();
        Busies busies = new Busies();
        List<String> violations = new CopyOnWriteArrayList<>();
        ConcurrentLinkedQueue<Samples> all = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> ids = new ConcurrentLinkedQueue<>();
        String runId = Long.toString(System.currentTimeMillis(), 36);
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(s.threads());
        AtomicReference<Throwable> crash = new AtomicReference<>();
        // a client gives up on an order still busy this long after the start (the whole burst should
        // be accepted and drained well within it)
        long giveUpAt =
                System.nanoTime() + TimeUnit.SECONDS.toNanos((long) (s.orders() / Math.min(s.pace(), s.rate()) + 120));

        for (int t = 0; t < s.threads(); t++) {
            int first = t;
            Tally.Counter counter = tally.register();
            Samples mine = new Samples();
            all.add(mine);
            Thread th = new Thread(
                    () -> {
                        try {
                            start.await();
                            for (int i = first; i < s.orders(); i += s.threads()) {
                                PlaceOrderRequest req = workload.order("async-" + runId + "-" + i);
                                counter.start();
                                if (!submitUntilAnswered(
                                        kit,
                                        req,
                                        mine,
                                        counter,
                                        accepted,
                                        busy,
                                        busies,
                                        finished,
                                        errors,
                                        ids,
                                        violations,
                                        giveUpAt)) {
                                    gaveUp.incrementAndGet();
                                }
                            }
                        } catch (Throwable e) {
                            crash.compareAndSet(null, e);
                        } finally {
                            done.countDown();
                        }
                    },
                    "submit-" + t);
            th.setDaemon(true);
            th.start();
        }

        List<Sample> series = new CopyOnWriteArrayList<>();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread th = new Thread(r, "async-sampler");
            th.setDaemon(true);
            return th;
        });
        long t0 = System.nanoTime();
        sampler.scheduleAtFixedRate(
                () -> {
                    try {
                        series.add(new Sample(
                                (System.nanoTime() - t0) / 1e9,
                                accepted.get(),
                                busy.get(),
                                store.countInStatus(IN_FLIGHT, Integer.MAX_VALUE),
                                store.countInStatus(CONFIRMED, Integer.MAX_VALUE),
                                gateway.rejected()));
                    } catch (RuntimeException e) {
                        System.err.println("sampler: " + e);
                    }
                },
                1,
                1,
                TimeUnit.SECONDS);
        start.countDown();
        done.await();
        double submitSeconds = (System.nanoTime() - t0) / 1e9;
        if (crash.get() != null) {
            violations.add("a submitting thread failed: " + crash.get());
        }
        if (gaveUp.get() > 0) {
            violations.add(gaveUp.get() + " orders still answered busy " + Math.round((giveUpAt - t0) / 1e9)
                    + " s after the start (largest Retry-After " + busies.maxRetryAfter() + ", largest busy backlog "
                    + busies.maxBacklog() + ", in flight now "
                    + store.countInStatus(IN_FLIGHT, Integer.MAX_VALUE) + ")");
        }

        // drain: every accepted order CONFIRMED (or another outcome, which the check reports)
        long expected = accepted.get();
        long deadline = t0 + TimeUnit.SECONDS.toNanos((long) (s.orders() / Math.min(s.pace(), s.rate()) + 60));
        int confirmed;
        int inFlight;
        do {
            confirmed = store.countInStatus(CONFIRMED, Integer.MAX_VALUE);
            inFlight = store.countInStatus(IN_FLIGHT, Integer.MAX_VALUE);
            if (confirmed >= expected && inFlight == 0) {
                break;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        double drainSeconds = (System.nanoTime() - t0) / 1e9;
        sampler.shutdownNow();
        sampler.awaitTermination(5, TimeUnit.SECONDS);
        series.add(new Sample(drainSeconds, accepted.get(), busy.get(), inFlight, confirmed, gateway.rejected()));
        if (confirmed < expected || inFlight != 0) {
            violations.add(confirmed + " of " + expected + " accepted orders CONFIRMED and " + inFlight
                    + " still in flight after " + Math.round(drainSeconds) + " s");
        }
        if (gateway.rejected() > s.max429()) {
            violations.add(gateway.rejected() + " calls refused with 429 (at most " + s.max429() + " allowed)");
        }

        // invariants, on the quiescent kit (its workers are idle: nothing is in flight)
        try {
            Checks.orders("AsyncPlacementRun." + backend, kit.config().stockStorage(), store, workload, tally);
        } catch (IllegalStateException e) {
            violations.add(e.getMessage());
        }
        if (ids.size() <= Checks.fullCheckLimit()) {
            violations.addAll(InvariantChecker.checkPayments(store, List.copyOf(ids), gateway.simulated()));
        }

        int total = 0;
        for (Samples m : all) {
            total += m.n;
        }
        long[] lat = new long[total];
        int k = 0;
        for (Samples m : all) {
            System.arraycopy(m.nanos, 0, lat, k, m.n);
            k += m.n;
        }
        Arrays.sort(lat);
        return new Result(
                backend,
                tally.started(),
                accepted.get(),
                busy.get(),
                finished.get(),
                errors.get(),
                gaveUp.get(),
                busies.maxRetryAfter(),
                busies.maxBacklog(),
                lat,
                submitSeconds,
                drainSeconds,
                confirmed,
                gateway.calls(),
                gateway.rejected(),
                List.copyOf(series),
                List.copyOf(violations));
    }

    /** The largest Retry-After and backlog of the busy answers (logs the first few long ones). */
    private static final class Busies {
        private final AtomicLong maxRetryMillis = new AtomicLong();
        private final AtomicLong maxBacklog = new AtomicLong();
        private final AtomicLong logged = new AtomicLong();

        void record(SubmitResult.Busy b) {
            long ms = b.retryAfter().toMillis();
            maxRetryMillis.accumulateAndGet(ms, Math::max);
            maxBacklog.accumulateAndGet(b.backlog(), Math::max);
            if (ms > 5_000 && logged.incrementAndGet() <= 5) {
                System.err.println(
                        "async placement: busy with Retry-After " + b.retryAfter() + ", backlog " + b.backlog());
            }
        }

        Duration maxRetryAfter() {
            return Duration.ofMillis(maxRetryMillis.get());
        }

        int maxBacklog() {
            return (int) maxBacklog.get();
        }
    }

    /**
     * Submits until the kit accepts or finishes the order; a busy answer waits its Retry-After (a
     * client's retry), but not past {@code giveUpAt}.
     *
     * @return false if the order was still busy at {@code giveUpAt} (given up)
     */
    private static boolean submitUntilAnswered(
            OrderKit kit,
            PlaceOrderRequest req,
            Samples latencies,
            Tally.Counter counter,
            AtomicLong accepted,
            AtomicLong busy,
            Busies busies,
            AtomicLong finished,
            AtomicLong errors,
            ConcurrentLinkedQueue<String> ids,
            List<String> violations,
            long giveUpAt)
            throws InterruptedException {
        while (true) {
            long t = System.nanoTime();
            SubmitResult r;
            try {
                r = kit.orders().submit(req);
            } catch (BackendUnavailableException e) {
                latencies.add(System.nanoTime() - t);
                errors.incrementAndGet();
                Thread.sleep(50);
                continue;
            }
            latencies.add(System.nanoTime() - t);
            if (r instanceof SubmitResult.Accepted a) {
                if (a.replayed()) {
                    violations.add("a fresh key was replayed: " + req.idempotencyKey());
                }
                accepted.incrementAndGet();
                ids.add(a.order().id());
                counter.done();
                return true;
            }
            if (r instanceof SubmitResult.Finished f) {
                finished.incrementAndGet();
                if (f.result().outcome() == PlacementOutcome.PLACED) {
                    ids.add(f.result().order().id());
                    counter.done();
                } else {
                    violations.add("order " + req.idempotencyKey() + " finished "
                            + f.result().outcome());
                }
                return true;
            }
            SubmitResult.Busy b = (SubmitResult.Busy) r;
            busy.incrementAndGet();
            busies.record(b);
            long left = TimeUnit.NANOSECONDS.toMillis(giveUpAt - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            Thread.sleep(Math.max(1, Math.min(left, b.retryAfter().toMillis())));
        }
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    private static String report(Settings s, List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "%n## Asynchronous placement: %d orders, %d submitting threads, %d SKUs%n%n"
                        + "Gateway: %d ms per call, %d calls/s (token bucket, burst %d), 429 with Retry-After 1 s. "
                        + "Kit: PaymentPacing.perSecond(%s), %d payment workers, maxBacklog %d, backlogRefresh %d ms, "
                        + "poll 50 ms. %s, %s.%n%n",
                s.orders(),
                s.threads(),
                s.skus(),
                s.latency().toMillis(),
                s.rate(),
                s.burst(),
                fmt(s.pace()),
                s.workers(),
                s.maxBacklog(),
                s.backlogRefresh().toMillis(),
                Instant.now(),
                Runtime.getRuntime().availableProcessors() + " cores"));
        sb.append(
                "| backend | submits | accepted | busy answers (max Retry-After) | given up | finished at once | errors | "
                        + "submit p50 | "
                        + "submit p99 | submit max | all submitted in | drained in | drain rate | confirmed | gateway calls | "
                        + "429s | invariants |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Result r : results) {
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %d (%s) | %d | %d | %d | %.2f ms | %.2f ms | %.1f ms | %.1f s | %.1f s | %.1f /s | %d | %d "
                            + "| %d | %s |%n",
                    r.backend(),
                    r.latencyNanos().length,
                    r.accepted(),
                    r.busy(),
                    r.busy() == 0 ? "-" : r.maxRetryAfter().toMillis() / 1000.0 + " s",
                    r.gaveUp(),
                    r.finished(),
                    r.errors(),
                    percentile(r.latencyNanos(), 50),
                    percentile(r.latencyNanos(), 99),
                    percentile(r.latencyNanos(), 100),
                    r.submitSeconds(),
                    r.drainSeconds(),
                    r.confirmed() / r.drainSeconds(),
                    r.confirmed(),
                    r.gatewayCalls(),
                    r.rejected429(),
                    r.violations().isEmpty()
                            ? "hold"
                            : "FAILED (" + r.violations().size() + ")"));
        }
        for (Result r : results) {
            sb.append(String.format(
                    Locale.ROOT,
                    "%n### %s: backlog over time (one row a second; last row at the end of the drain)%n%n",
                    r.backend()));
            sb.append("| t (s) | accepted | busy answers | backlog (in flight) | confirmed | confirmed/s | 429s |\n");
            sb.append("|---:|---:|---:|---:|---:|---:|---:|\n");
            int prev = 0;
            double prevAt = 0;
            for (Sample x : r.series()) {
                double dt = x.atSeconds() - prevAt;
                sb.append(String.format(
                        Locale.ROOT,
                        "| %.1f | %d | %d | %d | %d | %.0f | %d |%n",
                        x.atSeconds(),
                        x.accepted(),
                        x.busy(),
                        x.backlog(),
                        x.confirmed(),
                        dt > 0 ? (x.confirmed() - prev) / dt : 0,
                        x.rejected429()));
                prev = x.confirmed();
                prevAt = x.atSeconds();
            }
        }
        return sb.toString();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
