package dev.orderkit.faults;

import dev.orderkit.testkit.TestServices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

/**
 * A {@code redis-server} the suite owns: its own loopback port (6390 and up, the first free one),
 * AOF on with {@code appendfsync always} (every write is on disk before Redis acknowledges it), no
 * RDB snapshots, data directory under {@code target/}. {@link #crashAndRestart} kills it with
 * SIGKILL and starts it again on the same port and directory, so it reloads what its AOF holds.
 */
final class OwnedRedis implements AutoCloseable {
    private final Path dir;
    private final int port;
    private @Nullable Process server;

    private OwnedRedis(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /**
     * Starts a server, or fails loudly if {@code redis-server} is missing and
     * {@code ORDERKIT_IT_REQUIRED} names {@code redis} (skips otherwise).
     *
     * @param parent where its data directory goes
     * @return the running server
     */
    static OwnedRedis start(Path parent) throws IOException, InterruptedException {
        boolean have;
        try {
            have = new ProcessBuilder("redis-server", "--version")
                    .redirectErrorStream(true)
                    .start()
                    .waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            have = false;
        }
        if (!have) {
            String message = "redis-server binary not found on PATH (the fault suite runs its own Redis)";
            if (TestServices.required("redis")) {
                throw new AssertionError(message + " (ORDERKIT_IT_REQUIRED names redis)");
            }
            Assumptions.abort(message);
        }
        int port = 6390;
        while (TestServices.portOpen("127.0.0.1", port)) {
            port++;
            if (port > 6420) {
                throw new AssertionError("no free port in 6390..6420 for the suite's own redis-server");
            }
        }
        Path dir = parent.resolve("redis-" + port);
        deleteTree(dir);
        Files.createDirectories(dir);
        OwnedRedis r = new OwnedRedis(dir, port);
        r.launch();
        return r;
    }

    String endpoint() {
        return "127.0.0.1:" + port;
    }

    private void launch() throws IOException, InterruptedException {
        server = new ProcessBuilder(List.of(
                        "redis-server",
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--dir",
                        dir.toString(),
                        "--appendonly",
                        "yes",
                        "--appendfsync",
                        "always",
                        "--save",
                        "",
                        "--daemonize",
                        "no"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("server.log").toFile()))
                .start();
        for (int i = 0; i < 200 && !TestServices.portOpen("127.0.0.1", port); i++) {
            Thread.sleep(25);
        }
        if (!TestServices.portOpen("127.0.0.1", port)) {
            throw new AssertionError("own redis-server did not start on port " + port + "; see " + dir);
        }
    }

    /**
     * Kills the server with SIGKILL, waits, and starts it again from its AOF.
     *
     * @param downMillis how long it stays down
     */
    void crashAndRestart(long downMillis) throws IOException, InterruptedException {
        kill();
        Thread.sleep(downMillis);
        launch();
    }

    private void kill() throws InterruptedException {
        Process p = server;
        if (p != null) {
            p.destroyForcibly(); // SIGKILL on Linux
            p.waitFor(10, TimeUnit.SECONDS);
            server = null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
        try {
            deleteTree(dir);
        } catch (IOException e) {
            // left under target/, removed by the next run or mvn clean
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
