package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.testkit.InvariantChecker;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Four JVM processes (launched from the test class path) share one key prefix on the real Redis
 * Cluster: hot SKUs whose lines span slots, idempotency keys claimed by several processes, real
 * clock with sub-second holds. Afterwards: each key executed at most once, every replay equals the
 * execution's outcome, and the stock invariants hold.
 */
class RedisClusterMultiProcessTest {
    private static final int PROCESSES = 4;
    private static final int KEYS = 4000;
    private static final long RUN_MILLIS = 6000;

    private RedisFixture fixture;

    @BeforeEach
    void open() {
        fixture = RedisFixture.cluster();
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void processesSharingTheClusterNeverOversellNorExecuteAKeyTwice() throws Exception {
        StockStorage stock = fixture.stockStorage();
        Instant t0 = Instant.now();
        for (int i = 0; i < 3; i++) {
            stock.adjust(StockKey.of("hot-" + i), 25, "init", t0);
        }
        for (int i = 0; i < 8; i++) {
            stock.adjust(StockKey.of("cold-" + i), 40, "init", t0);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long start = System.nanoTime();
        List<Process> procs = new ArrayList<>();
        List<File> outs = new ArrayList<>();
        for (int w = 0; w < PROCESSES; w++) {
            File out = File.createTempFile("orderkit-mp-" + w, ".log");
            out.deleteOnExit();
            outs.add(out);
            procs.add(new ProcessBuilder(
                            java,
                            "-Xmx128m",
                            "-XX:TieredStopAtLevel=1",
                            "-cp",
                            System.getProperty("java.class.path"),
                            MultiProcessWorker.class.getName(),
                            RedisTestServices.clusterNodes(),
                            fixture.backend().keyPrefix(),
                            Integer.toString(w),
                            Long.toString(RUN_MILLIS),
                            Integer.toString(KEYS))
                    .redirectErrorStream(true)
                    .redirectOutput(out)
                    .start());
        }
        for (Process p : procs) {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                procs.forEach(Process::destroyForcibly);
                throw new AssertionError("worker did not finish in 60 s");
            }
        }
        long wallMillis = (System.nanoTime() - start) / 1_000_000;
        Map<Integer, String> executed = new HashMap<>();
        List<String> problems = new ArrayList<>();
        int seen = 0;
        int done = 0;
        int exec = 0;
        for (int w = 0; w < PROCESSES; w++) {
            assertThat(procs.get(w).exitValue())
                    .as("worker " + w + " exit; log:\n"
                            + Files.readString(outs.get(w).toPath(), StandardCharsets.UTF_8))
                    .isZero();
            for (String line : Files.readAllLines(outs.get(w).toPath(), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ", 3);
                switch (f[0]) {
                    case "EXEC" -> {
                        exec++;
                        if (executed.put(Integer.parseInt(f[1]), f[2]) != null) {
                            problems.add("key " + f[1] + " executed twice");
                        }
                    }
                    case "SEEN" -> seen++;
                    case "DONE" -> done++;
                    default -> {}
                }
            }
        }
        for (int w = 0; w < PROCESSES; w++) {
            for (String line : Files.readAllLines(outs.get(w).toPath(), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ", 3);
                if (f[0].equals("SEEN") && !f[2].equals(executed.get(Integer.parseInt(f[1])))) {
                    problems.add("key " + f[1] + " replayed " + f[2] + " but executed "
                            + executed.get(Integer.parseInt(f[1])));
                }
            }
        }
        assertThat(done).isEqualTo(PROCESSES);
        assertThat(problems).isEmpty();
        assertThat(seen).as("duplicate keys were replayed across processes").isPositive();
        long reservedOk =
                executed.values().stream().filter(v -> v.startsWith("R:")).count();
        assertThat(executed.values()).as("hot SKUs ran out at times").contains("I");
        List<Reservation> all = stock.reservations(EnumSet.allOf(ReservationState.class));
        assertThat(all).hasSize((int) reservedOk);
        assertThat(InvariantChecker.checkStock(stock)).isEmpty();
        System.out.printf(
                "multi-process: %d processes, %d executions, %d replays, %d reservations, wall %d ms%n",
                PROCESSES, exec, seen, reservedOk, wallMillis);
    }
}
