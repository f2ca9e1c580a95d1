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
 * If nothing is admitted the transaction rolls back. If the transaction fails (a deadlock with a
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
    private final Db db;

    JdbcBatchReserve(Db db) {
        this.db = db;
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
        return db.tx("reserve batch of " + batch.size(), tx -> {
            Handle h = tx.handle();
            // the allowances of the batch are those at its first command's time (one combiner drain)
            long t0 = Db.nanos(batch.get(0).now());
            Map<StockKey, Long> available = lock(h, keys, t0);
            Map<String, Reservation> known = existing(h, ids);
            List<ReserveResult> out = new ArrayList<>(batch.size());
            List<Reservation> admitted = new ArrayList<>();
            TreeMap<StockKey, Total> totals = new TreeMap<>();
            for (int i = 0; i < batch.size(); i++) {
                ReserveCommand c = batch.get(i);
                List<AllocatedLine> lines = sorted.get(i);
                Reservation found = known.get(c.reservationId());
                if (found != null) {
                    out.add(new ReserveResult.AlreadyExists(found));
                    continue;
                }
                ReserveResult rejected = rejection(lines, available);
                if (rejected != null) {
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
            if (admitted.isEmpty()) {
                tx.rollbackOnly();
                return out;
            }
            write(h, totals, admitted, t0);
            return out;
        });
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
}
