package dev.orderkit.faults;

import dev.orderkit.core.OutboxRelay;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.spi.OutboxEntry;
import dev.orderkit.core.spi.OutboxStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A durable outbox of a run that the suite delivers and checks: the backend's {@link OutboxStore}
 * (its claim and mark primitives, delivered by core's {@link OutboxRelay}, exactly what
 * {@code JdbcBackend.outboxPublisher(sink)} runs) and, where the suite can list it, a reader of
 * its rows at the end. {@link Stores#outboxes()} names the outboxes of a scenario; an outbox
 * without a reader is checked through the deliveries and {@link OutboxStore#count} only.
 *
 * @param name short name, recorded with each delivery ({@code jdbc}, later {@code redis})
 * @param store the backend's outbox primitives
 * @param rows lists every row at the end, or {@code null} when the suite cannot list this outbox
 */
record SuiteOutbox(String name, OutboxStore store, @Nullable RowReader rows) {

    /**
     * The relays of the suite: batches of 10 (a killed worker's claim holds back few events),
     * backoff 20 ms doubling to 500 ms after a sink failure, 25 attempts (an injected failure of
     * one in seven never reaches that), claims of 3 s (killed workers' claims lapse quickly; a
     * batch is delivered well within that even on a loaded machine).
     */
    static final OutboxRelay.Settings RELAY =
            new OutboxRelay.Settings(10, 25, Duration.ofMillis(20), Duration.ofMillis(500), Duration.ofSeconds(3));

    /** Lists an outbox's rows. */
    @FunctionalInterface
    interface RowReader {
        List<Verdict.OutboxRow> read() throws SQLException;
    }

    /** An outbox without a row reader: checked through its deliveries and counts. */
    static SuiteOutbox of(String name, OutboxStore store) {
        return new SuiteOutbox(name, store, null);
    }

    /**
     * The JDBC backend's outbox table {@code <prefix>outbox} (PostgreSQL or MariaDB), listed with
     * plain SQL on {@code pool}.
     */
    static SuiteOutbox jdbc(OutboxStore store, DataSource pool, String prefix) {
        return new SuiteOutbox("jdbc", store, () -> readJdbc(pool, prefix));
    }

    private static List<Verdict.OutboxRow> readJdbc(DataSource pool, String prefix) throws SQLException {
        List<Verdict.OutboxRow> out = new ArrayList<>();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id, event_id, subject_id, status FROM " + prefix + "outbox ORDER BY id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Verdict.OutboxRow(
                        "jdbc", rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
            }
        }
        return out;
    }

    /**
     * A relay delivering this outbox to a recording sink, which records each event with the
     * outbox sequence of the entry being delivered (captured from the relay's claims).
     *
     * @param sink the sink (its {@link RecordingSink#sequences()} receives the claimed entries)
     * @return a relay over this outbox's store
     */
    OutboxRelay relay(RecordingSink sink) {
        return new OutboxRelay(
                new Sequencing(store, sink.sequences()), sink, RELAY, Clock.systemUTC(), Instrumentation.noop());
    }

    /**
     * The backend's store, noting the sequence of every entry a claim hands out (the relay passes
     * only the event to the sink). Everything else is delegated unchanged.
     */
    private record Sequencing(OutboxStore store, Map<String, Long> sequences) implements OutboxStore {
        @Override
        public List<OutboxEntry> claim(Instant now, int limit, Instant claimUntil) {
            List<OutboxEntry> claimed = store.claim(now, limit, claimUntil);
            for (OutboxEntry e : claimed) {
                sequences.put(e.event().id(), e.sequence());
            }
            return claimed;
        }

        @Override
        public boolean markSent(OutboxEntry entry, Instant now) {
            return store.markSent(entry, now);
        }

        @Override
        public boolean markFailed(OutboxEntry entry, int attempts, Instant nextAttemptAt, boolean dead, String error) {
            return store.markFailed(entry, attempts, nextAttemptAt, dead, error);
        }

        @Override
        public void unclaim(OutboxEntry entry) {
            store.unclaim(entry);
        }

        @Override
        public List<OutboxEntry> deadLetters(int limit) {
            return store.deadLetters(limit);
        }

        @Override
        public boolean redrive(String eventId, Instant now) {
            return store.redrive(eventId, now);
        }

        @Override
        public long count(Status status) {
            return store.count(status);
        }

        @Override
        public int purgeSent(Instant olderThan, int limit) {
            return store.purgeSent(olderThan, limit);
        }
    }

    /** A map for {@link Sequencing}: event id to the sequence of its last claim. */
    static Map<String, Long> newSequences() {
        return new ConcurrentHashMap<>();
    }
}
