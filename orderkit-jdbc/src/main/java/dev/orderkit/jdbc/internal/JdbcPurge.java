package dev.orderkit.jdbc.internal;

import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The retention primitives of the JDBC backend ({@code StockStorage.purgeReservations},
 * {@code compactMovements}, {@code OrderStore.purgeSentEvents}, {@code delete}), kept apart from
 * the hot-path SQL. Each batch is one short READ COMMITTED transaction; every delete is
 * conditional on what made the row deletable, so purges running on several instances at once
 * delete each row once. Schema version 5 adds the indexes they use. Thread-safe.
 */
public final class JdbcPurge {
    private static final String TERMINAL = "('RELEASED', 'EXPIRED', 'FULFILLED')";
    private static final String ADJUST = MovementReason.ADJUST.name();
    private static final String SET_ON_HAND = MovementReason.SET_ON_HAND.name();
    private static final String POLICY = MovementReason.POLICY.name();

    private final Db db;

    /**
     * Creates the purge.
     *
     * @param db plumbing
     */
    public JdbcPurge(Db db) {
        this.db = db;
    }

    /** {@code ?, ?, ...} with named parameters {@code :<name>0 ..}. */
    private static String params(String name, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? ":" : ", :").append(name).append(i);
        }
        return b.toString();
    }

    /**
     * Deletes up to {@code limit} terminal reservations last changed before {@code olderThan},
     * with their lines, in one transaction (a terminal reservation never changes again, so the
     * conditional delete deletes exactly the rows found, unless another purge took them first).
     *
     * @param olderThan exclusive bound of {@code updated_at}
     * @param limit maximum number
     * @return the number of reservations deleted
     */
    public int purgeReservations(Instant olderThan, int limit) {
        long bound = Db.nanos(olderThan);
        return db.tx("purge reservations", tx -> {
            Handle h = tx.handle();
            List<String> ids = h.createQuery(db.sql("SELECT id FROM {p}reservation WHERE state IN " + TERMINAL
                            + " AND updated_at < :b ORDER BY updated_at LIMIT :lim"))
                    .bind("b", bound)
                    .bind("lim", limit)
                    .mapTo(String.class)
                    .list();
            if (ids.isEmpty()) {
                return 0;
            }
            String in = params("id", ids.size());
            var del = h.createUpdate(db.sql("DELETE FROM {p}reservation WHERE id IN (" + in + ") AND state IN "
                            + TERMINAL + " AND updated_at < :b"))
                    .bind("b", bound);
            var lines = h.createUpdate(db.sql("DELETE FROM {p}reservation_line WHERE reservation_id IN (" + in + ")"));
            for (int i = 0; i < ids.size(); i++) {
                del.bind("id" + i, ids.get(i));
                lines.bind("id" + i, ids.get(i));
            }
            int n = del.execute();
            if (n > 0) {
                lines.execute(); // lines of a row another purge deleted first are gone already
            }
            return n;
        });
    }

    /** A level with movements to fold. */
    private record LevelKey(String sku, String location) {}

    /** A movement row. */
    private record Row(long id, long onHand, long reserved, String reason, String reference, long at) {}

    /**
     * Folds old movements into one snapshot row per level: the oldest old row (by id) becomes the
     * snapshot, the other old rows are deleted, with the {@code stock_write} records of the folded
     * adjust / setOnHand movements. Each level in its own transaction, under its level row lock
     * (taken {@code FOR UPDATE} first, as every write of the level takes it), so a fold never
     * interleaves with another fold or write of the same level.
     *
     * @param olderThan exclusive bound of {@code at}
     * @param limit maximum number of movement rows removed
     * @return the number removed
     */
    public int compactMovements(Instant olderThan, int limit) {
        long bound = Db.nanos(olderThan);
        List<LevelKey> candidates = db.read(
                "movement compaction candidates",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT sku, location FROM {p}movement WHERE at < :b "
                                + "GROUP BY sku, location HAVING COUNT(*) > 1 LIMIT :lim"))
                        .bind("b", bound)
                        .bind("lim", limit)
                        .map((rs, ctx) -> new LevelKey(rs.getString("sku"), rs.getString("location")))
                        .list());
        int removed = 0;
        for (LevelKey k : candidates) {
            if (removed >= limit) {
                break;
            }
            int budget = limit - removed;
            removed += db.tx(
                    "compact movements of " + k.sku() + "@" + k.location(), tx -> fold(tx.handle(), k, bound, budget));
        }
        return removed;
    }

    private int fold(Handle h, LevelKey k, long bound, int budget) {
        Optional<Long> locked = h.createQuery(
                        db.sql("SELECT version FROM {p}stock_level WHERE sku = :sku AND location = :loc FOR UPDATE"))
                .bind("sku", k.sku())
                .bind("loc", k.location())
                .mapTo(Long.class)
                .findOne();
        if (locked.isEmpty()) {
            return 0; // levels are never deleted; movements without a level are not ours to fold
        }
        List<Row> rows = h.createQuery(db.sql("SELECT id, on_hand_delta, reserved_delta, reason, reference, at "
                        + "FROM {p}movement WHERE sku = :sku AND location = :loc AND at < :b ORDER BY id LIMIT :lim"))
                .bind("sku", k.sku())
                .bind("loc", k.location())
                .bind("b", bound)
                .bind("lim", budget + 1)
                .map((rs, ctx) -> new Row(
                        rs.getLong("id"),
                        rs.getLong("on_hand_delta"),
                        rs.getLong("reserved_delta"),
                        rs.getString("reason"),
                        rs.getString("reference"),
                        rs.getLong("at")))
                .list();
        if (rows.size() < 2) {
            return 0;
        }
        long onHand = 0;
        long reserved = 0;
        long last = Long.MIN_VALUE;
        List<Long> gone = new ArrayList<>(rows.size() - 1);
        List<String> refs = new ArrayList<>();
        for (Row r : rows) {
            onHand += r.onHand();
            reserved += r.reserved();
            last = Math.max(last, r.at());
            if (r != rows.get(0)) {
                gone.add(r.id());
            }
            if ((ADJUST.equals(r.reason()) || SET_ON_HAND.equals(r.reason()) || POLICY.equals(r.reason()))
                    && r.reference() != null) {
                refs.add(r.reference());
            }
        }
        h.createUpdate(db.sql("UPDATE {p}movement SET on_hand_delta = :on, reserved_delta = :res, reason = :reason, "
                        + "reference = :ref, at = :at WHERE id = :id"))
                .bind("on", onHand)
                .bind("res", reserved)
                .bind("reason", MovementReason.SNAPSHOT.name())
                .bind("ref", Movement.SNAPSHOT_REFERENCE)
                .bind("at", last)
                .bind("id", rows.get(0).id())
                .execute();
        var del = h.createUpdate(db.sql("DELETE FROM {p}movement WHERE id IN (" + params("m", gone.size()) + ")"));
        for (int i = 0; i < gone.size(); i++) {
            del.bind("m" + i, gone.get(i));
        }
        int n = del.execute();
        if (!refs.isEmpty()) {
            var w = h.createUpdate(db.sql("DELETE FROM {p}stock_write WHERE sku = :sku AND location = :loc "
                            + "AND reference IN (" + params("r", refs.size()) + ")"))
                    .bind("sku", k.sku())
                    .bind("loc", k.location());
            for (int i = 0; i < refs.size(); i++) {
                w.bind("r" + i, refs.get(i));
            }
            w.execute();
        }
        return n;
    }

    /**
     * Deletes up to {@code limit} published outbox rows sent before {@code olderThan}.
     *
     * @param olderThan exclusive bound of {@code sent_at}
     * @param limit maximum number
     * @return the number deleted
     */
    public int purgeSentEvents(Instant olderThan, int limit) {
        long bound = Db.nanos(olderThan);
        return db.tx("purge sent events", tx -> {
            Handle h = tx.handle();
            List<Long> ids = h.createQuery(db.sql("SELECT id FROM {p}outbox WHERE status = 'SENT' AND sent_at < :b "
                            + "ORDER BY sent_at LIMIT :lim"))
                    .bind("b", bound)
                    .bind("lim", limit)
                    .mapTo(Long.class)
                    .list();
            if (ids.isEmpty()) {
                return 0;
            }
            var del = h.createUpdate(
                    db.sql("DELETE FROM {p}outbox WHERE id IN (" + params("id", ids.size()) + ") AND status = 'SENT'"));
            for (int i = 0; i < ids.size(); i++) {
                del.bind("id" + i, ids.get(i));
            }
            return del.execute();
        });
    }

    /**
     * Deletes an order at the expected version.
     *
     * @param orderId the id
     * @param expectedVersion the version read
     * @return true if deleted
     */
    public boolean deleteOrder(String orderId, long expectedVersion) {
        return db.tx(
                        "delete order " + orderId,
                        tx -> tx.handle()
                                .createUpdate(db.sql("DELETE FROM {p}orders WHERE id = :id AND version = :v"))
                                .bind("id", orderId)
                                .bind("v", expectedVersion)
                                .execute())
                == 1;
    }
}
