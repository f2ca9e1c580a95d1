package dev.orderkit.jdbc.internal;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.ReferenceReuseException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Shortfall;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveCommand;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import dev.orderkit.jdbc.JdbcDialect;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jdbi.v3.core.statement.Update;

/**
 * {@link StockStorage} on SQL. Reserve is one short transaction: insert the reservation row (its
 * primary key makes the id idempotent), then one guarded conditional update per line in canonical
 * order ({@code reserved = reserved + q WHERE ... AND on_hand - reserved >= q}), checking each
 * update count; any line that does not match rolls the whole transaction back. No row is read
 * with {@code FOR UPDATE}. A transition reads the reservation, asks {@link ReservationTransition}
 * (this class has no lifecycle rules of its own) and compare-and-sets the row's state in one
 * transaction with the level deltas and movements. {@code adjust} and {@code setOnHand} are
 * idempotent on their reference: each records itself in {@code stock_write} (primary key sku,
 * location, reference; schema version 3) in the transaction of its change, after the level row is
 * locked by the change, so of two concurrent calls with one reference the second waits, finds the
 * record and rolls back; a repeat answers the recorded level. No method loops to retry: a race it
 * cannot settle in its one transaction is answered as {@code Conflict} for core to re-run.
 * Thread-safe and safe across processes sharing the database.
 */
public final class JdbcStockStorage implements StockStorage {
    private static final String LEVEL_COLS = "sku, location, on_hand, reserved, version, updated_at";
    private static final String GUARDED_RESERVE = "UPDATE {p}stock_level SET reserved = reserved + :q, "
            + "version = version + 1, updated_at = :now "
            + "WHERE sku = :sku AND location = :loc AND on_hand - reserved >= :q";
    private static final String APPLY_DELTA = "UPDATE {p}stock_level SET on_hand = on_hand + :dOn, "
            + "reserved = reserved + :dRes, version = version + 1, "
            + "updated_at = :now WHERE sku = :sku AND location = :loc";
    private static final String INSERT_MOVEMENT = "INSERT INTO {p}movement "
            + "(sku, location, on_hand_delta, reserved_delta, reason, reference, at) "
            + "VALUES (:sku, :loc, :dOn, :dRes, :reason, :ref, :at)";

    private final Db db;

    /**
     * Creates the storage.
     *
     * @param db plumbing
     */
    public JdbcStockStorage(Db db) {
        this.db = db;
    }

    private static StockLevel level(ResultSet rs) throws SQLException {
        return new StockLevel(
                new StockKey(rs.getString("sku"), rs.getString("location")),
                rs.getLong("on_hand"),
                rs.getLong("reserved"),
                rs.getLong("version"),
                Db.instant(rs.getLong("updated_at")));
    }

    @Override
    public List<StockLevel> levels(String sku) {
        List<StockLevel> out = new ArrayList<>(db.read(
                "levels",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT " + LEVEL_COLS + " FROM {p}stock_level WHERE sku = :sku"))
                        .bind("sku", sku)
                        .map((rs, ctx) -> level(rs))
                        .list()));
        out.sort(Comparator.comparing(StockLevel::key));
        return out;
    }

    @Override
    public Optional<StockLevel> level(StockKey key) {
        return db.read("level", tx -> findLevel(tx.handle(), key));
    }

    private Optional<StockLevel> findLevel(Handle h, StockKey key) {
        return h.createQuery(
                        db.sql("SELECT " + LEVEL_COLS + " FROM {p}stock_level WHERE sku = :sku AND location = :loc"))
                .bind("sku", key.sku())
                .bind("loc", key.location())
                .map((rs, ctx) -> level(rs))
                .findOne();
    }

    /** Inserts a row unless its primary key exists; true if inserted. Never aborts the transaction. */
    private boolean insertIfAbsent(Handle h, String sql, Map<String, Object> params) {
        if (db.dialect() == JdbcDialect.POSTGRESQL) {
            Update u = h.createUpdate(db.sql(sql + " ON CONFLICT DO NOTHING"));
            params.forEach(u::bind);
            return u.execute() == 1;
        }
        Update u = h.createUpdate(db.sql(sql));
        params.forEach(u::bind);
        try {
            return u.execute() == 1;
        } catch (UnableToExecuteStatementException e) {
            if (Db.isDuplicate(e)) {
                return false; // MySQL/MariaDB/H2 keep the transaction usable after a failed statement
            }
            throw e;
        }
    }

    private void movements(Handle h, List<Movement> ms) {
        if (ms.isEmpty()) {
            return;
        }
        PreparedBatch b = h.prepareBatch(db.sql(INSERT_MOVEMENT));
        for (Movement m : ms) {
            b.bind("sku", m.key().sku())
                    .bind("loc", m.key().location())
                    .bind("dOn", m.onHandDelta())
                    .bind("dRes", m.reservedDelta())
                    .bind("reason", m.reason().name())
                    .bind("ref", m.reference())
                    .bind("at", Db.nanos(m.at()))
                    .add();
        }
        b.execute();
    }

    /** Runs the guarded reserve per line in canonical order; returns the index of the first line that failed, or -1. */
    private int guardedReserve(Handle h, List<AllocatedLine> lines, long now) {
        if (db.dialect().reliableBatchCounts() && lines.size() > 1) {
            PreparedBatch b = h.prepareBatch(db.sql(GUARDED_RESERVE));
            for (AllocatedLine l : lines) {
                b.bind("q", l.quantity())
                        .bind("now", now)
                        .bind("sku", l.key().sku())
                        .bind("loc", l.key().location())
                        .add();
            }
            int[] counts = b.execute();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] != 1) {
                    return i;
                }
            }
            return -1;
        }
        for (int i = 0; i < lines.size(); i++) {
            AllocatedLine l = lines.get(i);
            int n = h.createUpdate(db.sql(GUARDED_RESERVE))
                    .bind("q", l.quantity())
                    .bind("now", now)
                    .bind("sku", l.key().sku())
                    .bind("loc", l.key().location())
                    .execute();
            if (n != 1) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public ReserveResult reserve(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
        List<AllocatedLine> sorted = new ArrayList<>(lines);
        sorted.sort(Comparator.comparing(AllocatedLine::key)); // canonical order, whatever the caller sent
        long nowN = Db.nanos(now);
        Object outcome = db.tx("reserve " + reservationId, tx -> {
            Handle h = tx.handle();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", reservationId);
            row.put("exp", Db.nanos(expiresAt));
            row.put("now", nowN);
            if (!insertIfAbsent(
                    h,
                    "INSERT INTO {p}reservation (id, state, expires_at, created_at, updated_at, version) "
                            + "VALUES (:id, 'HELD', :exp, :now, :now, 0)",
                    row)) {
                tx.rollbackOnly();
                return Boolean.FALSE; // exists
            }
            int failed = guardedReserve(h, sorted, nowN);
            if (failed >= 0) {
                tx.rollbackOnly();
                return Integer.valueOf(failed);
            }
            PreparedBatch b = h.prepareBatch(db.sql("INSERT INTO {p}reservation_line "
                    + "(reservation_id, line_no, sku, location, quantity) VALUES (:id, :no, :sku, :loc, :q)"));
            List<Movement> ms = new ArrayList<>(sorted.size());
            for (int i = 0; i < sorted.size(); i++) {
                AllocatedLine l = sorted.get(i);
                b.bind("id", reservationId)
                        .bind("no", i)
                        .bind("sku", l.key().sku())
                        .bind("loc", l.key().location())
                        .bind("q", l.quantity())
                        .add();
                ms.add(new Movement(l.key(), 0, l.quantity(), MovementReason.RESERVE, reservationId, now));
            }
            b.execute();
            movements(h, ms);
            return new ReserveResult.Reserved(
                    new Reservation(reservationId, ReservationState.HELD, sorted, expiresAt, now, now));
        });
        if (outcome instanceof ReserveResult r) {
            return r;
        }
        if (Boolean.FALSE.equals(outcome)) {
            return reservation(reservationId)
                    .<ReserveResult>map(ReserveResult.AlreadyExists::new)
                    .orElseGet(() -> new ReserveResult.Conflict("a concurrent reserve of this id rolled back"));
        }
        return whyShort(sorted);
    }

    /**
     * The hot-SKU combiner's batch in one transaction: each touched level locked once, admission
     * in arrival order, every row, line and movement inserted as a batch, one commit (see
     * {@link JdbcBatchReserve}).
     */
    @Override
    public List<ReserveResult> reserveAll(List<ReserveCommand> batch) {
        return new JdbcBatchReserve(db).apply(batch);
    }

    @Override
    public int reserveBatchLimit() {
        return JdbcBatchReserve.MAX_BATCH;
    }

    /**
     * A guarded update matched no row: finds out why, outside the rolled-back transaction (only on
     * this failure path). Stock short when the guard ran but back before this read is a lost race.
     */
    private ReserveResult whyShort(List<AllocatedLine> sorted) {
        Map<StockKey, StockLevel> current = db.read("reserve check", tx -> {
            Map<StockKey, StockLevel> m = new LinkedHashMap<>();
            for (AllocatedLine l : sorted) {
                findLevel(tx.handle(), l.key()).ifPresent(lv -> m.put(l.key(), lv));
            }
            return m;
        });
        List<String> missing = new ArrayList<>();
        List<Shortfall> shortfalls = new ArrayList<>();
        for (AllocatedLine l : sorted) {
            StockLevel lv = current.get(l.key());
            if (lv == null) {
                missing.add(l.key().sku() + "@" + l.key().location());
            } else if (lv.available() < l.quantity()) {
                shortfalls.add(
                        new Shortfall(l.key().sku(), l.key().location(), l.quantity(), Math.max(0, lv.available())));
            }
        }
        if (!missing.isEmpty()) {
            return new ReserveResult.UnknownStock(missing);
        }
        if (!shortfalls.isEmpty()) {
            return new ReserveResult.Insufficient(shortfalls);
        }
        return new ReserveResult.Conflict("stock was short when the guarded update ran and back before it was read");
    }

    /** A reservation with its lines, one row per line. */
    private static final String SELECT_RESERVATIONS = "SELECT r.id, r.state, r.expires_at, r.created_at, "
            + "r.updated_at, l.sku, l.location, l.quantity FROM {p}reservation r JOIN {p}reservation_line l "
            + "ON l.reservation_id = r.id WHERE ";

    /** Runs {@link #SELECT_RESERVATIONS} with a condition; one reservation per id, lines in order. */
    private List<Reservation> selectReservations(Handle h, String where, Map<String, Object> params) {
        record Row(String id, ReservationState state, long exp, long created, long updated, AllocatedLine line) {}
        var q = h.createQuery(db.sql(SELECT_RESERVATIONS + where + " ORDER BY r.id, l.line_no"));
        params.forEach(q::bind);
        List<Row> rows = q.map((rs, ctx) -> new Row(
                        rs.getString("id"),
                        ReservationState.valueOf(rs.getString("state")),
                        rs.getLong("expires_at"),
                        rs.getLong("created_at"),
                        rs.getLong("updated_at"),
                        new AllocatedLine(
                                new StockKey(rs.getString("sku"), rs.getString("location")), rs.getLong("quantity"))))
                .list();
        Map<String, List<Row>> byId = new LinkedHashMap<>();
        for (Row r : rows) {
            byId.computeIfAbsent(r.id(), k -> new ArrayList<>()).add(r);
        }
        List<Reservation> out = new ArrayList<>(byId.size());
        for (List<Row> rs : byId.values()) {
            Row f = rs.get(0);
            out.add(new Reservation(
                    f.id(),
                    f.state(),
                    rs.stream().map(Row::line).toList(),
                    Db.instant(f.exp()),
                    Db.instant(f.created()),
                    Db.instant(f.updated())));
        }
        return out;
    }

    @Override
    public Optional<Reservation> reservation(String reservationId) {
        return db.read(
                "reservation",
                tx -> selectReservations(tx.handle(), "r.id = :id", Map.of("id", reservationId)).stream()
                        .findFirst());
    }

    /**
     * Reads the reservation (one query), asks {@link ReservationTransition} what to do, and applies
     * it in one transaction conditional on the state it read; the expiry never changes, so the
     * state is the rule's only input that can move meanwhile. A lost compare-and-set is a
     * {@code Conflict}, for core to re-run.
     */
    @Override
    public TransitionResult transition(String reservationId, ReservationTransition transition, Instant now) {
        Optional<Reservation> read = reservation(reservationId);
        if (read.isEmpty()) {
            return new TransitionResult.NotFound(reservationId);
        }
        Reservation current = read.get();
        ReservationTransition.Rule rule = transition.rule(current, now);
        if (!rule.applies()) {
            return rule.outcome(current, now);
        }
        long nowN = Db.nanos(now);
        boolean won = db.tx(transition.verb() + " " + reservationId, tx -> {
            Handle h = tx.handle();
            int n = h.createUpdate(db.sql("UPDATE {p}reservation SET state = :next, updated_at = :now, "
                            + "version = version + 1 WHERE id = :id AND state = :cur"))
                    .bind("next", rule.to().name())
                    .bind("now", nowN)
                    .bind("id", reservationId)
                    .bind("cur", current.state().name())
                    .execute();
            if (n != 1) {
                tx.rollbackOnly();
                return false;
            }
            applyMovements(h, transition.movements(current, now));
            return true;
        });
        return won
                ? rule.outcome(current, now)
                : new TransitionResult.Conflict(reservationId, "changed from " + current.state() + " meanwhile");
    }

    /** Applies each movement to its level and records it; levels in canonical order (lines are stored so). */
    private void applyMovements(Handle h, List<Movement> ms) {
        if (ms.isEmpty()) {
            return;
        }
        PreparedBatch b = h.prepareBatch(db.sql(APPLY_DELTA));
        for (Movement m : ms) {
            b.bind("dOn", m.onHandDelta())
                    .bind("dRes", m.reservedDelta())
                    .bind("now", Db.nanos(m.at()))
                    .bind("sku", m.key().sku())
                    .bind("loc", m.key().location())
                    .add();
        }
        b.execute();
        movements(h, ms);
    }

    @Override
    public List<String> dueReservations(Instant now, int limit) {
        String lock = db.dialect().supportsSkipLocked() ? " FOR UPDATE SKIP LOCKED" : "";
        // In its own short transaction: SKIP LOCKED passes over holds that another instance is
        // expiring (or committing) right now; expire() itself is a conditional update, so an id
        // handed to two instances is still expired exactly once.
        return db.tx(
                "due reservations",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT id FROM {p}reservation WHERE state = 'HELD' AND expires_at <= :now "
                                + "ORDER BY expires_at, id LIMIT :lim" + lock))
                        .bind("now", Db.nanos(now))
                        .bind("lim", limit)
                        .mapTo(String.class)
                        .list());
    }

    // ------------------------------------------------------------------ adjust / setOnHand

    private static final String ADJUST = "ADJUST";
    private static final String SET_ON_HAND = "SET_ON_HAND";

    /** A row of {@code stock_write}: an applied adjust / setOnHand, its arguments and the level it produced. */
    private record AppliedWrite(boolean set, long amount, long expectedVersion, StockLevel result) {
        StockLevel replay(StockKey key, String reference, boolean isSet, long amt, long expected) {
            if (set != isSet || amount != amt || (set && expectedVersion != expected)) {
                throw new ReferenceReuseException(
                        key, reference, StockStorage.describeWrite(set, amount, expectedVersion));
            }
            return result;
        }
    }

    private Optional<AppliedWrite> findWrite(Handle h, StockKey key, String reference) {
        return h.createQuery(db.sql("SELECT kind, amount, expected_version, on_hand, reserved, version, at "
                        + "FROM {p}stock_write WHERE sku = :sku AND location = :loc AND reference = :ref"))
                .bind("sku", key.sku())
                .bind("loc", key.location())
                .bind("ref", reference)
                .map((rs, ctx) -> new AppliedWrite(
                        SET_ON_HAND.equals(rs.getString("kind")),
                        rs.getLong("amount"),
                        rs.getLong("expected_version"),
                        new StockLevel(
                                key,
                                rs.getLong("on_hand"),
                                rs.getLong("reserved"),
                                rs.getLong("version"),
                                Db.instant(rs.getLong("at")))))
                .findOne();
    }

    /**
     * Records an applied write in the transaction of its change. False if the reference is already
     * recorded for the level (a concurrent call with the same reference committed first: the
     * caller rolls back and replays).
     */
    private boolean recordWrite(
            Handle h,
            StockKey key,
            String reference,
            String kind,
            long amount,
            long expectedVersion,
            StockLevel result,
            long nowN) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("sku", key.sku());
        row.put("loc", key.location());
        row.put("ref", reference);
        row.put("kind", kind);
        row.put("amount", amount);
        row.put("ev", expectedVersion);
        row.put("onHand", result.onHand());
        row.put("reserved", result.reserved());
        row.put("version", result.version());
        row.put("at", nowN);
        return insertIfAbsent(
                h,
                "INSERT INTO {p}stock_write (sku, location, reference, kind, amount, expected_version, "
                        + "on_hand, reserved, version, at) VALUES (:sku, :loc, "
                        + ":ref, :kind, :amount, :ev, :onHand, :reserved, "
                        + ":version, :at)",
                row);
    }

    /**
     * Runs one idempotent stock write in one transaction: answers the recorded result if the
     * reference was applied, else runs {@code work}, which records the write in the same
     * transaction. When {@code work} meets the record of a concurrent call with the same reference
     * (committed meanwhile) it answers {@link #replay}, read in that transaction.
     */
    private StockLevel idempotentWrite(
            String what,
            StockKey key,
            String reference,
            boolean set,
            long amount,
            long expectedVersion,
            Db.Work<StockLevel> work) {
        return db.tx(what, tx -> {
            Optional<AppliedWrite> applied = findWrite(tx.handle(), key, reference);
            if (applied.isPresent()) {
                tx.rollbackOnly();
                return applied.get().replay(key, reference, set, amount, expectedVersion);
            }
            return work.run(tx);
        });
    }

    /**
     * The recorded result of a reference that a concurrent call committed while this transaction
     * ran (READ COMMITTED: this statement sees it); this transaction is rolled back.
     */
    private StockLevel replay(Db.Tx tx, StockKey key, String reference, boolean set, long amount, long expected) {
        tx.rollbackOnly();
        return findWrite(tx.handle(), key, reference)
                .orElseThrow(() -> new ConcurrencyConflictException(
                        "stock write '" + reference + "' on " + key + " raced a concurrent one"))
                .replay(key, reference, set, amount, expected);
    }

    @Override
    public StockLevel adjust(StockKey key, long delta, String reference, Instant now) {
        long nowN = Db.nanos(now);
        return idempotentWrite("adjust " + key, key, reference, false, delta, 0, tx -> {
            Handle h = tx.handle();
            if (delta >= 0 && findLevel(h, key).isEmpty()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("sku", key.sku());
                row.put("loc", key.location());
                row.put("now", nowN);
                insertIfAbsent(
                        h, "INSERT INTO {p}stock_level (" + LEVEL_COLS + ") VALUES (:sku, :loc, 0, 0, 0, :now)", row);
            }
            int n = h.createUpdate(db.sql("UPDATE {p}stock_level SET on_hand = on_hand + :d, version = version + 1, "
                            + "updated_at = :now WHERE sku = :sku AND location = :loc "
                            + "AND on_hand + :d >= reserved AND on_hand + :d >= 0"))
                    .bind("d", delta)
                    .bind("now", nowN)
                    .bind("sku", key.sku())
                    .bind("loc", key.location())
                    .execute();
            if (n != 1) {
                StockLevel l = findLevel(h, key)
                        .orElseThrow(() -> new NotFoundException("stock level", key.sku() + "@" + key.location()));
                throw new InsufficientStockException(
                        List.of(new Shortfall(key.sku(), key.location(), -delta, l.available())));
            }
            StockLevel result = findLevel(h, key).orElseThrow();
            // the level row is locked by the update above, so a concurrent call with the same
            // reference waits here and then finds the record (or applies it itself if we roll back)
            if (!recordWrite(h, key, reference, ADJUST, delta, 0, result, nowN)) {
                return replay(tx, key, reference, false, delta, 0);
            }
            movements(h, List.of(new Movement(key, delta, 0, MovementReason.ADJUST, reference, now)));
            return result;
        });
    }

    @Override
    public StockLevel setOnHand(StockKey key, long onHand, long expectedVersion, String reference, Instant now) {
        long nowN = Db.nanos(now);
        String what = "set on-hand " + key;
        return idempotentWrite(what, key, reference, true, onHand, expectedVersion, tx -> {
            Handle h = tx.handle();
            StockLevel result;
            long delta;
            if (expectedVersion == -1) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("sku", key.sku());
                row.put("loc", key.location());
                row.put("onHand", onHand);
                row.put("now", nowN);
                if (!insertIfAbsent(
                        h,
                        "INSERT INTO {p}stock_level (" + LEVEL_COLS + ") VALUES (:sku, :loc, :onHand, 0, 1, :now)",
                        row)) {
                    if (findWrite(h, key, reference).isPresent()) {
                        return replay(tx, key, reference, true, onHand, expectedVersion); // created concurrently
                    }
                    throw new ConcurrencyConflictException("stock level " + key + " already exists");
                }
                result = new StockLevel(key, onHand, 0, 1, Db.instant(nowN));
                delta = onHand;
            } else {
                StockLevel cur = findLevel(h, key)
                        .orElseThrow(() -> new NotFoundException("stock level", key.sku() + "@" + key.location()));
                if (cur.version() != expectedVersion) {
                    if (findWrite(h, key, reference).isPresent()) {
                        return replay(tx, key, reference, true, onHand, expectedVersion); // moved on concurrently
                    }
                    throw new ConcurrencyConflictException(
                            "stock level " + key + " is at version " + cur.version() + ", expected " + expectedVersion);
                }
                if (onHand < cur.reserved()) {
                    throw new InsufficientStockException(
                            List.of(new Shortfall(key.sku(), key.location(), cur.reserved(), onHand)));
                }
                int n = h.createUpdate(db.sql("UPDATE {p}stock_level SET on_hand = :onHand, version = version + 1, "
                                + "updated_at = :now WHERE sku = :sku AND location = :loc AND version = :ev "
                                + "AND reserved <= :onHand"))
                        .bind("onHand", onHand)
                        .bind("now", nowN)
                        .bind("sku", key.sku())
                        .bind("loc", key.location())
                        .bind("ev", expectedVersion)
                        .execute();
                if (n != 1) {
                    if (findWrite(h, key, reference).isPresent()) {
                        return replay(tx, key, reference, true, onHand, expectedVersion);
                    }
                    throw new ConcurrencyConflictException(
                            "stock level " + key + " changed concurrently (expected version " + expectedVersion + ")");
                }
                result = new StockLevel(key, onHand, cur.reserved(), expectedVersion + 1, Db.instant(nowN));
                delta = onHand - cur.onHand();
            }
            if (!recordWrite(h, key, reference, SET_ON_HAND, onHand, expectedVersion, result, nowN)) {
                return replay(tx, key, reference, true, onHand, expectedVersion);
            }
            movements(h, List.of(new Movement(key, delta, 0, MovementReason.SET_ON_HAND, reference, now)));
            return result;
        });
    }

    @Override
    public List<StockLevel> allLevels() {
        List<StockLevel> out = new ArrayList<>(db.read(
                "all levels",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT " + LEVEL_COLS + " FROM {p}stock_level"))
                        .map((rs, ctx) -> level(rs))
                        .list()));
        out.sort(Comparator.comparing(StockLevel::key));
        return out;
    }

    @Override
    public List<Reservation> reservations(Set<ReservationState> states) {
        if (states.isEmpty()) {
            return List.of();
        }
        List<ReservationState> list = new ArrayList<>(EnumSet.copyOf(states));
        StringBuilder in = new StringBuilder();
        Map<String, Object> params = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            in.append(i == 0 ? "" : ", ").append(":s").append(i);
            params.put("s" + i, list.get(i).name());
        }
        return db.read("reservations", tx -> selectReservations(tx.handle(), "r.state IN (" + in + ")", params));
    }

    @Override
    public List<Movement> movements(StockKey key) {
        return db.read(
                "movements",
                tx -> tx.handle()
                        .createQuery(
                                db.sql("SELECT on_hand_delta, reserved_delta, reason, reference, at FROM {p}movement "
                                        + "WHERE sku = :sku AND location = :loc ORDER BY id"))
                        .bind("sku", key.sku())
                        .bind("loc", key.location())
                        .map((rs, ctx) -> new Movement(
                                key,
                                rs.getLong("on_hand_delta"),
                                rs.getLong("reserved_delta"),
                                MovementReason.valueOf(rs.getString("reason")),
                                rs.getString("reference"),
                                Db.instant(rs.getLong("at"))))
                        .list());
    }
}
