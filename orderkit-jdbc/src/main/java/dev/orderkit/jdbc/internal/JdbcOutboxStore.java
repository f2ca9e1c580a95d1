package dev.orderkit.jdbc.internal;

import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.OutboxEntry;
import dev.orderkit.core.spi.OutboxStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;

/**
 * The outbox table's delivery primitives (core's {@code OutboxRelay} decides). A claim locks the
 * {@code outbox_lock} row named {@code claim} first (schema v10), so claims never interleave: an
 * event is claimable only while no earlier {@code PENDING} event of its aggregate is claimed by a
 * live claim or waiting for its retry, which a concurrent claim could otherwise miss (its claim not
 * yet committed). Marks are conditional on the claim token. Thread-safe.
 */
public final class JdbcOutboxStore implements OutboxStore {
    private final Db db;

    /**
     * Creates the store.
     *
     * @param db the database
     */
    public JdbcOutboxStore(Db db) {
        this.db = db;
    }

    /** One row per event, as the writers insert it: see {@link #insert(Connection, Db, List)}. */
    static final String INSERT = "INSERT INTO {p}outbox (event_id, event_type, subject_id, payload, "
            + "status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'PENDING', 0, 0, ?)";

    /**
     * Records events in the outbox in the caller's transaction (plain JDBC: the stock storage's hot
     * path), as one statement (batched when several). The caller holds the lock (row) of each
     * event's aggregate, so one aggregate's rows get increasing ids in commit order.
     *
     * @param c the connection of the change's transaction
     * @param db the database (table prefix)
     * @param events the events
     * @throws SQLException if the insert fails (the caller's transaction rolls back)
     */
    static void insert(Connection c, Db db, List<OrderKitEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(db.sql(INSERT))) {
            for (OrderKitEvent e : events) {
                bind(ps, 1, e);
                if (events.size() > 1) {
                    ps.addBatch();
                }
            }
            if (events.size() > 1) {
                ps.executeBatch();
            } else {
                ps.executeUpdate();
            }
        }
    }

    /**
     * Binds one row's five parameters (event id, type, subject, payload, created at) from {@code at}.
     *
     * @return the next parameter index
     */
    static int bind(PreparedStatement ps, int at, OrderKitEvent e) throws SQLException {
        ps.setString(at, e.id());
        ps.setString(at + 1, e.type().name());
        ps.setString(at + 2, e.subjectId());
        ps.setString(at + 3, Codec.write(e));
        ps.setLong(at + 4, Db.nanos(e.at()));
        return at + 5;
    }

    /** Records events through a Jdbi handle, in the handle's transaction. */
    static void insert(Handle h, Db db, List<OrderKitEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        var b = h.prepareBatch(db.sql("INSERT INTO {p}outbox (event_id, event_type, subject_id, payload, "
                + "status, attempts, next_attempt_at, created_at) VALUES "
                + "(:eid, :type, :subject, :payload, 'PENDING', 0, 0, :at)"));
        for (OrderKitEvent e : events) {
            b.bind("eid", e.id())
                    .bind("type", e.type().name())
                    .bind("subject", e.subjectId())
                    .bind("payload", Codec.write(e))
                    .bind("at", Db.nanos(e.at()))
                    .add();
        }
        b.execute();
    }

    @Override
    public List<OutboxEntry> claim(Instant now, int limit, Instant claimUntil) {
        long nowN = Db.nanos(now);
        String token = UUID.randomUUID().toString();
        return db.tx("claim outbox batch", tx -> {
            Handle h = tx.handle();
            h.createQuery(db.sql("SELECT name FROM {p}outbox_lock WHERE name = 'claim' FOR UPDATE"))
                    .mapTo(String.class)
                    .findOne();
            List<Long> ids = h.createQuery(db.sql("SELECT o.id FROM {p}outbox o WHERE o.status = 'PENDING' "
                            + "AND o.next_attempt_at <= :now AND (o.claimed_until IS NULL OR o.claimed_until <= :now) "
                            + "AND NOT EXISTS (SELECT 1 FROM {p}outbox e WHERE e.subject_id = o.subject_id "
                            + "AND e.status = 'PENDING' AND e.id < o.id "
                            + "AND (e.next_attempt_at > :now OR e.claimed_until > :now)) "
                            + "ORDER BY o.id LIMIT :lim"))
                    .bind("now", nowN)
                    .bind("lim", limit)
                    .mapTo(Long.class)
                    .list();
            if (ids.isEmpty()) {
                return List.of();
            }
            StringBuilder in = new StringBuilder();
            for (int i = 0; i < ids.size(); i++) {
                in.append(i == 0 ? "" : ", ").append(":i").append(i);
            }
            var u = h.createUpdate(db.sql("UPDATE {p}outbox SET claim_token = :tok, claimed_until = :until "
                    + "WHERE id IN (" + in + ") AND status = 'PENDING'"));
            for (int i = 0; i < ids.size(); i++) {
                u.bind("i" + i, ids.get(i));
            }
            u.bind("tok", token).bind("until", Db.nanos(claimUntil)).execute();
            return h.createQuery(db.sql("SELECT id, payload, attempts, created_at, last_error FROM {p}outbox "
                            + "WHERE claim_token = :tok AND status = 'PENDING' ORDER BY id"))
                    .bind("tok", token)
                    .map((rs, ctx) -> entry(rs, token))
                    .list();
        });
    }

    @Override
    public boolean markSent(OutboxEntry entry, Instant now) {
        return db.read(
                        "mark outbox row sent",
                        tx -> tx.handle()
                                .createUpdate(db.sql("UPDATE {p}outbox SET status = 'SENT', sent_at = :now, "
                                        + "attempts = attempts + 1, claim_token = NULL, claimed_until = NULL "
                                        + "WHERE id = :id AND claim_token = :tok AND status = 'PENDING'"))
                                .bind("now", Db.nanos(now))
                                .bind("id", entry.sequence())
                                .bind("tok", entry.claimToken())
                                .execute())
                == 1;
    }

    @Override
    public boolean markFailed(OutboxEntry entry, int attempts, Instant nextAttemptAt, boolean dead, String error) {
        return db.read(
                        "record outbox failure",
                        tx -> tx.handle()
                                .createUpdate(db.sql("UPDATE {p}outbox SET status = :status, attempts = :a, "
                                        + "next_attempt_at = :next, last_error = :err, claim_token = NULL, "
                                        + "claimed_until = NULL WHERE id = :id AND claim_token = :tok "
                                        + "AND status = 'PENDING'"))
                                .bind("status", dead ? "DEAD" : "PENDING")
                                .bind("a", attempts)
                                .bind("next", Db.nanos(nextAttemptAt))
                                .bind("err", error)
                                .bind("id", entry.sequence())
                                .bind("tok", entry.claimToken())
                                .execute())
                == 1;
    }

    @Override
    public void unclaim(OutboxEntry entry) {
        db.read(
                "unclaim outbox row",
                tx -> tx.handle()
                        .createUpdate(db.sql("UPDATE {p}outbox SET claim_token = NULL, claimed_until = NULL "
                                + "WHERE id = :id AND claim_token = :tok"))
                        .bind("id", entry.sequence())
                        .bind("tok", entry.claimToken())
                        .execute());
    }

    @Override
    public List<OutboxEntry> deadLetters(int limit) {
        return db.read(
                "read dead letters",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT id, payload, attempts, created_at, last_error FROM {p}outbox "
                                + "WHERE status = 'DEAD' ORDER BY id LIMIT :lim"))
                        .bind("lim", limit)
                        .map((rs, ctx) -> entry(rs, null))
                        .list());
    }

    /** An outbox row (id, payload, attempts, created_at, last_error) as an entry of a claim ({@code token}) or none. */
    private static OutboxEntry entry(ResultSet rs, @Nullable String token) throws SQLException {
        return new OutboxEntry(
                rs.getLong("id"),
                Codec.read(rs.getString("payload"), OrderKitEvent.class),
                rs.getInt("attempts"),
                Db.instant(rs.getLong("created_at")),
                token,
                rs.getString("last_error"));
    }

    @Override
    public boolean redrive(String eventId, Instant now) {
        return db.read(
                        "redrive dead letter",
                        tx -> tx.handle()
                                .createUpdate(db.sql("UPDATE {p}outbox SET status = 'PENDING', attempts = 0, "
                                        + "next_attempt_at = :now, claim_token = NULL, claimed_until = NULL "
                                        + "WHERE event_id = :eid AND status = 'DEAD'"))
                                .bind("now", Db.nanos(now))
                                .bind("eid", eventId)
                                .execute())
                > 0;
    }

    @Override
    public long count(Status status) {
        return db.read(
                "count outbox rows",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT COUNT(*) FROM {p}outbox WHERE status = :s"))
                        .bind("s", status.name())
                        .mapTo(Long.class)
                        .one());
    }

    @Override
    public int purgeSent(Instant olderThan, int limit) {
        return new JdbcPurge(db).purgeSentEvents(olderThan, limit);
    }
}
