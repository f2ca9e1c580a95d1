package dev.orderkit.examples.flashsale;

import com.zaxxer.hikari.HikariDataSource;
import dev.orderkit.core.Background;
import dev.orderkit.core.DriftReport;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderFilter;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderKitException;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PageRequest;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.RequestInProgressException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.jdbc.HikariPools;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.redis.RedisBackend;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * The flash-sale demo: N buyers on a bounded thread pool race for limited stock of a few SKUs
 * (one very hot) through orderkit's public API, as a shop's checkout would, while clients retry
 * after timeouts (the same idempotency key resent), submit the same key twice at once, cards are
 * declined, 3-D Secure checkouts are abandoned (their holds expire), the hot SKU is restocked in
 * the middle and some buyers cancel. Then it checks the invariants (nothing oversold, one order per
 * key, one authorization per order, no leaked hold, stock levels equal to their movement replay),
 * prints a report and writes a chart (PNG and SVG) of sales over time and latency percentiles.
 *
 * <p>Run it with {@code ./mvnw -q -pl orderkit-examples -am -DskipTests compile exec:java}
 * (options: {@code -Dexec.args="--buyers 2000 --backend postgres"}); {@code --help} lists them.
 * The process exits with {@value #EXIT_VIOLATION} if an invariant is broken.
 */
public final class FlashSaleDemo {
    /** Exit code when an invariant is broken. */
    public static final int EXIT_VIOLATION = 2;
    /** Exit code for bad options. */
    public static final int EXIT_USAGE = 64;

    static final String HOT = "console-x";
    static final String CONTROLLER = "controller";
    static final String HEADSET = "headset";
    private static final Scope SHOP = Scope.of("flash-shop");

    static final String USAGE = String.join(
            "\n",
            "usage: FlashSaleDemo [options]",
            "  --backend h2|memory|postgres|mariadb|redis   where stock, keys and orders live (default h2:",
            "                                 an embedded H2 file database under target/, fresh each run)",
            "  --url URL                      JDBC URL (postgres, mariadb, h2) or redis://host:port (redis);",
            "                                 defaults: $ORDERKIT_TEST_POSTGRES_URL / _MYSQL_URL / _REDIS_URL,",
            "                                 else the local server (postgres db test, mariadb db test, redis 6379)",
            "  --user NAME --password PW      database credentials (or in the URL)",
            "  --buyers N                     buyers (default 500)",
            "  --threads N                    client threads (default 16)",
            "  --stock N                      units of the hot SKU (default 50; the others get 3x and 2x)",
            "  --seconds N                    buyers arrive over about N seconds (default 20)",
            "  --ttl-ms N                     stock hold of an unpaid order (default 2000)",
            "  --seed N                       random seed of the crowd (default 42)",
            "  --out DIR                      where the chart and the H2 database go (default target/flash-sale)",
            "  --no-progress                  no progress bar",
            "  --help                         this text");

    private FlashSaleDemo() {}

    /**
     * Runs the demo; exits the JVM with a non-zero code if an invariant is broken or the options
     * are bad.
     *
     * @param args the options ({@code --help} lists them)
     */
    public static void main(String[] args) {
        int code = run(args, System.out);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Runs the demo in this JVM.
     *
     * @param args the options
     * @param out where the report goes
     * @return 0 if every invariant held, {@value #EXIT_VIOLATION} if one broke, {@value #EXIT_USAGE}
     *     for bad options, 1 if the run itself failed
     */
    public static int run(String[] args, PrintStream out) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            out.println("flash-sale: " + e.getMessage());
            out.println(USAGE);
            return EXIT_USAGE;
        }
        if (options.help) {
            out.println(USAGE);
            return 0;
        }
        System.setProperty("java.awt.headless", "true");
        try {
            Result result = runSale(options, out);
            return result.violations().isEmpty() ? 0 : EXIT_VIOLATION;
        } catch (IOException | RuntimeException e) {
            out.println("flash-sale: the run failed: " + e);
            e.printStackTrace(out);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("flash-sale: interrupted");
            return 1;
        }
    }

    // ------------------------------------------------------------------ options

    /** Parsed command line. */
    static final class Options {
        String backend = "h2";

        @Nullable
        String url;

        @Nullable
        String user;

        @Nullable
        String password;

        int buyers = 500;
        int threads = 16;
        int stock = 50;
        int seconds = 20;
        int ttlMs = 2000;
        long seed = 42;
        Path out = Path.of(System.getProperty("flashsale.out", "target/flash-sale"));
        boolean progress = true;
        boolean help;
        /** Test hook: a second order id is planted under one key, so the checks must fail. */
        boolean plantViolation;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--help", "-h" -> o.help = true;
                    case "--no-progress" -> o.progress = false;
                    case "--plant-violation" -> o.plantViolation = true;
                    case "--backend" -> {
                        o.backend = value(args, ++i, a).toLowerCase(Locale.ROOT);
                        if (!Set.of("h2", "memory", "postgres", "mariadb", "redis")
                                .contains(o.backend)) {
                            throw new IllegalArgumentException("--backend: unknown backend " + o.backend);
                        }
                    }
                    case "--url" -> o.url = value(args, ++i, a);
                    case "--user" -> o.user = value(args, ++i, a);
                    case "--password" -> o.password = value(args, ++i, a);
                    case "--buyers" -> o.buyers = number(args, ++i, a, 1, 1_000_000);
                    case "--threads" -> o.threads = number(args, ++i, a, 1, 512);
                    case "--stock" -> o.stock = number(args, ++i, a, 1, 1_000_000);
                    case "--seconds" -> o.seconds = number(args, ++i, a, 1, 3600);
                    case "--ttl-ms" -> o.ttlMs = number(args, ++i, a, 1000, 600_000);
                    case "--seed" -> o.seed = number(args, ++i, a, 0, Integer.MAX_VALUE);
                    case "--out" -> o.out = Path.of(value(args, ++i, a));
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            return o;
        }

        private static String value(String[] args, int i, String name) {
            if (i >= args.length || args[i].startsWith("--")) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[i];
        }

        private static int number(String[] args, int i, String name, int min, int max) {
            String v = value(args, i, name);
            int n;
            try {
                n = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": not a number: " + v, e);
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException(name + ": " + n + " is not within " + min + ".." + max);
            }
            return n;
        }
    }

    // ------------------------------------------------------------------ wiring

    /** A kit on the chosen backend and what to close after it. */
    private record Wiring(OrderKit kit, String description, AutoCloseable resources) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            kit.close(); // stops the background work first: it uses the resources
            resources.close();
        }
    }

    private static Wiring wire(Options o, RecordingPaymentPort payments) throws IOException {
        Duration ttl = Duration.ofMillis(o.ttlMs);
        Background background = Background.on()
                .withInitialDelay(Duration.ZERO)
                .withExpiryEvery(Duration.ofMillis(200))
                .withRecoveryEvery(Duration.ofMillis(500));
        RetrySettings retry = RetrySettings.defaults()
                .withPaymentRetries(5, Duration.ofMillis(5), Duration.ofMillis(100))
                .withBreaker(1_000, Duration.ofSeconds(1));
        OrderKit.Builder builder = OrderKit.builder()
                .paymentPort(payments)
                .reservationTtl(ttl)
                .retry(retry)
                .background(background);
        String suffix = Long.toString(System.currentTimeMillis(), 36);
        switch (o.backend) {
            case "memory" -> {
                return new Wiring(builder.build(), "in-memory (one JVM)", () -> {});
            }
            case "redis" -> {
                String url = firstNonBlank(o.url, System.getenv("ORDERKIT_TEST_REDIS_URL"), "redis://127.0.0.1:6379");
                UnifiedJedis jedis = RedisClient.create(URI.create(url));
                String prefix = "flashsale-" + suffix + ":";
                RedisBackend redis =
                        RedisBackend.builder().client(jedis).keyPrefix(prefix).build();
                OrderKit kit = builder.stockStorage(redis.stockStorage())
                        .idempotencyStore(redis.idempotencyStore())
                        .orderStore(new InMemoryOrderStore(EventSink.discarding())) // orders: in memory here
                        .outboxPublishing(redis.outboxPublisher(EventSink.discarding())) // stock events
                        .build();
                return new Wiring(kit, "Redis " + url + " (key prefix " + prefix + "; orders in memory)", () -> {
                    Set<String> keys = jedis.keys(prefix + "*");
                    if (!keys.isEmpty()) {
                        jedis.del(keys.toArray(String[]::new));
                    }
                    jedis.close();
                });
            }
            default -> {
                String url;
                String user = o.user;
                String password = o.password;
                if (o.backend.equals("h2")) {
                    Path dir = o.out.resolve("h2").toAbsolutePath();
                    Files.createDirectories(dir);
                    try (var old = Files.list(dir)) { // earlier runs' databases: each run starts fresh
                        for (Path f : old.filter(f -> f.getFileName().toString().startsWith("flashsale-"))
                                .toList()) {
                            Files.deleteIfExists(f);
                        }
                    }
                    url = o.url != null ? o.url : "jdbc:h2:file:" + dir.resolve("flashsale-" + suffix);
                    user = user != null ? user : "sa";
                    password = password != null ? password : "";
                } else if (o.backend.equals("postgres")) {
                    url = firstNonBlank(
                            o.url,
                            System.getenv("ORDERKIT_TEST_POSTGRES_URL"),
                            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
                } else {
                    url = firstNonBlank(
                            o.url,
                            System.getenv("ORDERKIT_TEST_MYSQL_URL"),
                            "jdbc:mariadb://127.0.0.1:3306/test?user=root&sslMode=disable");
                }
                HikariDataSource pool = HikariPools.recommended(url, user, password, Math.max(8, o.threads + 4));
                String prefix = "fs" + suffix + "_";
                JdbcBackend db = JdbcBackend.builder()
                        .dataSource(pool)
                        .tablePrefix(prefix)
                        .migrateOnBuild(true)
                        .build();
                OrderKit kit = builder.stockStorage(db.stockStorage())
                        .idempotencyStore(db.idempotencyStore())
                        .orderStore(db.orderStore())
                        .stepTransactions(db.stepTransactions())
                        .outboxPublishing(db.outboxPublisher(EventSink.discarding()))
                        .build();
                boolean shared = !o.backend.equals("h2"); // a server database: drop this run's tables afterwards
                return new Wiring(
                        kit, url.replaceAll("password=[^&;]*", "password=***") + " (tables " + prefix + "*)", () -> {
                            if (shared) {
                                dropTables(pool, prefix);
                            }
                            pool.close();
                        });
            }
        }
    }

    /** Drops the tables whose names start with {@code prefix} (retried until foreign keys let each go). */
    private static void dropTables(DataSource pool, String prefix) throws SQLException {
        try (Connection c = pool.getConnection()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getTables(c.getCatalog(), null, "%", new String[] {"TABLE"})) {
                while (rs.next()) {
                    String name = rs.getString("TABLE_NAME");
                    if (name != null && name.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                        tables.add(name);
                    }
                }
            }
            for (int round = 0; round < 5 && !tables.isEmpty(); round++) {
                List<String> left = new ArrayList<>();
                for (String t : tables) {
                    try (Statement st = c.createStatement()) {
                        st.execute("DROP TABLE " + t);
                    } catch (SQLException e) {
                        left.add(t); // still referenced: next round
                    }
                }
                tables = left;
            }
        }
    }

    private static String firstNonBlank(@Nullable String a, @Nullable String b, String fallback) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        if (b != null && !b.isBlank()) {
            return b;
        }
        return fallback;
    }

    // ------------------------------------------------------------------ the crowd

    /** What a buyer does besides placing an order. */
    enum Persona {
        NORMAL,
        /** The client's timer fires before the answer arrives: it resends the same key. */
        TIMEOUT_RETRY,
        /** A double click: the same key sent twice at the same time. */
        DUPLICATE,
        /** A card the gateway declines. */
        DECLINED,
        /** 3-D Secure requested, the buyer walks away: the hold must expire. */
        ABANDONS_3DS,
        /** 3-D Secure requested, the buyer completes it. */
        COMPLETES_3DS,
        /** Pays, then cancels. */
        CANCELS
    }

    record Buyer(int id, String key, String sku, int quantity, Persona persona, long arrivalMs) {
        String paymentMethod() {
            return switch (persona) {
                case DECLINED -> "pm_decline_insufficient_funds";
                case ABANDONS_3DS, COMPLETES_3DS -> "pm_action_3ds";
                default -> "pm_card_visa";
            };
        }
    }

    static List<Buyer> crowd(Options o) {
        Random random = new Random(o.seed);
        List<Buyer> buyers = new ArrayList<>();
        long spanMs = o.seconds * 1000L;
        for (int i = 0; i < o.buyers; i++) {
            double s = random.nextDouble();
            String sku = s < 0.6 ? HOT : s < 0.85 ? CONTROLLER : HEADSET;
            int quantity = sku.equals(CONTROLLER) ? 1 + random.nextInt(2) : 1;
            double p = random.nextDouble();
            Persona persona = p < 0.08
                    ? Persona.DECLINED
                    : p < 0.14
                            ? Persona.ABANDONS_3DS
                            : p < 0.20
                                    ? Persona.COMPLETES_3DS
                                    : p < 0.30
                                            ? Persona.TIMEOUT_RETRY
                                            : p < 0.36
                                                    ? Persona.DUPLICATE
                                                    : p < 0.42 ? Persona.CANCELS : Persona.NORMAL;
            long arrival = spanMs * i / Math.max(1, o.buyers);
            buyers.add(new Buyer(i, "checkout-" + o.seed + "-" + i, sku, quantity, persona, arrival));
        }
        return buyers;
    }

    static Map<String, Long> initialStock(Options o) {
        Map<String, Long> stock = new LinkedHashMap<>();
        stock.put(HOT, (long) o.stock);
        stock.put(CONTROLLER, 3L * o.stock);
        stock.put(HEADSET, 2L * o.stock);
        return stock;
    }

    static long restockUnits(Options o) {
        return Math.max(1, o.stock / 5);
    }

    /** A change of units sold at a time since the start. */
    record Sale(long atMs, String sku, long delta) {}

    /** A latency sample. */
    record Sample(long atMs, long micros) {}

    /** The outcome of a run. */
    record Result(List<String> violations, Path png, Path svg) {}

    /** Shared state of one run. */
    private static final class Run {
        final Options options;
        final OrderKit kit;
        final long startNanos = System.nanoTime();
        final Map<String, Set<String>> orderIdsByKey = new ConcurrentHashMap<>();
        final Map<String, PlacementOutcome> outcomeByKey = new ConcurrentHashMap<>();
        final Set<String> countedKeys = ConcurrentHashMap.newKeySet();
        final Map<PlacementOutcome, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<Sale> sales = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        final AtomicInteger clientTimeouts = new AtomicInteger();
        final AtomicInteger inProgressAnswers = new AtomicInteger();
        final AtomicInteger replays = new AtomicInteger();
        final AtomicInteger cancelled = new AtomicInteger();
        final AtomicInteger completed3ds = new AtomicInteger();
        final AtomicInteger placeCalls = new AtomicInteger();
        final AtomicLong hotSold = new AtomicLong();
        volatile long restockAtMs = -1;

        Run(Options options, OrderKit kit) {
            this.options = options;
            this.kit = kit;
        }

        long nowMs() {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        }
    }

    private static Result runSale(Options o, PrintStream out) throws IOException, InterruptedException {
        Files.createDirectories(o.out);
        SimulatedPaymentPort gateway = new SimulatedPaymentPort().latency(Duration.ofMillis(2));
        RecordingPaymentPort payments = new RecordingPaymentPort(gateway, 29);
        List<Buyer> buyers = crowd(o);
        Map<String, Long> initial = initialStock(o);
        long restock = restockUnits(o);
        try (Wiring wiring = wire(o, payments)) {
            OrderKit kit = wiring.kit();
            for (Map.Entry<String, Long> e : initial.entrySet()) {
                kit.stock().adjust(StockKey.of(e.getKey()), e.getValue(), "flash-sale-initial");
            }
            out.printf(
                    "flash sale: %d buyers on %d threads over ~%ds; stock %s; hold TTL %d ms; backend %s%n",
                    o.buyers, o.threads, o.seconds, initial, o.ttlMs, wiring.description());
            Run run = new Run(o, kit);
            int submissions = buyers.size()
                    + (int) buyers.stream()
                            .filter(b -> b.persona() == Persona.DUPLICATE)
                            .count();
            ExecutorService pool = Executors.newFixedThreadPool(o.threads);
            List<Future<?>> futures = new ArrayList<>();
            AtomicInteger done = new AtomicInteger();
            int restockAfter = submissions / 2;
            try (ProgressBar bar = progressBar(o, submissions)) {
                for (Buyer b : buyers) {
                    int copies = b.persona() == Persona.DUPLICATE ? 2 : 1;
                    for (int copy = 0; copy < copies; copy++) {
                        boolean first = copy == 0;
                        futures.add(pool.submit(() -> {
                            try {
                                buy(run, b, first);
                            } finally {
                                int n = done.incrementAndGet();
                                if (n == restockAfter) {
                                    kit.stock().adjust(StockKey.of(HOT), restock, "flash-sale-restock");
                                    run.restockAtMs = run.nowMs();
                                    run.sales.add(new Sale(run.restockAtMs, "stock:" + HOT, restock));
                                }
                                if (bar != null) {
                                    bar.step();
                                    bar.setExtraMessage(" hot sold " + run.hotSold.get());
                                }
                            }
                        }));
                    }
                }
                for (Future<?> f : futures) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        run.errors.add(String.valueOf(e.getCause()));
                    }
                }
            } finally {
                pool.shutdown();
                pool.awaitTermination(1, TimeUnit.MINUTES);
            }
            long saleMs = run.nowMs();
            // the holds of abandoned checkouts expire: wait out the TTL, then run a final expiry and recovery pass
            Thread.sleep(o.ttlMs + 300L);
            finalPass(kit, Duration.ofMillis(o.ttlMs));
            List<String> violations = new ArrayList<>();
            String report = check(run, payments, gateway, initial, restock, saleMs, violations);
            out.print(report);
            Path png = o.out.resolve("flash-sale.png").toAbsolutePath();
            Path svg = o.out.resolve("flash-sale.svg").toAbsolutePath();
            Charts.write(run.sales, run.samples, initial, saleMs, png, svg);
            out.printf("chart: %s%n       %s%n", png, svg);
            if (violations.isEmpty()) {
                out.println("OK: every invariant held");
            } else {
                out.println("FAILED: " + violations.size() + " invariant(s) broken:");
                violations.forEach(v -> out.println("  - " + v));
            }
            return new Result(violations, png, svg);
        } catch (IOException | RuntimeException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("closing the kit failed", e);
        }
    }

    private static @Nullable ProgressBar progressBar(Options o, int max) {
        if (!o.progress) {
            return null;
        }
        return new ProgressBarBuilder()
                .setTaskName("flash sale")
                .setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .setUnit(" checkouts", 1)
                .setMaxRenderedLength(110)
                .build();
    }

    /** One submission of a buyer's checkout (a duplicate's second copy has {@code first == false}). */
    private static void buy(Run run, Buyer b, boolean first) {
        long wait = b.arrivalMs() - run.nowMs();
        if (wait > 0) {
            sleep(wait);
        }
        PlaceOrderRequest request = PlaceOrderRequest.builder(SHOP, IdempotencyKey.of(b.key()))
                .customerRef("buyer-" + b.id())
                .currency("EUR")
                .paymentMethod(b.paymentMethod())
                .line(b.sku(), b.quantity(), price(b.sku()))
                .build();
        long t0 = System.nanoTime();
        long at = run.nowMs();
        PlaceOrderResult result = place(run, request);
        if (result == null) {
            return;
        }
        if (b.persona() == Persona.TIMEOUT_RETRY) {
            // the client's timer fired first: it never saw that answer and resends the same key
            run.clientTimeouts.incrementAndGet();
            record(run, b, result);
            result = place(run, request);
            if (result == null) {
                return;
            }
        }
        run.samples.add(new Sample(at, TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0)));
        record(run, b, result);
        run.outcomes.computeIfAbsent(result.outcome(), k -> new AtomicInteger()).incrementAndGet();
        if (!run.countedKeys.add(b.key())) {
            return; // the other copy of a double submission acts on the answer
        }
        String orderId = result.order().id();
        switch (result.outcome()) {
            case PLACED -> {
                sold(run, b, b.quantity());
                if (b.persona() == Persona.CANCELS) {
                    sleep(50);
                    try {
                        run.kit.orders().cancel(SHOP, orderId, "buyer changed their mind");
                        run.cancelled.incrementAndGet();
                        sold(run, b, -b.quantity());
                    } catch (OrderKitException e) {
                        run.errors.add("cancel " + orderId + ": " + e);
                    }
                }
            }
            case PAYMENT_ACTION_REQUIRED -> {
                if (b.persona() == Persona.COMPLETES_3DS) {
                    sleep(100); // the buyer authenticates; the gateway tells the shop
                    String paymentId = result.order().paymentId();
                    try {
                        var after = run.kit
                                .orders()
                                .applyPaymentUpdate(orderId, new PaymentResult.Approved(String.valueOf(paymentId)));
                        if (after.status() == OrderStatus.CONFIRMED) {
                            run.completed3ds.incrementAndGet();
                            sold(run, b, b.quantity());
                        }
                    } catch (OrderKitException e) {
                        run.errors.add("3-D Secure completion " + orderId + ": " + e);
                    }
                }
                // ABANDONS_3DS: nothing; the hold expires and recovery cancels the order
            }
            default -> {}
        }
    }

    private static void sold(Run run, Buyer b, long delta) {
        run.sales.add(new Sale(run.nowMs(), b.sku(), delta));
        if (b.sku().equals(HOT)) {
            run.hotSold.addAndGet(delta);
        }
    }

    private static void record(Run run, Buyer b, PlaceOrderResult result) {
        run.orderIdsByKey
                .computeIfAbsent(b.key(), k -> ConcurrentHashMap.newKeySet())
                .add(result.order().id());
        run.outcomeByKey.put(b.key(), result.outcome());
        if (result.replayed()) {
            run.replays.incrementAndGet();
        }
    }

    /** Places with client retries: 409 (in progress) and retryable failures are resent with the same key. */
    private static @Nullable PlaceOrderResult place(Run run, PlaceOrderRequest request) {
        OrderKitException last = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // the client gives up after 30 s
        while (System.nanoTime() < deadline) {
            run.placeCalls.incrementAndGet();
            try {
                return run.kit.orders().place(request);
            } catch (RequestInProgressException e) {
                run.inProgressAnswers.incrementAndGet();
                last = e;
                sleep(20);
            } catch (OrderKitException e) {
                if (!e.isRetryable()) {
                    run.errors.add(request.idempotencyKey() + ": " + e);
                    return null;
                }
                last = e;
                sleep(50);
            }
        }
        run.errors.add(request.idempotencyKey() + ": gave up: " + last);
        return null;
    }

    private static long price(String sku) {
        return switch (sku) {
            case HOT -> 49_900;
            case CONTROLLER -> 6_999;
            default -> 12_900;
        };
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Expiry and recovery until no order waits for payment or is mid-placement any more (at most 30 s). */
    private static void finalPass(OrderKit kit, Duration ttl) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            kit.stock().expireDue(1_000);
            kit.orders().recover();
            boolean waiting = false;
            var filter = OrderFilter.all()
                    .withStatuses(
                            OrderStatus.AWAITING_PAYMENT_ACTION,
                            OrderStatus.CREATED,
                            OrderStatus.STOCK_RESERVED,
                            OrderStatus.PAYMENT_AUTHORIZED,
                            OrderStatus.CANCELLING);
            waiting = !kit.orders()
                    .list(SHOP, filter, PageRequest.first(1))
                    .orders()
                    .isEmpty();
            if (!waiting) {
                kit.stock().expireDue(1_000);
                return;
            }
            Thread.sleep(Math.min(250, ttl.toMillis()));
        }
    }

    // ------------------------------------------------------------------ checks and report

    private static String check(
            Run run,
            RecordingPaymentPort payments,
            SimulatedPaymentPort gateway,
            Map<String, Long> initial,
            long restock,
            long saleMs,
            List<String> violations) {
        OrderKit kit = run.kit;
        StringBuilder r = new StringBuilder();
        // every order of the shop
        List<Order> orders = new ArrayList<>();
        String cursor = null;
        do {
            var page = kit.orders()
                    .list(
                            SHOP,
                            OrderFilter.all(),
                            cursor == null ? PageRequest.first(500) : PageRequest.after(cursor, 500));
            orders.addAll(page.orders());
            cursor = page.nextCursor();
        } while (cursor != null);
        Map<String, Order> byId = new TreeMap<>();
        Map<String, Integer> ordersPerKey = new TreeMap<>();
        for (var order : orders) {
            byId.put(order.id(), order);
            ordersPerKey.merge(order.idempotencyKey(), 1, Integer::sum);
        }
        if (run.options.plantViolation) {
            run.orderIdsByKey.values().iterator().next().add("planted-second-order");
        }
        // orders per key
        int keysWithOneOrder = 0;
        for (Map.Entry<String, Set<String>> e : run.orderIdsByKey.entrySet()) {
            String key = e.getKey();
            Optional<Order> stored = kit.orders().findByKey(SHOP, IdempotencyKey.of(key));
            boolean one = e.getValue().size() == 1
                    && ordersPerKey.getOrDefault(key, 0) == 1
                    && stored.isPresent()
                    && e.getValue().contains(stored.get().id());
            if (one) {
                keysWithOneOrder++;
            } else {
                violations.add("key " + key + " answered with orders " + e.getValue() + " (stored per key: "
                        + ordersPerKey.getOrDefault(key, 0) + ")");
            }
        }
        int unanswered = run.options.buyers - run.orderIdsByKey.size();
        if (unanswered != 0 || !run.errors.isEmpty()) {
            violations.add(unanswered + " buyer(s) without an answer; errors: " + run.errors.size() + " "
                    + run.errors.stream().limit(3).toList());
        }
        // sold per SKU, from the orders
        Map<String, Long> sold = new LinkedHashMap<>();
        initial.keySet().forEach(s -> sold.put(s, 0L));
        for (var order : orders) {
            if (order.status() == OrderStatus.CONFIRMED || order.status() == OrderStatus.FULFILLED) {
                order.lines().forEach(l -> sold.merge(l.sku(), l.quantity(), Long::sum));
            }
        }
        r.append(String.format("%n== flash sale report%n"));
        r.append(String.format(
                "checkouts: %d buyers, %d place calls (%d client timeouts resent, %d double submissions, %d answered 409 in progress, %d replays)%n",
                run.options.buyers,
                run.placeCalls.get(),
                run.clientTimeouts.get(),
                run.options.buyers == 0
                        ? 0
                        : crowd(run.options).stream()
                                .filter(b -> b.persona() == Persona.DUPLICATE)
                                .count(),
                run.inProgressAnswers.get(),
                run.replays.get()));
        Map<PlacementOutcome, Integer> outcomeCounts = new TreeMap<>();
        run.outcomeByKey.values().forEach(v -> outcomeCounts.merge(v, 1, Integer::sum));
        r.append(String.format("outcomes per buyer: %s%n", outcomeCounts));
        r.append(String.format(
                "after the sale: %d cancelled by buyers, %d 3-D Secure completed; restock +%d %s at %.1fs%n",
                run.cancelled.get(), run.completed3ds.get(), restock, HOT, run.restockAtMs / 1000.0));
        r.append(String.format(
                "%-12s %8s %8s %8s %8s %9s %6s%n", "sku", "stock", "sold", "held", "oversold", "available", "drift"));
        long oversoldTotal = 0;
        List<StockKey> keys = initial.keySet().stream().map(StockKey::of).toList();
        DriftReport drift = kit.stock().verify(keys);
        for (Map.Entry<String, Long> e : initial.entrySet()) {
            String sku = e.getKey();
            long stock = e.getValue() + (sku.equals(HOT) ? restock : 0);
            long s = sold.getOrDefault(sku, 0L);
            StockLevel level = kit.stock().level(StockKey.of(sku)).orElseThrow();
            long oversold = Math.max(0, s - stock) + Math.max(0, -level.available());
            oversoldTotal += oversold;
            long driftCount = drift.drifts().stream()
                    .filter(d -> d.key().sku().equals(sku))
                    .count();
            r.append(String.format(
                    "%-12s %8d %8d %8d %8d %9d %6d%n",
                    sku, stock, s, level.held(), oversold, level.available(), driftCount));
            if (level.committed() != s) {
                violations.add(
                        sku + ": stock level commits " + level.committed() + " units, confirmed orders hold " + s);
            }
            if (level.onHand() != stock) {
                violations.add(sku + ": on hand " + level.onHand() + ", expected " + stock);
            }
        }
        if (oversoldTotal != 0) {
            violations.add("oversold units: " + oversoldTotal);
        }
        if (!drift.clean()) {
            violations.add("stock levels differ from their movement replay: " + drift.drifts() + " unknown "
                    + drift.unknown());
        }
        // authorizations
        Map<String, Set<String>> auths = payments.authorizationsByOrder();
        long doubleAuth = auths.values().stream().filter(s -> s.size() > 1).count();
        if (doubleAuth != 0) {
            violations.add("orders authorized more than once: " + doubleAuth);
        }
        Map<String, List<String>> live = gateway.liveAuthorizationsByOrder();
        long openOnFailed = live.keySet().stream()
                .filter(id -> {
                    var order = byId.get(id);
                    return order == null || order.status() != OrderStatus.CONFIRMED;
                })
                .count();
        if (openOnFailed != 0) {
            violations.add("live authorizations on orders that are not confirmed: " + openOnFailed);
        }
        // holds
        Instant now = kit.clock().instant();
        int leaked = 0;
        for (var order : orders) {
            Optional<Reservation> hold = kit.stock().reservation(order.id());
            if (hold.isPresent() && hold.get().state() == ReservationState.HELD) {
                boolean pastExpiry = !hold.get().expiresAt().isAfter(now);
                if (pastExpiry || order.status().isTerminal()) {
                    leaked++;
                }
            }
        }
        if (leaked != 0) {
            violations.add("leaked holds (HELD past expiry, or of a finished order): " + leaked);
        }
        int parked = kit.orders().parked(10_000).size();
        // latency and throughput
        Histogram h = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        run.samples.forEach(s -> h.recordValue(Math.min(s.micros(), h.getHighestTrackableValue())));
        r.append(String.format(
                "orders: %d for %d keys (keys with exactly one order: %d)%n",
                orders.size(), run.orderIdsByKey.size(), keysWithOneOrder));
        r.append(String.format(
                "payments: %d authorize calls (%d timed out after the gateway applied them), %d orders authorized, %d authorized twice%n",
                payments.authorizeCalls(), payments.timeouts(), auths.size(), doubleAuth));
        r.append(String.format(
                "holds: %d leaked; live authorizations on unconfirmed orders: %d; parked orders: %d%n",
                leaked, openOnFailed, parked));
        r.append(String.format(
                "stock replay: %d levels checked, %s%n",
                drift.checked(),
                drift.clean() ? "levels equal their movements" : drift.drifts().size() + " drift(s)"));
        double seconds = Math.max(0.001, saleMs / 1000.0);
        r.append(String.format(
                Locale.ROOT,
                "throughput: %.1f checkouts/s over %.1f s (arrivals spread over %d s)%n",
                run.samples.size() / seconds,
                seconds,
                run.options.seconds));
        r.append(String.format(
                Locale.ROOT,
                "latency per checkout (client retries included): p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(95) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0,
                h.getMaxValue() / 1000.0));
        return r.toString();
    }
}
