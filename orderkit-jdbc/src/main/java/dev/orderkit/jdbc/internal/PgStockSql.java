package dev.orderkit.jdbc.internal;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Shortfall;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockEvents;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The PostgreSQL statements of the stock hot path: a whole reserve, or a whole lifecycle
 * transition, as ONE data-modifying CTE statement, atomic on its own (one round trip in
 * auto-commit mode, commit included). Package-private and reusable: {@link #reserve(int)},
 * {@link #bindReserve} and {@link #readReserve} build, bind and answer one reservation. Thread-safe
 * (statement texts are cached per line count and per transition).
 *
 * <p><b>Reserve.</b> All sub-statements of a CTE see one snapshot, and under READ COMMITTED a
 * concurrent update of a row is re-checked (EvalPlanQual) only in the WHERE of the statement that
 * locks or updates it. So the statement first locks every level of the reservation with
 * {@code SELECT ... FOR UPDATE} in canonical line order (no deadlocks: every writer locks levels in
 * that order); a row lock under READ COMMITTED returns the newest committed version, so the admit
 * decision ("every line fits") is taken on the current levels, which nobody can change until the
 * statement ends. Every write is conditional on that decision: the reservation row is inserted
 * ({@code ON CONFLICT DO NOTHING}: idempotent on the id) only if all lines fit, and the level
 * updates, the lines and the movements only if the reservation row was inserted. The level update
 * matches on the key alone and computes the new values from the locked rows, on purpose: anything
 * computed from the updated table's own columns is first evaluated on the version in the
 * statement's snapshot (the WHERE, and the CHECK constraints on the tentative new row, run before
 * the concurrent update is detected and EvalPlanQual moves to the newest version), so a guard there
 * would skip a level that fits only since the snapshot (a concurrent release: half-applied
 * reservation), and a column left out of the SET keeps the snapshot's value in that first
 * evaluation: the CHECK {@code committed <= reserved} (schema v9) then compared the newest
 * reserved with a stale committed and failed spuriously when a commit's units had been fulfilled
 * or released since the snapshot (seen once in three CI runs of the fuzzer). So every column the
 * CHECK reads (on_hand, reserved, committed) is set from the locked row. The guard is the decision taken on the locked
 * rows; the CHECK backs it. A short or
 * unknown line, or an existing id, writes nothing and locks nothing longer than the statement (in
 * auto-commit mode). The reply carries the available quantity of every line (the shortfalls) or the
 * existing reservation, so no second read is needed. Should the guarded updates ever match fewer
 * levels than lines after the reservation row went in (impossible with the locks held), a cast
 * fails the whole statement (SQLState 22P02) rather than leave a half-written reservation.
 *
 * <p><b>Transition.</b> One conditional {@code UPDATE} of the reservation whose WHERE encodes the
 * {@link ReservationTransition} table for the action (the states it applies from, not due / due);
 * if it applied and the action moves stock, the levels are locked in line order and updated from
 * the locked values (as in the reserve), and one movement per line recorded. The reply is the reservation as the statement's snapshot saw it,
 * with its lines, and whether the update applied.
 */
final class PgStockSql {
    /** Reply column: 0 = a line's availability, 1 = the counts, 2 = a line of an existing reservation. */
    private static final String KIND = "kind";

    private final String prefix;
    private final Map<Integer, String> reserveSql = new ConcurrentHashMap<>();
    private final Map<ReservationTransition, String> transitionSql = new ConcurrentHashMap<>();
    private volatile @Nullable String expireAllSql;

    /**
     * Creates the builder for a table prefix.
     *
     * @param prefix the table prefix (validated)
     */
    PgStockSql(String prefix) {
        this.prefix = prefix;
    }

    // ------------------------------------------------------------------ reserve

    /**
     * The one-statement reserve of {@code lines} lines. Parameters: see {@link #bindReserve}.
     *
     * @param lines number of lines (at least 1)
     * @return the SQL
     */
    String reserve(int lines) {
        return reserveSql.computeIfAbsent(lines, this::buildReserve);
    }

    private String buildReserve(int n) {
        String p = prefix;
        StringJoiner values = new StringJoiner(", ");
        for (int i = 0; i < n; i++) {
            values.add("(" + i + ", CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS BIGINT))");
        }
        return "WITH a AS (SELECT CAST(? AS VARCHAR) AS id, CAST(? AS BIGINT) AS exp, CAST(? AS BIGINT) AS now), "
                + "i (no, sku, loc, q) AS (VALUES " + values + "), "
                // the reservation as it exists already (snapshot)
                + "x AS (SELECT r.id, r.state, r.expires_at, r.created_at, r.updated_at FROM " + p
                + "reservation r JOIN a ON r.id = a.id), "
                // lock the levels in canonical order; a lock returns the newest committed version
                + "k AS (SELECT i.no, s.on_hand, s.reserved, s.committed, s.version, s.on_hand - s.reserved + CASE WHEN "
                + "s.policy_until > (SELECT now FROM a) THEN s.policy_limit ELSE 0 END AS avail FROM i JOIN "
                + p
                + "stock_level s ON s.sku = i.sku AND s.location = i.loc "
                + "WHERE NOT EXISTS (SELECT 1 FROM x) ORDER BY i.no FOR UPDATE OF s), "
                // the admit decision: every line known and fits
                + "ok AS (SELECT COUNT(*) = " + n + " AND COALESCE(BOOL_AND(k.avail >= i.q), FALSE) AS fits "
                + "FROM k JOIN i ON i.no = k.no), "
                + "hold AS (INSERT INTO " + p + "reservation (id, state, expires_at, created_at, updated_at, version) "
                + "SELECT a.id, 'HELD', a.exp, a.now, a.now, 0 FROM a JOIN ok ON ok.fits "
                + "ON CONFLICT DO NOTHING RETURNING id), "
                // the new values come from the locked rows (k), never from s's columns, and the
                // match is on the key only: anything computed from s would be evaluated on the
                // snapshot's version first (the WHERE, and the CHECK on the tentative new row, run
                // before the concurrent update is detected and EvalPlanQual moves to the newest one)
                + "upd AS (UPDATE " + p + "stock_level s SET on_hand = k.on_hand, reserved = k.reserved + i.q, "
                + "committed = k.committed, "
                + "version = k.version + 1, updated_at = a.now FROM i JOIN k ON k.no = i.no, a, hold "
                + "WHERE s.sku = i.sku AND s.location = i.loc "
                + "RETURNING i.no, i.sku, i.loc, i.q), "
                + "lns AS (INSERT INTO " + p
                + "reservation_line (reservation_id, line_no, sku, location, quantity, held_until) "
                + "SELECT a.id, upd.no, upd.sku, upd.loc, upd.q, a.exp FROM upd, a), "
                + "mvs AS (INSERT INTO " + p + "movement "
                + "(sku, location, on_hand_delta, reserved_delta, reason, reference, at) "
                + "SELECT upd.sku, upd.loc, 0, upd.q, 'RESERVE', a.id, a.now FROM upd, a ORDER BY upd.no), "
                // issue 17: the hold's STOCK_RESERVED event in the outbox, only if the hold was inserted
                + "ev AS (INSERT INTO " + p + "outbox (event_id, event_type, subject_id, payload, status, attempts, "
                + "next_attempt_at, created_at) SELECT CAST(? AS VARCHAR), 'STOCK_RESERVED', a.id, CAST(? AS TEXT), "
                + "'PENDING', 0, 0, a.now FROM a, hold), "
                + "cnt AS (SELECT (SELECT COUNT(*) FROM hold) AS ins, (SELECT COUNT(*) FROM upd) AS upd) "
                + "SELECT 0 AS " + KIND + ", i.no, k.avail AS n, CAST(NULL AS BIGINT) AS n2, "
                + "CAST(NULL AS VARCHAR) AS state, CAST(NULL AS BIGINT) AS exp, CAST(NULL AS BIGINT) AS created, "
                + "CAST(NULL AS BIGINT) AS updated, CAST(NULL AS VARCHAR) AS sku, CAST(NULL AS VARCHAR) AS loc "
                + "FROM i LEFT JOIN k ON k.no = i.no "
                + "UNION ALL SELECT 1, 0, cnt.ins, CASE WHEN cnt.ins = 1 AND cnt.upd <> " + n
                + " THEN CAST('orderkit: reserve updated ' || cnt.upd || ' of " + n + " levels' AS BIGINT) "
                + "ELSE cnt.upd END, NULL, NULL, NULL, NULL, NULL, NULL FROM cnt "
                + "UNION ALL SELECT 2, l.line_no, l.quantity, NULL, x.state, x.expires_at, x.created_at, "
                + "x.updated_at, l.sku, l.location FROM x JOIN " + p + "reservation_line l ON l.reservation_id = x.id";
    }

    /**
     * Binds one reserve: id, expiry, now, then sku, location and quantity of every line.
     *
     * @param ps the statement of {@link #reserve(int)}
     * @param at the first parameter index
     * @param reservationId the id
     * @param sorted the lines in canonical order
     * @param expN expiry (nanos)
     * @param nowN now (nanos)
     * @return the next parameter index
     * @throws SQLException on driver failures
     */
    static int bindReserve(
            PreparedStatement ps, int at, String reservationId, List<AllocatedLine> sorted, long expN, long nowN)
            throws SQLException {
        int i = at;
        ps.setString(i++, reservationId);
        ps.setLong(i++, expN);
        ps.setLong(i++, nowN);
        for (AllocatedLine l : sorted) {
            ps.setString(i++, l.key().sku());
            ps.setString(i++, l.key().location());
            ps.setLong(i++, l.quantity());
        }
        OrderKitEvent event = StockEvents.reserved(reservationId, sorted.size(), Db.instant(nowN));
        ps.setString(i++, event.id());
        ps.setString(i++, Codec.write(event));
        return i;
    }

    /**
     * Turns the reply of one reserve into its answer.
     *
     * @param rs the reply of {@link #reserve(int)}
     * @param reservationId the id
     * @param sorted the lines in canonical order
     * @param expiresAt the expiry
     * @param now the time of the reserve
     * @return the answer, or null if the id exists but was committed after the statement's
     *     snapshot (the caller reads it)
     * @throws SQLException on driver failures
     */
    static @Nullable ReserveResult readReserve(
            ResultSet rs, String reservationId, List<AllocatedLine> sorted, Instant expiresAt, Instant now)
            throws SQLException {
        int n = sorted.size();
        long[] avail = new long[n];
        boolean[] known = new boolean[n];
        boolean inserted = false;
        @Nullable List<@Nullable AllocatedLine> existing = null;
        @Nullable String state = null;
        long exp = 0;
        long created = 0;
        long updated = 0;
        while (rs.next()) {
            int kind = rs.getInt(1);
            if (kind == 0) {
                int no = rs.getInt(2);
                long a = rs.getLong(3);
                if (!rs.wasNull()) {
                    known[no] = true;
                    avail[no] = a;
                }
            } else if (kind == 1) {
                inserted = rs.getLong(3) == 1;
            } else {
                if (existing == null) {
                    existing = new ArrayList<>();
                    state = rs.getString(5);
                    exp = rs.getLong(6);
                    created = rs.getLong(7);
                    updated = rs.getLong(8);
                }
                int no = rs.getInt(2);
                AllocatedLine line = new AllocatedLine(new StockKey(rs.getString(9), rs.getString(10)), rs.getLong(3));
                while (existing.size() <= no) {
                    existing.add(null);
                }
                existing.set(no, line);
            }
        }
        if (inserted) {
            return new ReserveResult.Reserved(
                    new Reservation(reservationId, ReservationState.HELD, sorted, expiresAt, now, now));
        }
        if (existing != null) {
            List<AllocatedLine> stored = new ArrayList<>(existing.size());
            for (AllocatedLine l : existing) {
                if (l != null) {
                    stored.add(l);
                }
            }
            return new ReserveResult.AlreadyExists(new Reservation(
                    reservationId,
                    ReservationState.valueOf(Objects.requireNonNull(state, "state")),
                    stored,
                    Db.instant(exp),
                    Db.instant(created),
                    Db.instant(updated)));
        }
        List<String> missing = new ArrayList<>();
        List<Shortfall> shortfalls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            AllocatedLine l = sorted.get(i);
            if (!known[i]) {
                missing.add(l.key().sku() + "@" + l.key().location());
            } else if (avail[i] < l.quantity()) {
                shortfalls.add(new Shortfall(l.key().sku(), l.key().location(), l.quantity(), Math.max(0, avail[i])));
            }
        }
        if (!missing.isEmpty()) {
            return new ReserveResult.UnknownStock(missing);
        }
        if (!shortfalls.isEmpty()) {
            return new ReserveResult.Insufficient(shortfalls);
        }
        return null; // every line fitted, yet the insert met an id committed after the snapshot
    }

    // ------------------------------------------------------------------ transition

    /**
     * The one-statement transition. Parameters: id, now. Reply: one row per line of the
     * reservation (none if it does not exist), in line order: applied (0/1), state, expires_at,
     * created_at, updated_at, sku, location, quantity.
     *
     * @param t the action
     * @return the SQL
     */
    String transition(ReservationTransition t) {
        return transitionSql.computeIfAbsent(t, this::buildTransition);
    }

    /** The WHERE of the conditional update: the states the action applies from, not due and due. */
    static String applies(ReservationTransition t) {
        List<String> notDue = new ArrayList<>();
        List<String> due = new ArrayList<>();
        for (ReservationState s : ReservationState.values()) {
            if (t.verdict(s, false) == ReservationTransition.Verdict.APPLY) {
                notDue.add("'" + s.name() + "'");
            }
            if (t.verdict(s, true) == ReservationTransition.Verdict.APPLY) {
                due.add("'" + s.name() + "'");
            }
        }
        if (notDue.equals(due)) {
            return notDue.isEmpty() ? "FALSE" : "r.state IN (" + String.join(", ", notDue) + ")";
        }
        String a = notDue.isEmpty()
                ? "FALSE"
                : "(r.state IN (" + String.join(", ", notDue) + ") AND r.expires_at > a.now)";
        String b = due.isEmpty() ? "FALSE" : "(r.state IN (" + String.join(", ", due) + ") AND r.expires_at <= a.now)";
        return "(" + a + " OR " + b + ")";
    }

    private static String signed(long sign, String column, String q) {
        return sign == 0 ? column : sign > 0 ? column + " + " + q : column + " - " + q;
    }

    /**
     * The committed delta of a line as SQL: constant when every state the action applies from has
     * the same {@link ReservationTransition#committedSign}, else a CASE on the state it left
     * ({@code was}, read under the row lock).
     */
    private static @Nullable String committedDelta(ReservationTransition t, String was, String q) {
        Map<ReservationState, Long> signs = new EnumMap<>(ReservationState.class);
        for (ReservationState s : ReservationState.values()) {
            if (t.verdict(s, false) == ReservationTransition.Verdict.APPLY
                    || t.verdict(s, true) == ReservationTransition.Verdict.APPLY) {
                signs.put(s, t.committedSign(s));
            }
        }
        if (signs.values().stream().distinct().count() <= 1) {
            long sign = signs.values().stream().findFirst().orElse(0L);
            return sign == 0 ? null : sign + " * " + q;
        }
        StringBuilder c = new StringBuilder("CASE ").append(was);
        signs.forEach((s, sign) -> c.append(" WHEN '")
                .append(s.name())
                .append("' THEN ")
                .append(sign)
                .append(" * ")
                .append(q));
        return c.append(" ELSE 0 END").toString();
    }

    /** Whether the committed delta of the action depends on the state it applies from (RELEASE). */
    private static boolean needsPriorState(ReservationTransition t) {
        String d = committedDelta(t, "o.state", "q");
        return d != null && d.startsWith("CASE");
    }

    private String buildTransition(ReservationTransition t) {
        String p = prefix;
        boolean prior = needsPriorState(t);
        @Nullable String committed = committedDelta(t, "w.was", "k.quantity");
        StringBuilder sql = new StringBuilder()
                .append("WITH a AS (SELECT CAST(? AS VARCHAR) AS id, CAST(? AS BIGINT) AS now), ")
                .append("x AS (SELECT r.id, r.state, r.expires_at, r.created_at, r.updated_at FROM ")
                .append(p)
                .append("reservation r JOIN a ON r.id = a.id), ");
        boolean ships = t.onHandSign() < 0;
        if (prior || ships) {
            // the state the row leaves decides the committed delta: lock the row and read its
            // newest version (the update below then sees the same one)
            sql.append("o AS (SELECT r.id, r.state FROM ")
                    .append(p)
                    .append("reservation r JOIN a ON r.id = a.id FOR UPDATE OF r), ");
        }
        if (ships) {
            // FULFIL takes units off on-hand, which never goes below zero (a backorder ships once
            // restocks cover it): lock the levels (after the reservation row, in line order, as
            // every transition does) and apply only if each has the units its lines ship
            sql.append("lk AS (SELECT l.line_no, l.sku, l.location, l.quantity, s.on_hand FROM o JOIN ")
                    .append(p)
                    .append("reservation_line l ON l.reservation_id = o.id JOIN ")
                    .append(p)
                    .append("stock_level s ON s.sku = l.sku AND s.location = l.location ")
                    .append("ORDER BY l.line_no FOR UPDATE OF s), ")
                    .append("cv AS (SELECT COALESCE(BOOL_AND(g.on_hand >= g.q), TRUE) AS ok FROM (SELECT ")
                    .append(
                            "MIN(lk.on_hand) AS on_hand, SUM(lk.quantity) AS q FROM lk GROUP BY lk.sku, lk.location) g), ");
        }
        sql.append("w AS (UPDATE ")
                .append(p)
                .append("reservation r SET state = '")
                .append(t.target().name())
                .append("', updated_at = a.now, version = r.version + 1 FROM a")
                .append(prior || ships ? ", o" : "")
                .append(ships ? ", cv" : "")
                .append(" WHERE r.id = a.id AND ")
                .append(prior || ships ? "o.id = r.id AND " : "")
                .append(ships ? "cv.ok AND " : "")
                .append(applies(t))
                .append(" RETURNING r.id")
                .append(prior ? ", o.state AS was" : "")
                .append("), ")
                // the hold leaves the index by SKU and expiry with its state (a no-op when not HELD before)
                .append("hl AS (UPDATE ")
                .append(p)
                .append("reservation_line l SET held_until = NULL FROM w WHERE l.reservation_id = w.id ")
                .append("AND l.held_until IS NOT NULL)");
        if (t.movesStock() || committed != null) {
            sql.append(", k AS (SELECT l.line_no, l.sku, l.location, l.quantity, s.on_hand, s.reserved, ")
                    .append("s.committed, s.version")
                    .append(prior ? ", w.was " : " ")
                    .append("FROM w JOIN ")
                    .append(p)
                    .append("reservation_line l ON l.reservation_id = w.id JOIN ")
                    .append(p)
                    .append("stock_level s ON s.sku = l.sku AND s.location = l.location ")
                    .append("ORDER BY l.line_no FOR UPDATE OF s), ")
                    .append("v AS (UPDATE ")
                    .append(p)
                    .append("stock_level s SET on_hand = ")
                    .append(signed(t.onHandSign(), "k.on_hand", "k.quantity"))
                    .append(", reserved = ")
                    .append(signed(t.reservedSign(), "k.reserved", "k.quantity"))
                    .append(", committed = k.committed")
                    .append(committed == null ? "" : " + " + committedDelta(t, "k.was", "k.quantity"))
                    .append(", version = k.version + 1, updated_at = a.now FROM k, a ")
                    .append("WHERE s.sku = k.sku AND s.location = k.location RETURNING s.sku)");
        }
        if (t.movesStock()) {
            sql.append(", mv AS (INSERT INTO ")
                    .append(p)
                    .append("movement (sku, location, on_hand_delta, reserved_delta, reason, reference, at) ")
                    .append("SELECT k.sku, k.location, ")
                    .append(t.onHandSign())
                    .append(" * k.quantity, ")
                    .append(t.reservedSign())
                    .append(" * k.quantity, '")
                    .append(Objects.requireNonNull(t.reason(), "reason").name())
                    .append("', a.id, a.now FROM k, a ORDER BY k.line_no)");
        }
        // issue 17: the action's event in the outbox when it applied (parameters 3, 4: event id, payload)
        sql.append(", ev AS (INSERT INTO ")
                .append(p)
                .append("outbox (event_id, event_type, subject_id, payload, status, attempts, next_attempt_at, ")
                .append("created_at) SELECT CAST(? AS VARCHAR), '")
                .append(StockEvents.typeOf(t).name())
                .append("', a.id, CAST(? AS TEXT), 'PENDING', 0, 0, a.now FROM w, a)");
        sql.append(" SELECT (SELECT COUNT(*) FROM w) AS applied, x.state, x.expires_at, x.created_at, ")
                .append("x.updated_at, l.sku, l.location, l.quantity, ")
                // FULFIL: each line's on-hand and the state as locked (the newest), for the refusal
                .append(ships ? "lk.on_hand, (SELECT o.state FROM o) " : "CAST(NULL AS BIGINT), CAST(NULL AS VARCHAR) ")
                .append("FROM x JOIN ")
                .append(p)
                .append("reservation_line l ON l.reservation_id = x.id ")
                .append(ships ? "LEFT JOIN lk ON lk.line_no = l.line_no " : "")
                .append("ORDER BY l.line_no");
        return sql.toString();
    }

    // ------------------------------------------------------------------ batch expiry

    /**
     * The batch expiry: ONE statement expires every reservation of an id array that is HELD and
     * due (the WHERE of {@link #applies} for {@link ReservationTransition#EXPIRE}). It locks the
     * reservation rows in id order with {@code SKIP LOCKED} (a row another writer holds, a racing
     * commit say, is left to it; a row it locks is re-checked on its newest version, so a commit
     * that landed first makes it drop out), moves them to EXPIRED, takes their lines out of the
     * index by SKU and expiry, locks the touched levels once each in key order and updates them by
     * the summed line quantities from the locked values (as the reserve does), and records one
     * movement per line. Parameters: now (nanos), the ids (a {@code varchar[]}). Reply: one row per
     * line of each expired reservation: id, expires_at, created_at, line_no, sku, location,
     * quantity, ordered by id and line; a repeat (same ids and now) answers what its first run
     * expired (EXPIRED with {@code updated_at = now}) and changes nothing.
     *
     * @return the SQL
     */
    String expireAll() {
        String cached = expireAllSql;
        if (cached == null) {
            cached = buildExpireAll();
            expireAllSql = cached;
        }
        return cached;
    }

    private String buildExpireAll() {
        ReservationTransition t = ReservationTransition.EXPIRE;
        String p = prefix;
        return "WITH a AS (SELECT CAST(? AS BIGINT) AS now), "
                + "ids AS (SELECT DISTINCT unnest(CAST(? AS VARCHAR[])) AS id), "
                + "c AS (SELECT r.id FROM " + p + "reservation r JOIN ids ON r.id = ids.id CROSS JOIN a WHERE "
                + applies(t) + " ORDER BY r.id FOR UPDATE OF r SKIP LOCKED), "
                + "w AS (UPDATE " + p + "reservation r SET state = '"
                + t.target().name() + "', updated_at = a.now, "
                + "version = r.version + 1 FROM c, a WHERE r.id = c.id RETURNING r.id, r.expires_at, r.created_at), "
                + "ln AS (SELECT l.reservation_id AS id, l.line_no, l.sku, l.location, l.quantity FROM " + p
                + "reservation_line l JOIN w ON l.reservation_id = w.id), "
                + "hl AS (UPDATE " + p + "reservation_line l SET held_until = NULL FROM w "
                + "WHERE l.reservation_id = w.id AND l.held_until IS NOT NULL), "
                + "g AS (SELECT ln.sku, ln.location, SUM(ln.quantity) AS q FROM ln GROUP BY ln.sku, ln.location), "
                + "k AS (SELECT g.sku, g.location, g.q, s.on_hand, s.reserved, s.committed, s.version FROM g JOIN " + p
                + "stock_level s ON s.sku = g.sku AND s.location = g.location "
                + "ORDER BY g.sku COLLATE \"C\", g.location COLLATE \"C\" FOR UPDATE OF s), "
                + "v AS (UPDATE " + p + "stock_level s SET on_hand = " + signed(t.onHandSign(), "k.on_hand", "k.q")
                + ", reserved = " + signed(t.reservedSign(), "k.reserved", "k.q")
                // every column the CHECK reads comes from the locked row (see the class comment)
                + ", committed = k.committed"
                + ", version = k.version + 1, updated_at = a.now FROM k, a "
                + "WHERE s.sku = k.sku AND s.location = k.location RETURNING s.sku), "
                + "mv AS (INSERT INTO " + p + "movement (sku, location, on_hand_delta, reserved_delta, reason, "
                + "reference, at) SELECT ln.sku, ln.location, " + t.onHandSign() + " * ln.quantity, "
                + t.reservedSign() + " * ln.quantity, '"
                + Objects.requireNonNull(t.reason(), "reason").name()
                + "', ln.id, a.now FROM ln, a ORDER BY ln.id, ln.line_no), "
                // issue 17: one RESERVATION_EXPIRED event per expired hold (parameters 3..5: the ids,
                // their event ids and payloads, as parallel arrays)
                + "evs AS (SELECT unnest(CAST(? AS VARCHAR[])) AS id, unnest(CAST(? AS VARCHAR[])) AS eid, "
                + "unnest(CAST(? AS VARCHAR[])) AS payload), "
                + "ev AS (INSERT INTO " + p + "outbox (event_id, event_type, subject_id, payload, status, attempts, "
                + "next_attempt_at, created_at) SELECT evs.eid, 'RESERVATION_EXPIRED', w.id, evs.payload, 'PENDING', 0, 0, a.now "
                + "FROM w JOIN evs ON evs.id = w.id CROSS JOIN a ORDER BY w.id) "
                + "SELECT w.id, w.expires_at, w.created_at, ln.line_no, ln.sku, ln.location, ln.quantity "
                + "FROM w JOIN ln ON ln.id = w.id "
                // a repeat of the statement (same ids and now, after a lost acknowledgement) answers
                // the reservations its first run expired, from the snapshot, writing nothing more
                + "UNION ALL SELECT r.id, r.expires_at, r.created_at, l.line_no, l.sku, l.location, l.quantity FROM "
                + p + "reservation r JOIN ids ON r.id = ids.id CROSS JOIN a JOIN " + p
                + "reservation_line l ON l.reservation_id = r.id WHERE r.state = '"
                + t.target().name()
                + "' AND r.updated_at = a.now ORDER BY 1, 4";
    }

    /** The reply of a transition: the reservation as the snapshot saw it (null: not found) and whether it applied. */
    record TransitionReply(
            @Nullable Reservation current,
            boolean applied,
            Map<StockKey, Long> onHand,
            @Nullable String lockedState) {}

    /**
     * Reads the reply of {@link #transition}.
     *
     * @param rs the reply
     * @param reservationId the id
     * @return the reservation as read and whether the update applied
     * @throws SQLException on driver failures
     */
    static TransitionReply readTransition(ResultSet rs, String reservationId) throws SQLException {
        @Nullable List<AllocatedLine> lines = null;
        boolean applied = false;
        @Nullable String state = null;
        long exp = 0;
        long created = 0;
        long updated = 0;
        Map<StockKey, Long> onHand = new HashMap<>();
        @Nullable String locked = null;
        while (rs.next()) {
            if (lines == null) {
                lines = new ArrayList<>();
                applied = rs.getLong(1) == 1;
                state = rs.getString(2);
                exp = rs.getLong(3);
                created = rs.getLong(4);
                updated = rs.getLong(5);
                locked = rs.getString(10);
            }
            StockKey key = new StockKey(rs.getString(6), rs.getString(7));
            lines.add(new AllocatedLine(key, rs.getLong(8)));
            long oh = rs.getLong(9);
            if (!rs.wasNull()) {
                onHand.put(key, oh);
            }
        }
        if (lines == null) {
            return new TransitionReply(null, false, Map.of(), null);
        }
        return new TransitionReply(
                new Reservation(
                        reservationId,
                        ReservationState.valueOf(Objects.requireNonNull(state, "state")),
                        lines,
                        Db.instant(exp),
                        Db.instant(created),
                        Db.instant(updated)),
                applied,
                onHand,
                locked);
    }
}
