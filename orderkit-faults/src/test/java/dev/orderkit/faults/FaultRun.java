package dev.orderkit.faults;

import dev.orderkit.core.Movement;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderKitException;
import dev.orderkit.core.OrderService;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.OutboxRelay;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.OutboxStore;
import dev.orderkit.testkit.InvariantChecker;
import dev.orderkit.testkit.JdbcPaymentLedger;
import dev.orderkit.testkit.TestServices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Runs one scenario of the fault suite: creates a fresh schema / database / key prefix, starts the
 * worker JVMs, and while they work SIGKILLs a random one every 1–3 s (restarting it at once),
 * terminates the workers' database connections every 5 s, crashes and restarts the suite's own
 * Redis (for that scenario) and samples every stock level every 200 ms; every worker also
 * delivers the run's outboxes to the durable {@link RecordingSink}. Then it SIGKILLs every worker,
 * drives recovery to quiescence from a fresh kit, drains the outboxes into the same sink, and
 * checks (see {@link Verdict}).
 */
final class FaultRun {
    /** One scenario. */
    record Scenario(
            String name, FaultConfig.Store stock, boolean atomicPhases, double lostCommitRate, int redisRestarts) {}

    /** Knobs shared by the scenarios (system properties {@code faults.*}). */
    record Settings(
            long seconds,
            long maxSeconds,
            int minKills,
            int workers,
            int threads,
            int keys,
            int skus,
            long stockPerSku) {
        static Settings fromSystemProperties() {
            long seconds = Long.getLong("faults.seconds", 40);
            return new Settings(
                    seconds,
                    Long.getLong("faults.maxSeconds", 2 * seconds),
                    Integer.getInteger("faults.minKills", 10),
                    Integer.getInteger("faults.workers", 4),
                    Integer.getInteger("faults.threads", 3),
                    400,
                    6,
                    25);
        }
    }

    /** What a run did and found. */
    record Result(
            Scenario scenario,
            long seed,
            double seconds,
            int kills,
            int connectionKills,
            int restarts,
            long lostCommits,
            long attempts,
            long acknowledged,
            long accepted,
            long busy,
            long replays,
            long reuseRejected,
            long recovered,
            int parked,
            int orders,
            Map<OrderStatus, Integer> statuses,
            long gatewayCalls,
            long authorizations,
            int samples,
            int sampleErrors,
            Map<String, Integer> errors,
            long events,
            long redelivered,
            long sinkFailures,
            int outboxRows,
            long pendingAtRest,
            double drainSeconds,
            Verdict verdict) {}

    /** Relays per outbox of the final drain (a surviving instance's, started when the workers are gone). */
    private static final int DRAIN_RELAYS = 4;

    private final Scenario scenario;
    private final Settings settings;
    private final long seed;
    private final Path dir;
    private final Random rnd;

    FaultRun(Scenario scenario, Settings settings, long seed, Path baseDir) {
        this.scenario = scenario;
        this.settings = settings;
        this.seed = seed;
        this.dir = baseDir.resolve(scenario.name());
        this.rnd = new Random(seed);
    }

    // ------------------------------------------------------------------ services

    static String postgresUrl() {
        return TestServices.resolve(
                "postgres",
                "ORDERKIT_TEST_POSTGRES_URL",
                5432,
                "jdbc:postgresql://127.0.0.1:5432/test?user=postgres",
                null);
    }

    static String mariadbUrl() {
        return TestServices.resolve(
                        "mysql",
                        "ORDERKIT_TEST_MYSQL_URL",
                        3306,
                        "jdbc:mariadb://127.0.0.1:3306/test?user=root&sslMode=disable",
                        null)
                .replace("jdbc:mysql:", "jdbc:mariadb:");
    }

    static String clusterNodes() {
        String env = System.getenv("ORDERKIT_TEST_REDIS_CLUSTER");
        if (env != null && !env.isBlank()) {
            return env;
        }
        if (TestServices.portOpen("127.0.0.1", 7101)) {
            return "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103";
        }
        // fails when ORDERKIT_IT_REQUIRED names redis-cluster, skips otherwise
        return TestServices.resolve("redis-cluster", "ORDERKIT_TEST_REDIS_CLUSTER", 0, null, null);
    }

    private static void exec(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url);
                Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot run '" + sql + "': " + e.getMessage(), e);
        }
    }

    private static String withParam(String url, String param) {
        return url + (url.contains("?") ? "&" : "?") + param;
    }

    // ------------------------------------------------------------------ the run

    Result run() throws Exception {
        deleteTree(dir);
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        String pg = postgresUrl();
        String schema = TestServices.uniqueName("okf");
        String prefix = "f" + Long.toHexString(seed & 0xffffff) + "_";
        exec(pg, "CREATE SCHEMA " + schema);
        String pgUrl = withParam(pg, "currentSchema=" + schema);
        String maria = null;
        String mariaDb = null;
        OwnedRedis owned = null;
        List<Worker> workers = new ArrayList<>();
        Stores driver = null;
        AtomicBoolean drainStop = new AtomicBoolean();
        try {
            String ordersUrl = pgUrl;
            String redis = "-";
            switch (scenario.stock()) {
                case MARIADB -> {
                    maria = mariadbUrl();
                    mariaDb = TestServices.uniqueName("okf");
                    exec(maria, "CREATE DATABASE " + mariaDb + " CHARACTER SET utf8mb4");
                    ordersUrl = maria.replaceFirst("^(jdbc:mariadb://[^/?]+)(/[^?]*)?", "$1/" + mariaDb);
                }
                case OWNED_REDIS -> {
                    owned = OwnedRedis.start(dir);
                    redis = owned.endpoint();
                }
                case REDIS_CLUSTER -> redis = clusterNodes();
                default -> {}
            }
            FaultConfig config = new FaultConfig(
                    scenario.name(),
                    scenario.stock(),
                    ordersUrl,
                    pgUrl,
                    prefix,
                    redis,
                    scenario.atomicPhases(),
                    scenario.lostCommitRate(),
                    settings.keys(),
                    settings.skus());
            driver = new Stores(config, "okd-" + prefix, 8, DRAIN_RELAYS, true);
            JdbcPaymentLedger ledger = new JdbcPaymentLedger(driver.gatewayPool(), prefix).createTables();
            RecordingPaymentPort.createTable(driver.gatewayPool(), prefix);
            RecordingSink.createTable(driver.gatewayPool(), prefix);
            List<SuiteOutbox> outboxes = driver.outboxes();
            SimulatedPaymentPort gateway = new SimulatedPaymentPort(ledger);
            OrderKit kit = FaultWorker.kit(
                    driver, new RecordingPaymentPort(gateway, driver.gatewayPool(), prefix, "suite"), false);
            for (int i = 0; i < settings.skus(); i++) {
                kit.stock().adjust(StockKey.of(FaultConfig.sku(i)), settings.stockPerSku(), "initial-" + i);
            }

            Verdict verdict = new Verdict();
            for (int w = 0; w < settings.workers(); w++) {
                workers.add(new Worker(w, config));
                workers.get(w).start();
            }
            // sampler: every level every 200 ms, from the driver's own connections
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger samples = new AtomicInteger();
            AtomicInteger sampleErrors = new AtomicInteger();
            Stores sampling = driver;
            Thread sampler = new Thread(
                    () -> {
                        while (!stop.get()) {
                            try {
                                List<StockLevel> levels = sampling.stock().allLevels();
                                verdict.checkLevels(
                                        levels, String.format("sample at %.1f s", (System.nanoTime() - t0) / 1e9));
                                samples.incrementAndGet();
                            } catch (RuntimeException e) {
                                sampleErrors.incrementAndGet(); // a terminated connection, Redis restarting
                            }
                            try {
                                Thread.sleep(200);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "fault-sampler");
            sampler.setDaemon(true);
            sampler.start();

            // chaos
            long start = System.nanoTime();
            long durationNs = settings.seconds() * 1_000_000_000L;
            int kills = 0;
            int connectionKills = 0;
            int restarts = 0;
            int restocks = 0;
            long lastConnKill = start;
            long lastRestock = start;
            while ((System.nanoTime() - start < durationNs || kills < settings.minKills())
                    && System.nanoTime() - start < settings.maxSeconds() * 1_000_000_000L) {
                Thread.sleep(1000 + rnd.nextInt(2000));
                // a random worker among those at work: started and already answered a call (none
                // yet: no kill this tick), so every kill lands in the middle of placements
                List<Worker> ready = workers.stream().filter(Worker::working).toList();
                if (!ready.isEmpty()) {
                    Worker victim = ready.get(rnd.nextInt(ready.size()));
                    victim.kill();
                    victim.start();
                    kills++;
                }
                long now = System.nanoTime();
                if (now - lastConnKill >= 5_000_000_000L) {
                    connectionKills += terminateConnections(config, driver);
                    lastConnKill = now;
                }
                if (owned != null
                        && restarts < scenario.redisRestarts()
                        && now - start >= (restarts + 1) * durationNs / (scenario.redisRestarts() + 1)) {
                    owned.crashAndRestart(200 + rnd.nextInt(600));
                    restarts++;
                }
                if (now - lastRestock >= 8_000_000_000L) {
                    lastRestock = now;
                    try {
                        int i = rnd.nextInt(settings.skus());
                        kit.stock().adjust(StockKey.of(FaultConfig.sku(i)), 10, "restock-" + (restocks++));
                    } catch (OrderKitException e) {
                        // the backend is being faulted: skip this restock
                    }
                }
            }
            for (Worker w : workers) {
                w.kill(); // the last kill of each: in the middle of its work, as the others
            }
            stop.set(true);
            sampler.join(5_000);

            // a surviving instance's outbox publishers: four relays per outbox, from now on (with
            // recovery), delivering to the same durable sink; claims of killed workers lapse
            List<RecordingSink> drainSinks = new ArrayList<>();
            List<Thread> drainers = new ArrayList<>();
            // the last failure of a drain round, named in the verdict should the drain not finish
            AtomicReference<String> lastDrainError = new AtomicReference<>("none");
            for (SuiteOutbox o : outboxes) {
                for (int r = 0; r < DRAIN_RELAYS; r++) {
                    int i = r;
                    RecordingSink sink = new RecordingSink(
                            driver.sinkPool(),
                            prefix,
                            o.name(),
                            "drain-" + i,
                            new Random(seed * 7 + i * 31L + o.name().hashCode()),
                            FaultWorker.SINK_FAIL_EVERY,
                            null);
                    drainSinks.add(sink);
                    OutboxRelay relay = o.relay(sink);
                    Thread t = new Thread(
                            () -> drain(relay, drainStop, verdict, o.name(), lastDrainError),
                            "fault-drain-" + o.name() + "-" + i);
                    t.setDaemon(true);
                    drainers.add(t);
                    t.start();
                }
            }

            // recovery to quiescence, from a fresh kit (as a surviving instance's background work would)
            long recovered = 0;
            int parked = 0;
            long quiesceDeadline = System.nanoTime() + 90_000_000_000L;
            String busy = "";
            while (true) {
                try {
                    OrderService.SweepReport r = kit.orders().recover();
                    recovered += r.ordersResumed() + r.ordersExpired();
                    kit.stock().expireDue(100);
                    for (Order p : kit.orders().parked(100)) {
                        parked++;
                        kit.orders().retryParked(p.id());
                    }
                    busy = busy(driver, config);
                    if (busy.isEmpty()) {
                        break;
                    }
                } catch (OrderKitException e) {
                    busy = "recovery failed: " + e; // retried: the last faults may still be settling
                }
                if (System.nanoTime() > quiesceDeadline) {
                    verdict.add(Verdict.Kind.QUIESCENCE, "not at rest after 90 s of recovery: " + busy);
                    break;
                }
                Thread.sleep(300);
            }

            // every outbox delivered until nothing is PENDING (the relays started with recovery)
            long drainStart = System.nanoTime();
            long drainDeadline = drainStart + 60_000_000_000L;
            long pendingAtRest = -1;
            while (true) {
                long pending = 0;
                List<String> byOutbox = new ArrayList<>();
                for (SuiteOutbox o : outboxes) {
                    try {
                        long n = o.store().count(OutboxStore.Status.PENDING);
                        pending += n;
                        byOutbox.add(o.name() + "=" + n);
                    } catch (OrderKitException e) {
                        pending++; // asked again
                        byOutbox.add(o.name() + "=? (" + e.getMessage() + ")");
                    }
                }
                if (pendingAtRest < 0) {
                    pendingAtRest = pending;
                }
                if (pending == 0) {
                    break;
                }
                if (System.nanoTime() > drainDeadline) {
                    verdict.add(
                            Verdict.Kind.QUIESCENCE,
                            pending + " outbox events still PENDING after 60 s of draining at rest ("
                                    + String.join(", ", byOutbox) + "; last failed drain round: "
                                    + lastDrainError.get() + ")");
                    break;
                }
                Thread.sleep(100);
            }
            drainStop.set(true);
            for (Thread t : drainers) {
                t.join(10_000);
            }
            int drainFailures =
                    drainSinks.stream().mapToInt(RecordingSink::failures).sum();
            for (SuiteOutbox o : outboxes) {
                if (o.rows() == null) {
                    // no row listing: the counts say whether anything is left undelivered
                    long dead = o.store().count(OutboxStore.Status.DEAD);
                    if (dead > 0) {
                        verdict.add(
                                Verdict.Kind.LOST_EVENTS,
                                "outbox " + o.name() + " has " + dead + " dead letters: "
                                        + o.store().deadLetters(10).stream()
                                                .map(e -> e.event().id())
                                                .toList());
                    }
                }
            }
            double drainSeconds = (System.nanoTime() - drainStart) / 1e9;

            // what the workers were told
            Verdict.Acks acks = new Verdict.Acks();
            try (Stream<Path> logs = Files.list(dir)) {
                for (Path p :
                        logs.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                    acks.read(p);
                }
            }
            // the backends at rest
            List<String> ids = orderIds(driver.pool(), prefix);
            List<Order> orders = new ArrayList<>();
            Map<OrderStatus, Integer> statuses = new TreeMap<>();
            for (String id : ids) {
                Order o = driver.orders().find(id).orElseThrow();
                orders.add(o);
                statuses.merge(o.status(), 1, Integer::sum);
            }
            List<SimulatedPaymentPort.Payment> payments =
                    List.copyOf(ledger.payments().values());
            verdict.checkAcks(acks, orders, config);
            List<StockLevel> levels = driver.stock().allLevels();
            verdict.checkLevels(levels, "at rest");
            verdict.checkDrift(
                    kit.stock().verify(levels.stream().map(StockLevel::key).toList()));
            InvariantChecker.checkOrders(driver.stock(), driver.orders(), ids)
                    .forEach(v -> verdict.add(Verdict.Kind.ORDER_STOCK, v));
            verdict.checkHolds(driver.stock().reservations(EnumSet.of(ReservationState.HELD)), Instant.now());
            verdict.checkRest(orders);
            verdict.checkPayments(orders, payments);
            InvariantChecker.checkPayments(driver.orders(), ids, gateway)
                    .forEach(v -> verdict.add(Verdict.Kind.PAYMENT, v));
            // the events: what the sink got against what the backends imply and the outboxes hold
            List<Verdict.Delivery> deliveries = RecordingSink.read(driver.sinkPool(), prefix);
            List<Verdict.OutboxRow> rows = new ArrayList<>();
            for (SuiteOutbox o : outboxes) {
                if (o.rows() != null) {
                    rows.addAll(o.rows().read());
                }
            }
            List<Movement> movements = new ArrayList<>();
            List<Reservation> reservations = null;
            if (driver.stockEventsInOutbox()) {
                reservations = driver.stock().reservations(EnumSet.allOf(ReservationState.class));
                for (StockLevel l : levels) {
                    movements.addAll(driver.stock().movements(l.key()));
                }
            }
            verdict.checkEvents(deliveries, rows, Verdict.expectedEvents(orders, reservations, movements), orders);
            long events = deliveries.stream()
                    .map(Verdict.Delivery::eventId)
                    .distinct()
                    .count();
            long calls = count(driver.gatewayPool(), "SELECT COUNT(*) FROM " + RecordingPaymentPort.callTable(prefix));
            long auths = payments.stream()
                    .filter(p -> p.status() != SimulatedPaymentPort.Status.DECLINED)
                    .count();
            return new Result(
                    scenario,
                    seed,
                    (System.nanoTime() - t0) / 1e9,
                    kills,
                    connectionKills,
                    restarts,
                    acks.lostCommits,
                    acks.attempts,
                    acks.acknowledged,
                    acks.acceptedAnswers,
                    acks.busy,
                    acks.replays,
                    acks.reuseRejected,
                    acks.recovered + recovered,
                    parked,
                    orders.size(),
                    statuses,
                    calls,
                    auths,
                    samples.get(),
                    sampleErrors.get(),
                    acks.errors,
                    events,
                    deliveries.size() - events,
                    acks.sinkFailures + drainFailures,
                    rows.size(),
                    pendingAtRest,
                    drainSeconds,
                    verdict);
        } finally {
            drainStop.set(true);
            for (Worker w : workers) {
                w.kill();
            }
            try {
                if (driver != null && driver.redis() != null) {
                    driver.redis().deleteAllKeys();
                }
            } catch (RuntimeException e) {
                // the owned server is removed below; a cluster prefix left behind is unique and harmless
            } finally {
                if (driver != null) {
                    driver.close();
                }
                if (owned != null) {
                    owned.close();
                }
                exec(pg, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                if (maria != null) {
                    exec(maria, "DROP DATABASE IF EXISTS " + mariaDb);
                }
            }
        }
    }

    /**
     * Relay rounds until {@code stop}: again at once after a round that delivered, else after 50 ms.
     * A round's typed failure is retried and kept in {@code lastError}.
     */
    private static void drain(
            OutboxRelay relay, AtomicBoolean stop, Verdict verdict, String outbox, AtomicReference<String> lastError) {
        while (!stop.get()) {
            int delivered = 0;
            try {
                delivered = relay.runOnce();
            } catch (OrderKitException e) {
                // the last faults may still be settling: the next round retries (kept for the verdict)
                lastError.set(outbox + ": " + e);
            } catch (RuntimeException e) {
                verdict.add(Verdict.Kind.UNTYPED, "outbox relay of the final drain: " + e);
            }
            if (delivered == 0) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** What keeps the backends from being at rest, or empty. */
    private static String busy(Stores s, FaultConfig c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection conn = s.pool().getConnection();
                PreparedStatement ps = conn.prepareStatement(
                        "SELECT id, status FROM " + c.prefix() + "orders WHERE status NOT IN "
                                + "('CONFIRMED', 'REJECTED', 'PAYMENT_DECLINED', 'CANCELLED', 'FULFILLED', 'REFUNDED')");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1) + "=" + rs.getString(2));
            }
        }
        int held = s.stock().reservations(EnumSet.of(ReservationState.HELD)).size();
        if (held > 0) {
            out.add(held + " HELD reservations");
        }
        return out.isEmpty() ? "" : String.join(", ", out.subList(0, Math.min(20, out.size())));
    }

    private static List<String> orderIds(DataSource ds, String prefix) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT id FROM " + prefix + "orders ORDER BY id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    private static long count(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Terminates every database connection of the workers' kits: {@code pg_terminate_backend} on
     * PostgreSQL (by the kits' {@code application_name}), {@code KILL CONNECTION} on MariaDB (every
     * connection to the run's database but this one; the driver's pool reconnects).
     *
     * @return the number of connections terminated
     */
    private static int terminateConnections(FaultConfig c, Stores driver) {
        int n = 0;
        try {
            if (c.stock() == FaultConfig.Store.MARIADB) {
                try (Connection conn = driver.pool().getConnection();
                        Statement st = conn.createStatement()) {
                    List<Long> ids = new ArrayList<>();
                    try (ResultSet rs = st.executeQuery("SELECT ID FROM information_schema.PROCESSLIST "
                            + "WHERE DB = DATABASE() AND ID <> CONNECTION_ID()")) {
                        while (rs.next()) {
                            ids.add(rs.getLong(1));
                        }
                    }
                    for (long id : ids) {
                        try {
                            st.execute("KILL CONNECTION " + id);
                            n++;
                        } catch (SQLException e) {
                            // it closed meanwhile
                        }
                    }
                }
            } else {
                try (Connection conn = driver.gatewayPool().getConnection();
                        PreparedStatement ps = conn.prepareStatement("SELECT pg_terminate_backend(pid) "
                                + "FROM pg_stat_activity WHERE application_name = ?")) {
                    ps.setString(1, Stores.applicationName(c.prefix()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            if (rs.getBoolean(1)) {
                                n++;
                            }
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot terminate the workers' connections: " + e.getMessage(), e);
        }
        return n;
    }

    // ------------------------------------------------------------------ worker processes

    /** One worker slot: its current process and generation. */
    private final class Worker {
        private final int index;
        private final FaultConfig config;
        private int generation = -1;
        private @Nullable Process process;

        Worker(int index, FaultConfig config) {
            this.index = index;
            this.config = config;
        }

        private @Nullable Path log;

        /** Whether the current process has acknowledged a call (a P, S, C, F or U line in its log). */
        boolean working() {
            try {
                if (log == null || !Files.exists(log)) {
                    return false;
                }
                String text = Files.readString(log, StandardCharsets.UTF_8);
                return text.contains("\nP ")
                        || text.contains("\nS ")
                        || text.contains("\nC ")
                        || text.contains("\nF ")
                        || text.contains("\nU ");
            } catch (IOException e) {
                return false;
            }
        }

        void start() throws IOException {
            generation++;
            String name = "w" + index + "g" + String.format("%03d", generation);
            log = dir.resolve(name + ".log");
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx160m",
                    "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC",
                    "-Xshare:auto",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    // injected sink failures are Y lines of the worker's log, not stack traces
                    "-Dorg.slf4j.simpleLogger.log.dev.orderkit.core.OutboxRelay=error",
                    "-cp",
                    System.getProperty("java.class.path"),
                    FaultWorker.class.getName()));
            cmd.addAll(config.toArgs());
            cmd.add("worker=" + index);
            cmd.add("generation=" + generation);
            cmd.add("threads=" + settings.threads());
            cmd.add("log=" + log);
            cmd.add("seed=" + (seed * 1000 + index * 100L + generation));
            process = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve(name + ".out").toFile())
                    .start();
        }

        void kill() throws InterruptedException {
            Process p = process;
            if (p != null) {
                p.destroyForcibly(); // SIGKILL on Linux
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("worker " + index + " survived SIGKILL");
                }
                process = null;
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
