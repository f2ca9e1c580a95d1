package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.StockPolicy;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.TransitionResult;
import dev.orderkit.jdbc.TestDatabases.Kind;
import dev.orderkit.jdbc.internal.Db;
import dev.orderkit.jdbc.internal.SchemaInstaller;
import dev.orderkit.testkit.InvariantChecker;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Schema version 9 (held vs committed, stock policies) on a populated schema of the previous
 * release: the committed units of every level are backfilled from its COMMITTED reservations, a
 * recorded stock write replays, and the lifecycle keeps the split from then on.
 */
class JdbcStockSplitUpgradeTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00.123456789Z");

    private static void hold(Handle h, String p, String id, String state, String sku, long q) {
        h.execute("INSERT INTO " + p + "reservation (id, state, expires_at, created_at, updated_at, version) VALUES ('"
                + id + "', '" + state + "', " + Db.nanos(T0.plusSeconds(600)) + ", " + Db.nanos(T0) + ", "
                + Db.nanos(T0) + ", 0)");
        h.execute("INSERT INTO " + p + "reservation_line (reservation_id, line_no, sku, location, quantity, "
                + "held_until) VALUES ('" + id + "', 0, '" + sku + "', 'default', " + q + ", "
                + (state.equals("HELD") ? Long.toString(Db.nanos(T0.plusSeconds(600))) : "NULL") + ")");
        h.execute("INSERT INTO " + p + "movement (sku, location, on_hand_delta, reserved_delta, reason, reference, at) "
                + "VALUES ('" + sku + "', 'default', 0, " + q + ", 'RESERVE', '" + id + "', " + Db.nanos(T0) + ")");
    }

    private static void level(Handle h, String p, String sku, long onHand, long reserved) {
        h.execute("INSERT INTO " + p + "stock_level (sku, location, on_hand, reserved, version, updated_at) VALUES ('"
                + sku + "', 'default', " + onHand + ", " + reserved + ", 3, " + Db.nanos(T0) + ")");
        h.execute("INSERT INTO " + p + "movement (sku, location, on_hand_delta, reserved_delta, reason, reference, at) "
                + "VALUES ('" + sku + "', 'default', " + onHand + ", 0, 'ADJUST', 'restock-" + sku + "', 0)");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aPopulatedSchemaOfTheLastReleaseUpgradesWithCommittedBackfilled(Kind kind) {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            String p = f.backend().tablePrefix() + "s9_";
            JdbcBackend backend = JdbcBackend.builder()
                    .dataSource(f.dataSource())
                    .tablePrefix(p)
                    .build();
            Jdbi jdbi = Jdbi.create(f.dataSource());
            try {
                // the last release's schema (through V7), populated as its code wrote it
                assertThat(new SchemaInstaller(new Db(jdbi, backend.dialect(), p)).migrate(7))
                        .containsExactly(1, 2, 3, 4, 5, 6, 7);
                jdbi.useHandle(h -> {
                    level(h, p, "UPA", 10, 9); // held 2 (u-1), committed 3 + 4 (u-2, u-3)
                    level(h, p, "UPB", 5, 0);
                    hold(h, p, "u-1", "HELD", "UPA", 2);
                    hold(h, p, "u-2", "COMMITTED", "UPA", 3);
                    hold(h, p, "u-3", "COMMITTED", "UPA", 4);
                    h.execute("INSERT INTO " + p + "stock_write (sku, location, reference, kind, amount, "
                            + "expected_version, on_hand, reserved, version, at) VALUES ('UPB', 'default', "
                            + "'restock-UPB', 'ADJUST', 5, 0, 5, 0, 3, " + Db.nanos(T0) + ")");
                });

                assertThat(backend.migrate()).containsExactly(8, 9, 10, 11);
                assertThat(backend.migrate()).isEmpty();

                var stock = backend.stockStorage();
                StockKey a = StockKey.of("UPA");
                StockLevel upgraded = stock.level(a).orElseThrow();
                assertThat(List.of(upgraded.onHand(), upgraded.held(), upgraded.committed()))
                        .containsExactly(10L, 2L, 7L);
                assertThat(stock.level(StockKey.of("UPB")).orElseThrow().committed())
                        .isZero();
                assertThat(InvariantChecker.checkStock(stock)).isEmpty();
                // a write recorded before V9 replays (its level had no committed units recorded)
                assertThat(stock.adjust(StockKey.of("UPB"), 5, "restock-UPB", T0))
                        .isEqualTo(new StockLevel(StockKey.of("UPB"), 5, 0, 0, 3, T0));

                // the lifecycle keeps the split on the backfilled levels
                assertThat(stock.transition("u-2", ReservationTransition.RELEASE, T0))
                        .isInstanceOf(TransitionResult.Applied.class);
                assertThat(stock.transition("u-1", ReservationTransition.COMMIT, T0))
                        .isInstanceOf(TransitionResult.Applied.class);
                assertThat(stock.transition("u-3", ReservationTransition.FULFIL, T0))
                        .isInstanceOf(TransitionResult.Applied.class);
                var after = stock.level(a).orElseThrow();
                assertThat(List.of(after.onHand(), after.held(), after.committed()))
                        .containsExactly(6L, 0L, 2L);
                assertThat(InvariantChecker.checkStock(stock)).isEmpty();

                // V1's CHECK (reserved <= on_hand) is gone: a backorder reserves beyond on-hand
                assertThat(stock.setPolicy(a, StockPolicy.backorder(3), "bo", T0)
                                .policy())
                        .isEqualTo(StockPolicy.backorder(3));
                assertThat(stock.reserve("u-4", List.of(new AllocatedLine(a, 7)), T0.plusSeconds(60), T0))
                        .isInstanceOf(ReserveResult.Reserved.class);
                after = stock.level(a).orElseThrow();
                assertThat(List.of(after.onHand(), after.reserved(), after.committed()))
                        .containsExactly(6L, 9L, 2L);
                assertThat(InvariantChecker.checkStock(stock)).isEmpty();

                // V9 applied but not recorded (MySQL commits DDL statement by statement): re-running completes it
                jdbi.useHandle(h -> h.execute("DELETE FROM " + p + "schema_history WHERE version = 9"));
                assertThat(backend.migrate()).containsExactly(9);
                assertThat(stock.level(a)).contains(after);
                assertThat(InvariantChecker.checkStock(stock)).isEmpty();
            } finally {
                jdbi.useHandle(h -> h.execute("DROP TABLE IF EXISTS " + String.join(", ", backend.tableNames())));
            }
        }
    }
}
