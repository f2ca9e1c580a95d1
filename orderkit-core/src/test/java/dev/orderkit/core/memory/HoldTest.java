package dev.orderkit.core.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The compact hold gives back exactly the reservation it was made of. */
class HoldTest {
    private static final StockKey A = StockKey.of("sku-a", "loc-1");
    private static final StockKey B = StockKey.of("sku-b", "loc-2");

    @Test
    void oneLineAndSeveralLinesRoundTripWithEveryInstant() {
        List<Instant> instants = List.of(
                Instant.parse("2026-11-27T10:15:30.123456789Z"),
                Instant.EPOCH,
                Instant.ofEpochSecond(-1, 999_999_999),
                Instant.MIN,
                Instant.MAX);
        for (Instant t : instants) {
            for (List<AllocatedLine> lines : List.of(
                    List.of(new AllocatedLine(A, 3)), List.of(new AllocatedLine(A, 1), new AllocatedLine(B, 7)))) {
                for (ReservationState state : ReservationState.values()) {
                    Reservation r = new Reservation("r-1", state, lines, t, Instant.EPOCH, t);
                    assertThat(Hold.of(r).toReservation()).isEqualTo(r);
                    Reservation fresh = new Reservation("r-2", state, lines, Instant.EPOCH, t, t);
                    assertThat(Hold.of(fresh).toReservation()).isEqualTo(fresh);
                }
            }
        }
    }

    /** A HELD one-line reservation of {@link #A} created at the epoch. */
    private static Reservation held(String id, Instant expiresAt) {
        return new Reservation(
                id, ReservationState.HELD, List.of(new AllocatedLine(A, 1)), expiresAt, Instant.EPOCH, Instant.EPOCH);
    }

    @Test
    void aOneLineHoldKeepsTheSharedKeyObjectOnlyWhenEqual() {
        StockKey shared = StockKey.of("sku-a", "loc-1");
        Reservation r = held("r", Instant.EPOCH);
        assertThat(Hold.of(r, shared).lines().get(0).key()).isSameAs(shared);
        assertThat(Hold.of(r, B).lines().get(0).key()).isSameAs(A).isEqualTo(A);
    }

    @Test
    void expiryComparisonsAgreeWithInstant() {
        Instant[] ts = {
            Instant.ofEpochSecond(10, 5), Instant.ofEpochSecond(10, 6), Instant.ofEpochSecond(11, 0), Instant.MIN
        };
        for (Instant x : ts) {
            Hold hx = Hold.of(held("x", x));
            for (Instant y : ts) {
                Hold hy = Hold.of(held("y", y));
                assertThat(hx.expiresBefore(hy)).as("%s before %s", x, y).isEqualTo(x.isBefore(y));
                assertThat(hx.expiresAfter(y)).as("%s after %s", x, y).isEqualTo(x.isAfter(y));
                assertThat(hx.expiresAt(y)).as("%s at %s", x, y).isEqualTo(x.equals(y));
            }
        }
    }

    @Test
    void onlyAHeldHoldNotSupersededIsLive() {
        Reservation r = held("r", Instant.EPOCH);
        Hold h = Hold.of(r);
        assertThat(h.liveHold()).isTrue();
        h.supersede();
        assertThat(h.liveHold()).isFalse();
        assertThat(Hold.of(r.withState(ReservationState.COMMITTED, Instant.EPOCH))
                        .liveHold())
                .isFalse();
    }

    @Test
    void aReplacedHoldIsSupersededAndItsSuccessorSharesTheKeyObject() {
        StockKey shared = StockKey.of("sku-a", "loc-1");
        Hold first = Hold.of(held("r", Instant.EPOCH), shared);
        Reservation extended = held("r", Instant.EPOCH.plusSeconds(60));
        Hold next = first.replacedBy(extended);
        assertThat(first.liveHold()).isFalse();
        assertThat(next.liveHold()).isTrue();
        assertThat(next.toReservation()).isEqualTo(extended);
        assertThat(next.lines().get(0).key()).isSameAs(shared);
    }
}
