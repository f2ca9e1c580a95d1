package dev.orderkit.jdbc.internal;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Shortfall;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.ReserveCommand;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockEvents;
import dev.orderkit.jdbc.JdbcDialect;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jspecify.annotations.Nullable;

/**
 * {@link dev.orderkit.core.spi.StockStorage#reserveAll} on SQL: the batch of core's hot-SKU
 * combiner in ONE short READ COMMITTED transaction.
 *
 * <ol>
 *   <li>Lock each level the batch touches once, in canonical key order
 *       ({@code SELECT on_hand, reserved ... FOR UPDATE}; usually one row: the hot key). Holding
 *       the row lock, the level cannot move under the admission below, in this process or another.
 *   <li>Read which of the batch's ids already exist, with their lines, in one query.
 *   <li>Admit the commands in arrival order, in memory: an id that exists (before the batch or
 *       reserved earlier in it) answers {@code AlreadyExists}; a missing key {@code UnknownStock};
 *       a line above what is left {@code Insufficient} (with what is left at that point); else the
 *       command is admitted and its quantities leave the running availability. Each answer is
 *       what a sequential {@code reserve} would answer at that point; a rejected command writes
 *       nothing.
 *   <li>Write: one guarded update per key by the admitted total (it must match, the row is
 *       locked; if not, the batch throws a conflict and rolls back), then the reservation rows,
 *       their lines and their movements as three JDBC batches, and commit once.
 * </ol>
 *
 * On PostgreSQL, a batch of one key and one line per command (every batch the combiner forms)
 * first runs without step 2 and writes with one statement (a data-modifying CTE over arrays,
 * {@link #PG_WRITE}): three round trips with its commit instead of eight. Skipping the read of
 * existing ids changes an answer only for a command whose id exists: once a command is rejected
 * (it might be one), the ids are read after all, the level still locked, and the batch is admitted
 * again from the start; if every command was admitted, an existing id makes the write's insert
 * fail, the transaction rolls back, having written nothing, and the batch runs the full path. The
 * id read was also the slow statement (an {@code IN} list whose plan, cached while the table was
 * small, scanned it: 13.6 ms average per batch in the hot benchmark).
 *
 * <p>If nothing is admitted the transaction rolls back. If the transaction fails (a deadlock with a
 * concurrent single reserve of the same id, a lost connection, a lost commit acknowledgement),
 * the call throws; core's combiner then re-runs every member with the single, idempotent
 * {@code reserve}, which finds an applied one as {@code AlreadyExists}. Batches above
 * {@link #MAX_BATCH} run as consecutive transactions of at most that size. Stateless, thread-safe.
 */
final class JdbcBatchReserve {
    /** The largest batch applied in one transaction. */
    static final int MAX_BATCH = 128;

    /** A level's reservable units at :t (its backorder / preorder allowance included), locked. */
    private static final String LOCK_LEVEL = "SELECT on_hand - reserved + CASE WHEN policy_until > :t "
            + "THEN policy_limit ELSE 0 END AS avail FROM {p}stock_level WHERE sku = :sku AND location = :loc FOR UPDATE";

    private static final String RESERVE_TOTAL = "UPDATE {p}stock_level SET reserved = reserved + :q, "
            + "version = version + :n, updated_at = :now "
            + "WHERE sku = :sku AND location = :loc "
            + "AND on_hand - reserved + CASE WHEN policy_until > :t THEN policy_limit ELSE 0 END >= :q";
    private static final String INSERT_RESERVATION =
            "INSERT INTO {p}reservation (id, state, expires_at, created_at, updated_at, version) "
                    + "VALUES (:id, 'HELD', :exp, :now, :now, 0)";
    private static final String INSERT_LINE = "INSERT INTO {p}reservation_line "
            + "(reservation_id, line_no, sku, location, quantity, held_until) VALUES (:id, :no, :sku, :loc, :q, :exp)";
    private static final String INSERT_MOVEMENT = "INSERT INTO {p}movement "
            + "(sku, location, on_hand_delta, reserved_delta, reason, reference, at) "
            + "VALUES (:sku, :loc, 0, :q, :reason, :ref, :at)";
    /**
     * PostgreSQL: the whole write of a batch of one key, one line per command, in one statement
     * (the level is locked by this transaction, so the statement's snapshot has its newest values):
     * the guarded update of the level, the reservation rows, their lines, their movements (in batch
     * order) and their events, the rows as arrays. Replies the number of levels updated (1).
     */
    private static final String PG_WRITE = "WITH u AS (UPDATE {p}stock_level s SET reserved = s.reserved + ?, "
            + "version = s.version + ?, updated_at = ? WHERE s.sku = ? AND s.location = ? "
            + "AND s.on_hand - s.reserved + CASE WHEN s.policy_until > ? THEN s.policy_limit ELSE 0 END >= ? "
            + "RETURNING 1), "
            + "r AS (INSERT INTO {p}reservation (id, state, expires_at, created_at, updated_at, version) "
            + "SELECT x.id, 'HELD', x.exp, x.at, x.at, 0 FROM unnest(CAST(? AS VARCHAR[]), CAST(? AS BIGINT[]), "
            + "CAST(? AS BIGINT[])) AS x(id, exp, at)), "
            + "l AS (INSERT INTO {p}reservation_line (reservation_id, line_no, sku, location, quantity, held_until) "
            + "SELECT x.id, 0, CAST(? AS VARCHAR), CAST(? AS VARCHAR), x.q, x.exp FROM unnest(CAST(? AS VARCHAR[]), "
            + "CAST(? AS BIGINT[]), CAST(? AS BIGINT[])) AS x(id, q, exp)), "
            + "m AS (INSERT INTO {p}movement (sku, location, on_hand_delta, reserved_delta, reason, reference, at) "
            + "SELECT CAST(? AS VARCHAR), CAST(? AS VARCHAR), 0, y.q, 'RESERVE', y.ref, y.at FROM unnest("
            + "CAST(? AS BIGINT[]), CAST(? AS VARCHAR[]), CAST(? AS BIGINT[])) "
            + "WITH ORDINALITY AS y(q, ref, at, o) ORDER BY y.o), "
            + "e AS (INSERT INTO {p}outbox (event_id, event_type, subject_id, payload, status, attempts, "
            + "next_attempt_at, created_at) SELECT z.eid, z.typ, z.sub, z.pay, 'PENDING', 0, 0, z.at "
            + "FROM unnest(CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]), CAST(? AS TEXT[]), "
            + "CAST(? AS BIGINT[])) WITH ORDINALITY AS z(eid, typ, sub, pay, at, o) ORDER BY z.o) "
            + "SELECT COUNT(*) FROM u";

    private final Db db;
    private final boolean postgres;

    JdbcBatchReserve(Db db) {
        this.db = db;
        this.postgres = db.dialect() == JdbcDialect.POSTGRESQL;
    }

    List<ReserveResult> apply(List<ReserveCommand> batch) {
        if (batch.size() <= MAX_BATCH) {
            return batch.isEmpty() ? List.of() : once(batch);
        }
        List<ReserveResult> out = new ArrayList<>(batch.size());
        for (int from = 0; from < batch.size(); from += MAX_BATCH) {
            out.addAll(once(batch.subList(from, Math.min(batch.size(), from + MAX_BATCH))));
        }
        return out;
    }

    /** What the admitted commands add to one key. */
    private static final class Total {
        long quantity;
        int holds;
        long at;
    }

    private List<ReserveResult> once(List<ReserveCommand> batch) {
        TreeSet<StockKey> keys = new TreeSet<>();
        Set<String> ids = new LinkedHashSet<>();
        List<List<AllocatedLine>> sorted = new ArrayList<>(batch.size());
        for (ReserveCommand c : batch) {
            List<AllocatedLine> lines = new ArrayList<>(c.lines());
            lines.sort(Comparator.comparing(AllocatedLine::key)); // canonical, whatever the caller sent
            sorted.add(lines);
            ids.add(c.reservationId());
            for (AllocatedLine l : lines) {
                keys.add(l.key());
            }
        }
        if (postgres
                && keys.size() == 1
                && batch.stream().allMatch(c -> c.lines().size() == 1)) {
            try {
                return db.tx("reserve batch of " + batch.size(), tx -> admit(tx, batch, sorted, keys, ids, true));
            } catch (NotPlain e) {
                // an id of the batch exists (the write collided with it): the full path below
            }
        }
        return db.tx("reserve batch of " + batch.size(), tx -> admit(tx, batch, sorted, keys, ids, false));
    }

    /**
     * Why the PostgreSQL batch gave up (its transaction rolled back, nothing written): it admitted
     * every command without reading which ids exist, and an insert found one that does.
     */
    private static final class NotPlain extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotPlain() {
            super("the batch needs the full path", null, false, false);
        }
    }

    /**
     * One attempt at the batch in transaction {@code tx}: lock, admit in arrival order, write.
     * {@code plain}: the PostgreSQL batch of one key, one line per command (every batch the
     * combiner forms), which writes with one statement and reads the existing ids only once a
     * command is rejected (then admits again from the start, the level still locked); it throws
     * {@link NotPlain} when its write finds an id that exists.
     */
    private List<ReserveResult> admit(
            Db.Tx tx,
            List<ReserveCommand> batch,
            List<List<AllocatedLine>> sorted,
            TreeSet<StockKey> keys,
            Set<String> ids,
            boolean plain) {
        Handle h = tx.handle();
        // the allowances of the batch are those at its first command's time (one combiner drain)
        long t0 = Db.nanos(batch.get(0).now());
        Map<StockKey, Long> locked = lock(h, keys, t0);
        boolean idsRead = !plain;
        Map<String, Reservation> known = idsRead ? existing(h, ids) : new HashMap<>();
        while (true) {
            Map<StockKey, Long> available = new HashMap<>(locked);
            List<ReserveResult> out = new ArrayList<>(batch.size());
            List<Reservation> admitted = new ArrayList<>();
            TreeMap<StockKey, Total> totals = new TreeMap<>();
            boolean again = false;
            for (int i = 0; i < batch.size() && !again; i++) {
                ReserveCommand c = batch.get(i);
                List<AllocatedLine> lines = sorted.get(i);
                Reservation found = known.get(c.reservationId());
                if (found != null) {
                    out.add(new ReserveResult.AlreadyExists(found));
                    continue;
                }
                ReserveResult rejected = rejection(lines, available);
                if (rejected != null) {
                    // unread, the id may exist (a sequential reserve would answer that): read the
                    // ids after all, the levels still locked, and admit again from the start
                    again = !idsRead;
                    out.add(rejected);
                    continue;
                }
                long at = Db.nanos(c.now());
                for (AllocatedLine l : lines) {
                    available.merge(l.key(), -l.quantity(), Long::sum);
                    Total t = totals.computeIfAbsent(l.key(), k -> new Total());
                    t.quantity += l.quantity();
                    t.holds++;
                    t.at = Math.max(t.at, at);
                }
                Reservation r = new Reservation(
                        c.reservationId(), ReservationState.HELD, lines, c.expiresAt(), c.now(), c.now());
                known.put(r.id(), r); // a later command with this id finds it, as a sequential call would
                admitted.add(r);
                out.add(new ReserveResult.Reserved(r));
            }
            if (again) {
                known = existing(h, ids);
                idsRead = true;
                continue;
            }
            if (admitted.isEmpty()) {
                tx.rollbackOnly();
                return out;
            }
            if (plain) {
                writePostgres(h, totals.firstEntry(), admitted, t0);
            } else {
                write(h, totals, admitted, t0);
            }
            return out;
        }
    }

    /** Locks each level once in canonical order; its reservable quantity at t0, absent keys left out. */
    private Map<StockKey, Long> lock(Handle h, TreeSet<StockKey> keys, long t0) {
        Map<StockKey, Long> out = new HashMap<>();
        for (StockKey k : keys) {
            Optional<Long> avail = h.createQuery(db.sql(LOCK_LEVEL))
                    .bind("t", t0)
                    .bind("sku", k.sku())
                    .bind("loc", k.location())
                    .map((rs, ctx) -> rs.getLong("avail"))
                    .findOne();
            avail.ifPresent(a -> out.put(k, a));
        }
        return out;
    }

    /** The reservations among {@code ids} that exist, with their lines, in one query. */
    private Map<String, Reservation> existing(Handle h, Set<String> ids) {
        StringBuilder where = new StringBuilder("r.id IN (");
        Map<String, Object> params = new HashMap<>();
        int i = 0;
        for (String id : ids) {
            where.append(i == 0 ? ":i" : ", :i").append(i);
            params.put("i" + i++, id);
        }
        where.append(')');
        Map<String, Reservation> out = new HashMap<>();
        for (Reservation r : JdbcStockStorage.selectReservations(db, h, where.toString(), params)) {
            out.put(r.id(), r);
        }
        return out;
    }

    /** Why a command cannot be admitted at this point (as {@code reserve} reports it), or null. */
    private static @Nullable ReserveResult rejection(List<AllocatedLine> lines, Map<StockKey, Long> available) {
        List<String> missing = new ArrayList<>();
        List<Shortfall> shortfalls = new ArrayList<>();
        Map<StockKey, Long> need = new HashMap<>();
        for (AllocatedLine l : lines) {
            Long avail = available.get(l.key());
            if (avail == null) {
                missing.add(l.key().sku() + "@" + l.key().location());
                continue;
            }
            long wanted = need.merge(l.key(), l.quantity(), Long::sum);
            if (avail < wanted) {
                shortfalls.add(new Shortfall(l.key().sku(), l.key().location(), l.quantity(), Math.max(0, avail)));
            }
        }
        if (!missing.isEmpty()) {
            return new ReserveResult.UnknownStock(missing);
        }
        return shortfalls.isEmpty() ? null : new ReserveResult.Insufficient(shortfalls);
    }

    /** The admitted holds: one guarded update per key, then rows, lines and movements as batches. */
    private void write(Handle h, TreeMap<StockKey, Total> totals, List<Reservation> admitted, long t0) {
        for (Map.Entry<StockKey, Total> e : totals.entrySet()) {
            Total t = e.getValue();
            int n = h.createUpdate(db.sql(RESERVE_TOTAL))
                    .bind("q", t.quantity)
                    .bind("n", t.holds)
                    .bind("now", t.at)
                    .bind("t", t0)
                    .bind("sku", e.getKey().sku())
                    .bind("loc", e.getKey().location())
                    .execute();
            if (n != 1) { // the row is locked by this transaction: only data changed behind the lock
                throw new ConcurrencyConflictException("level " + e.getKey() + " moved under the batch's lock");
            }
        }
        PreparedBatch rows = h.prepareBatch(db.sql(INSERT_RESERVATION));
        PreparedBatch lines = h.prepareBatch(db.sql(INSERT_LINE));
        PreparedBatch moves = h.prepareBatch(db.sql(INSERT_MOVEMENT));
        for (Reservation r : admitted) {
            long at = Db.nanos(r.createdAt());
            rows.bind("id", r.id())
                    .bind("exp", Db.nanos(r.expiresAt()))
                    .bind("now", at)
                    .add();
            for (int i = 0; i < r.lines().size(); i++) {
                AllocatedLine l = r.lines().get(i);
                lines.bind("id", r.id())
                        .bind("no", i)
                        .bind("sku", l.key().sku())
                        .bind("loc", l.key().location())
                        .bind("q", l.quantity())
                        .bind("exp", Db.nanos(r.expiresAt()))
                        .add();
                moves.bind("sku", l.key().sku())
                        .bind("loc", l.key().location())
                        .bind("q", l.quantity())
                        .bind("reason", MovementReason.RESERVE.name())
                        .bind("ref", r.id())
                        .bind("at", at)
                        .add();
            }
        }
        try {
            rows.execute();
        } catch (UnableToExecuteStatementException e) {
            if (Db.isDuplicate(e)) { // an id committed by a concurrent reserve after the read above
                throw new ConcurrencyConflictException("a concurrent reserve inserted an id of the batch", e);
            }
            throw e;
        }
        lines.execute();
        moves.execute();
        // issue 17: every admitted hold's STOCK_RESERVED event, one batch in the same transaction
        List<OrderKitEvent> events = new ArrayList<>(admitted.size());
        for (Reservation r : admitted) {
            events.add(StockEvents.reserved(r.id(), r.lines().size(), r.createdAt()));
        }
        JdbcOutboxStore.insert(h, db, events);
    }

    /**
     * {@link #write} of a batch of one key, one line per command, on PostgreSQL in one statement
     * ({@link #PG_WRITE}): the rows as arrays.
     */
    private void writePostgres(Handle h, Map.Entry<StockKey, Total> total, List<Reservation> admitted, long t0) {
        Connection c = h.getConnection();
        StockKey key = total.getKey();
        int n = admitted.size();
        String[] ids = new String[n];
        Long[] exps = new Long[n];
        Long[] ats = new Long[n];
        Long[] qs = new Long[n];
        String[] eventIds = new String[n];
        String[] eventTypes = new String[n];
        String[] payloads = new String[n];
        for (int i = 0; i < n; i++) {
            Reservation r = admitted.get(i);
            ids[i] = r.id();
            exps[i] = Db.nanos(r.expiresAt());
            ats[i] = Db.nanos(r.createdAt());
            qs[i] = r.lines().get(0).quantity();
            OrderKitEvent event = StockEvents.reserved(r.id(), 1, r.createdAt());
            eventIds[i] = event.id();
            eventTypes[i] = event.type().name();
            payloads[i] = Codec.write(event);
        }
        int updated;
        try (PreparedStatement ps = c.prepareStatement(db.sql(PG_WRITE))) {
            Array idArray = c.createArrayOf("varchar", ids);
            Array expArray = c.createArrayOf("bigint", exps);
            Array atArray = c.createArrayOf("bigint", ats);
            Array qArray = c.createArrayOf("bigint", qs);
            int p = 1;
            ps.setLong(p++, total.getValue().quantity);
            ps.setLong(p++, total.getValue().holds);
            ps.setLong(p++, total.getValue().at);
            ps.setString(p++, key.sku());
            ps.setString(p++, key.location());
            ps.setLong(p++, t0);
            ps.setLong(p++, total.getValue().quantity);
            ps.setArray(p++, idArray); // r
            ps.setArray(p++, expArray);
            ps.setArray(p++, atArray);
            ps.setString(p++, key.sku()); // l
            ps.setString(p++, key.location());
            ps.setArray(p++, idArray);
            ps.setArray(p++, qArray);
            ps.setArray(p++, expArray);
            ps.setString(p++, key.sku()); // m
            ps.setString(p++, key.location());
            ps.setArray(p++, qArray);
            ps.setArray(p++, idArray);
            ps.setArray(p++, atArray);
            ps.setArray(p++, c.createArrayOf("varchar", eventIds)); // e
            ps.setArray(p++, c.createArrayOf("varchar", eventTypes));
            ps.setArray(p++, idArray);
            ps.setArray(p++, c.createArrayOf("text", payloads));
            ps.setArray(p, atArray);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                updated = rs.getInt(1);
            }
        } catch (SQLException e) {
            if (Db.isDuplicate(e)) { // an id of the batch exists: the full path reads it
                throw new NotPlain();
            }
            throw Db.map("write a reserve batch", e);
        }
        if (updated != 1) { // the row is locked by this transaction: only data changed behind the lock
            throw new ConcurrencyConflictException("level " + key + " moved under the batch's lock");
        }
    }
}
