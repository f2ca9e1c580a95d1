package dev.orderkit.redis.internal;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.IllegalStateTransitionException;
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
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockStorage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * {@link StockStorage} on Redis. A reservation is a header (in its id bucket's slot) plus one
 * <em>part</em> per hash slot of its lines (in that slot, next to the levels). Every step is one Lua
 * script. On a standalone server a reservation has one part and {@code reserve} is a single
 * script; on a cluster a multi-slot reservation is a saga (pre-check, header PENDING, per-part
 * holds, header HELD, or compensation) whose unfinished states are indexed so a retry or the
 * sweeper ({@link #expire}) finishes or undoes them. See the module README. Thread-safe.
 */
public final class RedisStockStorage implements StockStorage {
    private static final String ST_PENDING = "PENDING";
    private static final String ST_ABORTING = "ABORTING";
    private static final String ST_ABORTED = "ABORTED";
    private static final String ST_RELEASING = "RELEASING";
    private static final String ST_FULFILLING = "FULFILLING";
    private static final String ST_COMMITTING = "COMMITTING";
    private static final String ST_EXPIRING = "EXPIRING";
    private static final String GUARD_DUE = "due";
    private static final String GUARD_LIVE = "live";

    private final Redis redis;
    private final Keys keys;
    private final SagaHook hook;

    /**
     * Creates the storage.
     *
     * @param redis script runner
     * @param keys key layout
     */
    public RedisStockStorage(Redis redis, Keys keys) {
        this(redis, keys, SagaHook.NONE);
    }

    /**
     * Creates the storage with a saga hook (fault injection in tests).
     *
     * @param redis script runner
     * @param keys key layout
     * @param hook called between saga steps
     */
    public RedisStockStorage(Redis redis, Keys keys, SagaHook hook) {
        this.redis = redis;
        this.keys = keys;
        this.hook = hook;
    }

    // ---------------------------------------------------------------- levels

    @Override
    public List<StockLevel> levels(String sku) {
        Set<String> locs = redis.call(() -> redis.client().smembers(keys.locations(sku)));
        List<StockLevel> out = new ArrayList<>(locs.size());
        for (String loc : new TreeSet<>(locs)) {
            level(StockKey.of(sku, loc)).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public Optional<StockLevel> level(StockKey key) {
        Map<String, String> h = redis.call(() -> redis.client().hgetAll(keys.level(key)));
        return h.isEmpty() ? Optional.empty() : Optional.of(toLevel(key, h));
    }

    private static StockLevel toLevel(StockKey key, Map<String, String> h) {
        return new StockLevel(
                key,
                Long.parseLong(Codec.field(h, "oh")),
                Long.parseLong(Codec.field(h, "rs")),
                Long.parseLong(Codec.field(h, "v")),
                Codec.time(Codec.field(h, "ts")));
    }

    private StockLevel levelReply(StockKey key, List<String> r) {
        return new StockLevel(
                key,
                Long.parseLong(r.get(1)),
                Long.parseLong(r.get(2)),
                Long.parseLong(r.get(3)),
                Codec.time(r.get(4)));
    }

    private List<String> levelKeys(StockKey key) {
        return List.of(keys.level(key), keys.movements(key), keys.locations(key.sku()), keys.writes(key));
    }

    @Override
    public StockLevel adjust(StockKey key, long delta, String reference, Instant now) {
        List<String> r = redis.evalList(
                Redis.Script.LEVEL,
                levelKeys(key),
                List.of("adjust", Long.toString(delta), "", reference, Codec.time(now), key.sku(), key.location()));
        return switch (r.get(0)) {
            case "OK" -> levelReply(key, r);
            case "NOTFOUND" -> throw new NotFoundException("stock level", key.sku() + "@" + key.location());
            case "SHORT" ->
                throw new InsufficientStockException(
                        List.of(new Shortfall(key.sku(), key.location(), -delta, Long.parseLong(r.get(1)))));
            case "REUSED" -> throw reused(key, reference, r);
            default -> throw new IllegalStateException("unexpected reply " + r);
        };
    }

    @Override
    public StockLevel setOnHand(StockKey key, long onHand, long expectedVersion, String reference, Instant now) {
        List<String> r = redis.evalList(
                Redis.Script.LEVEL,
                levelKeys(key),
                List.of(
                        "set",
                        Long.toString(onHand),
                        Long.toString(expectedVersion),
                        reference,
                        Codec.time(now),
                        key.sku(),
                        key.location()));
        return switch (r.get(0)) {
            case "OK" -> levelReply(key, r);
            case "NOTFOUND" -> throw new NotFoundException("stock level", key.sku() + "@" + key.location());
            case "CONFLICT" ->
                throw new ConcurrencyConflictException(
                        expectedVersion == -1
                                ? "stock level " + key + " already exists"
                                : "stock level " + key + " is at version " + r.get(1) + ", expected "
                                        + expectedVersion);
            case "SHORT" ->
                throw new InsufficientStockException(
                        List.of(new Shortfall(key.sku(), key.location(), Long.parseLong(r.get(2)), onHand)));
            case "REUSED" -> throw reused(key, reference, r);
            default -> throw new IllegalStateException("unexpected reply " + r);
        };
    }

    /** Maps {@code {'REUSED', kind, amount, expectedVersion}} of level.lua. */
    private static ReferenceReuseException reused(StockKey key, String reference, List<String> r) {
        boolean set = "S".equals(r.get(1));
        return new ReferenceReuseException(
                key,
                reference,
                StockStorage.describeWrite(set, Long.parseLong(r.get(2)), set ? Long.parseLong(r.get(3)) : 0));
    }

    @Override
    public List<StockLevel> allLevels() {
        List<StockLevel> out = new ArrayList<>();
        for (String k : redis.scan(keys.levelPattern())) {
            Map<String, String> h = redis.call(() -> redis.client().hgetAll(k));
            if (!h.isEmpty() && h.containsKey("sku")) {
                out.add(toLevel(StockKey.of(Codec.field(h, "sku"), Codec.field(h, "loc")), h));
            }
        }
        out.sort(Comparator.comparing(StockLevel::key));
        return out;
    }

    @Override
    public List<Movement> movements(StockKey key) {
        List<String> raw = redis.call(() -> redis.client().lrange(keys.movements(key), 0, -1));
        List<Movement> out = new ArrayList<>(raw.size());
        for (String m : raw) {
            String[] f = m.split("\\|", 5);
            out.add(new Movement(
                    key,
                    Long.parseLong(f[0]),
                    Long.parseLong(f[1]),
                    MovementReason.valueOf(f[2]),
                    f[4],
                    Codec.time(f[3])));
        }
        return out;
    }

    // ---------------------------------------------------------------- reservations: encoding

    private static String encodeLines(List<AllocatedLine> lines) {
        StringBuilder b = new StringBuilder();
        for (AllocatedLine l : lines) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append(l.quantity())
                    .append('\t')
                    .append(l.key().sku())
                    .append('\t')
                    .append(l.key().location());
        }
        return b.toString();
    }

    private static List<AllocatedLine> decodeLines(String s) {
        List<AllocatedLine> out = new ArrayList<>();
        for (String line : s.split("\n")) {
            String[] f = line.split("\t", 3);
            out.add(new AllocatedLine(StockKey.of(f[1], f[2]), Long.parseLong(f[0])));
        }
        return out;
    }

    /** Lines grouped by hash slot, groups in canonical order of their first line. */
    private List<List<AllocatedLine>> partition(List<AllocatedLine> lines) {
        if (!redis.cluster()) {
            return List.of(lines);
        }
        Map<Integer, List<AllocatedLine>> groups = new LinkedHashMap<>();
        for (AllocatedLine l : lines) {
            groups.computeIfAbsent(redis.slot(keys.level(l.key())), s -> new ArrayList<>())
                    .add(l);
        }
        return new ArrayList<>(groups.values());
    }

    private String partKey(List<AllocatedLine> group, String id, long attempt) {
        return keys.part(group.get(0).key().sku(), id, attempt);
    }

    private List<String> partKeys(String id, List<AllocatedLine> lines, long attempt) {
        List<String> out = new ArrayList<>();
        for (List<AllocatedLine> g : partition(lines)) {
            out.add(partKey(g, id, attempt));
        }
        return out;
    }

    private record Header(
            String id,
            String state,
            List<AllocatedLine> lines,
            Instant expiresAt,
            Instant createdAt,
            Instant updatedAt,
            long attempt) {
        static Header of(Map<String, String> h) {
            return new Header(
                    Codec.field(h, "id"),
                    Codec.field(h, "st"),
                    decodeLines(Codec.field(h, "lines")),
                    Codec.time(Codec.field(h, "exp")),
                    Codec.time(Codec.field(h, "cr")),
                    Codec.time(Codec.field(h, "up")),
                    Long.parseLong(Codec.field(h, "att")));
        }

        boolean visible() {
            return !(ST_PENDING.equals(state) || ST_ABORTING.equals(state) || ST_ABORTED.equals(state));
        }

        Reservation view() {
            String s = switch (state) {
                case ST_COMMITTING -> "HELD"; // undecided until every part is committed
                case ST_EXPIRING -> "EXPIRED";
                case ST_RELEASING -> "RELEASED";
                case ST_FULFILLING -> "FULFILLED";
                default -> state;
            };
            return new Reservation(id, ReservationState.valueOf(s), lines, expiresAt, createdAt, updatedAt);
        }

        Reservation view(ReservationState s, Instant at) {
            return new Reservation(id, s, lines, expiresAt, createdAt, at);
        }
    }

    private Optional<Header> header(String id) {
        Map<String, String> h = redis.call(() -> redis.client().hgetAll(keys.header(id)));
        return h.isEmpty() ? Optional.empty() : Optional.of(Header.of(h));
    }

    private List<String> headerKeys(String id) {
        return List.of(keys.header(id), keys.headerDue(keys.bucket(id)));
    }

    /** Result of a header compare-and-set: applied, refused by the time guard, or the state found. */
    private record Cas(boolean ok, boolean guarded, String state) {}

    /**
     * Compare-and-set of the header state.
     *
     * @param guard {@code ""}, {@link #GUARD_DUE} (only if {@code exp <= now}) or {@link #GUARD_LIVE}
     *              (only if {@code exp > now}), checked in the same script
     */
    private Cas cas(String id, String from, String to, Instant now, String indexScore, String guard) {
        List<String> r = redis.evalList(
                Redis.Script.HEADER, headerKeys(id), List.of("cas", from, to, Codec.time(now), indexScore, guard));
        return switch (r.get(0)) {
            case "OK" -> new Cas(true, false, to);
            case "GUARD" -> new Cas(false, true, r.get(1));
            default -> new Cas(false, false, r.get(1));
        };
    }

    /** Compare-and-set without a time guard; returns null on success or the state found. */
    private @Nullable String cas(String id, String from, String to, Instant now, String indexScore) {
        Cas c = cas(id, from, to, now, indexScore, "");
        return c.ok() ? null : c.state();
    }

    private String applyPart(String partKey, String op, Instant now) {
        return redis.evalList(Redis.Script.PART_APPLY, List.of(partKey), List.of(op, Codec.time(now)))
                .get(0);
    }

    // ---------------------------------------------------------------- reserve

    private List<String> holdKeys(String part, List<AllocatedLine> group) {
        List<String> k = new ArrayList<>(1 + 3 * group.size());
        k.add(part);
        for (AllocatedLine l : group) {
            k.add(keys.level(l.key()));
            k.add(keys.movements(l.key()));
            k.add(keys.skuDue(l.key().sku()));
        }
        return k;
    }

    /** Maps an UNKNOWN / SHORT reply of a group to a result; null when the reply is OK. */
    private static @Nullable ReserveResult failure(List<String> r, List<AllocatedLine> group) {
        if ("UNKNOWN".equals(r.get(0))) {
            List<String> missing = new ArrayList<>();
            for (int i = 1; i < r.size(); i++) {
                StockKey k = group.get(Integer.parseInt(r.get(i)) - 1).key();
                missing.add(k.sku() + "@" + k.location());
            }
            return new ReserveResult.UnknownStock(missing);
        }
        if ("SHORT".equals(r.get(0))) {
            List<Shortfall> s = new ArrayList<>();
            for (int i = 1; i + 1 < r.size(); i += 2) {
                AllocatedLine l = group.get(Integer.parseInt(r.get(i)) - 1);
                s.add(new Shortfall(
                        l.key().sku(), l.key().location(), l.quantity(), Math.max(0, Long.parseLong(r.get(i + 1)))));
            }
            return new ReserveResult.Insufficient(s);
        }
        return null;
    }

    private static @Nullable ReserveResult merge(@Nullable ReserveResult a, @Nullable ReserveResult b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        if (a instanceof ReserveResult.UnknownStock ua) {
            if (b instanceof ReserveResult.UnknownStock ub) {
                List<String> m = new ArrayList<>(ua.missing());
                m.addAll(ub.missing());
                return new ReserveResult.UnknownStock(m);
            }
            return a;
        }
        if (b instanceof ReserveResult.UnknownStock) {
            return b;
        }
        List<Shortfall> s = new ArrayList<>(((ReserveResult.Insufficient) a).shortfalls());
        s.addAll(((ReserveResult.Insufficient) b).shortfalls());
        return new ReserveResult.Insufficient(s);
    }

    private List<String> holdArgs(
            String id, List<AllocatedLine> group, Instant expiresAt, Instant now, boolean checkOnly, long attempt) {
        List<String> a = new ArrayList<>(7 + group.size());
        a.add(id);
        a.add(Codec.time(now));
        a.add(Codec.time(expiresAt));
        a.add(Codec.millis(expiresAt));
        a.add(checkOnly ? "1" : "0");
        a.add(Codec.millis(now));
        a.add(Long.toString(attempt));
        for (AllocatedLine l : group) {
            a.add(Long.toString(l.quantity()));
        }
        return a;
    }

    @Override
    public ReserveResult reserve(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("lines must not be empty");
        }
        List<List<AllocatedLine>> groups = partition(lines);
        String anchors =
                String.join("\n", groups.stream().map(g -> g.get(0).key().sku()).toList());
        if (!redis.cluster()) {
            List<String> k = new ArrayList<>(headerKeys(reservationId));
            k.addAll(holdKeys(partKey(lines, reservationId, 1), lines));
            List<String> a = new ArrayList<>(List.of(
                    reservationId,
                    Codec.time(now),
                    Codec.time(expiresAt),
                    Codec.millis(expiresAt),
                    Codec.millis(now),
                    encodeLines(lines),
                    anchors));
            for (AllocatedLine l : lines) {
                a.add(Long.toString(l.quantity()));
            }
            List<String> r = redis.evalList(Redis.Script.RESERVE_LOCAL, k, a);
            switch (r.get(0)) {
                case "OK":
                    return new ReserveResult.Reserved(
                            new Reservation(reservationId, ReservationState.HELD, lines, expiresAt, now, now));
                case "EXISTS":
                    return existing(reservationId, lines, expiresAt, now, r);
                case "ATTEMPT":
                    break; // an earlier saga was aborted: take the general path below
                default:
                    ReserveResult failed = failure(r, lines);
                    if (failed == null) {
                        throw new BackendUnavailableException("unexpected reply of the reserve script: " + r, null);
                    }
                    return failed;
            }
        }
        if (groups.size() > 1) {
            ReserveResult pre = null;
            for (List<AllocatedLine> g : groups) {
                List<String> r = redis.evalList(
                        Redis.Script.PART_HOLD,
                        holdKeys(partKey(g, reservationId, 0), g),
                        holdArgs(reservationId, g, expiresAt, now, true, 0));
                pre = merge(pre, failure(r, g));
            }
            if (pre != null) {
                return preCheckFailed(reservationId, lines, expiresAt, now, pre);
            }
        }
        List<String> r = redis.evalList(
                Redis.Script.HEADER,
                headerKeys(reservationId),
                List.of(
                        "begin",
                        reservationId,
                        encodeLines(lines),
                        Codec.time(expiresAt),
                        Codec.millis(expiresAt),
                        Codec.time(now),
                        anchors));
        if ("EXISTS".equals(r.get(0))) {
            return existing(reservationId, lines, expiresAt, now, r);
        }
        return runHolds(
                new Header(reservationId, ST_PENDING, lines, expiresAt, now, now, Long.parseLong(r.get(1))), now);
    }

    /**
     * The pre-check found a shortage. A retry of a reserve whose earlier attempt got as far as its
     * header (its reply lost, or its process gone) must not leave that attempt's holds behind
     * invisibly until the expiry, nor miss that it completed: the header is looked at (only on this
     * failure path) and an unfinished attempt resumed, which holds or compensates.
     */
    private ReserveResult preCheckFailed(
            String id, List<AllocatedLine> lines, Instant expiresAt, Instant now, ReserveResult pre) {
        Optional<Header> h = header(id);
        if (h.isEmpty() || ST_ABORTED.equals(h.get().state())) {
            return pre;
        }
        return existing(id, lines, expiresAt, now, h.get());
    }

    private ReserveResult existing(
            String id, List<AllocatedLine> lines, Instant expiresAt, Instant now, List<String> reply) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 1; i + 1 < reply.size(); i += 2) {
            fields.put(reply.get(i), reply.get(i + 1));
        }
        return existing(id, lines, expiresAt, now, Header.of(fields));
    }

    private ReserveResult existing(String id, List<AllocatedLine> lines, Instant expiresAt, Instant now, Header h) {
        if (ST_PENDING.equals(h.state())) {
            return runHolds(h, now); // resume a saga left unfinished (crash, lost reply or concurrent caller)
        }
        if (ST_ABORTING.equals(h.state())) {
            abort(h, now); // finish a compensation left unfinished, then start a new attempt
            return reserve(id, lines, expiresAt, now);
        }
        if (!h.visible()) {
            throw new ConcurrencyConflictException("reservation " + id + " is being rolled back; retry");
        }
        return new ReserveResult.AlreadyExists(h.view());
    }

    /** Runs (or resumes) the per-part holds of a PENDING header, then finalizes or compensates. */
    private ReserveResult runHolds(Header h, Instant now) {
        ReserveResult failed = null;
        hook.at("before-holds", h.id(), 0);
        int index = 0;
        for (List<AllocatedLine> g : partition(h.lines())) {
            List<String> r = redis.evalList(
                    Redis.Script.PART_HOLD,
                    holdKeys(partKey(g, h.id(), h.attempt()), g),
                    holdArgs(h.id(), g, h.expiresAt(), now, false, h.attempt()));
            if ("EXISTS".equals(r.get(0))) {
                if ("HELD".equals(r.get(1)) || "COMMITTED".equals(r.get(1))) {
                    index++;
                    continue;
                }
                failed = null;
                abort(h, now);
                throw new ConcurrencyConflictException(
                        "reservation " + h.id() + " was rolled back concurrently; retry");
            }
            failed = failure(r, g);
            if (failed != null) {
                break;
            }
            hook.at("part-held", h.id(), index++);
        }
        if (failed != null) {
            abort(h, now);
            return failed;
        }
        String st = cas(h.id(), ST_PENDING, "HELD", now, Codec.millis(h.expiresAt()));
        if (st == null) {
            return new ReserveResult.Reserved(h.view(ReservationState.HELD, now));
        }
        Optional<Header> reread = header(h.id());
        if (reread.isPresent() && reread.get().visible()) {
            return new ReserveResult.AlreadyExists(reread.get().view());
        }
        throw new ConcurrencyConflictException("reservation " + h.id() + " was rolled back concurrently; retry");
    }

    /** Compensation: PENDING/ABORTING → ABORTED, undoing (or tombstoning) every part. */
    private void abort(Header h, Instant now) {
        String st = cas(h.id(), ST_PENDING + "," + ST_ABORTING, ST_ABORTING, now, "0");
        if (st != null) {
            return;
        }
        hook.at("abort-header", h.id(), 0);
        for (String p : partKeys(h.id(), h.lines(), h.attempt())) {
            applyPart(p, "undo", now);
        }
        cas(h.id(), ST_ABORTING, ST_ABORTED, now, "-");
    }

    // ---------------------------------------------------------------- reads

    @Override
    public Optional<Reservation> reservation(String reservationId) {
        Optional<Header> h = header(reservationId);
        if (h.isEmpty() || !h.get().visible()) {
            return Optional.empty();
        }
        return Optional.of(heal(h.get()).view());
    }

    /**
     * Makes a read consistent with the levels without waiting for the sweeper: a HELD (or
     * COMMITTING) header one of whose parts was already expired lazily (inside another process's
     * reserve) is expired completely, at its own expiry time; a decided intermediate state
     * (EXPIRING, RELEASING, FULFILLING) left by a crash or still in progress is finished, at the
     * time it was decided. Finishing is idempotent, so racing the operation that decided it is
     * harmless.
     */
    private Header heal(Header h) {
        try {
            switch (h.state()) {
                case "HELD", ST_COMMITTING -> {
                    if (!anyPartExpired(h)) {
                        return h;
                    }
                    if ("HELD".equals(h.state())) {
                        expire(h.id(), h.expiresAt());
                    } else {
                        rollBackCommit(h, h.expiresAt());
                    }
                }
                case ST_EXPIRING -> finishExpire(h, h.updatedAt());
                case ST_RELEASING -> finish(h, "release", ST_RELEASING, "RELEASED", h.updatedAt());
                case ST_FULFILLING -> finish(h, "fulfil", ST_FULFILLING, "FULFILLED", h.updatedAt());
                default -> {
                    return h;
                }
            }
        } catch (IllegalStateTransitionException e) {
            return h; // an inconsistent part (never written by this code): show the header as it is
        }
        return header(h.id()).orElse(h);
    }

    private boolean anyPartExpired(Header h) {
        for (String p : partKeys(h.id(), h.lines(), h.attempt())) {
            String st = redis.call(() -> redis.client().hget(p, "st"));
            if ("EXPIRED".equals(st)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<Reservation> reservations(Set<ReservationState> states) {
        List<Reservation> out = new ArrayList<>();
        for (String k : redis.scan(keys.headerPattern())) {
            Map<String, String> m = redis.call(() -> redis.client().hgetAll(k));
            if (m.isEmpty() || !m.containsKey("lines")) {
                continue;
            }
            Header h = Header.of(m);
            if (!h.visible()) {
                continue;
            }
            Reservation r = heal(h).view();
            if (states.contains(r.state())) {
                out.add(r);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- transitions
    //
    // Every transition first claims the header with one compare-and-set (HELD -> COMMITTING /
    // EXPIRING / RELEASING, COMMITTED -> FULFILLING / RELEASING), so of two racing transitions exactly
    // one wins and only the winner (or whoever finishes its decided state after a crash) touches the
    // parts. commit's claim is guarded by "not yet due" and expire's by "due", both checked inside
    // the header script against the caller's clock. The intermediate states are indexed as due now,
    // so the sweeper (expire) finishes them if the process dies half-way.

    private Header require(String id) {
        Header h = header(id).orElseThrow(() -> new NotFoundException("reservation", id));
        if (!h.visible()) {
            throw new NotFoundException("reservation", id);
        }
        return h;
    }

    @Override
    public Reservation commit(String reservationId, Instant now) {
        Header h = require(reservationId);
        switch (h.state()) {
            case "COMMITTED":
                return h.view();
            case ST_COMMITTING:
                break; // resume (a retry, a concurrent caller, or a crashed commit)
            case "HELD": {
                Cas c = cas(reservationId, "HELD", ST_COMMITTING, now, "0", GUARD_LIVE);
                if (c.guarded()) {
                    throw new IllegalStateTransitionException(reservationId, "HELD (expired)", "commit");
                }
                if (!c.ok()) {
                    return commit(reservationId, now); // state changed concurrently: evaluate again
                }
                hook.at("commit-header", reservationId, 0);
                break;
            }
            case ST_EXPIRING:
                finishExpire(h, now);
                throw new IllegalStateTransitionException(reservationId, "EXPIRED", "commit");
            default:
                throw new IllegalStateTransitionException(
                        reservationId, h.view().state().name(), "commit");
        }
        if (completeCommit(h, now)) {
            return h.view(ReservationState.COMMITTED, now);
        }
        Header cur = require(reservationId);
        if ("COMMITTED".equals(cur.state())) {
            return cur.view();
        }
        throw new IllegalStateTransitionException(
                reservationId, cur.view().state().name(), "commit");
    }

    /**
     * Drives a COMMITTING header to COMMITTED, committing every part (idempotent), or, when a part
     * was already expired lazily by a process whose clock passed the expiry, rolls the whole
     * reservation back to EXPIRED. Part states only move HELD → COMMITTED or HELD → EXPIRED while
     * the header is COMMITTING, so every caller finishing the same header reaches the same outcome.
     *
     * @return true if the reservation ended committed
     */
    private boolean completeCommit(Header h, Instant now) {
        int index = 0;
        for (String p : partKeys(h.id(), h.lines(), h.attempt())) {
            String r = applyPart(p, "commit", now);
            hook.at("commit-part", h.id(), index++);
            if (!"OK".equals(r) && !"NOOP".equals(r)) {
                rollBackCommit(h, now);
                return false;
            }
        }
        Cas c = cas(h.id(), ST_COMMITTING, "COMMITTED", now, "-", "");
        if (c.ok() || "COMMITTED".equals(c.state())) {
            return true;
        }
        // only a roll-back moves COMMITTING elsewhere, and it needs an expired part: finish it
        Header cur = require(h.id());
        if (ST_EXPIRING.equals(cur.state())) {
            finishExpire(cur, now);
        }
        return false;
    }

    /** COMMITTING → EXPIRING → every part expired (committed ones too) → EXPIRED. */
    private void rollBackCommit(Header h, Instant now) {
        Cas c = cas(h.id(), ST_COMMITTING + "," + ST_EXPIRING, ST_EXPIRING, now, "0", "");
        if (c.ok()) {
            finishExpire(h, now);
        }
    }

    /** Expires every part of an EXPIRING header (idempotent), then EXPIRING → EXPIRED. */
    private void finishExpire(Header h, Instant now) {
        int index = 0;
        for (String p : partKeys(h.id(), h.lines(), h.attempt())) {
            applyPart(p, "expire", now);
            hook.at("expire-part", h.id(), index++);
        }
        cas(h.id(), ST_EXPIRING, "EXPIRED", now, "-", "");
    }

    @Override
    public Reservation release(String reservationId, Instant now) {
        Header h = require(reservationId);
        switch (h.state()) {
            case "RELEASED", "EXPIRED":
                return h.view();
            case ST_EXPIRING:
                finishExpire(h, now);
                return require(reservationId).view();
            case "FULFILLED", ST_FULFILLING:
                throw new IllegalStateTransitionException(reservationId, "FULFILLED", "release");
            case ST_COMMITTING:
                completeCommit(h, now); // let the commit in flight decide first, then release its outcome
                return release(reservationId, now);
            default:
                break;
        }
        Cas c = cas(reservationId, "HELD,COMMITTED," + ST_RELEASING, ST_RELEASING, now, "0", "");
        if (!c.ok()) {
            return release(reservationId, now); // state changed concurrently: evaluate again
        }
        hook.at("release-header", reservationId, 0);
        finish(h, "release", ST_RELEASING, "RELEASED", now);
        return h.view(ReservationState.RELEASED, now);
    }

    @Override
    public Reservation fulfil(String reservationId, Instant now) {
        Header h = require(reservationId);
        switch (h.state()) {
            case "FULFILLED":
                return h.view();
            case "COMMITTED", ST_FULFILLING:
                break;
            case ST_EXPIRING:
                finishExpire(h, now);
                throw new IllegalStateTransitionException(reservationId, "EXPIRED", "fulfil");
            default:
                throw new IllegalStateTransitionException(
                        reservationId, h.view().state().name(), "fulfil");
        }
        Cas c = cas(reservationId, "COMMITTED," + ST_FULFILLING, ST_FULFILLING, now, "0", "");
        if (!c.ok()) {
            return fulfil(reservationId, now);
        }
        hook.at("fulfil-header", reservationId, 0);
        finish(h, "fulfil", ST_FULFILLING, "FULFILLED", now);
        return h.view(ReservationState.FULFILLED, now);
    }

    /** Applies op to every part, then moves the header from the intermediate to the final state. */
    private void finish(Header h, String op, String from, String to, Instant now) {
        int index = 0;
        for (String p : partKeys(h.id(), h.lines(), h.attempt())) {
            String r = applyPart(p, op, now);
            hook.at(op + "-part", h.id(), index++);
            if (r.startsWith("STATE:")) {
                throw new IllegalStateTransitionException(h.id(), r.substring(6), op);
            }
        }
        cas(h.id(), from, to, now, "-", "");
    }

    @Override
    public Optional<Reservation> expire(String reservationId, Instant now) {
        Optional<Header> found = header(reservationId);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Header h = found.get();
        switch (h.state()) {
            case "HELD" -> {
                Cas c = cas(reservationId, "HELD", ST_EXPIRING, now, "0", GUARD_DUE);
                if (c.guarded()) {
                    return Optional.empty(); // not due at this caller's clock
                }
                if (!c.ok()) {
                    return expire(reservationId, now); // claimed concurrently (commit, release): evaluate again
                }
                hook.at("expire-header", reservationId, 0);
                finishExpire(h, now);
                return Optional.of(h.view(ReservationState.EXPIRED, now));
            }
            case ST_EXPIRING -> {
                finishExpire(h, now); // decided earlier, unfinished (crash or in progress)
                return Optional.of(require(reservationId).view());
            }
            case ST_COMMITTING -> {
                // a commit decided before the expiry, unfinished: finish it forward (or roll it back
                // if a part was already expired lazily)
                return completeCommit(h, now)
                        ? Optional.empty()
                        : Optional.of(require(reservationId).view());
            }
            case ST_PENDING -> {
                if (!h.expiresAt().isAfter(now)) {
                    abort(h, now);
                }
            }
            case ST_ABORTING -> abort(h, now);
            case ST_RELEASING -> finish(h, "release", ST_RELEASING, "RELEASED", now);
            case ST_FULFILLING -> finish(h, "fulfil", ST_FULFILLING, "FULFILLED", now);
            default -> {
                // terminal or committed: nothing to do
            }
        }
        return Optional.empty();
    }

    @Override
    public List<String> dueReservations(Instant now, int limit) {
        record Due(String id, double score) {}
        List<Due> all = new ArrayList<>();
        for (int b = 0; b < keys.buckets(); b++) {
            List<String> r = redis.evalList(
                    Redis.Script.DUE,
                    List.of(keys.headerDue(b)),
                    List.of(Codec.millis(now), Codec.time(now), Integer.toString(limit), keys.headerPrefix(b)));
            for (int i = 0; i + 1 < r.size(); i += 2) {
                all.add(new Due(r.get(i), Double.parseDouble(r.get(i + 1))));
            }
        }
        all.sort(Comparator.comparingDouble(Due::score).thenComparing(Due::id));
        return all.stream().limit(limit).map(Due::id).toList();
    }
}
