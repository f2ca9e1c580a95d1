package dev.orderkit.core.spi;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Shortfall;
import dev.orderkit.core.StockKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * The reservation lifecycle, in one place: for each action, each state a reservation can be in and
 * whether its hold is due, the {@linkplain Verdict verdict} (apply, unchanged, refused), the state it
 * leads to, how each line moves on-hand and reserved, and the movement recorded. Every
 * {@link StockStorage} applies this table and keeps no rules of its own: the in-memory and JDBC
 * storages read the reservation, ask {@link #rule(Reservation, Instant)} and apply the change
 * atomically, conditional on the state they read; the Redis storage hands {@link #table()} to its
 * scripts when it loads them. The testkit's {@code ReservationLifecycleContract} drives every row
 * through each backend. Stateless and thread-safe.
 */
public enum ReservationTransition {
    /**
     * HELD (not yet due) → COMMITTED; idempotent on COMMITTED. On-hand and reserved unchanged; each
     * line's units move from held to committed.
     */
    COMMIT(ReservationState.COMMITTED, 0, 0, null),
    /** HELD / COMMITTED → RELEASED, returning the stock; RELEASED / EXPIRED unchanged. */
    RELEASE(ReservationState.RELEASED, 0, -1, MovementReason.RELEASE),
    /** COMMITTED → FULFILLED: on-hand and reserved both drop; idempotent on FULFILLED. */
    FULFIL(ReservationState.FULFILLED, -1, -1, MovementReason.FULFIL),
    /** HELD and due → EXPIRED, returning the stock; anything else unchanged. */
    EXPIRE(ReservationState.EXPIRED, 0, -1, MovementReason.EXPIRE);

    /** What an action does to a reservation in a given state. */
    public enum Verdict {
        /** The reservation moves to {@link ReservationTransition#target()}, with the level deltas. */
        APPLY,
        /** Nothing to do: an idempotent repeat, or (for {@link #EXPIRE}) not held or not due. */
        UNCHANGED,
        /** The action is not allowed from this state; nothing changes. */
        REFUSED
    }

    /**
     * One row of the table.
     *
     * @param transition the action
     * @param from the state the reservation is in
     * @param due whether its expiry has passed ({@code expiresAt <= now})
     * @param verdict what the action does
     */
    public record Rule(ReservationTransition transition, ReservationState from, boolean due, Verdict verdict) {

        /**
         * Whether the action changes the reservation.
         *
         * @return true for {@link Verdict#APPLY}
         */
        public boolean applies() {
            return verdict == Verdict.APPLY;
        }

        /**
         * The state after the action.
         *
         * @return the target for {@link Verdict#APPLY}, else {@link #from()}
         */
        public ReservationState to() {
            return applies() ? transition.target : from;
        }

        /**
         * How a refusal names the state, e.g. {@code HELD (expired)} for a commit of a due hold.
         *
         * @return the state's description
         */
        public String describeFrom() {
            return from == ReservationState.HELD && due ? "HELD (expired)" : from.name();
        }

        /**
         * The answer of a storage that applied this rule to {@code current}: {@code Applied} with
         * the reservation in its new state (the storage made the change atomically, conditional on
         * the state it read), {@code Unchanged} or {@code Refused}.
         *
         * @param current the reservation as read, in state {@link #from()}
         * @param now the time of the change
         * @return the result
         */
        public TransitionResult outcome(Reservation current, Instant now) {
            return switch (verdict) {
                case APPLY -> new TransitionResult.Applied(current.withState(transition.target, now));
                case UNCHANGED -> new TransitionResult.Unchanged(current);
                case REFUSED -> new TransitionResult.Refused(current, transition, describeFrom());
            };
        }
    }

    private final ReservationState target;
    private final long onHandSign;
    private final long reservedSign;
    private final @Nullable MovementReason reason;

    ReservationTransition(
            ReservationState target, long onHandSign, long reservedSign, @Nullable MovementReason reason) {
        this.target = target;
        this.onHandSign = onHandSign;
        this.reservedSign = reservedSign;
        this.reason = reason;
    }

    /**
     * The table itself: what this action does from {@code from}.
     *
     * @param from the current state
     * @param due whether the hold's expiry has passed
     * @return the verdict
     */
    public Verdict verdict(ReservationState from, boolean due) {
        if (from == target) {
            return Verdict.UNCHANGED; // an idempotent repeat
        }
        return switch (this) {
            case COMMIT -> from == ReservationState.HELD && !due ? Verdict.APPLY : Verdict.REFUSED;
            case RELEASE ->
                from.isActive()
                        ? Verdict.APPLY
                        : from == ReservationState.FULFILLED ? Verdict.REFUSED : Verdict.UNCHANGED;
            case FULFIL -> from == ReservationState.COMMITTED ? Verdict.APPLY : Verdict.REFUSED;
            case EXPIRE -> from == ReservationState.HELD && due ? Verdict.APPLY : Verdict.UNCHANGED;
        };
    }

    /**
     * The row for a state.
     *
     * @param from the current state
     * @param due whether the hold's expiry has passed
     * @return the rule
     */
    public Rule rule(ReservationState from, boolean due) {
        return new Rule(this, from, due, verdict(from, due));
    }

    /**
     * The row for a reservation as read.
     *
     * @param current the reservation
     * @param now current time
     * @return the rule for its state and whether it is due at {@code now}
     */
    public Rule rule(Reservation current, Instant now) {
        return rule(current.state(), isDue(current, now));
    }

    /**
     * Every row: each action × each state × due / not due.
     *
     * @return the rows, in declaration order of the actions and states, not due before due
     */
    public static List<Rule> table() {
        List<Rule> out = new ArrayList<>();
        for (ReservationTransition t : values()) {
            for (ReservationState s : ReservationState.values()) {
                out.add(t.rule(s, false));
                out.add(t.rule(s, true));
            }
        }
        return List.copyOf(out);
    }

    /**
     * Whether a reservation's expiry has passed.
     *
     * @param r the reservation
     * @param now current time
     * @return {@code expiresAt <= now}
     */
    public static boolean isDue(Reservation r, Instant now) {
        return !r.expiresAt().isAfter(now);
    }

    /**
     * The state this action leads to when it applies.
     *
     * @return COMMITTED, RELEASED, FULFILLED or EXPIRED
     */
    public ReservationState target() {
        return target;
    }

    /**
     * The action's name as an operation, e.g. {@code commit}.
     *
     * @return the lower-case name
     */
    public String verb() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Sign applied to each line's quantity on on-hand.
     *
     * @return -1, 0
     */
    public long onHandSign() {
        return onHandSign;
    }

    /**
     * Sign applied to each line's quantity on reserved.
     *
     * @return -1, 0
     */
    public long reservedSign() {
        return reservedSign;
    }

    /**
     * The movement reason recorded for each line, or {@code null} when levels do not change.
     *
     * @return the reason
     */
    public @Nullable MovementReason reason() {
        return reason;
    }

    /**
     * Sign applied to each line's quantity on the level's held units when this action applies to a
     * reservation in state {@code from}: the units leave the bucket of the state they were in and
     * enter the bucket of the target (only {@link ReservationState#HELD} and
     * {@link ReservationState#COMMITTED} have one). COMMIT: -1; RELEASE / EXPIRE of a hold: -1;
     * RELEASE of a commitment, FULFIL: 0.
     *
     * @param from the state the reservation leaves
     * @return -1, 0 or +1
     */
    public long heldSign(ReservationState from) {
        return bucket(target, ReservationState.HELD) - bucket(from, ReservationState.HELD);
    }

    /**
     * Sign applied to each line's quantity on the level's committed units when this action applies
     * to a reservation in state {@code from} (see {@link #heldSign}). COMMIT: +1; RELEASE of a
     * commitment, FULFIL: -1; RELEASE / EXPIRE of a hold: 0. Always {@code reservedSign() -
     * heldSign(from)}.
     *
     * @param from the state the reservation leaves
     * @return -1, 0 or +1
     */
    public long committedSign(ReservationState from) {
        return bucket(target, ReservationState.COMMITTED) - bucket(from, ReservationState.COMMITTED);
    }

    private static long bucket(ReservationState state, ReservationState bucket) {
        return state == bucket ? 1 : 0;
    }

    /**
     * Whether the transition changes levels.
     *
     * @return true unless it is {@link #COMMIT}
     */
    public boolean movesStock() {
        return reason != null;
    }

    /**
     * The levels an applying action cannot take its units from: for an action that takes units off
     * on-hand ({@link #FULFIL}), each key whose on-hand is below the units the reservation's lines
     * take from it (lines on the same key summed). A level may hold more reservations than on-hand
     * under a backorder or preorder {@code StockPolicy}; such a reservation ships only once restocks
     * cover it, and on-hand never goes below zero. Storages call this with the on-hand they read
     * under the locks (or inside the statement or script) that apply the change, and answer
     * {@link TransitionResult.Uncovered} instead of applying.
     *
     * @param r the reservation the action applies to
     * @param onHand each key's on-hand as read atomically with the change
     * @return the shortfalls in line order; empty when covered or when the action leaves on-hand alone
     */
    public List<Shortfall> shortfalls(Reservation r, ToLongFunction<StockKey> onHand) {
        if (onHandSign >= 0) {
            return List.of();
        }
        Map<StockKey, Long> needed = new LinkedHashMap<>();
        for (AllocatedLine l : r.lines()) {
            needed.merge(l.key(), l.quantity(), Long::sum);
        }
        List<Shortfall> out = new ArrayList<>(0);
        for (Map.Entry<StockKey, Long> e : needed.entrySet()) {
            long have = onHand.applyAsLong(e.getKey());
            if (have < e.getValue()) {
                out.add(new Shortfall(e.getKey().sku(), e.getKey().location(), e.getValue(), have));
            }
        }
        return out;
    }

    /**
     * The movements this action records when it applies to a reservation: one per line, with the
     * reservation id as reference; none for {@link #COMMIT}.
     *
     * @param r the reservation
     * @param now the time of the change
     * @return the movements, in line order
     */
    public List<Movement> movements(Reservation r, Instant now) {
        MovementReason reason = this.reason;
        if (reason == null) { // the action moves no stock
            return List.of();
        }
        List<Movement> out = new ArrayList<>(r.lines().size());
        for (AllocatedLine l : r.lines()) {
            out.add(new Movement(l.key(), onHandSign * l.quantity(), reservedSign * l.quantity(), reason, r.id(), now));
        }
        return out;
    }
}
