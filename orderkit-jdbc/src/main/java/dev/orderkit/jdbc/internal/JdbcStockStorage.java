package dev.orderkit.jdbc.internal;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.BackendUnavailableException;
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
import dev.orderkit.core.StockPolicy;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.ExtendResult;
import dev.orderkit.core.spi.LevelAudit;
import dev.orderkit.core.spi.PositionedMovement;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveCommand;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockEvents;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import dev.orderkit.jdbc.JdbcDialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jdbi.v3.core.statement.Update;
import org.jspecify.annotations.Nullable;

/**
 * {@link StockStorage} on SQL. The hot path (reserve, transition) runs on plain JDBC
 * ({@link Db#withConnection}): on the step transaction's connection when one is open on this
 * thread (joining it: the commit is the unit's), else on a pooled connection of its own.
 *
 * <p><b>PostgreSQL</b>: a reserve is ONE data-modifying CTE statement and a transition is one
 * conditional statement, each atomic on its own (one round trip in auto-commit mode, commit
 * included); see {@link PgStockSql} for how it stays all-or-nothing and oversell-free under READ
 * COMMITTED. <b>MySQL/MariaDB and H2</b>: a reserve is one short transaction: insert the
 * reservation row (its primary key makes the id idempotent), then one guarded conditional update
 * per line in canonical order ({@code reserved = reserved + q WHERE ... AND on_hand - reserved >= q};
 * batched on H2), checking each update count, then the lines and the movements as one multi-row
 * insert each; any line that does not match rolls the whole transaction back (inside a step
 * transaction: back to a savepoint that always has the same name). A transition reads the
 * reservation, asks {@link ReservationTransition} (this class has no lifecycle rules of its own)
 * and compare-and-sets the row's state, with the level deltas and movements in one transaction when
 * the action moves stock, as one auto-committed update when it does not. No row is read with
 * {@code FOR UPDATE} outside the PostgreSQL statement.
 *
 * <p>{@code adjust} and {@code setOnHand} are idempotent on their reference: each records itself
 * in {@code stock_write} (primary key sku, location, reference; schema version 3) in the
 * transaction of its change, after the level row is locked by the change, so of two concurrent
 * calls with one reference the second waits, finds the record and rolls back; a repeat answers the
 * recorded level. No method loops to retry: a race it cannot settle in its one transaction is
 * answered as {@code Conflict} for core to re-run. Thread-safe and safe across processes sharing
 * the database.
 */
public final class JdbcStockStorage implements StockStorage {
    private static final String LEVEL_COLS = "sku, location, on_hand, reserved, version, updated_at";
    /** The columns a level is read from (schema version 9 added {@code committed}). */
    private static final String LEVEL_READ = LEVEL_COLS + ", committed, policy_kind, policy_limit, policy_until";
    /** A level's backorder / preorder allowance at the bound time (schema version 9). */
    private static final String ALLOWANCE = "CASE WHEN policy_until > ? THEN policy_limit ELSE 0 END";

    private static final String GUARDED_RESERVE = "UPDATE {p}stock_level SET reserved = reserved + ?, "
            + "version = version + 1, updated_at = ? "
            + "WHERE sku = ? AND location = ? AND on_hand - reserved + " + ALLOWANCE + " >= ?";
    private static final String APPLY_DELTA = "UPDATE {p}stock_level SET on_hand = on_hand + ?, "
            + "reserved = reserved + ?, version = version + 1, "
            + "updated_at = ? WHERE sku = ? AND location = ?";
    /** A transition's change of one level: on-hand, reserved and committed deltas. */
    private static final String APPLY_TRANSITION = "UPDATE {p}stock_level SET on_hand = on_hand + ?, "
            + "reserved = reserved + ?, committed = committed + ?, version = version + 1, "
            + "updated_at = ? WHERE sku = ? AND location = ? AND on_hand + ? >= 0";

    private static final String INSERT_RESERVATION = "INSERT INTO {p}reservation "
            + "(id, state, expires_at, created_at, updated_at, version) VALUES (?, 'HELD', ?, ?, ?, 0)";
    private static final String CAS_STATE = "UPDATE {p}reservation SET state = ?, updated_at = ?, "
            + "version = version + 1 WHERE id = ? AND state = ? AND expires_at = ?";
    /** MySQL/MariaDB: the state's compare-and-set and the hold's index entries in one statement. */
    private static final String CAS_STATE_UNHOLD_MYSQL = "UPDATE {p}reservation r JOIN {p}reservation_line l "
            + "ON l.reservation_id = r.id SET r.state = ?, r.updated_at = ?, r.version = r.version + 1, "
            + "l.held_until = NULL WHERE r.id = ? AND r.state = ? AND r.expires_at = ?";
    /** Takes a hold's lines out of the index by SKU and expiry. */
    private static final String UNHOLD_LINES =
            "UPDATE {p}reservation_line SET held_until = NULL WHERE reservation_id = ? AND held_until IS NOT NULL";
    /** The one savepoint name of a stock write inside a step transaction (MySQL/MariaDB, H2). */
    private static final String SAVEPOINT = "ok_stock";

    private static final String INSERT_MOVEMENT_POSITIONAL = "INSERT INTO {p}movement "
            + "(sku, location, on_hand_delta, reserved_delta, reason, reference, at) VALUES (?, ?, ?, ?, ?, ?, ?)";

    private static final String INSERT_MOVEMENT = "INSERT INTO {p}movement "
            + "(sku, location, on_hand_delta, reserved_delta, reason, reference, at) "
            + "VALUES (:sku, :loc, :dOn, :dRes, :reason, :ref, :at)";

    private final Db db;
    /** The one-statement hot path on PostgreSQL; null on the other dialects. */
    private final @Nullable PgStockSql pg;

    private final Map<Integer, String> linesSql = new ConcurrentHashMap<>();
    private final Map<Integer, String> movementsSql = new ConcurrentHashMap<>();

    /**
     * Creates the storage.
     *
     * @param db plumbing
     */
    public JdbcStockStorage(Db db) {
        this.db = db;
        this.pg = db.dialect() == JdbcDialect.POSTGRESQL ? new PgStockSql(db.prefix()) : null;
    }

    private static StockLevel level(ResultSet rs) throws SQLException {
        return new StockLevel(
                new StockKey(rs.getString("sku"), rs.getString("location")),
                rs.getLong("on_hand"),
                rs.getLong("reserved"),
                rs.getLong("committed"),
                rs.getLong("version"),
                Db.instant(rs.getLong("updated_at")),
                policy(rs.getString("policy_kind"), rs.getLong("policy_limit"), rs.getLong("policy_until")));
    }

    /** A policy from its columns (the until of a preorder in nanos). */
    static StockPolicy policy(String kind, long limit, long until) {
        return switch (StockPolicy.Kind.valueOf(kind)) {
            case NONE -> StockPolicy.none();
            case BACKORDER -> StockPolicy.backorder(limit);
            case PREORDER -> StockPolicy.preorder(limit, Db.instant(until));
        };
    }

    /** Core reads the levels of a SKU before every allocation: plain JDBC, no Jdbi handle. */
    /** Every change's event is inserted into the outbox table in the change's transaction. */
    @Override
    public boolean recordsEvents() {
        return true;
    }

    @Override
    public List<StockLevel> levels(String sku) {
        List<StockLevel> out = db.withConnection("levels", (c, ambient) -> {
            try (PreparedStatement ps =
                    c.prepareStatement(db.sql("SELECT " + LEVEL_READ + " FROM {p}stock_level WHERE sku = ?"))) {
                ps.setString(1, sku);
                try (ResultSet rs = ps.executeQuery()) {
                    List<StockLevel> list = new ArrayList<>(2);
                    while (rs.next()) {
                        list.add(level(rs));
                    }
                    return list;
                }
            }
        });
        if (out.size() > 1) {
            out.sort(Comparator.comparing(StockLevel::key));
        }
        return out;
    }

    @Override
    public Optional<StockLevel> level(StockKey key) {
        return db.withConnection("level", (c, ambient) -> {
            try (PreparedStatement ps = c.prepareStatement(
                    db.sql("SELECT " + LEVEL_READ + " FROM {p}stock_level WHERE sku = ? AND location = ?"))) {
                ps.setString(1, key.sku());
                ps.setString(2, key.location());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(level(rs)) : Optional.<StockLevel>empty();
                }
            }
        });
    }

    private Optional<StockLevel> findLevel(Handle h, StockKey key) {
        return h.createQuery(
                        db.sql("SELECT " + LEVEL_READ + " FROM {p}stock_level WHERE sku = :sku AND location = :loc"))
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

    // ------------------------------------------------------------------ plain-JDBC plumbing of the hot path

    /** A unit of plain-JDBC work in a transaction: its value and whether to keep (commit) its writes. */
    private record Done<T>(T value, boolean commit) {}

    @FunctionalInterface
    private interface TxBody<T> {
        Done<T> run(Connection c) throws SQLException;
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException suppressed) {
            cause.addSuppressed(suppressed); // connection broken: the database rolls back on its own
        }
    }

    /**
     * Runs work in one READ COMMITTED transaction (MySQL/MariaDB, H2): its own, or, inside a step
     * transaction, a savepoint that always has the same name (so the driver/server can reuse it).
     */
    private <T> T inTx(Connection c, boolean ambient, TxBody<T> body) throws SQLException {
        if (ambient) {
            Savepoint sp = c.setSavepoint(SAVEPOINT);
            Done<T> d;
            try {
                d = body.run(c);
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback(sp);
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed); // the whole step transaction will be rolled back anyway
                }
                throw e;
            }
            if (d.commit()) {
                c.releaseSavepoint(sp);
            } else {
                c.rollback(sp);
            }
            return d.value();
        }
        if (db.dialect() == JdbcDialect.MYSQL && c.getTransactionIsolation() != Connection.TRANSACTION_READ_COMMITTED) {
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED); // InnoDB defaults to REPEATABLE READ
        }
        boolean auto = c.getAutoCommit();
        if (auto) {
            c.setAutoCommit(false);
        }
        Done<T> d;
        try {
            d = body.run(c);
            if (d.commit()) {
                c.commit();
            } else {
                c.rollback();
            }
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c, e);
            if (auto) {
                try {
                    c.setAutoCommit(true); // hand the connection back as it came
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed); // broken: the pool discards it
                }
            }
            throw e;
        }
        if (auto) {
            c.setAutoCommit(true);
        }
        return d.value();
    }

    private String linesSql(int n) {
        return linesSql.computeIfAbsent(
                n,
                k -> db.sql("INSERT INTO {p}reservation_line "
                        + "(reservation_id, line_no, sku, location, quantity, held_until) VALUES "
                        + rows(k, "(?, ?, ?, ?, ?, ?)")));
    }

    private String movementsSql(int n) {
        return movementsSql.computeIfAbsent(
                n,
                k -> db.sql("INSERT INTO {p}movement "
                        + "(sku, location, on_hand_delta, reserved_delta, reason, reference, at) VALUES "
                        + rows(k, "(?, ?, ?, ?, ?, ?, ?)")));
    }

    private static String rows(int n, String row) {
        StringBuilder b = new StringBuilder(n * (row.length() + 2));
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ", ").append(row);
        }
        return b.toString();
    }

    /** Inserts movements with one multi-row statement. */
    private void insertMovements(Connection c, List<Movement> ms) throws SQLException {
        if (ms.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(movementsSql(ms.size()))) {
            int i = 1;
            for (Movement m : ms) {
                ps.setString(i++, m.key().sku());
                ps.setString(i++, m.key().location());
                ps.setLong(i++, m.onHandDelta());
                ps.setLong(i++, m.reservedDelta());
                ps.setString(i++, m.reason().name());
                ps.setString(i++, m.reference());
                ps.setLong(i++, Db.nanos(m.at()));
            }
            ps.executeUpdate();
        }
    }

    /** Runs the guarded reserve per line in canonical order; returns the index of the first line that failed, or -1. */
    private int guardedReserve(Connection c, List<AllocatedLine> lines, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(db.sql(GUARDED_RESERVE))) {
            boolean batch = db.dialect().reliableBatchCounts() && lines.size() > 1;
            for (int i = 0; i < lines.size(); i++) {
                AllocatedLine l = lines.get(i);
                ps.setLong(1, l.quantity());
                ps.setLong(2, now);
                ps.setString(3, l.key().sku());
                ps.setString(4, l.key().location());
                ps.setLong(5, now);
                ps.setLong(6, l.quantity());
                if (batch) {
                    ps.addBatch();
                } else if (ps.executeUpdate() != 1) {
                    return i;
                }
            }
            if (batch) {
                int[] counts = ps.executeBatch();
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] != 1) {
                        return i;
                    }
                }
            }
            return -1;
        }
    }

    // ------------------------------------------------------------------ reserve

    @Override
    public ReserveResult reserve(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
        List<AllocatedLine> sorted = new ArrayList<>(lines);
        sorted.sort(Comparator.comparing(AllocatedLine::key)); // canonical order, whatever the caller sent
        if (pg != null) {
            return reservePostgres(pg, reservationId, sorted, expiresAt, now);
        }
        long nowN = Db.nanos(now);
        long expN = Db.nanos(expiresAt);
        Object outcome = db.withConnection(
                "reserve " + reservationId,
                (c, ambient) -> inTx(c, ambient, tx -> {
                    try (PreparedStatement ps = tx.prepareStatement(db.sql(INSERT_RESERVATION))) {
                        ps.setString(1, reservationId);
                        ps.setLong(2, expN);
                        ps.setLong(3, nowN);
                        ps.setLong(4, nowN);
                        ps.executeUpdate();
                    } catch (SQLException e) {
                        if (Db.isDuplicate(e)) {
                            return new Done<Object>(
                                    Boolean.FALSE, false); // exists (MySQL/H2 keep the transaction usable)
                        }
                        throw e;
                    }
                    int failed = guardedReserve(tx, sorted, nowN);
                    if (failed >= 0) {
                        return new Done<Object>(Integer.valueOf(failed), false);
                    }
                    try (PreparedStatement ps = tx.prepareStatement(linesSql(sorted.size()))) {
                        int i = 1;
                        for (int no = 0; no < sorted.size(); no++) {
                            AllocatedLine l = sorted.get(no);
                            ps.setString(i++, reservationId);
                            ps.setInt(i++, no);
                            ps.setString(i++, l.key().sku());
                            ps.setString(i++, l.key().location());
                            ps.setLong(i++, l.quantity());
                            ps.setLong(i++, expN);
                        }
                        ps.executeUpdate();
                    }
                    List<Movement> ms = new ArrayList<>(sorted.size());
                    for (AllocatedLine l : sorted) {
                        ms.add(new Movement(l.key(), 0, l.quantity(), MovementReason.RESERVE, reservationId, now));
                    }
                    insertMovements(tx, ms);
                    // the event with the hold (one statement; the reservation row orders its events)
                    JdbcOutboxStore.insert(tx, db, List.of(StockEvents.reserved(reservationId, sorted.size(), now)));
                    return new Done<Object>(
                            new ReserveResult.Reserved(
                                    new Reservation(reservationId, ReservationState.HELD, sorted, expiresAt, now, now)),
                            true);
                }));
        if (outcome instanceof ReserveResult r) {
            return r;
        }
        if (Boolean.FALSE.equals(outcome)) {
            return existing(reservationId);
        }
        return whyShort(sorted, now);
    }

    private ReserveResult existing(String reservationId) {
        return reservation(reservationId)
                .<ReserveResult>map(ReserveResult.AlreadyExists::new)
                .orElseGet(() -> new ReserveResult.Conflict("a concurrent reserve of this id rolled back"));
    }

    /** PostgreSQL: the whole reserve as one statement ({@link PgStockSql}). */
    private ReserveResult reservePostgres(
            PgStockSql sql, String reservationId, List<AllocatedLine> sorted, Instant expiresAt, Instant now) {
        long nowN = Db.nanos(now);
        long expN = Db.nanos(expiresAt);
        Optional<ReserveResult> answer = db.withConnection(
                "reserve " + reservationId,
                (c, ambient) -> Db.autoCommitted(c, ambient, cc -> {
                    try (PreparedStatement ps = cc.prepareStatement(sql.reserve(sorted.size()))) {
                        PgStockSql.bindReserve(ps, 1, reservationId, sorted, expN, nowN);
                        try (ResultSet rs = ps.executeQuery()) {
                            return Optional.ofNullable(
                                    PgStockSql.readReserve(rs, reservationId, sorted, expiresAt, now));
                        }
                    }
                }));
        // empty: every line fitted but the id was committed by a concurrent reserve after the
        // statement's snapshot (rare): read it
        return answer.orElseGet(() -> existing(reservationId));
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
    private ReserveResult whyShort(List<AllocatedLine> sorted, Instant now) {
        StringBuilder where = new StringBuilder();
        for (int i = 0; i < sorted.size(); i++) {
            where.append(i == 0 ? "" : " OR ").append("(sku = ? AND location = ?)");
        }
        Map<StockKey, StockLevel> current = db.read("reserve check", tx -> {
            var q = tx.handle().createQuery(db.sql("SELECT " + LEVEL_READ + " FROM {p}stock_level WHERE " + where));
            int i = 0;
            for (AllocatedLine l : sorted) {
                q.bind(i++, l.key().sku()).bind(i++, l.key().location());
            }
            Map<StockKey, StockLevel> m = new LinkedHashMap<>();
            for (StockLevel lv : q.map((rs, ctx) -> level(rs)).list()) {
                m.put(lv.key(), lv);
            }
            return m;
        });
        List<String> missing = new ArrayList<>();
        List<Shortfall> shortfalls = new ArrayList<>();
        for (AllocatedLine l : sorted) {
            StockLevel lv = current.get(l.key());
            if (lv == null) {
                missing.add(l.key().sku() + "@" + l.key().location());
            } else if (lv.reservable(now) < l.quantity()) {
                shortfalls.add(new Shortfall(l.key().sku(), l.key().location(), l.quantity(), lv.reservable(now)));
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

    /**
     * Runs {@link #SELECT_RESERVATIONS} with a condition; one reservation per id, lines in order
     * (also the batch reserve's lookup of existing ids).
     */
    static List<Reservation> selectReservations(Db db, Handle h, String where, Map<String, Object> params) {
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
                tx -> selectReservations(db, tx.handle(), "r.id = :id", Map.of("id", reservationId)).stream()
                        .findFirst());
    }

    /**
     * PostgreSQL: one statement ({@link PgStockSql#transition}) whose conditional update encodes
     * the {@link ReservationTransition} table, returning the reservation as its snapshot saw it.
     * MySQL/MariaDB and H2: reads the reservation (one query), asks {@link ReservationTransition}
     * (this class has no lifecycle rules of its own) and applies it in one transaction conditional
     * on the state and the expiry it read (the expiry moves only by {@link #extend}, only later). Either way a lost compare-and-set is a {@code Conflict}, for core to re-run.
     */
    @Override
    public TransitionResult transition(String reservationId, ReservationTransition transition, Instant now) {
        long nowN = Db.nanos(now);
        String what = transition.verb() + " " + reservationId;
        PgStockSql sql = pg;
        if (sql != null) {
            PgStockSql.TransitionReply reply = db.withConnection(
                    what,
                    (c, ambient) -> Db.autoCommitted(c, ambient, cc -> {
                        try (PreparedStatement ps = cc.prepareStatement(sql.transition(transition))) {
                            ps.setString(1, reservationId);
                            ps.setLong(2, nowN);
                            OrderKitEvent event = StockEvents.transitioned(reservationId, transition, now);
                            ps.setString(3, event.id());
                            ps.setString(4, Codec.write(event));
                            try (ResultSet rs = ps.executeQuery()) {
                                return PgStockSql.readTransition(rs, reservationId);
                            }
                        }
                    }));
            Reservation current = reply.current();
            if (current == null) {
                return new TransitionResult.NotFound(reservationId);
            }
            if (reply.applied()) {
                return new TransitionResult.Applied(current.withState(transition.target(), now));
            }
            ReservationTransition.Rule rule = transition.rule(current, now);
            if (rule.applies() && current.state().name().equals(reply.lockedState())) {
                // the state as locked is the one decided on: refused because a level is short
                List<Shortfall> shortfalls =
                        transition.shortfalls(current, k -> reply.onHand().getOrDefault(k, Long.MAX_VALUE));
                if (!shortfalls.isEmpty()) {
                    return new TransitionResult.Uncovered(current, shortfalls);
                }
            }
            return rule.applies()
                    ? new TransitionResult.Conflict(reservationId, "changed from " + current.state() + " meanwhile")
                    : rule.outcome(current, now);
        }
        return db.withConnection(what, (c, ambient) -> {
            Optional<Reservation> read = selectReservation(c, reservationId);
            if (read.isEmpty()) {
                return new TransitionResult.NotFound(reservationId);
            }
            Reservation current = read.get();
            ReservationTransition.Rule rule = transition.rule(current, now);
            if (!rule.applies()) {
                return rule.outcome(current, now);
            }
            // every applying action changes levels (a commit moves units from held to committed):
            // the state's compare-and-set, the levels and the movements in one transaction
            Applied applied = inTx(c, ambient, tx -> {
                if (!casState(tx, reservationId, rule.to(), current, nowN)) {
                    return new Done<>(Applied.LOST, false);
                }
                if (!applyTransition(tx, transition, current, nowN)) {
                    return new Done<>(Applied.SHORT, false); // a level short of what a fulfil ships: undone
                }
                insertMovements(tx, transition.movements(current, now));
                JdbcOutboxStore.insert(tx, db, List.of(StockEvents.transitioned(reservationId, transition, now)));
                return new Done<>(Applied.YES, true);
            });
            if (applied == Applied.SHORT) {
                // the refusal's on-hand, read after the rollback: short still, or changed meanwhile
                Map<StockKey, Long> onHand = new HashMap<>();
                for (AllocatedLine l : current.lines()) {
                    if (!onHand.containsKey(l.key())) {
                        onHand.put(l.key(), readOnHand(c, l.key()));
                    }
                }
                List<Shortfall> shortfalls = transition.shortfalls(current, k -> onHand.getOrDefault(k, 0L));
                if (!shortfalls.isEmpty()) {
                    return new TransitionResult.Uncovered(current, shortfalls);
                }
            }
            return applied == Applied.YES
                    ? rule.outcome(current, now)
                    : new TransitionResult.Conflict(reservationId, "changed from " + current.state() + " meanwhile");
        });
    }

    private static final String EXTEND_HOLD = "UPDATE {p}reservation SET expires_at = ?, version = version + 1 "
            + "WHERE id = ? AND state = 'HELD' AND expires_at > ? AND expires_at < ?";
    private static final String EXTEND_LINES =
            "UPDATE {p}reservation_line SET held_until = ? WHERE reservation_id = ? AND held_until IS NOT NULL";

    /**
     * One transaction (a savepoint inside a step transaction): one conditional update of the
     * reservation row, guarded by {@code state = 'HELD' AND expires_at > now AND expires_at <
     * newExpiry} (the rule of {@link ExtendResult#decide}, evaluated by the database on the row it
     * locks, so a racing expiry, which locks the same row and re-checks {@code expires_at <= now},
     * either commits first and makes this update match nothing, or waits and finds the row not due),
     * then the lines' {@code held_until} (the index by SKU and expiry) with it; then the reservation
     * is read in the same transaction. An update that matched nothing reads the row and answers
     * what the rule says for it ({@code Refused}, {@code Unchanged}), or {@code Conflict} if it
     * changed in between.
     */
    @Override
    public ExtendResult extend(String reservationId, Instant newExpiry, Instant now) {
        long nowN = Db.nanos(now);
        long expN = Db.nanos(newExpiry);
        return db.withConnection(
                "extend " + reservationId,
                (c, ambient) -> inTx(c, ambient, tx -> {
                    int n;
                    try (PreparedStatement ps = tx.prepareStatement(db.sql(EXTEND_HOLD))) {
                        ps.setLong(1, expN);
                        ps.setString(2, reservationId);
                        ps.setLong(3, nowN);
                        ps.setLong(4, expN);
                        n = ps.executeUpdate();
                    }
                    if (n == 1) {
                        try (PreparedStatement ps = tx.prepareStatement(db.sql(EXTEND_LINES))) {
                            ps.setLong(1, expN);
                            ps.setString(2, reservationId);
                            ps.executeUpdate();
                        }
                        JdbcOutboxStore.insert(tx, db, List.of(StockEvents.extended(reservationId, newExpiry, now)));
                    }
                    Optional<Reservation> read = selectReservation(tx, reservationId);
                    if (n == 1) {
                        Reservation extended = read.orElseThrow(() -> new BackendUnavailableException(
                                "extended reservation " + reservationId + " has no lines (inconsistent data)", null));
                        return new Done<ExtendResult>(new ExtendResult.Extended(extended), true);
                    }
                    if (read.isEmpty()) {
                        return new Done<ExtendResult>(new ExtendResult.NotFound(reservationId), false);
                    }
                    ExtendResult decided = ExtendResult.decide(read.get(), newExpiry, now);
                    return new Done<ExtendResult>(
                            decided != null
                                    ? decided
                                    : new ExtendResult.Conflict(reservationId, "changed between update and read"),
                            false);
                }));
    }

    /**
     * Moves the reservation to {@code next} if it still is in the state read, with the expiry read
     * (an {@link #extend} in between moves the expiry, so an expiry decided on the old one loses and
     * is re-run as a {@code Conflict}); true if it did. A
     * hold leaving HELD leaves the index by SKU and expiry ({@code reservation_line.held_until})
     * atomically with it: on MySQL/MariaDB in the same (multi-table) statement, on H2 with a second
     * statement of the caller's transaction.
     */
    private boolean casState(Connection c, String reservationId, ReservationState next, Reservation current, long nowN)
            throws SQLException {
        boolean unhold = current.state() == ReservationState.HELD;
        if (unhold && db.dialect() == JdbcDialect.MYSQL) {
            try (PreparedStatement ps = c.prepareStatement(db.sql(CAS_STATE_UNHOLD_MYSQL))) {
                ps.setString(1, next.name());
                ps.setLong(2, nowN);
                ps.setString(3, reservationId);
                ps.setString(4, current.state().name());
                ps.setLong(5, Db.nanos(current.expiresAt()));
                return ps.executeUpdate() > 0;
            }
        }
        boolean won;
        try (PreparedStatement ps = c.prepareStatement(db.sql(CAS_STATE))) {
            ps.setString(1, next.name());
            ps.setLong(2, nowN);
            ps.setString(3, reservationId);
            ps.setString(4, current.state().name());
            ps.setLong(5, Db.nanos(current.expiresAt()));
            won = ps.executeUpdate() == 1;
        }
        if (won && unhold) {
            try (PreparedStatement ps = c.prepareStatement(db.sql(UNHOLD_LINES))) {
                ps.setString(1, reservationId);
                ps.executeUpdate();
            }
        }
        return won;
    }

    /** One reservation with its lines, read on a plain connection (the MySQL/H2 transition). */
    private Optional<Reservation> selectReservation(Connection c, String reservationId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(db.sql(SELECT_RESERVATIONS + "r.id = ? ORDER BY r.id, l.line_no"))) {
            ps.setString(1, reservationId);
            try (ResultSet rs = ps.executeQuery()) {
                List<AllocatedLine> lines = new ArrayList<>();
                ReservationState state = null;
                long exp = 0;
                long created = 0;
                long updated = 0;
                while (rs.next()) {
                    if (state == null) {
                        state = ReservationState.valueOf(rs.getString("state"));
                        exp = rs.getLong("expires_at");
                        created = rs.getLong("created_at");
                        updated = rs.getLong("updated_at");
                    }
                    lines.add(new AllocatedLine(
                            new StockKey(rs.getString("sku"), rs.getString("location")), rs.getLong("quantity")));
                }
                if (state == null) {
                    return Optional.empty();
                }
                return Optional.of(new Reservation(
                        reservationId, state, lines, Db.instant(exp), Db.instant(created), Db.instant(updated)));
            }
        }
    }

    /**
     * Applies a transition's level deltas (on-hand, reserved, committed) to the level of every line
     * of {@code current}; levels in canonical order (lines are stored so).
     */
    /** How a step transition's transaction ended. */
    private enum Applied {
        YES,
        /** The reservation's compare-and-set matched nothing: another writer moved it. */
        LOST,
        /** A level has fewer on-hand units than a fulfil ships (rolled back). */
        SHORT
    }

    /**
     * Applies the levels' deltas of a transition, each update guarded by {@code on_hand + delta >=
     * 0} (a fulfil never drives on-hand below zero: a backorder ships once restocks cover it).
     * Lines are batched, except for an action that takes on-hand, whose lines run one by one so
     * that each guard's answer is known.
     *
     * @return false if a guard matched nothing (the caller rolls back)
     */
    private boolean applyTransition(Connection c, ReservationTransition t, Reservation current, long nowN)
            throws SQLException {
        List<AllocatedLine> lines = current.lines();
        long committedSign = t.committedSign(current.state());
        boolean batch = lines.size() > 1 && t.onHandSign() >= 0;
        try (PreparedStatement ps = c.prepareStatement(db.sql(APPLY_TRANSITION))) {
            for (AllocatedLine l : lines) {
                ps.setLong(1, t.onHandSign() * l.quantity());
                ps.setLong(2, t.reservedSign() * l.quantity());
                ps.setLong(3, committedSign * l.quantity());
                ps.setLong(4, nowN);
                ps.setString(5, l.key().sku());
                ps.setString(6, l.key().location());
                ps.setLong(7, t.onHandSign() * l.quantity());
                if (batch) {
                    ps.addBatch();
                } else if (ps.executeUpdate() == 0) {
                    return false;
                }
            }
            if (batch) {
                ps.executeBatch();
            }
        }
        return true;
    }

    private long readOnHand(Connection c, StockKey key) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(db.sql("SELECT on_hand FROM {p}stock_level WHERE sku = ? AND location = ?"))) {
            ps.setString(1, key.sku());
            ps.setString(2, key.location());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        }
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

    // ------------------------------------------------------------------ expiry off the buyer's path

    /** The largest batch {@link #expireAll} expires with one statement (PostgreSQL) or transaction. */
    static final int EXPIRE_BATCH = 500;

    /**
     * The due holds of some SKUs, from the index by SKU and expiry ({@code reservation_line
     * (sku, held_until)}, schema version 5): one range scan per SKU, all in one statement.
     */
    @Override
    public List<String> dueReservations(Collection<String> skus, Instant now, int limitPerSku) {
        List<String> list = List.copyOf(new LinkedHashSet<>(skus));
        if (list.isEmpty()) {
            return List.of();
        }
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < list.size(); i++) {
            sql.append(i == 0 ? "" : " UNION ALL ")
                    .append("(SELECT reservation_id, held_until FROM {p}reservation_line WHERE sku = ? ")
                    .append("AND held_until <= ? ORDER BY held_until, reservation_id LIMIT ?)");
        }
        long nowN = Db.nanos(now);
        return db.withConnection("due reservations by sku", (c, ambient) -> {
            try (PreparedStatement ps = c.prepareStatement(db.sql(sql.toString()))) {
                int i = 1;
                for (String sku : list) {
                    ps.setString(i++, sku);
                    ps.setLong(i++, nowN);
                    ps.setInt(i++, limitPerSku);
                }
                Set<String> out = new LinkedHashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return List.copyOf(out);
            }
        });
    }

    /**
     * Expires the HELD and due ones of a batch: on PostgreSQL ONE statement per
     * {@value #EXPIRE_BATCH} ids ({@link PgStockSql#expireAll()}); on MySQL/MariaDB and H2 one
     * transaction per batch with a fixed number of set-based statements, whatever the batch size
     * (lock the rows in id order, skipping locked ones where the database can; read them with their
     * lines; compare-and-set their state; clear their index entries; one guarded level update per
     * touched level; the movements as one JDBC batch).
     */
    @Override
    public List<Reservation> expireAll(List<String> reservationIds, Instant now) {
        List<Reservation> out = new ArrayList<>();
        for (int from = 0; from < reservationIds.size(); from += EXPIRE_BATCH) {
            List<String> part = reservationIds.subList(from, Math.min(reservationIds.size(), from + EXPIRE_BATCH));
            PgStockSql sql = pg;
            out.addAll(sql != null ? expirePostgres(sql, part, now) : expireInTx(part, now));
        }
        return out;
    }

    private List<Reservation> expirePostgres(PgStockSql sql, List<String> ids, Instant now) {
        long nowN = Db.nanos(now);
        return db.withConnection(
                "expire " + ids.size() + " holds",
                (c, ambient) -> Db.autoCommitted(c, ambient, cc -> {
                    try (PreparedStatement ps = cc.prepareStatement(sql.expireAll())) {
                        ps.setLong(1, nowN);
                        ps.setArray(2, cc.createArrayOf("varchar", ids.toArray()));
                        // the events of the holds it may expire (inserted for those it does)
                        String[] eventIds = new String[ids.size()];
                        String[] payloads = new String[ids.size()];
                        for (int i = 0; i < ids.size(); i++) {
                            OrderKitEvent e = StockEvents.transitioned(ids.get(i), ReservationTransition.EXPIRE, now);
                            eventIds[i] = e.id();
                            payloads[i] = Codec.write(e);
                        }
                        ps.setArray(3, cc.createArrayOf("varchar", ids.toArray()));
                        ps.setArray(4, cc.createArrayOf("varchar", eventIds));
                        ps.setArray(5, cc.createArrayOf("varchar", payloads));
                        try (ResultSet rs = ps.executeQuery()) {
                            return expiredReply(rs, now);
                        }
                    }
                }));
    }

    /** Rows (id, expires_at, created_at, line_no, sku, location, quantity) as EXPIRED reservations. */
    private static List<Reservation> expiredReply(ResultSet rs, Instant now) throws SQLException {
        List<Reservation> out = new ArrayList<>();
        String id = null;
        long exp = 0;
        long created = 0;
        List<AllocatedLine> lines = new ArrayList<>();
        while (rs.next()) {
            String rid = rs.getString(1);
            if (!rid.equals(id)) {
                if (id != null) {
                    out.add(new Reservation(
                            id, ReservationState.EXPIRED, lines, Db.instant(exp), Db.instant(created), now));
                }
                id = rid;
                exp = rs.getLong(2);
                created = rs.getLong(3);
                lines = new ArrayList<>();
            }
            lines.add(new AllocatedLine(new StockKey(rs.getString(5), rs.getString(6)), rs.getLong(7)));
        }
        if (id != null) {
            out.add(new Reservation(id, ReservationState.EXPIRED, lines, Db.instant(exp), Db.instant(created), now));
        }
        return out;
    }

    private static String marks(int n) {
        StringBuilder b = new StringBuilder(3 * n);
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "?" : ", ?");
        }
        return b.toString();
    }

    private static int bindAll(PreparedStatement ps, int at, List<String> values) throws SQLException {
        int i = at;
        for (String v : values) {
            ps.setString(i++, v);
        }
        return i;
    }

    /** MySQL/MariaDB, H2: one transaction per batch (see {@link #expireAll}). */
    private List<Reservation> expireInTx(List<String> ids, Instant now) {
        long nowN = Db.nanos(now);
        ReservationTransition expire = ReservationTransition.EXPIRE;
        String skip = db.dialect().supportsSkipLocked() ? " SKIP LOCKED" : "";
        return db.withConnection(
                "expire " + ids.size() + " holds",
                (c, ambient) -> inTx(c, ambient, tx -> {
                    // lock the due candidates in id order; a row a racing writer holds is left to it
                    List<String> locked = new ArrayList<>();
                    try (PreparedStatement ps = tx.prepareStatement(db.sql("SELECT id FROM {p}reservation WHERE id IN ("
                            + marks(ids.size()) + ") AND expires_at <= ? ORDER BY id FOR UPDATE" + skip))) {
                        ps.setLong(bindAll(ps, 1, ids), nowN);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                locked.add(rs.getString(1));
                            }
                        }
                    }
                    if (locked.isEmpty()) {
                        return new Done<List<Reservation>>(List.of(), false);
                    }
                    // the lifecycle table decides on the locked rows (HELD and due); a repeat of this call
                    // (same now, after a lost acknowledgement) finds its own expiries and answers them again
                    List<Reservation> chosen = new ArrayList<>();
                    List<Reservation> repeated = new ArrayList<>();
                    try (PreparedStatement ps = tx.prepareStatement(db.sql(
                            SELECT_RESERVATIONS + "r.id IN (" + marks(locked.size()) + ") ORDER BY r.id, l.line_no"))) {
                        bindAll(ps, 1, locked);
                        try (ResultSet rs = ps.executeQuery()) {
                            for (Reservation r : reservationRows(rs)) {
                                ReservationTransition.Rule rule = expire.rule(r, now);
                                if (rule.applies() && r.state() == ReservationState.HELD) {
                                    chosen.add(r);
                                } else if (r.state() == expire.target() && Db.nanos(r.updatedAt()) == nowN) {
                                    repeated.add(r);
                                }
                            }
                        }
                    }
                    if (chosen.isEmpty()) {
                        return new Done<List<Reservation>>(repeated, false);
                    }
                    List<String> chosenIds =
                            chosen.stream().map(Reservation::id).toList();
                    String in = marks(chosenIds.size());
                    try (PreparedStatement ps = tx.prepareStatement(db.sql("UPDATE {p}reservation SET state = ?, "
                            + "updated_at = ?, version = version + 1 WHERE state = ? AND id IN (" + in + ")"))) {
                        ps.setString(1, expire.target().name());
                        ps.setLong(2, nowN);
                        ps.setString(3, ReservationState.HELD.name());
                        bindAll(ps, 4, chosenIds);
                        if (ps.executeUpdate() != chosenIds.size()) {
                            throw new ConcurrencyConflictException(
                                    "a hold of the expiry batch moved under its row lock");
                        }
                    }
                    try (PreparedStatement ps = tx.prepareStatement(db.sql(
                            "UPDATE {p}reservation_line SET held_until = NULL WHERE reservation_id IN (" + in + ")"))) {
                        bindAll(ps, 1, chosenIds);
                        ps.executeUpdate();
                    }
                    // one update per touched level, in canonical order, by the summed quantities
                    Map<StockKey, long[]> deltas = new TreeMap<>();
                    List<Movement> ms = new ArrayList<>();
                    for (Reservation r : chosen) {
                        for (Movement m : expire.movements(r, now)) {
                            long[] d = deltas.computeIfAbsent(m.key(), k -> new long[2]);
                            d[0] += m.onHandDelta();
                            d[1] += m.reservedDelta();
                            ms.add(m);
                        }
                    }
                    try (PreparedStatement ps = tx.prepareStatement(db.sql(APPLY_DELTA))) {
                        for (Map.Entry<StockKey, long[]> e : deltas.entrySet()) {
                            ps.setLong(1, e.getValue()[0]);
                            ps.setLong(2, e.getValue()[1]);
                            ps.setLong(3, nowN);
                            ps.setString(4, e.getKey().sku());
                            ps.setString(5, e.getKey().location());
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                    try (PreparedStatement ps = tx.prepareStatement(db.sql(INSERT_MOVEMENT_POSITIONAL))) {
                        for (Movement m : ms) {
                            ps.setString(1, m.key().sku());
                            ps.setString(2, m.key().location());
                            ps.setLong(3, m.onHandDelta());
                            ps.setLong(4, m.reservedDelta());
                            ps.setString(5, m.reason().name());
                            ps.setString(6, m.reference());
                            ps.setLong(7, nowN);
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                    List<Reservation> expired = new ArrayList<>(repeated);
                    List<OrderKitEvent> events = new ArrayList<>(chosen.size());
                    for (Reservation r : chosen) {
                        expired.add(r.withState(expire.target(), now));
                        events.add(StockEvents.transitioned(r.id(), expire, now));
                    }
                    JdbcOutboxStore.insert(tx, db, events); // one batch, in id order
                    return new Done<List<Reservation>>(expired, true);
                }));
    }

    /** Reservations from rows of {@link #SELECT_RESERVATIONS} ordered by id and line. */
    private static List<Reservation> reservationRows(ResultSet rs) throws SQLException {
        List<Reservation> out = new ArrayList<>();
        String id = null;
        ReservationState state = ReservationState.HELD;
        long exp = 0;
        long created = 0;
        long updated = 0;
        List<AllocatedLine> lines = new ArrayList<>();
        while (rs.next()) {
            String rid = rs.getString("id");
            if (!rid.equals(id)) {
                if (id != null) {
                    out.add(new Reservation(
                            id, state, lines, Db.instant(exp), Db.instant(created), Db.instant(updated)));
                }
                id = rid;
                state = ReservationState.valueOf(rs.getString("state"));
                exp = rs.getLong("expires_at");
                created = rs.getLong("created_at");
                updated = rs.getLong("updated_at");
                lines = new ArrayList<>();
            }
            lines.add(new AllocatedLine(
                    new StockKey(rs.getString("sku"), rs.getString("location")), rs.getLong("quantity")));
        }
        if (id != null) {
            out.add(new Reservation(id, state, lines, Db.instant(exp), Db.instant(created), Db.instant(updated)));
        }
        return out;
    }

    // ------------------------------------------------------------------ adjust / setOnHand

    private static final String ADJUST = "ADJUST";
    private static final String SET_ON_HAND = "SET_ON_HAND";

    /** A row of {@code stock_write}: an applied adjust / setOnHand, its arguments and the level it produced. */
    private record AppliedWrite(
            boolean set,
            long amount,
            long expectedVersion,
            @Nullable StockPolicy policy,
            StockLevel result) {
        StockLevel replay(StockKey key, String reference, boolean isSet, long amt, long expected) {
            if (policy != null || set != isSet || amount != amt || (set && expectedVersion != expected)) {
                throw new ReferenceReuseException(key, reference, describe());
            }
            return result;
        }

        StockLevel replay(StockKey key, String reference, StockPolicy p) {
            if (!p.equals(policy)) {
                throw new ReferenceReuseException(key, reference, describe());
            }
            return result;
        }

        private String describe() {
            return policy != null
                    ? StockStorage.describePolicy(policy)
                    : StockStorage.describeWrite(set, amount, expectedVersion);
        }
    }

    /** The kind of a recorded setPolicy: {@code P_} and the policy's kind. */
    private static final String POLICY_KIND = "P_";

    private Optional<AppliedWrite> findWrite(Handle h, StockKey key, String reference) {
        return h.createQuery(db.sql("SELECT kind, amount, expected_version, on_hand, reserved, committed, version, at "
                        + "FROM {p}stock_write WHERE sku = :sku AND location = :loc AND reference = :ref"))
                .bind("sku", key.sku())
                .bind("loc", key.location())
                .bind("ref", reference)
                .map((rs, ctx) -> {
                    String kind = rs.getString("kind");
                    @Nullable
                    StockPolicy policy = kind.startsWith(POLICY_KIND)
                            ? policy(
                                    kind.substring(POLICY_KIND.length()),
                                    rs.getLong("amount"),
                                    rs.getLong("expected_version"))
                            : null;
                    return new AppliedWrite(
                            SET_ON_HAND.equals(kind),
                            rs.getLong("amount"),
                            rs.getLong("expected_version"),
                            policy,
                            new StockLevel(
                                    key,
                                    rs.getLong("on_hand"),
                                    rs.getLong("reserved"),
                                    rs.getLong("committed"),
                                    rs.getLong("version"),
                                    Db.instant(rs.getLong("at")),
                                    policy != null ? policy : StockPolicy.none()));
                })
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
        row.put("committed", result.committed());
        row.put("version", result.version());
        row.put("at", nowN);
        return insertIfAbsent(
                h,
                "INSERT INTO {p}stock_write (sku, location, reference, kind, amount, expected_version, "
                        + "on_hand, reserved, committed, version, at) VALUES (:sku, :loc, "
                        + ":ref, :kind, :amount, :ev, :onHand, :reserved, :committed, "
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
            // on-hand may drop below reserved by at most the policy's allowance at now (a restock always applies)
            int n = h.createUpdate(db.sql("UPDATE {p}stock_level SET on_hand = on_hand + :d, version = version + 1, "
                            + "updated_at = :now WHERE sku = :sku AND location = :loc AND (:d >= 0 OR on_hand + :d "
                            + "+ CASE WHEN policy_until > :now THEN policy_limit ELSE 0 END >= reserved) "
                            + "AND on_hand + :d >= 0"))
                    .bind("d", delta)
                    .bind("now", nowN)
                    .bind("sku", key.sku())
                    .bind("loc", key.location())
                    .execute();
            if (n != 1) {
                StockLevel l = findLevel(h, key)
                        .orElseThrow(() -> new NotFoundException("stock level", key.sku() + "@" + key.location()));
                throw new InsufficientStockException(List.of(
                        new Shortfall(key.sku(), key.location(), -delta, Math.min(l.onHand(), l.reservable(now)))));
            }
            StockLevel result = findLevel(h, key).orElseThrow();
            // the level row is locked by the update above, so a concurrent call with the same
            // reference waits here and then finds the record (or applies it itself if we roll back)
            if (!recordWrite(h, key, reference, ADJUST, delta, 0, result, nowN)) {
                return replay(tx, key, reference, false, delta, 0);
            }
            movements(h, List.of(new Movement(key, delta, 0, MovementReason.ADJUST, reference, now)));
            JdbcOutboxStore.insert(h, db, List.of(StockEvents.adjusted(key, false, result.onHand(), reference, now)));
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
                // lowering on-hand below reserved: by at most the policy's allowance (the version guards cur)
                if (onHand < cur.onHand() && onHand + cur.policy().allowance(now) < cur.reserved()) {
                    throw new InsufficientStockException(
                            List.of(new Shortfall(key.sku(), key.location(), cur.reserved(), onHand)));
                }
                int n = h.createUpdate(db.sql("UPDATE {p}stock_level SET on_hand = :onHand, version = version + 1, "
                                + "updated_at = :now WHERE sku = :sku AND location = :loc AND version = :ev"))
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
                result = new StockLevel(
                        key,
                        onHand,
                        cur.reserved(),
                        cur.committed(),
                        expectedVersion + 1,
                        Db.instant(nowN),
                        cur.policy());
                delta = onHand - cur.onHand();
            }
            if (!recordWrite(h, key, reference, SET_ON_HAND, onHand, expectedVersion, result, nowN)) {
                return replay(tx, key, reference, true, onHand, expectedVersion);
            }
            movements(h, List.of(new Movement(key, delta, 0, MovementReason.SET_ON_HAND, reference, now)));
            JdbcOutboxStore.insert(h, db, List.of(StockEvents.adjusted(key, true, result.onHand(), reference, now)));
            return result;
        });
    }

    @Override
    public StockLevel setPolicy(StockKey key, StockPolicy policy, String reference, Instant now) {
        long nowN = Db.nanos(now);
        return db.tx("set policy " + key, tx -> {
            Handle h = tx.handle();
            Optional<AppliedWrite> applied = findWrite(h, key, reference);
            if (applied.isPresent()) {
                tx.rollbackOnly();
                return applied.get().replay(key, reference, policy);
            }
            if (findLevel(h, key).isEmpty()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("sku", key.sku());
                row.put("loc", key.location());
                row.put("now", nowN);
                insertIfAbsent(
                        h, "INSERT INTO {p}stock_level (" + LEVEL_COLS + ") VALUES (:sku, :loc, 0, 0, 0, :now)", row);
            }
            long until = Db.nanos(policy.allowedUntil());
            h.createUpdate(db.sql("UPDATE {p}stock_level SET policy_kind = :kind, policy_limit = :limit, "
                            + "policy_until = :until, version = version + 1, updated_at = :now "
                            + "WHERE sku = :sku AND location = :loc"))
                    .bind("kind", policy.kind().name())
                    .bind("limit", policy.limit())
                    .bind("until", until)
                    .bind("now", nowN)
                    .bind("sku", key.sku())
                    .bind("loc", key.location())
                    .execute();
            StockLevel result = findLevel(h, key).orElseThrow();
            // the level row is locked by the update: a concurrent call with this reference waits, then finds it
            if (!recordWrite(
                    h, key, reference, POLICY_KIND + policy.kind().name(), policy.limit(), until, result, nowN)) {
                return replay(h, key, reference, policy, tx);
            }
            movements(h, List.of(new Movement(key, 0, 0, MovementReason.POLICY, reference, now)));
            return result;
        });
    }

    private StockLevel replay(Handle h, StockKey key, String reference, StockPolicy policy, Db.Tx tx) {
        tx.rollbackOnly();
        return findWrite(h, key, reference)
                .orElseThrow(() -> new ConcurrencyConflictException(
                        "stock write '" + reference + "' on " + key + " raced a concurrent one"))
                .replay(key, reference, policy);
    }

    @Override
    public List<StockLevel> allLevels() {
        List<StockLevel> out = new ArrayList<>(db.read(
                "all levels",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT " + LEVEL_READ + " FROM {p}stock_level"))
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
        return db.read("reservations", tx -> selectReservations(db, tx.handle(), "r.state IN (" + in + ")", params));
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

    /** One range read of the index {@code (sku, location, id)}; positions are ids (see {@link JdbcAudit}). */
    @Override
    public List<PositionedMovement> movements(StockKey key, long afterPosition, int limit) {
        return new JdbcAudit(db).movements(key, afterPosition, limit);
    }

    /** One snapshot per page (PostgreSQL, MySQL/MariaDB) or a row lock per level (H2): see {@link JdbcAudit}. */
    @Override
    public List<LevelAudit> audit(List<StockKey> keys) {
        return new JdbcAudit(db).audit(keys);
    }

    // ------------------------------------------------------------------ retention (see JdbcPurge)

    @Override
    public int purgeReservations(Instant olderThan, int limit) {
        return new JdbcPurge(db).purgeReservations(olderThan, limit);
    }

    @Override
    public int compactMovements(Instant olderThan, int limit) {
        return new JdbcPurge(db).compactMovements(olderThan, limit);
    }
}
