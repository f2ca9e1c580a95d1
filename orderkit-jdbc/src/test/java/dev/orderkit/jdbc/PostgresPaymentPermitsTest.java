package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.jdbc.TestDatabases.Kind;
import dev.orderkit.testkit.PaymentPermitsHammer;
import dev.orderkit.testkit.TestServices;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link JdbcPaymentPermits} on a real PostgreSQL: two limiters on their own pools (two
 * application instances) share one bucket in a table with a fresh prefix, in the per-run schema.
 */
class PostgresPaymentPermitsTest {
    private DataSource primary;
    private DataSource peer;
    private String prefix;

    @BeforeEach
    void pools() {
        primary = TestDatabases.pool(Kind.POSTGRES);
        peer = TestDatabases.peerPool(Kind.POSTGRES);
        prefix = TestServices.uniqueName("pp").replace("_", "") + "_";
    }

    @AfterEach
    void dropTable() throws SQLException {
        try (Connection c = primary.getConnection();
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + prefix + "payment_permits");
        }
    }

    private JdbcPaymentPermits permits(DataSource ds, double rate) {
        return JdbcPaymentPermits.builder()
                .dataSource(ds)
                .tablePrefix(prefix)
                .permitsPerSecond(rate)
                .build();
    }

    @Test
    void twoInstancesHammeringOneBucketShareOnePace() throws Exception {
        JdbcPaymentPermits a = permits(primary, 100);
        JdbcPaymentPermits b = permits(peer, 100);
        assertThat(a.burst()).isEqualTo(10);

        PaymentPermitsHammer.Result r = PaymentPermitsHammer.run(List.of(a, b), 3, Duration.ofSeconds(2));

        PaymentPermitsHammer.assertPace(r, 100, a.burst());
        System.out.println("postgres " + getClass().getSimpleName() + ": " + r);
        assertThat(rows()).as("one row per bucket").isEqualTo(1);
    }

    @Test
    void aDrainedBucketDeniesWithTheWaitForTheNextPermit() {
        JdbcPaymentPermits a =
                permits(primary, 0.1); // burst 1, one permit every 10 s (a slow machine never sees a refill)
        JdbcPaymentPermits b = permits(peer, 0.1);
        assertThat(a.tryTake()).isZero();
        assertThat(b.tryTake()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(10));
        assertThat(a.tryTake()).isPositive();
    }

    @Test
    void theFirstInstanceConfiguresTheBucket() {
        JdbcPaymentPermits slow = permits(primary, 0.1); // burst 1, one permit every 10 s
        JdbcPaymentPermits fast = permits(peer, 1000); // would allow a burst of 100
        assertThat(slow.tryTake()).isZero();
        assertThat(fast.tryTake())
                .as("the stored configuration (0.1/s) applies")
                .isPositive();
    }

    @Test
    void concurrentBuildsCreateTheTableOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<JdbcPaymentPermits>> builds = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                DataSource ds = i % 2 == 0 ? primary : peer;
                builds.add(pool.submit(() -> permits(ds, 5)));
            }
            for (Future<JdbcPaymentPermits> f : builds) {
                assertThat(f.get(30, TimeUnit.SECONDS).table()).isEqualTo(prefix + "payment_permits");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(rows()).isZero(); // the row comes with the first permit
    }

    @Test
    void withoutTheTableEveryTakeIsABackendFailure() {
        JdbcPaymentPermits permits = JdbcPaymentPermits.builder()
                .dataSource(primary)
                .tablePrefix(prefix)
                .permitsPerSecond(10)
                .createTable(false)
                .build();
        assertThatThrownBy(permits::tryTake)
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining(prefix + "payment_permits");
    }

    @Test
    void otherDatabasesAreRefused() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + prefix + ";DB_CLOSE_DELAY=0");
        h2.setUser("sa");
        assertThatThrownBy(() -> JdbcPaymentPermits.builder()
                        .dataSource(h2)
                        .permitsPerSecond(10)
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("dataSource")
                .hasMessageContaining("PostgreSQL");
    }

    @Test
    void settingsAreValidated() {
        assertThatThrownBy(() -> JdbcPaymentPermits.builder().permitsPerSecond(-1))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("permitsPerSecond");
        assertThatThrownBy(() -> JdbcPaymentPermits.builder().tablePrefix("1x"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("tablePrefix");
        assertThatThrownBy(() -> JdbcPaymentPermits.builder().name("a b"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("name");
        assertThatThrownBy(() -> JdbcPaymentPermits.builder().requestTimeout(Duration.ofMillis(10)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("requestTimeout");
        assertThatThrownBy(
                        () -> JdbcPaymentPermits.builder().dataSource(primary).build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("permitsPerSecond");
    }

    private int rows() {
        try (Connection c = primary.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM " + prefix + "payment_permits")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
