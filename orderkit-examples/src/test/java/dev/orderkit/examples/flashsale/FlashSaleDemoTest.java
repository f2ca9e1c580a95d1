package dev.orderkit.examples.flashsale;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlashSaleDemoTest {

    private record Outcome(int code, String report) {}

    private static Outcome run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            code = FlashSaleDemo.run(args, out);
        }
        return new Outcome(code, bytes.toString(StandardCharsets.UTF_8));
    }

    private static void assertCleanRun(Outcome o, Path dir, int buyers) throws Exception {
        assertThat(o.code()).as(o.report()).isZero();
        assertThat(o.report())
                .contains(
                        "orders: " + buyers + " for " + buyers + " keys (keys with exactly one order: " + buyers + ")")
                .contains(", 0 authorized twice")
                .contains("holds: 0 leaked; live authorizations on unconfirmed orders: 0; parked orders: 0")
                .contains("levels equal their movements")
                .contains("OK: every invariant held")
                .doesNotContain("FAILED");
        // every SKU row: oversold 0, drift 0
        assertThat(o.report().lines().filter(l -> l.matches("^(console-x|controller|headset) .*")))
                .hasSize(3)
                .allSatisfy(l -> assertThat(l.trim().split("\\s+")[4]).isEqualTo("0"))
                .allSatisfy(l -> assertThat(l.trim().split("\\s+")[6]).isEqualTo("0"));
        Path png = dir.resolve("flash-sale.png");
        Path svg = dir.resolve("flash-sale.svg");
        assertThat(Files.size(png)).isPositive();
        assertThat(Files.size(svg)).isPositive();
        assertThat(Files.readAllBytes(png)).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        assertThat(Files.readString(svg)).contains("<svg");
        assertThat(o.report()).contains(png.toAbsolutePath().toString());
    }

    @Test
    void inMemoryRunHoldsEveryInvariantAndWritesTheChart(@TempDir Path dir) throws Exception {
        Outcome o = run(
                "--backend",
                "memory",
                "--buyers",
                "150",
                "--stock",
                "20",
                "--seconds",
                "3",
                "--ttl-ms",
                "1000",
                "--no-progress",
                "--out",
                dir.toString());
        assertCleanRun(o, dir, 150);
        // the hot SKU's stock: 20 + 4 restocked in the middle
        assertThat(o.report()).containsPattern("console-x\\s+24\\s+\\d+\\s+0\\s+0\\s+\\d+\\s+0");
    }

    @Test
    void embeddedH2RunHoldsEveryInvariantAndWritesTheChart(@TempDir Path dir) throws Exception {
        Outcome o = run(
                "--buyers",
                "120",
                "--stock",
                "20",
                "--seconds",
                "3",
                "--ttl-ms",
                "1000",
                "--no-progress",
                "--out",
                dir.toString());
        assertCleanRun(o, dir, 120);
        assertThat(o.report()).contains("jdbc:h2:file:" + dir.resolve("h2").toAbsolutePath());
    }

    @Test
    void aBrokenInvariantMakesTheExitCodeNonZero(@TempDir Path dir) {
        Outcome o = run(
                "--backend",
                "memory",
                "--buyers",
                "30",
                "--seconds",
                "1",
                "--ttl-ms",
                "1000",
                "--no-progress",
                "--plant-violation",
                "--out",
                dir.toString());
        assertThat(o.code()).isEqualTo(FlashSaleDemo.EXIT_VIOLATION);
        assertThat(o.report())
                .contains("FAILED: 1 invariant(s) broken:")
                .contains("planted-second-order")
                .doesNotContain("OK: every invariant held");
    }

    @Test
    void badOptionsAreRejectedWithTheUsage() {
        Outcome o = run("--buyers", "many");
        assertThat(o.code()).isEqualTo(FlashSaleDemo.EXIT_USAGE);
        assertThat(o.report()).contains("--buyers: not a number: many").contains("usage: FlashSaleDemo");
        assertThat(run("--backend", "oracle").report()).contains("--backend: unknown backend oracle");
    }
}
