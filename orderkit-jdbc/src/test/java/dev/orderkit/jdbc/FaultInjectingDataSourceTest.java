package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.OrderKitException;
import dev.orderkit.core.StockKey;
import dev.orderkit.jdbc.TestDatabases.Kind;
import dev.orderkit.testkit.FaultInjectingDataSource;
import dev.orderkit.testkit.FaultInjection.Fault;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The testkit's {@link FaultInjectingDataSource} against the real drivers and pools: what counts as
 * a write, what each fault applies, that the caller's connection is dead afterwards and the pool
 * replaces it, and that the JDBC backend reports the failure as a retryable
 * {@link BackendUnavailableException}.
 */
class FaultInjectingDataSourceTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private static void exec(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static long count(DataSource ds, String table) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement();
                var rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void insertAutoCommit(DataSource ds, String table, int id) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (id, v) VALUES (?, 1)")) {
            ps.setInt(1, id);
            ps.executeUpdate();
        }
    }

    private static void insertInTransaction(DataSource ds, String table, int id) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO " + table + " (id, v) VALUES (" + id + ", 1)");
                st.executeUpdate("UPDATE " + table + " SET v = v + 1 WHERE id = " + id);
            }
            c.commit();
            c.setAutoCommit(true);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void faultsHitCommitsAndAutoCommittedWritesOnly(Kind kind) throws Exception {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            FaultInjectingDataSource faulty = f.faultyDataSource();
            DataSource plain = f.dataSource();
            String t = f.backend().tablePrefix() + "fi";
            exec(plain, "CREATE TABLE " + t + " (id INT PRIMARY KEY, v INT NOT NULL)");
            try {
                // FAIL_BEFORE, auto-commit: not applied; the connection is dead afterwards
                faulty.arm(Fault.FAIL_BEFORE, 1);
                try (Connection c = faulty.getConnection();
                        PreparedStatement ps = c.prepareStatement("INSERT INTO " + t + " (id, v) VALUES (1, 1)")) {
                    assertThatThrownBy(ps::executeUpdate)
                            .isInstanceOfSatisfying(
                                    SQLException.class,
                                    e -> assertThat(e.getSQLState()).isEqualTo("08006"));
                    assertThat(c.isClosed()).isTrue();
                    assertThatThrownBy(() -> c.createStatement())
                            .isInstanceOfSatisfying(
                                    SQLException.class,
                                    e -> assertThat(e.getSQLState()).startsWith("08"));
                }
                assertThat(count(plain, t)).isZero();

                // LOSE_ACK, auto-commit: applied, the caller sees a lost connection
                faulty.arm(Fault.LOSE_ACK, 1);
                assertThatThrownBy(() -> insertAutoCommit(faulty, t, 2))
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("08006"));
                assertThat(count(plain, t)).isEqualTo(1);

                // FAIL_BEFORE on a transaction: the statements ran, the commit did not; nothing applied
                faulty.arm(Fault.FAIL_BEFORE, 1);
                assertThatThrownBy(() -> insertInTransaction(faulty, t, 3)).isInstanceOf(SQLException.class);
                assertThat(count(plain, t)).isEqualTo(1);

                // LOSE_ACK on a transaction: committed, both statements applied
                faulty.arm(Fault.LOSE_ACK, 1);
                assertThatThrownBy(() -> insertInTransaction(faulty, t, 4)).isInstanceOf(SQLException.class);
                assertThat(count(plain, t)).isEqualTo(2);
                try (Connection c = plain.getConnection();
                        Statement st = c.createStatement();
                        var rs = st.executeQuery("SELECT v FROM " + t + " WHERE id = 4")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isEqualTo(2);
                }
                assertThat(faulty.injected()).isEqualTo(4);

                // reads, locking reads and transactions that changed nothing are never failed
                faulty.arm(Fault.FAIL_BEFORE, 1);
                assertThat(count(faulty, t)).isEqualTo(2);
                try (Connection c = faulty.getConnection()) {
                    c.setAutoCommit(false);
                    try (Statement st = c.createStatement();
                            var rs = st.executeQuery("SELECT id FROM " + t + " WHERE id = 2 FOR UPDATE")) {
                        assertThat(rs.next()).isTrue();
                    }
                    c.commit();
                    c.setAutoCommit(true);
                }
                assertThat(faulty.injected()).isEqualTo(4);
                // ... and the armed fault is still waiting for the next write
                assertThatThrownBy(() -> insertAutoCommit(faulty, t, 5)).isInstanceOf(SQLException.class);
                assertThat(faulty.injected()).isEqualTo(5);
                assertThat(count(plain, t)).isEqualTo(2);
            } finally {
                exec(plain, "DROP TABLE " + t);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void deadConnectionsLeaveThePoolAndTheBackendReportsARetryableFailure(Kind kind) {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            StockKey key = StockKey.of("FI");
            var stock = f.stockStorage();
            // more lost acknowledgements than the pool has connections
            for (int i = 0; i < 30; i++) {
                f.faults().arm(i % 2 == 0 ? Fault.LOSE_ACK : Fault.FAIL_BEFORE, 1);
                String ref = "restock-" + i;
                assertThatThrownBy(() -> stock.adjust(key, 1, ref, T0))
                        .isInstanceOf(BackendUnavailableException.class)
                        .hasMessageContaining("08006")
                        .satisfies(e -> assertThat(((OrderKitException) e).isRetryable())
                                .isTrue());
                // the retry with the same reference applies it once, on a healthy connection
                assertThat(stock.adjust(key, 1, ref, T0).onHand()).isEqualTo(i + 1L);
            }
            assertThat(f.faults().injected()).isEqualTo(30);
            // no dead connection was handed out again: 60 more writes, none fails
            for (int i = 0; i < 60; i++) {
                stock.adjust(key, 1, "more-" + i, T0);
            }
            assertThat(stock.level(key).orElseThrow().onHand()).isEqualTo(90);
            assertThat(stock.movements(key)).hasSize(90);
        }
    }

    @Test
    void dataChangingStatementsAreRecognised() {
        for (String w : new String[] {
            "INSERT INTO t VALUES (1)",
            "  update t set a = 1",
            "/* c */ DELETE FROM t",
            "-- note\nMERGE INTO t USING s ON (1=1)",
            "(UPDATE t SET a = 1)",
            "WITH x AS (DELETE FROM t RETURNING *) " + "SELECT * FROM x",
            "replace into t values (1)",
            "TRUNCATE TABLE t"
        }) {
            assertThat(FaultInjectingDataSource.isWrite(w)).as(w).isTrue();
        }
        for (String r : new String[] {
            "SELECT * FROM t FOR UPDATE",
            "select 1",
            "CREATE TABLE t (a INT)",
            "SET @x = 1",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "SELECT pg_advisory_xact_lock(1)",
            "",
            null,
            "DO 0",
            "SELECT updated_at FROM t"
        }) {
            assertThat(FaultInjectingDataSource.isWrite(r))
                    .as(String.valueOf(r))
                    .isFalse();
        }
    }
}
