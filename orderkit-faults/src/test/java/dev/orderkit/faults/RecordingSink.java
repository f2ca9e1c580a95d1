package dev.orderkit.faults;

import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.EventSink;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The suite's durable event consumer: every {@link #publish} appends one row to
 * {@code <prefix>delivered} in the run's PostgreSQL schema (auto-commit) before it returns, so
 * "the sink acknowledged the event" means "the row is committed", whatever process dies next.
 * Rows are never de-duplicated: a redelivery is a second row with the same event id. Each row
 * carries the delivery's outbox and the sequence of the outbox entry (see
 * {@link SuiteOutbox#relay}), the event's subject, type and {@code status} attribute, and the
 * delivering process.
 *
 * <p>Failures are injected: with probability {@code 1 / failEvery} a publish throws before
 * writing (logged as a {@code Y <event id>} line in the worker's log), so the relay's retries,
 * backoff and per-aggregate holding are exercised. Thread-safe.
 */
final class RecordingSink implements EventSink {
    private final DataSource ds;
    private final String table;
    private final String outbox;
    private final String worker;
    private final Random random;
    private final int failEvery;
    private final FaultWorker.@Nullable Log log;
    private final Map<String, Long> sequences = SuiteOutbox.newSequences();
    private final AtomicInteger failures = new AtomicInteger();

    /**
     * Creates the sink.
     *
     * @param ds PostgreSQL (the run's schema)
     * @param prefix the run's table prefix
     * @param outbox the outbox this sink's relay delivers ({@link SuiteOutbox#name()})
     * @param worker the delivering process (for post-mortems)
     * @param random the failure schedule
     * @param failEvery one publish in this many fails (0: none)
     * @param log where injected failures are logged, or null
     */
    RecordingSink(
            DataSource ds,
            String prefix,
            String outbox,
            String worker,
            Random random,
            int failEvery,
            FaultWorker.@Nullable Log log) {
        this.ds = ds;
        this.table = table(prefix);
        this.outbox = outbox;
        this.worker = worker;
        this.random = random;
        this.failEvery = failEvery;
        this.log = log;
    }

    static String table(String prefix) {
        return prefix + "delivered";
    }

    /** Creates the delivery table. */
    static void createTable(DataSource ds, String prefix) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + table(prefix) + " (id BIGSERIAL PRIMARY KEY, "
                    + "outbox VARCHAR(16) NOT NULL, seq BIGINT NOT NULL, event_id VARCHAR(1024) NOT NULL, "
                    + "subject_id VARCHAR(512) NOT NULL, type VARCHAR(64) NOT NULL, status VARCHAR(32), "
                    + "worker VARCHAR(32) NOT NULL, delivered_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())");
        }
    }

    /** Every delivery, in the order the sink committed them. */
    static List<Verdict.Delivery> read(DataSource ds, String prefix) throws SQLException {
        List<Verdict.Delivery> out = new ArrayList<>();
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT id, outbox, seq, event_id, subject_id, type, status "
                        + "FROM " + table(prefix) + " ORDER BY id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Verdict.Delivery(
                        rs.getLong(1),
                        rs.getString(2),
                        rs.getLong(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7)));
            }
        }
        return out;
    }

    /** Where the relay notes each claimed entry's sequence (event id to sequence). */
    Map<String, Long> sequences() {
        return sequences;
    }

    /** Publishes that failed by injection so far. */
    int failures() {
        return failures.get();
    }

    @Override
    public void publish(OrderKitEvent event) {
        if (failEvery > 0 && random.nextInt(failEvery) == 0) {
            failures.incrementAndGet();
            if (log != null) {
                log.line("Y " + event.id());
            }
            throw new IllegalStateException("injected sink failure for " + event.id());
        }
        Long seq = sequences.get(event.id());
        if (seq == null) {
            throw new IllegalStateException("event " + event.id() + " was not handed out by a claim");
        }
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                        + " (outbox, seq, event_id, subject_id, type, status, worker) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            ps.setString(1, outbox);
            ps.setLong(2, seq);
            ps.setString(3, event.id());
            ps.setString(4, event.subjectId());
            ps.setString(5, event.type().name());
            ps.setString(6, event.attributes().get("status"));
            ps.setString(7, worker);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record event " + event.id() + ": " + e.getMessage(), e);
        }
    }
}
