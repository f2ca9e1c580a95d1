package dev.orderkit.jdbc.internal;

import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.jdbc.JdbcDialect;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jspecify.annotations.Nullable;

/**
 * {@link InboxStore} on SQL, table {@code <prefix>inbox (message_id PK, lease_until, completed_at)}
 * (schema version 2). Every step is one auto-committed statement made atomic by the primary key
 * and its {@code WHERE} guard; nothing loops (a lost race is an answer, retried by the caller):
 * <ul>
 *   <li>claim: insert-if-absent (a new message: acquired); else a conditional update
 *       {@code SET lease_until = :until WHERE message_id = :id AND completed_at IS NULL AND
 *       lease_until <= :now} taking over an expired or released lease (the database re-checks the
 *       guard after a row-lock wait, so of concurrent takeovers exactly one matches); else a read:
 *       completed → {@code DONE}, a live lease → {@code IN_PROGRESS}, no row → {@code DONE} (only
 *       completed rows are purged, so it was completed meanwhile), and a lease released or lapsed
 *       since the update → {@code CONFLICT}.</li>
 *   <li>complete: insert-if-absent of a completed row; else
 *       {@code UPDATE ... SET completed_at = :now WHERE completed_at IS NULL}. If that matches
 *       nothing the row was completed (or purged after completion) already: never a race to lose.</li>
 *   <li>release: {@code UPDATE ... SET lease_until = MIN WHERE completed_at IS NULL}.</li>
 *   <li>purge: selects up to {@code limit} ids completed before the bound, deletes them with the
 *       same guard, and counts the rows really deleted.</li>
 * </ul>
 * Thread-safe and safe across processes sharing the schema.
 */
public final class JdbcInboxStore implements InboxStore {
    private static final long RELEASED = Long.MIN_VALUE;
    private final Db db;

    /**
     * Creates the store.
     *
     * @param db plumbing
     */
    public JdbcInboxStore(Db db) {
        this.db = db;
    }

    private record Row(long leaseUntil, @Nullable Long completedAt) {}

    private boolean insert(Handle h, String id, long leaseUntil, @Nullable Long completedAt) {
        String sql = "INSERT INTO {p}inbox (message_id, lease_until, completed_at) VALUES (:id, :lease, :done)";
        boolean pg = db.dialect() == JdbcDialect.POSTGRESQL;
        try {
            return h.createUpdate(db.sql(pg ? sql + " ON CONFLICT DO NOTHING" : sql))
                            .bind("id", id)
                            .bind("lease", leaseUntil)
                            .bind("done", completedAt)
                            .execute()
                    == 1;
        } catch (UnableToExecuteStatementException e) {
            if (!pg && Db.isDuplicate(e)) {
                return false;
            }
            throw e;
        }
    }

    private Optional<Row> find(Handle h, String id) {
        return h.createQuery(db.sql("SELECT lease_until, completed_at FROM {p}inbox WHERE message_id = :id"))
                .bind("id", id)
                .map((rs, ctx) -> {
                    long lease = rs.getLong("lease_until");
                    long done = rs.getLong("completed_at");
                    return new Row(lease, rs.wasNull() ? null : done);
                })
                .findOne();
    }

    @Override
    public Claim claim(String messageId, Instant now, Duration lease) {
        InboxStore.checkMessageId(messageId);
        Objects.requireNonNull(now, "now must not be null");
        InboxStore.checkLease(lease);
        long nowN = Db.nanos(now);
        long until = Db.nanos(now.plus(lease));
        return db.read("inbox claim", tx -> {
            Handle h = tx.handle();
            if (insert(h, messageId, until, null)) {
                return Claim.ACQUIRED;
            }
            int n = h.createUpdate(db.sql("UPDATE {p}inbox SET lease_until = :until WHERE message_id = :id "
                            + "AND completed_at IS NULL AND lease_until <= :now"))
                    .bind("until", until)
                    .bind("id", messageId)
                    .bind("now", nowN)
                    .execute();
            if (n == 1) {
                return Claim.ACQUIRED;
            }
            Row row = find(h, messageId).orElse(null);
            if (row == null || row.completedAt() != null) {
                return Claim.DONE; // a missing row was purged, and purge deletes completed rows only
            }
            return row.leaseUntil() > nowN ? Claim.IN_PROGRESS : Claim.CONFLICT;
        });
    }

    @Override
    public void complete(String messageId, Instant now) {
        InboxStore.checkMessageId(messageId);
        Objects.requireNonNull(now, "now must not be null");
        long nowN = Db.nanos(now);
        db.read("inbox complete", tx -> {
            Handle h = tx.handle();
            boolean inserted = insert(h, messageId, RELEASED, nowN);
            if (!inserted) {
                // the row existed at the insert; no match here means it is completed (or was, then purged)
                h.createUpdate(db.sql("UPDATE {p}inbox SET completed_at = :now, lease_until = :min "
                                + "WHERE message_id = :id AND completed_at IS NULL"))
                        .bind("now", nowN)
                        .bind("min", RELEASED)
                        .bind("id", messageId)
                        .execute();
            }
            return inserted; // unused: Db.read's work returns a value
        });
    }

    @Override
    public void release(String messageId) {
        InboxStore.checkMessageId(messageId);
        db.read(
                "inbox release",
                tx -> tx.handle()
                        .createUpdate(db.sql("UPDATE {p}inbox SET lease_until = :min WHERE message_id = :id "
                                + "AND completed_at IS NULL"))
                        .bind("min", RELEASED)
                        .bind("id", messageId)
                        .execute());
    }

    @Override
    public int purgeCompleted(Instant olderThan, int limit) {
        Objects.requireNonNull(olderThan, "olderThan must not be null");
        InboxStore.checkLimit(limit);
        long bound = Db.nanos(olderThan);
        return db.tx("purge inbox", tx -> {
            Handle h = tx.handle();
            List<String> victims = h.createQuery(db.sql("SELECT message_id FROM {p}inbox "
                            + "WHERE completed_at IS NOT NULL AND completed_at "
                            + "< :bound ORDER BY completed_at LIMIT :lim"))
                    .bind("bound", bound)
                    .bind("lim", limit)
                    .mapTo(String.class)
                    .list();
            if (victims.isEmpty()) {
                return 0;
            }
            String del = db.sql("DELETE FROM {p}inbox WHERE message_id = :id AND completed_at IS NOT NULL "
                    + "AND completed_at < :bound");
            int n = 0;
            if (db.dialect().reliableBatchCounts()) {
                PreparedBatch b = h.prepareBatch(del);
                for (String id : victims) {
                    b.bind("id", id).bind("bound", bound).add();
                }
                for (int c : b.execute()) {
                    n += c;
                }
            } else {
                for (String id : victims) {
                    n += h.createUpdate(del).bind("id", id).bind("bound", bound).execute();
                }
            }
            return n;
        });
    }
}
