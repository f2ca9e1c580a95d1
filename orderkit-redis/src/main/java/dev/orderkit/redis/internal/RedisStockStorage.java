package dev.orderkit.redis.internal;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.InvalidRequestException;
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
import dev.orderkit.core.spi.ExtendResult;
import dev.orderkit.core.spi.LevelAudit;
import dev.orderkit.core.spi.PositionedMovement;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveCommand;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockEvents;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import dev.orderkit.redis.internal.LuaLifecycle.PartOp;
import java.nio.charset.StandardCharsets;
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
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * {@link StockStorage} on Redis. A reservation is a header (in its id bucket's slot) plus one
 * <em>part</em> per hash slot of its lines (in that slot, next to the levels). Every step is one Lua
 * script. On a standalone server a reservation has one part, kept in its header hash (a
 * <em>merged</em> record, part state in field {@code ps}), {@code reserve} is a single script of six
 * commands for one line whose reply carries the new levels, and a transition is its header claim plus
 * one script for the part and the final header state; on a cluster a multi-slot reservation is a saga (pre-check, header PENDING, per-part
 * holds, header HELD, or compensation) whose unfinished states are indexed so a retry or the
 * sweeper ({@code transition(id, EXPIRE, now)}) finishes or undoes them. Lifecycle decisions come
 * from core's {@link ReservationTransition} only: on the header as read in Java, and in the
 * scripts through the table {@link LuaLifecycle} generates from it; header states are
 * {@link HeaderState}. Every script that applies a change appends the change's event
 * ({@code StockEvents}) to an outbox stream in the same call, only where it applies it
 * ({@link RedisOutboxStore}): a reservation's events where its header becomes visible or changes.
 * No method loops or recurses to retry: a lost race is a {@code Conflict}
 * result. See the module README. Thread-safe.
 */
public final class RedisStockStorage implements StockStorage {
    private static final String GUARD_DUE = "due";
    private static final String GUARD_LIVE = "live";
    /** Header guard of a merged record's fulfil: every level has the on-hand its lines ship. */
    private static final String GUARD_COVER = "cover";
    /** Reply prefix of a fulfil refused because a level is short (see {@code cover} in lib.lua). */
    private static final String SHORT = "SHORT:";
    /** The field of a standalone reservation's header hash holding its (single, merged) part's state. */
    private static final String PART_STATE = "ps";

    /** The value the STOCK_ADJUSTED event carries in place of the on-hand the script splices in. */
    private static final String ON_HAND_MARK = "\"onHand\":\"" + Long.MIN_VALUE + "\"";

    private final Redis redis;
    private final Keys keys;
    private final SagaHook hook;
    private final RedisOutboxStore outbox;

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
        this(redis, keys, hook, new RedisOutboxStore(redis, keys));
    }

    /**
     * Creates the storage recording its events in {@code outbox}.
     *
     * @param redis script runner
     * @param keys key layout
     * @param hook called between saga steps
     * @param outbox the outbox of the same prefix (its stream registry)
     */
    public RedisStockStorage(Redis redis, Keys keys, SagaHook hook, RedisOutboxStore outbox) {
        this.redis = redis;
        this.keys = keys;
        this.hook = hook;
        this.outbox = outbox;
    }

    /**
     * The outbox this storage records its events in.
     *
     * @return the outbox store
     */
    public RedisOutboxStore outbox() {
        return outbox;
    }

    /**
     * True: every script that applies a stock change appends the change's event to an outbox
     * stream in the same script call ({@link RedisOutboxStore}).
     *
     * @return true
     */
    @Override
    public boolean recordsEvents() {
        return true;
    }

    // ---------------------------------------------------------------- levels

    @Override
    public List<StockLevel> levels(String sku) {
        // one script: the location set and every level of the SKU (one slot), instead of N + 1 calls
        List<String> r =
                redis.evalList(Redis.Script.LEVELS, List.of(keys.locations(sku)), List.of(keys.levelPrefix(sku)));
        List<StockLevel> out = new ArrayList<>(r.size() / 9);
        for (int i = 0; i + 8 < r.size(); i += 9) {
            if (r.get(i + 2) == null || r.get(i + 3) == null || r.get(i + 4) == null) {
                throw new BackendUnavailableException(
                        "corrupt record: a field of level " + sku + "@" + r.get(i) + " is missing", null);
            }
            out.add(new StockLevel(
                    StockKey.of(sku, r.get(i)),
                    Long.parseLong(r.get(i + 1)),
                    Long.parseLong(r.get(i + 2)),
                    Long.parseLong(r.get(i + 5)),
                    Long.parseLong(r.get(i + 3)),
                    Codec.time(r.get(i + 4)),
                    policy(blankToNull(r.get(i + 6)), blankToNull(r.get(i + 7)), blankToNull(r.get(i + 8)))));
        }
        if (out.size() > 1) {
            out.sort(Comparator.comparing(l -> l.key().location()));
        }
        return out;
    }

    @Override
    public Optional<StockLevel> level(StockKey key) {
        List<String> h =
                redis.call(() -> redis.client().hmget(keys.level(key), "oh", "rs", "v", "ts", "cm", "pk", "pl", "pu"));
        if (h.get(0) == null) {
            return Optional.empty();
        }
        for (String f : h.subList(0, 4)) {
            if (f == null) {
                throw new BackendUnavailableException("corrupt record: a field of level " + key + " is missing", null);
            }
        }
        return Optional.of(new StockLevel(
                key,
                Long.parseLong(h.get(0)),
                Long.parseLong(h.get(1)),
                committed(h.get(4)),
                Long.parseLong(h.get(2)),
                Codec.time(h.get(3)),
                policy(h.get(5), h.get(6), h.get(7))));
    }

    /** A level's committed units; a level written before they were tracked has no field: 0. */
    private static long committed(@Nullable String field) {
        return field == null ? 0 : Long.parseLong(field);
    }

    private static StockLevel toLevel(StockKey key, Map<String, String> h) {
        return new StockLevel(
                key,
                Long.parseLong(Codec.field(h, "oh")),
                Long.parseLong(Codec.field(h, "rs")),
                committed(h.get("cm")),
                Long.parseLong(Codec.field(h, "v")),
                Codec.time(Codec.field(h, "ts")),
                policy(h.get("pk"), h.get("pl"), h.get("pu")));
    }

    private StockLevel levelReply(StockKey key, List<String> r) {
        return new StockLevel(
                key,
                Long.parseLong(r.get(1)),
                Long.parseLong(r.get(2)),
                committed(r.size() > 5 ? r.get(5) : null),
                Long.parseLong(r.get(3)),
                Codec.time(r.get(4)));
    }

    private List<String> levelKeys(StockKey key) {
        return List.of(
                keys.level(key),
                keys.movements(key),
                keys.locations(key.sku()),
                keys.writes(key),
                outbox.levelStream(key.sku(), StockEvents.subjectOf(key)));
    }

    /**
     * ARGV 8 and 9 of level.lua for an adjust / setOnHand: the STOCK_ADJUSTED event's JSON before and
     * after its on-hand value, which only the script knows.
     */
    private static List<String> adjustedEvent(StockKey key, boolean set, String reference, Instant now) {
        String json = RedisOutboxStore.json(StockEvents.adjusted(key, set, Long.MIN_VALUE, reference, now));
        int at = json.indexOf(ON_HAND_MARK);
        if (at < 0) {
            throw new IllegalStateException("STOCK_ADJUSTED without an onHand attribute: " + json);
        }
        int value =
                at + ON_HAND_MARK.length() - 1 - Long.toString(Long.MIN_VALUE).length();
        return List.of(json.substring(0, value), json.substring(at + ON_HAND_MARK.length() - 1));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a.size() + b.size());
        out.addAll(a);
        out.addAll(b);
        return out;
    }

    @Override
    public StockLevel adjust(StockKey key, long delta, String reference, Instant now) {
        List<String> r = redis.evalList(
                Redis.Script.LEVEL,
                levelKeys(key),
                concat(
                        List.of(
                                "adjust",
                                Long.toString(delta),
                                "",
                                reference,
                                Codec.time(now),
                                key.sku(),
                                key.location()),
                        adjustedEvent(key, false, reference, now)));
        return switch (r.get(0)) {
            case "OK" -> levelReply(key, r);
            case "NOTFOUND" -> throw new NotFoundException("stock level", key.sku() + "@" + key.location());
            case "SHORT" ->
                throw new InsufficientStockException(
                        List.of(new Shortfall(key.sku(), key.location(), -delta, Long.parseLong(r.get(1)))));
            case "REUSED" -> throw reused(key, reference, r);
            default -> throw unexpected("level.lua", r);
        };
    }

    @Override
    public StockLevel setOnHand(StockKey key, long onHand, long expectedVersion, String reference, Instant now) {
        List<String> r = redis.evalList(
                Redis.Script.LEVEL,
                levelKeys(key),
                concat(
                        List.of(
                                "set",
                                Long.toString(onHand),
                                Long.toString(expectedVersion),
                                reference,
                                Codec.time(now),
                                key.sku(),
                                key.location()),
                        adjustedEvent(key, true, reference, now)));
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
            default -> throw unexpected("level.lua", r);
        };
    }

    /** A reply this code never produces: a protocol surprise, never an untyped exception. */
    private static BackendUnavailableException unexpected(String script, Object reply) {
        return new BackendUnavailableException("unexpected reply from " + script + ": " + reply, null);
    }

    /** Maps {@code {'REUSED', kind, amount, expectedVersion}} of level.lua. */
    private static ReferenceReuseException reused(StockKey key, String reference, List<String> r) {
        if ("P".equals(r.get(1))) {
            String[] lu = r.get(3).split(",", -1);
            return new ReferenceReuseException(
                    key, reference, StockStorage.describePolicy(policy(r.get(2), lu[0], lu.length > 1 ? lu[1] : null)));
        }
        boolean set = "S".equals(r.get(1));
        return new ReferenceReuseException(
                key,
                reference,
                StockStorage.describeWrite(set, Long.parseLong(r.get(2)), set ? Long.parseLong(r.get(3)) : 0));
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** A policy from the level hash fields pk, pl, pu (absent: none). */
    private static StockPolicy policy(@Nullable String kind, @Nullable String limit, @Nullable String until) {
        if (kind == null || limit == null) {
            return StockPolicy.none();
        }
        return switch (StockPolicy.Kind.valueOf(kind)) {
            case NONE -> StockPolicy.none();
            case BACKORDER -> StockPolicy.backorder(Long.parseLong(limit));
            case PREORDER ->
                StockPolicy.preorder(Long.parseLong(limit), Codec.time(Objects.requireNonNull(until, "until")));
        };
    }

    @Override
    public StockLevel setPolicy(StockKey key, StockPolicy policy, String reference, Instant now) {
        Instant until = policy.until();
        String limitUntil = policy.limit() + "," + (until == null ? "" : Codec.time(until));
        List<String> r = redis.evalList(
                Redis.Script.LEVEL,
                levelKeys(key),
                List.of(
                        "policy",
                        policy.kind().name(),
                        limitUntil,
                        reference,
                        Codec.time(now),
                        key.sku(),
                        key.location()));
        return switch (r.get(0)) {
            case "OK" -> {
                StockLevel l = levelReply(key, r);
                yield new StockLevel(key, l.onHand(), l.reserved(), l.committed(), l.version(), l.updatedAt(), policy);
            }
            case "REUSED" -> throw reused(key, reference, r);
            default -> throw unexpected("level.lua", r);
        };
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

    private static Movement movement(StockKey key, String m) {
        String[] f = m.split("\\|", 5);
        return new Movement(
                key, Long.parseLong(f[0]), Long.parseLong(f[1]), MovementReason.valueOf(f[2]), f[4], Codec.time(f[3]));
    }

    /**
     * One movements_page.lua call: positions are kept in the level's positions hash
     * ({@link Keys#movementPositions}) so that compaction (which trims the list's head) never moves
     * them.
     */
    @Override
    public List<PositionedMovement> movements(StockKey key, long afterPosition, int limit) {
        List<String> r = redis.evalList(
                Redis.Script.MOVEMENTS_PAGE,
                List.of(keys.movements(key), keys.movementPositions(key)),
                List.of(Long.toString(afterPosition), Integer.toString(limit)));
        List<PositionedMovement> out = new ArrayList<>(r.size() / 2);
        for (int i = 0; i + 1 < r.size(); i += 2) {
            out.add(new PositionedMovement(Long.parseLong(r.get(i)), movement(key, r.get(i + 1))));
        }
        return out;
    }

    /**
     * One audit_level.lua call per level (its level hash, movement list and its SKU's set of active
     * holds: one slot, {@code {s:SKU}}), never a SCAN: atomic per level, each call as long as the
     * level's movements and its SKU's active holds take to read.
     */
    @Override
    public List<LevelAudit> audit(List<StockKey> auditKeys) {
        List<LevelAudit> out = new ArrayList<>(auditKeys.size());
        for (StockKey key : auditKeys) {
            List<String> r = redis.evalList(
                    Redis.Script.AUDIT_LEVEL,
                    List.of(keys.level(key), keys.movements(key), keys.skuActive(key.sku())),
                    List.of());
            if (r.isEmpty()) {
                continue;
            }
            if (r.size() != 7) {
                throw unexpected("audit_level.lua", r);
            }
            out.add(new LevelAudit(
                    new StockLevel(
                            key,
                            Long.parseLong(r.get(0)),
                            Long.parseLong(r.get(1)),
                            Long.parseLong(r.get(2)),
                            Codec.time(r.get(3))),
                    Long.parseLong(r.get(4)),
                    Long.parseLong(r.get(5)),
                    Long.parseLong(r.get(6))));
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
            HeaderState state,
            List<AllocatedLine> lines,
            Instant expiresAt,
            Instant createdAt,
            Instant updatedAt,
            long attempt,
            boolean merged) {
        static Header of(Map<String, String> h) {
            try {
                return new Header(
                        Codec.field(h, "id"),
                        HeaderState.parse(Codec.field(h, "st")),
                        decodeLines(Codec.field(h, "lines")),
                        Codec.time(Codec.field(h, "exp")),
                        Codec.time(Codec.field(h, "cr")),
                        Codec.time(Codec.field(h, "up")),
                        Long.parseLong(Codec.field(h, "att")),
                        h.containsKey(PART_STATE));
            } catch (RuntimeException e) {
                throw e instanceof BackendUnavailableException b ? b : unexpected("a reservation header", h);
            }
        }

        boolean visible() {
            return state.visible();
        }

        /** How the reservation reads: intermediate states as their view (COMMITTING undecided: HELD). */
        Reservation view() {
            // only visible headers are read as reservations (callers check visible() first)
            ReservationState view = Objects.requireNonNull(state.view(), () -> "invisible header state " + state);
            return new Reservation(id, view, lines, expiresAt, createdAt, updatedAt);
        }

        Reservation view(ReservationState s, Instant at) {
            return new Reservation(id, s, lines, expiresAt, createdAt, at);
        }

        /** This header after a compare-and-set to {@code s} at {@code at}. */
        Header in(HeaderState s, Instant at) {
            return new Header(id, s, lines, expiresAt, createdAt, at, attempt, merged);
        }
    }

    private Optional<Header> header(String id) {
        Map<String, String> h = redis.call(() -> redis.client().hgetAll(keys.header(id)));
        return h.isEmpty() ? Optional.empty() : Optional.of(Header.of(h));
    }

    /** Header, due index, done index and outbox stream of the reservation's bucket (all one slot). */
    private List<String> headerKeys(String id) {
        int b = keys.bucket(id);
        return List.of(keys.header(id), keys.headerDue(b), keys.headerDone(b), outbox.reservationStream(id));
    }

    /**
     * The event (JSON) of a header reaching {@code to}: {@code STOCK_RESERVED} of a hold becoming
     * visible (HELD), the transition's event of a final state; {@code ""} for any other state.
     */
    private static String eventOf(Header h, HeaderState to, Instant now) {
        return switch (to) {
            case HELD ->
                RedisOutboxStore.json(StockEvents.reserved(h.id(), h.lines().size(), now));
            case COMMITTED -> transitioned(h.id(), ReservationTransition.COMMIT, now);
            case RELEASED -> transitioned(h.id(), ReservationTransition.RELEASE, now);
            case FULFILLED -> transitioned(h.id(), ReservationTransition.FULFIL, now);
            case EXPIRED -> transitioned(h.id(), ReservationTransition.EXPIRE, now);
            default -> "";
        };
    }

    private static String transitioned(String id, ReservationTransition t, Instant now) {
        return RedisOutboxStore.json(StockEvents.transitioned(id, t, now));
    }

    /**
     * Result of a header compare-and-set: applied, or not (another state found, null when the
     * header is gone, or the same state with the time guard failing).
     */
    private record Cas(
            boolean ok,
            @Nullable HeaderState found,
            @Nullable String shortReply) {
        Cas(boolean ok, @Nullable HeaderState found) {
            this(ok, found, null);
        }
    }

    private Cas cas(Header h, HeaderState from, HeaderState to, Instant now, String guard) {
        return cas(h, EnumSet.of(from), to, now, guard);
    }

    /**
     * Compare-and-set of the header state, (re)indexing it in its bucket's due index as
     * {@link HeaderState#due()} says for {@code to}.
     *
     * @param guard {@code ""}, {@link #GUARD_DUE} (only if {@code exp <= now}) or {@link #GUARD_LIVE}
     *     (only if {@code exp > now}), checked in the same script
     */
    private Cas cas(Header h, Set<HeaderState> from, HeaderState to, Instant now, String guard) {
        String index = indexScore(h, to);
        String fromList = String.join(",", from.stream().map(Enum::name).toList());
        List<String> r = redis.evalList(
                Redis.Script.HEADER,
                headerKeys(h.id()),
                List.of("cas", fromList, to.name(), Codec.time(now), index, guard, eventOf(h, to, now)));
        String answer = r.get(0);
        if (answer.startsWith(SHORT)) {
            return new Cas(false, h.state(), answer);
        }
        return switch (answer) {
            case "OK" -> new Cas(true, to);
            case "GUARD", "STATE" -> new Cas(false, r.get(1).isEmpty() ? null : HeaderState.parse(r.get(1)));
            default -> throw unexpected("header.lua cas", r);
        };
    }

    /** The due-index score of a header moving to {@code to}; {@code "-"}: not indexed. */
    private static String indexScore(Header h, HeaderState to) {
        return switch (to.due()) {
            case NOW -> "0";
            case AT_EXPIRY -> Codec.millis(h.expiresAt());
            case NEVER -> "-";
        };
    }

    /**
     * A merged (standalone) record: applies the part operation and moves the header from its
     * decided state to {@code to} in one script. Answers the part's result ({@code OK}, {@code NOOP}:
     * header moved), or {@code STATE:..} / {@code MISSING} / {@code HEADER:..} (nothing written).
     */
    private String finishLocal(Header h, PartOp op, HeaderState to, Instant now) {
        String r = redis.evalList(
                        Redis.Script.FINISH_LOCAL,
                        headerKeys(h.id()),
                        List.of(
                                op.lua(),
                                Codec.time(now),
                                h.state().name(),
                                to.name(),
                                indexScore(h, to),
                                h.id(),
                                eventOf(h, to, now)))
                .get(0);
        if (r.equals("OK")
                || r.equals("NOOP")
                || r.equals("MISSING")
                || r.startsWith("STATE:")
                || r.startsWith("HEADER:")
                || r.startsWith(SHORT)) {
            return r;
        }
        throw unexpected("finish_local.lua", r);
    }

    private String applyPart(String partKey, PartOp op, Instant now) {
        String r = redis.evalList(Redis.Script.PART_APPLY, List.of(partKey), List.of(op.lua(), Codec.time(now)))
                .get(0);
        if (r.equals("OK")
                || r.equals("NOOP")
                || r.equals("MISSING")
                || r.startsWith("STATE:")
                || r.startsWith(SHORT)) {
            return r;
        }
        throw unexpected("part_apply.lua", r);
    }

    /**
     * The part keys of a header: a standalone reservation's single part lives in its header hash
     * (field {@value #PART_STATE} is its state), a cluster reservation has one part key per slot.
     */
    private List<String> partKeys(Header h) {
        return h.merged() ? List.of(keys.header(h.id())) : partKeys(h.id(), h.lines(), h.attempt());
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
        if ("OK".equals(r.get(0))) {
            return null;
        }
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
        throw unexpected("part_hold.lua", r);
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

    /**
     * Standalone: the whole reservation in one script (header hash holding its single part; see
     * {@code reserve_one} in lib.lua), whose reply carries the new levels of the touched keys.
     */
    private ReserveResult reserveLocal(
            String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
        List<String> r = redis.evalList(
                Redis.Script.RESERVE_LOCAL,
                localKeys(reservationId, lines),
                localArgs(reservationId, lines, expiresAt, now));
        return localReply(reservationId, lines, expiresAt, now, r, "reserve_local.lua");
    }

    /**
     * KEYS of {@code reserve_one} for one reservation: header, its due index, its bucket's outbox
     * stream, then level, movements and the SKU's due set per line.
     */
    private List<String> localKeys(String reservationId, List<AllocatedLine> lines) {
        List<String> k = new ArrayList<>(3 + 3 * lines.size());
        k.add(keys.header(reservationId));
        k.add(keys.headerDue(keys.bucket(reservationId)));
        k.add(outbox.reservationStream(reservationId));
        for (AllocatedLine l : lines) {
            k.add(keys.level(l.key()));
            k.add(keys.movements(l.key()));
            k.add(keys.skuDue(l.key().sku()));
        }
        return k;
    }

    /** ARGV of {@code reserve_one} for one reservation (see reserve_local.lua). */
    private List<String> localArgs(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
        List<String> a = new ArrayList<>(7 + lines.size());
        a.add(reservationId);
        a.add(Codec.time(now));
        a.add(Codec.time(expiresAt));
        a.add(Codec.millis(expiresAt));
        a.add(Codec.millis(now));
        a.add(encodeLines(lines));
        a.add(RedisOutboxStore.json(StockEvents.reserved(reservationId, lines.size(), now)));
        for (AllocatedLine l : lines) {
            a.add(Long.toString(l.quantity()));
        }
        return a;
    }

    /** The result of one {@code reserve_one} reply; its levels go with a {@code Reserved}. */
    private ReserveResult localReply(
            String reservationId,
            List<AllocatedLine> lines,
            Instant expiresAt,
            Instant now,
            List<String> r,
            String script) {
        if ("OK".equals(r.get(0))) {
            List<StockLevel> levels = new ArrayList<>(lines.size());
            addLevels(levels, r, lines, now);
            return new ReserveResult.Reserved(
                    new Reservation(reservationId, ReservationState.HELD, lines, expiresAt, now, now), levels);
        }
        if ("EXISTS".equals(r.get(0))) {
            return existing(reservationId, lines, expiresAt, now, r);
        }
        ReserveResult failed = failure(r, lines);
        if (failed == null) {
            throw new BackendUnavailableException("unexpected reply of " + script + ": " + r, null);
        }
        return failed;
    }

    /**
     * Adds the levels of an {@code {'OK', oh, rs, v, cm per line}} reply (a key on several lines once;
     * {@code updatedAt} is the script's {@code now}). A reply without levels adds nothing.
     */
    private static void addLevels(List<StockLevel> out, List<String> r, List<AllocatedLine> group, Instant now) {
        if (r.size() != 1 + 4 * group.size()) {
            return;
        }
        for (int i = 0; i < group.size(); i++) {
            StockKey key = group.get(i).key();
            if (contains(out, key)) {
                continue;
            }
            out.add(new StockLevel(
                    key,
                    Long.parseLong(r.get(1 + 4 * i)),
                    Long.parseLong(r.get(2 + 4 * i)),
                    Long.parseLong(r.get(4 + 4 * i)),
                    Long.parseLong(r.get(3 + 4 * i)),
                    now));
        }
    }

    private static boolean contains(List<StockLevel> levels, StockKey key) {
        for (StockLevel l : levels) {
            if (l.key().equals(key)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public ReserveResult reserve(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
        if (lines.isEmpty()) {
            throw new InvalidRequestException("lines", lines, "must not be empty");
        }
        if (!redis.cluster()) {
            return reserveLocal(reservationId, lines, expiresAt, now);
        }
        List<List<AllocatedLine>> groups = partition(lines);
        String anchors =
                String.join("\n", groups.stream().map(g -> g.get(0).key().sku()).toList());
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
        if (!"NEW".equals(r.get(0))) {
            throw unexpected("header.lua begin", r);
        }
        return runHolds(
                new Header(
                        reservationId,
                        HeaderState.PENDING,
                        lines,
                        expiresAt,
                        now,
                        now,
                        Long.parseLong(r.get(1)),
                        false),
                now);
    }

    /** The largest batch one {@code reserve_batch.lua} call applies. */
    static final int MAX_BATCH = 64;

    /**
     * The hot-SKU combiner's batch. On a standalone server: ONE script call applies the members in
     * order, each exactly as the single reserve script would (reserve_batch.lua calls lib.lua's
     * {@code reserve_one} once per member, as reserve_local.lua calls it once), each with its own
     * reply; Redis runs a script atomically, so nothing interleaves and every member sees the levels
     * earlier ones left. On a cluster a reservation's header and its part live in different slots,
     * so no script can hold both for several members: the members are applied one by one
     * ({@link #reserveBatchLimit()} is 1 there, so core does not combine by default).
     */
    @Override
    public List<ReserveResult> reserveAll(List<ReserveCommand> batch) {
        if (redis.cluster() || batch.size() < 2) {
            return StockStorage.super.reserveAll(batch);
        }
        for (ReserveCommand c : batch) {
            if (c.lines().isEmpty()) {
                throw new InvalidRequestException("lines", c.lines(), "must not be empty");
            }
        }
        List<ReserveResult> out = new ArrayList<>(batch.size());
        for (int from = 0; from < batch.size(); from += MAX_BATCH) {
            List<ReserveCommand> part = batch.subList(from, Math.min(batch.size(), from + MAX_BATCH));
            List<String> k = new ArrayList<>();
            List<String> a = new ArrayList<>();
            a.add(Integer.toString(part.size()));
            for (ReserveCommand c : part) {
                List<String> mk = localKeys(c.reservationId(), c.lines());
                List<String> ma = localArgs(c.reservationId(), c.lines(), c.expiresAt(), c.now());
                k.addAll(mk);
                a.add(Integer.toString(mk.size()));
                a.add(Integer.toString(ma.size()));
                a.addAll(ma);
            }
            List<List<String>> replies = nested(redis.eval(Redis.Script.RESERVE_BATCH, k, a));
            if (replies.size() != part.size()) {
                throw unexpected("reserve_batch.lua", replies);
            }
            for (int j = 0; j < replies.size(); j++) {
                ReserveCommand c = part.get(j);
                out.add(localReply(
                        c.reservationId(), c.lines(), c.expiresAt(), c.now(), replies.get(j), "reserve_batch.lua"));
            }
        }
        return out;
    }

    @Override
    public int reserveBatchLimit() {
        return redis.cluster() ? 1 : MAX_BATCH;
    }

    @Override
    public boolean reserveAllSpansKeys() {
        return !redis.cluster();
    }

    /** A script reply that is an array of arrays of strings. */
    private static List<List<String>> nested(Object reply) {
        if (!(reply instanceof List<?> outer)) {
            throw unexpected("reserve_batch.lua", reply);
        }
        List<List<String>> out = new ArrayList<>(outer.size());
        for (Object o : outer) {
            if (!(o instanceof List<?> inner) || inner.isEmpty()) {
                throw unexpected("reserve_batch.lua", reply);
            }
            List<String> strings = new ArrayList<>(inner.size());
            for (Object x : inner) {
                strings.add(
                        x == null
                                ? null
                                : x instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : x.toString());
            }
            out.add(strings);
        }
        return out;
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
        if (h.isEmpty() || h.get().state() == HeaderState.ABORTED) {
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
        if (h.state() == HeaderState.PENDING) {
            return runHolds(h, now); // resume a saga left unfinished (crash, lost reply or concurrent caller)
        }
        if (h.state() == HeaderState.ABORTING) {
            abort(h, now); // finish a compensation left unfinished; the next call starts a new attempt
            return new ReserveResult.Conflict("an earlier attempt of " + id + " was being rolled back");
        }
        if (!h.visible()) {
            return new ReserveResult.Conflict("an earlier attempt of " + id + " is being rolled back");
        }
        return new ReserveResult.AlreadyExists(h.view());
    }

    /** Runs (or resumes) the per-part holds of a PENDING header, then finalizes or compensates. */
    private ReserveResult runHolds(Header h, Instant now) {
        ReserveResult failed = null;
        List<StockLevel> levels = new ArrayList<>(h.lines().size());
        hook.at("before-holds", h.id(), 0);
        int index = 0;
        for (List<AllocatedLine> g : partition(h.lines())) {
            List<String> r = redis.evalList(
                    Redis.Script.PART_HOLD,
                    holdKeys(partKey(g, h.id(), h.attempt()), g),
                    holdArgs(h.id(), g, h.expiresAt(), now, false, h.attempt()));
            if ("EXISTS".equals(r.get(0))) {
                if (ReservationState.HELD.name().equals(r.get(1))
                        || ReservationState.COMMITTED.name().equals(r.get(1))) {
                    index++;
                    continue; // held by an earlier run of this attempt
                }
                abort(h, now);
                return new ReserveResult.Conflict("reservation " + h.id() + " was rolled back concurrently");
            }
            failed = failure(r, g);
            if (failed != null) {
                break;
            }
            addLevels(levels, r, g, now);
            hook.at("part-held", h.id(), index++);
        }
        if (failed != null) {
            abort(h, now);
            return failed;
        }
        if (cas(h, HeaderState.PENDING, HeaderState.HELD, now, "").ok()) {
            return new ReserveResult.Reserved(h.view(ReservationState.HELD, now), levels);
        }
        Optional<Header> current = header(h.id());
        if (current.isPresent() && current.get().visible()) {
            return new ReserveResult.AlreadyExists(current.get().view());
        }
        return new ReserveResult.Conflict("reservation " + h.id() + " was rolled back concurrently");
    }

    /** Compensation: PENDING/ABORTING → ABORTED, undoing (or tombstoning) every part. */
    private void abort(Header h, Instant now) {
        if (!cas(h, EnumSet.of(HeaderState.PENDING, HeaderState.ABORTING), HeaderState.ABORTING, now, "")
                .ok()) {
            return;
        }
        hook.at("abort-header", h.id(), 0);
        for (String p : partKeys(h)) {
            applyPart(p, PartOp.UNDO, now);
        }
        cas(h, HeaderState.ABORTING, HeaderState.ABORTED, now, "");
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
            if (h.state() == HeaderState.HELD && anyPartExpired(h)) {
                transition(h.id(), ReservationTransition.EXPIRE, h.expiresAt()); // whatever it answers
                return header(h.id()).orElse(h);
            }
            if (h.state() == HeaderState.COMMITTING) {
                return anyPartExpired(h) ? rollBackCommit(h, h.expiresAt()) : h;
            }
            return finish(h, h.updatedAt()); // EXPIRING, RELEASING, FULFILLING; any other state as it is
        } catch (InconsistentReservation e) {
            return h; // a part this code never wrote so: show the header as it is
        } catch (StillShort e) {
            return waiting(h); // a decided fulfil waiting for a restock: reads COMMITTED
        }
    }

    private boolean anyPartExpired(Header h) {
        String field = h.merged() ? PART_STATE : "st";
        for (String p : partKeys(h)) {
            String st = redis.call(() -> redis.client().hget(p, field));
            if (ReservationState.EXPIRED.name().equals(st)) {
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
    // ReservationTransition decides, on the header as read: this class keeps no lifecycle rules. A
    // transition that applies first claims the header with one compare-and-set from the state it
    // read into the transition's intermediate state (COMMITTING / EXPIRING / RELEASING /
    // FULFILLING), guarded in the same script by the due-ness the decision assumed, so of two racing
    // transitions exactly one wins; the loser gets Conflict and core calls again. Only the winner
    // (or whoever meets its decided state after a crash) touches the parts, with the part
    // operations of LuaLifecycle, whose rows also come from ReservationTransition. Intermediate
    // states are indexed as due now, so the sweeper finishes them if the process dies half-way.

    /** A part whose state its decided header does not allow: data this code never writes. */
    private static final class InconsistentReservation extends BackendUnavailableException {
        private static final long serialVersionUID = 1L;

        InconsistentReservation(String id, String part, String reply) {
            super("reservation " + id + ": part " + part + " answered " + reply + " (inconsistent data)", null);
        }
    }

    /**
     * A decided fulfil (FULFILLING) met a level with fewer on-hand units than its part ships: the
     * part wrote nothing. Only possible when on-hand dropped between the decision and the part
     * (the decision is guarded: {@link #GUARD_COVER} on a standalone record, a read of the levels
     * on a cluster one). Parts only move forward, so the header stays FULFILLING and a later
     * fulfil (or the sweeper), once restocks cover it, finishes it; until then the reservation
     * reads COMMITTED and a fulfil answers {@code Uncovered}.
     */
    private static final class StillShort extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Header header;
        private final String reply;

        StillShort(Header header, String reply) {
            super("reservation " + header.id() + ": " + reply, null, false, false);
            this.header = header;
            this.reply = reply;
        }
    }

    /**
     * How a decided fulfil that waits for a restock reads: COMMITTED (a FULFILLING header otherwise
     * reads as its target, FULFILLED, because a decided state always finishes).
     */
    private static Header waiting(Header h) {
        return h.in(HeaderState.COMMITTED, h.updatedAt());
    }

    /** The on-hand of each level a {@code SHORT:} reply lists (level key to units). */
    private static Map<String, Long> shortReply(String reply) {
        Map<String, Long> out = new HashMap<>();
        for (String row : reply.substring(SHORT.length()).split("\n")) {
            int tab = row.lastIndexOf('\t');
            if (tab > 0) {
                out.put(row.substring(0, tab), Long.parseLong(row.substring(tab + 1)));
            }
        }
        return out;
    }

    /** {@code Uncovered} from the on-hand units of levels (keyed by level key) read atomically with a refusal. */
    private TransitionResult uncovered(Reservation current, Map<String, Long> onHand, Object reply) {
        List<Shortfall> shortfalls = ReservationTransition.FULFIL.shortfalls(
                current, key -> onHand.getOrDefault(keys.level(key), Long.MAX_VALUE));
        if (shortfalls.isEmpty()) {
            throw unexpected("a fulfil refused as short", reply);
        }
        return new TransitionResult.Uncovered(current, shortfalls);
    }

    private TransitionResult.@Nullable Uncovered uncoveredOrNull(Reservation current, Map<String, Long> onHand) {
        List<Shortfall> shortfalls = ReservationTransition.FULFIL.shortfalls(
                current, key -> onHand.getOrDefault(keys.level(key), Long.MAX_VALUE));
        return shortfalls.isEmpty() ? null : new TransitionResult.Uncovered(current, shortfalls);
    }

    /** A fulfil decided on a cluster record: the levels read now (outside the parts' scripts; the parts check again). */
    private Map<String, Long> onHand(List<AllocatedLine> lines) {
        Map<String, Long> out = new HashMap<>();
        for (AllocatedLine l : lines) {
            String k = keys.level(l.key());
            if (!out.containsKey(k)) {
                String oh = redis.call(() -> redis.client().hget(k, "oh"));
                out.put(k, oh == null ? 0L : Long.parseLong(oh));
            }
        }
        return out;
    }

    @Override
    public TransitionResult transition(String reservationId, ReservationTransition transition, Instant now) {
        Optional<Header> found = header(reservationId);
        if (found.isEmpty()) {
            return new TransitionResult.NotFound(reservationId);
        }
        Header h = found.get();
        if (!h.visible()) {
            if (transition == ReservationTransition.EXPIRE) {
                sweepSaga(h, now);
            }
            return new TransitionResult.NotFound(reservationId);
        }
        if (h.state().intermediate()) {
            Header settled;
            try {
                settled = finish(h, now); // decided earlier, unfinished (a crash, or still in progress)
            } catch (StillShort e) { // a decided fulfil waiting for a restock
                Reservation waiting = waiting(h).view();
                return transition == ReservationTransition.FULFIL
                        ? uncovered(waiting, shortReply(e.reply), e.reply)
                        : new TransitionResult.Refused(waiting, transition, "FULFILLING (awaiting stock)");
            }
            if (h.state().finishing() == transition && settled.state().view() == transition.target()) {
                return new TransitionResult.Applied(settled.view()); // this call completed a change of its kind
            }
            if (settled.state().intermediate()) {
                return new TransitionResult.Conflict(reservationId, "another transition is finishing");
            }
            h = settled;
        }
        Reservation current = h.view();
        ReservationTransition.Rule rule = transition.rule(current, now);
        if (!rule.applies()) {
            return rule.outcome(current, now);
        }
        boolean ships = transition.onHandSign() < 0;
        if (ships && !h.merged()) { // a cluster record: its levels live in other slots than its header
            TransitionResult.Uncovered shortNow = uncoveredOrNull(current, onHand(current.lines()));
            if (shortNow != null) {
                return shortNow;
            }
        }
        HeaderState claim = HeaderState.claiming(transition);
        String guard = h.state() == HeaderState.HELD
                ? (rule.due() ? GUARD_DUE : GUARD_LIVE)
                : ships && h.merged() ? GUARD_COVER : "";
        Cas c = cas(h, h.state(), claim, now, guard);
        String refusedShort = c.shortReply();
        if (refusedShort != null) {
            return uncovered(current, shortReply(refusedShort), refusedShort);
        }
        if (!c.ok()) {
            return new TransitionResult.Conflict(
                    reservationId, "header moved from " + h.state() + " to " + c.found() + " meanwhile");
        }
        hook.at(transition.verb() + "-header", reservationId, 0);
        Header done;
        try {
            done = finish(h.in(claim, now), now);
        } catch (StillShort e) { // on-hand dropped between the decision and a part: see StillShort
            return uncovered(current, shortReply(e.reply), e.reply);
        }
        if (done.state().view() == transition.target()) {
            return rule.outcome(current, now);
        }
        // a commit rolled back: a part had been expired lazily by a process whose clock passed the expiry
        Reservation refused = done.view();
        return new TransitionResult.Refused(refused, transition, refused.state().name());
    }

    /**
     * Finishes a decided intermediate state, idempotently (also another caller's, or one left by a
     * crash): parts first, then the header's final compare-and-set. Returns the header as it ended
     * (any other state is returned as it is).
     */
    private Header finish(Header h, Instant now) {
        return switch (h.state()) {
            case COMMITTING -> completeCommit(h, now);
            case EXPIRING -> finishParts(h, PartOp.EXPIRE, HeaderState.EXPIRED, now);
            case RELEASING -> finishParts(h, PartOp.RELEASE, HeaderState.RELEASED, now);
            case FULFILLING -> finishParts(h, PartOp.FULFIL, HeaderState.FULFILLED, now);
            default -> h;
        };
    }

    /** Applies a decided part operation to every part (idempotent), then moves the header to its final state. */
    private Header finishParts(Header h, PartOp op, HeaderState to, Instant now) {
        if (h.merged()) {
            String r = finishLocal(h, op, to, now);
            hook.at(op.verb() + "-part", h.id(), 0);
            if (r.startsWith(SHORT)) {
                throw new StillShort(h, r);
            }
            if (r.startsWith("STATE:")) {
                throw new InconsistentReservation(h.id(), keys.header(h.id()), r);
            }
            if (r.equals("MISSING")) {
                cas(h, h.state(), to, now, ""); // a record this code never leaves without its part: as below
            }
            return h.in(to, now); // HEADER:..: finished by another caller (a decided state has one end)
        }
        int index = 0;
        for (String p : partKeys(h)) {
            String r = applyPart(p, op, now);
            hook.at(op.verb() + "-part", h.id(), index++);
            if (r.startsWith(SHORT)) {
                throw new StillShort(h, r);
            }
            if (r.startsWith("STATE:")) {
                throw new InconsistentReservation(h.id(), p, r);
            }
        }
        cas(h, h.state(), to, now, "");
        return h.in(to, now);
    }

    /**
     * Drives a COMMITTING header to COMMITTED, committing every part (idempotent), or, when a part
     * was already expired lazily by a process whose clock passed the expiry, rolls the whole
     * reservation back to EXPIRED. Part states only move HELD → COMMITTED or HELD → EXPIRED while
     * the header is COMMITTING, so every caller finishing the same header reaches the same outcome.
     */
    private Header completeCommit(Header h, Instant now) {
        if (h.merged()) {
            String r = finishLocal(h, PartOp.COMMIT, HeaderState.COMMITTED, now);
            hook.at("commit-part", h.id(), 0);
            if (r.equals("OK") || r.equals("NOOP")) {
                return h.in(HeaderState.COMMITTED, now);
            }
            return r.startsWith("HEADER:") ? whereItWent(h, now) : rollBackCommit(h, now);
        }
        int index = 0;
        for (String p : partKeys(h)) {
            String r = applyPart(p, PartOp.COMMIT, now);
            hook.at("commit-part", h.id(), index++);
            if (!"OK".equals(r) && !"NOOP".equals(r)) {
                return rollBackCommit(h, now);
            }
        }
        if (cas(h, HeaderState.COMMITTING, HeaderState.COMMITTED, now, "").ok()) {
            return h.in(HeaderState.COMMITTED, now);
        }
        return whereItWent(h, now);
    }

    /** COMMITTING → EXPIRING → every part expired (committed ones too) → EXPIRED. */
    private Header rollBackCommit(Header h, Instant now) {
        Cas c = cas(h, EnumSet.of(HeaderState.COMMITTING, HeaderState.EXPIRING), HeaderState.EXPIRING, now, "");
        return c.ok()
                ? finishParts(h.in(HeaderState.EXPIRING, now), PartOp.EXPIRE, HeaderState.EXPIRED, now)
                : whereItWent(h, now);
    }

    /**
     * The header after another caller moved a COMMITTING one: finished forward, or rolled back
     * (an EXPIRING header is finished here), or already released by a later transition.
     */
    private Header whereItWent(Header h, Instant now) {
        Header current = header(h.id()).orElseThrow(() -> unexpected("a reservation header", "missing " + h.id()));
        return current.state() == HeaderState.EXPIRING
                ? finishParts(current, PartOp.EXPIRE, HeaderState.EXPIRED, now)
                : current;
    }

    /** The sweeper's part of a cross-slot reserve: a PENDING attempt past its expiry, or an ABORTING one, is undone. */
    private void sweepSaga(Header h, Instant now) {
        if (h.state() == HeaderState.ABORTING
                || (h.state() == HeaderState.PENDING && !h.expiresAt().isAfter(now))) {
            abort(h, now);
        }
    }

    /**
     * Extension, decided by {@link ExtendResult#decide} on the header as read (an unfinished
     * transition is finished first, as {@link #transition} does) and applied by {@code extend.lua},
     * whose guard (HELD and {@code exp > now}) is the one every expiry script reads, so of an
     * extension and an expiry of one record exactly one applies. A standalone (merged) record is
     * one script: its expiry, its bucket index score and its score in the due set of each of its
     * SKUs. A cluster reservation's parts (one per slot; a part can be expired lazily at its own
     * expiry by a reserve in its slot) are extended first, each in its slot, then the header, which
     * is the decision: until the header moves, an expiry of the header (sweeper) still wins and its
     * decided expiry expires every part whatever the part's own expiry; once it moved, no part can
     * expire before the new expiry, because each was extended before. A part that refuses (expired
     * lazily, or due) makes the whole extension refused as due; a crash or a lost reply between the
     * steps leaves parts that expire later than their header, which a repeat completes (each step
     * answers {@code SAME} when already applied) or the header's expiry ends.
     */
    @Override
    public ExtendResult extend(String reservationId, Instant newExpiry, Instant now) {
        Optional<Header> found = header(reservationId);
        if (found.isEmpty() || !found.get().visible()) {
            return new ExtendResult.NotFound(reservationId);
        }
        Header h = found.get();
        if (h.state().intermediate()) {
            Header settled;
            try {
                settled = finish(h, now); // decided earlier, unfinished (a crash, or still in progress)
            } catch (StillShort e) { // a decided fulfil waiting for a restock: not a hold
                return ExtendResult.decide(waiting(h).view(), newExpiry, now) instanceof ExtendResult.Refused r
                        ? r
                        : new ExtendResult.Conflict(reservationId, "a fulfil is waiting for stock");
            }
            if (settled.state().intermediate()) {
                return new ExtendResult.Conflict(reservationId, "another transition is finishing");
            }
            h = settled;
        }
        Reservation current = h.view();
        ExtendResult decided = ExtendResult.decide(current, newExpiry, now);
        if (decided != null) {
            return decided;
        }
        List<String> args = List.of(Codec.time(now), Codec.time(newExpiry), Codec.millis(newExpiry));
        if (!h.merged()) {
            int index = 0;
            for (String p : partKeys(h)) {
                String r = extendScript("part", List.of(p), args);
                hook.at("extend-part", reservationId, index++);
                if (r.equals("DUE") || r.equals("STATE:" + ReservationState.EXPIRED.name())) {
                    return new ExtendResult.Refused(current, true);
                }
                if (!r.equals("OK") && !r.equals("SAME")) {
                    return new ExtendResult.Conflict(reservationId, "part " + p + " answered " + r);
                }
            }
        }
        List<String> hk = headerKeys(reservationId);
        String r = extendScript(
                h.merged() ? "local" : "header",
                List.of(hk.get(0), hk.get(1), hk.get(3)),
                concat(args, List.of(RedisOutboxStore.json(StockEvents.extended(reservationId, newExpiry, now)))));
        return switch (r) {
            case "OK" -> new ExtendResult.Extended(current.withExpiry(newExpiry));
            case "DUE", "EXPIRED" -> new ExtendResult.Refused(current, true);
            default -> new ExtendResult.Conflict(reservationId, "header answered " + r);
        };
    }

    private String extendScript(String mode, List<String> keys, List<String> args) {
        List<String> a = new ArrayList<>(4);
        a.add(mode);
        a.addAll(args);
        String r = redis.evalList(Redis.Script.EXTEND, keys, a).get(0);
        if (r.equals("OK")
                || r.equals("SAME")
                || r.equals("DUE")
                || r.equals("EXPIRED")
                || r.equals("MISSING")
                || r.startsWith("STATE:")) {
            return r;
        }
        throw unexpected("extend.lua", r);
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

    // ---------------------------------------------------------------- expiry off the buyer's path

    /** The largest batch one {@code expire_batch.lua} call (per slot) handles. */
    static final int EXPIRE_BATCH = 500;

    /**
     * The due holds of some SKUs from their due sets ({@code P{s:SKU}:due}, one per SKU, score =
     * expiry): one {@code due_sku.lua} call for all of them on a standalone server, one per slot on
     * a cluster. Holds of other SKUs are never read.
     */
    @Override
    public List<String> dueReservations(Collection<String> skus, Instant now, int limitPerSku) {
        Map<Integer, List<String>> bySlot = new LinkedHashMap<>();
        for (String sku : new LinkedHashSet<>(skus)) {
            String k = keys.skuDue(sku);
            bySlot.computeIfAbsent(redis.slot(k), x -> new ArrayList<>()).add(k);
        }
        Set<String> out = new LinkedHashSet<>();
        List<String> args = List.of(Codec.millis(now), Codec.time(now), Integer.toString(limitPerSku));
        for (List<String> group : bySlot.values()) {
            out.addAll(redis.evalList(Redis.Script.DUE_SKU, group, args));
        }
        return List.copyOf(out);
    }

    /**
     * Expires the HELD and due ones of a batch with one script per slot, each reservation decided on
     * its header inside a script (so a racing commit's claim wins or loses cleanly). Standalone:
     * ONE {@code expire_batch.lua} call per {@value #EXPIRE_BATCH} ids expires every merged record
     * completely. Cluster: the headers of each slot are claimed (HELD → EXPIRING) by one call per
     * header slot, the parts of the claimed ones expired by one call per part slot, and the headers
     * moved to EXPIRED by one call per header slot; a caller that dies between the phases leaves
     * EXPIRING headers indexed as due now, which any later expiry finishes. An id in an unfinished
     * step (a saga, another transition) goes through {@link #transition} as before.
     */
    @Override
    public List<Reservation> expireAll(List<String> reservationIds, Instant now) {
        List<Reservation> out = new ArrayList<>();
        for (int from = 0; from < reservationIds.size(); from += EXPIRE_BATCH) {
            List<String> part = reservationIds.subList(from, Math.min(reservationIds.size(), from + EXPIRE_BATCH));
            List<String> fallback = new ArrayList<>();
            if (redis.cluster()) {
                expireCluster(part, now, out, fallback);
            } else {
                expireLocal(part, now, out, fallback);
            }
            for (String id : fallback) {
                if (transition(id, ReservationTransition.EXPIRE, now) instanceof TransitionResult.Applied a) {
                    out.add(a.reservation());
                }
            }
        }
        return out;
    }

    /** The header keys of each reservation (see {@link #headerKeys}), in order. */
    private List<String> headerPairs(List<String> ids) {
        List<String> k = new ArrayList<>(4 * ids.size());
        for (String id : ids) {
            k.addAll(headerKeys(id));
        }
        return k;
    }

    /** ARGV of expire_batch.lua: the mode, now and each reservation's RESERVATION_EXPIRED event. */
    private static List<String> expireArgs(String mode, List<String> ids, Instant now) {
        List<String> a = new ArrayList<>(2 + ids.size());
        a.add(mode);
        a.add(Codec.time(now));
        for (String id : ids) {
            a.add(transitioned(id, ReservationTransition.EXPIRE, now));
        }
        return a;
    }

    private static Reservation expiredReservation(String id, List<String> r, int at, Instant now) {
        return new Reservation(
                id,
                ReservationState.EXPIRED,
                decodeLines(r.get(at)),
                Codec.time(r.get(at + 1)),
                Codec.time(r.get(at + 2)),
                now);
    }

    private void expireLocal(List<String> ids, Instant now, List<Reservation> out, List<String> fallback) {
        List<String> r = redis.evalList(Redis.Script.EXPIRE_BATCH, headerPairs(ids), expireArgs("local", ids, now));
        int at = 0;
        for (String id : ids) {
            String code = at < r.size() ? r.get(at) : "";
            switch (code) {
                case "E" -> {
                    out.add(expiredReservation(id, r, at + 1, now));
                    at += 4;
                }
                case "X" -> {
                    fallback.add(id);
                    at++;
                }
                case "N" -> at++;
                default -> throw unexpected("expire_batch.lua local", r);
            }
        }
    }

    private void expireCluster(List<String> ids, Instant now, List<Reservation> out, List<String> fallback) {
        Map<Integer, List<String>> byHeaderSlot = new LinkedHashMap<>();
        for (String id : ids) {
            byHeaderSlot
                    .computeIfAbsent(redis.slot(keys.header(id)), x -> new ArrayList<>())
                    .add(id);
        }
        // phase 1: claim the due HELD headers, one call per header slot
        record Claimed(Reservation expired, long attempt) {}
        Map<String, Claimed> claimed = new LinkedHashMap<>();
        for (List<String> group : byHeaderSlot.values()) {
            List<String> r =
                    redis.evalList(Redis.Script.EXPIRE_BATCH, headerPairs(group), List.of("claim", Codec.time(now)));
            int at = 0;
            for (String id : group) {
                String code = at < r.size() ? r.get(at) : "";
                switch (code) {
                    case "C" -> {
                        claimed.put(
                                id, new Claimed(expiredReservation(id, r, at + 1, now), Long.parseLong(r.get(at + 4))));
                        at += 5;
                    }
                    case "X" -> {
                        fallback.add(id);
                        at++;
                    }
                    case "N" -> at++;
                    default -> throw unexpected("expire_batch.lua claim", r);
                }
            }
        }
        if (claimed.isEmpty()) {
            return;
        }
        // phase 2: expire their parts, one call per part slot
        Map<Integer, List<String>> partsBySlot = new LinkedHashMap<>();
        Map<String, String> owner = new LinkedHashMap<>();
        for (Claimed c : claimed.values()) {
            for (String p : partKeys(c.expired().id(), c.expired().lines(), c.attempt())) {
                partsBySlot
                        .computeIfAbsent(redis.slot(p), x -> new ArrayList<>())
                        .add(p);
                owner.put(p, c.expired().id());
            }
        }
        Set<String> inconsistent = new LinkedHashSet<>();
        for (List<String> group : partsBySlot.values()) {
            List<String> r = redis.evalList(Redis.Script.EXPIRE_BATCH, group, List.of("parts", Codec.time(now)));
            for (int i = 0; i < group.size(); i++) {
                String answer = i < r.size() ? r.get(i) : "";
                if (answer.startsWith("STATE:")) {
                    // left EXPIRING: transition reports it
                    inconsistent.add(Objects.requireNonNull(owner.get(group.get(i)), "owner of a part"));
                } else if (!answer.equals("OK") && !answer.equals("NOOP") && !answer.equals("MISSING")) {
                    throw unexpected("expire_batch.lua parts", r);
                }
            }
        }
        // phase 3: the headers to EXPIRED, one call per header slot
        for (List<String> group : byHeaderSlot.values()) {
            List<String> mine = new ArrayList<>();
            List<Reservation> done = new ArrayList<>();
            for (String id : group) {
                Claimed c = claimed.get(id);
                if (c != null && !inconsistent.contains(id)) {
                    mine.add(id);
                    done.add(c.expired());
                }
            }
            if (mine.isEmpty()) {
                continue;
            }
            redis.evalList(Redis.Script.EXPIRE_BATCH, headerPairs(mine), expireArgs("finish", mine, now));
            out.addAll(done); // finished here, or by another caller that met them EXPIRING
        }
    }

    // ---------------------------------------------------------------- retention

    /**
     * Per bucket: lists the old final headers (purge_reservations.lua), deletes the parts of the
     * cluster ones (their own slots; a standalone record's part is its header), then deletes the
     * headers, each checked again in the script. Parts go first, so a purge that stops half-way
     * leaves indexed headers for the next one, never unreachable parts.
     */
    /** Deletes delivered events of this storage's outbox ({@link RedisOutboxStore#purgeSent}). */
    @Override
    public int purgeSentEvents(Instant olderThan, int limit) {
        return outbox.purgeSent(olderThan, limit);
    }

    @Override
    public int purgeReservations(Instant olderThan, int limit) {
        String bound = Codec.time(olderThan);
        String boundScore = Long.toString(Long.parseLong(bound.substring(0, 12)));
        int total = 0;
        for (int b = 0; b < keys.buckets() && total < limit; b++) {
            List<String> idx = List.of(keys.headerDone(b));
            String prefix = keys.headerPrefix(b);
            List<String> found = redis.evalList(
                    Redis.Script.PURGE_RESERVATIONS,
                    idx,
                    List.of("list", bound, boundScore, Integer.toString(limit - total), prefix));
            if (found.isEmpty()) {
                continue;
            }
            List<String> args = new ArrayList<>(List.of("delete", bound, boundScore, "0", prefix));
            for (int i = 0; i + 3 < found.size(); i += 4) {
                String id = found.get(i);
                if (!"1".equals(found.get(i + 1)) && !found.get(i + 2).isEmpty()) {
                    for (String part : partKeys(id, decodeLines(found.get(i + 2)), Long.parseLong(found.get(i + 3)))) {
                        redis.call(() -> redis.client().del(part));
                    }
                }
                args.add(id);
            }
            Object n = redis.eval(Redis.Script.PURGE_RESERVATIONS, idx, args);
            total += n instanceof Long l ? l.intValue() : 0;
        }
        return total;
    }

    /** Every level (SCAN), each folded by compact_movements.lua in its own slot, until the budget is spent. */
    @Override
    public int compactMovements(Instant olderThan, int limit) {
        String bound = Codec.time(olderThan);
        int removed = 0;
        for (String k : redis.scan(keys.levelPattern())) {
            if (removed >= limit) {
                break;
            }
            List<String> f = redis.call(() -> redis.client().hmget(k, "sku", "loc"));
            if (f.get(0) == null || f.get(1) == null) {
                continue;
            }
            StockKey key = StockKey.of(f.get(0), f.get(1));
            Object n = redis.eval(
                    Redis.Script.COMPACT_MOVEMENTS,
                    List.of(keys.movements(key), keys.writes(key), keys.movementPositions(key)),
                    List.of(bound, Integer.toString(limit - removed), Movement.SNAPSHOT_REFERENCE));
            removed += n instanceof Long l ? l.intValue() : 0;
        }
        return removed;
    }

    /**
     * The upgrade of held vs committed: counts every reservation part committed before levels
     * tracked their committed units into its levels (see count_committed.lua), one part per atomic
     * script. Idempotent; safe while other processes write.
     *
     * @return the number of parts counted by this call
     */
    public int countCommitted() {
        int counted = 0;
        for (String pattern : List.of(keys.partPattern(), keys.headerPattern())) {
            for (String k : redis.scan(pattern)) {
                Object n = redis.eval(Redis.Script.COUNT_COMMITTED, List.of(k), List.of());
                counted += n instanceof Long l ? l.intValue() : 0;
            }
        }
        return counted;
    }
}
