package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Movement;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Contract of the reservation lifecycle: every row of {@link ReservationTransition#table()} — each
 * state (HELD, COMMITTED, RELEASED, EXPIRED, FULFILLED) × each action (commit, release, fulfil,
 * expire) × due / not due — is driven through the backend's
 * {@link dev.orderkit.core.spi.StockStorage#transition}, and the answer, the reservation's state,
 * both levels and the movements are compared with what the table says; then the same call is
 * repeated (a retry after a lost reply) and must answer what the table says for the new state,
 * changing nothing. So a backend keeps no lifecycle rules of its own that could drift from core's.
 *
 * <p>The reservation has two lines on two SKUs (on Redis Cluster: two slots, so two parts). A
 * backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class ReservationLifecycleContract extends ContractSupport {
    private static final StockKey A = StockKey.of("life-a", "east");
    private static final StockKey B = StockKey.of("life-b", "west");
    private static final Duration HOLD = Duration.ofMinutes(10);
    private static final String ID = "life-1";

    /** Subclasses are created by JUnit. */
    protected ReservationLifecycleContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    /**
     * Every row of the table.
     *
     * @return (action, state, due)
     */
    static Stream<Arguments> rows() {
        return ReservationTransition.table().stream().map(r -> Arguments.of(r.transition(), r.from(), r.due()));
    }

    private TransitionResult apply(ReservationTransition action, Instant at) {
        return stock().transition(ID, action, at);
    }

    private static Reservation reservationOf(TransitionResult r) {
        if (r instanceof TransitionResult.Applied a) {
            return a.reservation();
        }
        if (r instanceof TransitionResult.Unchanged u) {
            return u.reservation();
        }
        if (r instanceof TransitionResult.Refused f) {
            return f.reservation();
        }
        throw new AssertionError("no reservation in " + r);
    }

    /** Holds the lines, then drives the reservation into {@code state} along the lifecycle. */
    private Reservation reservationIn(ReservationState state) {
        stockUp(A, 10);
        stockUp(B, 10);
        Instant t0 = now();
        ReserveResult held =
                stock().reserve(ID, List.of(new AllocatedLine(A, 2), new AllocatedLine(B, 3)), t0.plus(HOLD), t0);
        assertThat(held).isInstanceOf(ReserveResult.Reserved.class);
        Instant expiry = ((ReserveResult.Reserved) held).reservation().expiresAt();
        List<ReservationTransition> path = switch (state) {
            case HELD -> List.of();
            case COMMITTED -> List.of(ReservationTransition.COMMIT);
            case RELEASED -> List.of(ReservationTransition.RELEASE);
            case EXPIRED -> List.of(ReservationTransition.EXPIRE);
            case FULFILLED -> List.of(ReservationTransition.COMMIT, ReservationTransition.FULFIL);
        };
        for (ReservationTransition step : path) {
            Instant at = step == ReservationTransition.EXPIRE ? expiry : t0;
            assertThat(apply(step, at)).as("setup: " + step).isInstanceOf(TransitionResult.Applied.class);
        }
        Reservation r = stock().reservation(ID).orElseThrow();
        assertThat(r.state()).as("setup").isEqualTo(state);
        return r;
    }

    private Map<StockKey, StockLevel> levels() {
        Map<StockKey, StockLevel> out = new HashMap<>();
        for (StockKey k : List.of(A, B)) {
            out.put(k, stock().level(k).orElseThrow());
        }
        return out;
    }

    private Map<StockKey, Integer> movementCounts() {
        Map<StockKey, Integer> out = new HashMap<>();
        for (StockKey k : List.of(A, B)) {
            out.put(k, stock().movements(k).size());
        }
        return out;
    }

    /**
     * One row: the backend's answer, the stored reservation, the levels and the movements are what
     * {@link ReservationTransition} says, and a repeat of the call changes nothing more.
     *
     * @param action the action
     * @param from the state the reservation is brought into first
     * @param due whether the action runs at the hold's expiry (due) or just before it
     */
    @ParameterizedTest(name = "{0} from {1}, due={2}")
    @MethodSource("rows")
    void everyRowOfTheLifecycleTable(ReservationTransition action, ReservationState from, boolean due) {
        Reservation before = reservationIn(from);
        Instant at = due ? before.expiresAt() : before.expiresAt().minusMillis(1);
        Map<StockKey, StockLevel> levelsBefore = levels();
        Map<StockKey, Integer> movementsBefore = movementCounts();
        ReservationTransition.Rule rule = action.rule(from, due);

        TransitionResult result = apply(action, at);

        String row = action + " from " + from + (due ? " (due)" : " (not due)") + " -> " + rule.verdict();
        switch (rule.verdict()) {
            case APPLY -> {
                assertThat(result).as(row).isInstanceOf(TransitionResult.Applied.class);
                assertThat(reservationOf(result)).as(row).isEqualTo(before.withState(rule.to(), at));
            }
            case UNCHANGED -> {
                assertThat(result).as(row).isInstanceOf(TransitionResult.Unchanged.class);
                assertThat(reservationOf(result)).as(row).isEqualTo(before);
            }
            case REFUSED -> {
                assertThat(result).as(row).isEqualTo(new TransitionResult.Refused(before, action, rule.describeFrom()));
            }
        }
        Reservation after = stock().reservation(ID).orElseThrow();
        assertThat(after.state()).as(row + ": stored state").isEqualTo(rule.to());
        assertThat(after.lines()).as(row).isEqualTo(before.lines());
        for (AllocatedLine l : before.lines()) {
            StockLevel was = Objects.requireNonNull(levelsBefore.get(l.key()), "level before of " + l.key());
            StockLevel is = stock().level(l.key()).orElseThrow();
            long times = rule.applies() ? l.quantity() : 0;
            assertThat(is.onHand())
                    .as(row + ": on-hand of " + l.key())
                    .isEqualTo(was.onHand() + action.onHandSign() * times);
            assertThat(is.reserved())
                    .as(row + ": reserved of " + l.key())
                    .isEqualTo(was.reserved() + action.reservedSign() * times);
            assertThat(is.committed())
                    .as(row + ": committed of " + l.key())
                    .isEqualTo(was.committed() + action.committedSign(from) * times);
            assertThat(is.held())
                    .as(row + ": held of " + l.key())
                    .isEqualTo(was.held() + action.heldSign(from) * times);
            List<Movement> all = stock().movements(l.key());
            List<Movement> added =
                    all.subList(Objects.requireNonNull(movementsBefore.get(l.key()), "movements before"), all.size());
            List<Movement> expected = rule.applies()
                    ? action.movements(before, at).stream()
                            .filter(m -> m.key().equals(l.key()))
                            .toList()
                    : List.of();
            assertThat(added).as(row + ": movements of " + l.key()).isEqualTo(expected);
        }
        assertThat(stock().dueReservations(before.expiresAt().plusSeconds(1), 10)
                        .contains(ID))
                .as(row + ": listed as due iff still held")
                .isEqualTo(rule.to() == ReservationState.HELD);

        // a retry after a lost reply: the table's answer for the new state, and nothing more changes
        Map<StockKey, StockLevel> levelsAfter = levels();
        Map<StockKey, Integer> movementsAfter = movementCounts();
        ReservationTransition.Verdict again = action.verdict(rule.to(), due);
        TransitionResult repeat = apply(action, at);
        assertThat(again)
                .as(row + ": the table makes every action idempotent")
                .isNotEqualTo(ReservationTransition.Verdict.APPLY);
        assertThat(repeat)
                .as(row + ": repeated")
                .isInstanceOf(
                        again == ReservationTransition.Verdict.UNCHANGED
                                ? TransitionResult.Unchanged.class
                                : TransitionResult.Refused.class);
        assertThat(reservationOf(repeat)).as(row + ": repeated").isEqualTo(after);
        assertThat(levels()).as(row + ": repeated").isEqualTo(levelsAfter);
        assertThat(movementCounts()).as(row + ": repeated").isEqualTo(movementsAfter);
        assertStockInvariants();
    }

    /**
     * Every action on an id that was never reserved answers {@code NotFound} and writes nothing.
     *
     * @param action the action
     */
    @ParameterizedTest(name = "{0} of an unknown id")
    @EnumSource(ReservationTransition.class)
    void everyActionOnAnUnknownIdIsNotFound(ReservationTransition action) {
        stockUp(A, 10);
        List<StockLevel> before = stock().allLevels();
        assertThat(stock().transition("life-none", action, now()))
                .isEqualTo(new TransitionResult.NotFound("life-none"));
        assertThat(stock().allLevels()).isEqualTo(before);
        assertThat(stock().reservation("life-none")).isEmpty();
    }

    /** The table has a row for every (action, state, due) and each row says what the enum says. */
    @Test
    void theTableCoversEveryPair() {
        assertThat(ReservationTransition.table())
                .hasSize(ReservationTransition.values().length * ReservationState.values().length * 2);
    }
}
