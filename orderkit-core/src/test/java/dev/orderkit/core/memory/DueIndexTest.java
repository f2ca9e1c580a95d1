package dev.orderkit.core.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DueIndexTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final Map<String, Hold> reservations = new HashMap<>();
    private final DueIndex index = new DueIndex(reservations);

    private void hold(String id, int secondsFromT0) {
        Instant at = T0.plusSeconds(secondsFromT0);
        Reservation r = new Reservation(
                id, ReservationState.HELD, List.of(new AllocatedLine(StockKey.of("sku", "loc"), 1)), at, T0, T0);
        Hold h = Hold.of(r);
        reservations.put(id, h);
        index.add(h);
    }

    private void leave(String id, ReservationState state) {
        Hold old = reservations.get(id);
        Reservation r = old.toReservation();
        reservations.put(id, Hold.of(new Reservation(id, state, r.lines(), r.expiresAt(), r.createdAt(), T0)));
        old.supersede(); // as the storage does when it replaces a hold
        index.remove(r.expiresAt(), id);
    }

    private List<String> due(int seconds, int limit) {
        List<String> out = new ArrayList<>();
        index.forEachDue(T0.plusSeconds(seconds), limit, d -> out.add(d.id()));
        return out;
    }

    @Test
    void earliestFirstAcrossInOrderAndOutOfOrderArrivals() {
        hold("a", 10);
        hold("b", 20);
        hold("c", 5); // shorter TTL: arrives out of order
        hold("d", 30);
        hold("e", 15); // out of order too
        assertThat(due(100, 10)).containsExactly("c", "a", "e", "b", "d");
        assertThat(due(15, 10)).containsExactly("c", "a", "e");
        assertThat(due(4, 10)).isEmpty();
        assertThat(due(100, 2)).containsExactly("c", "a");
    }

    @Test
    void holdsThatLeftHeldOrMovedTheirExpiryAreNotDue() {
        hold("a", 10);
        hold("b", 20);
        hold("c", 30);
        leave("b", ReservationState.COMMITTED);
        leave("a", ReservationState.RELEASED);
        assertThat(due(100, 10)).containsExactly("c");
        // an extension: the stored reservation moves first, then the index
        Hold stored = reservations.get("c");
        Reservation c = stored.toReservation();
        Hold extended = Hold.of(c.withExpiry(T0.plusSeconds(50)));
        reservations.put("c", extended);
        stored.supersede();
        index.remove(c.expiresAt(), "c");
        index.add(extended);
        assertThat(due(40, 10)).isEmpty();
        assertThat(due(50, 10)).containsExactly("c");
        reservations.remove("c").supersede(); // purged
        assertThat(due(100, 10)).isEmpty();
    }

    @Test
    void deadEntriesBehindTheHeadDoNotCountAgainstTheLimit() {
        hold("old", 1);
        for (int i = 0; i < 100; i++) {
            hold("h" + i, 10 + i);
            leave("h" + i, ReservationState.COMMITTED);
        }
        hold("live", 200);
        assertThat(due(300, 2)).containsExactly("old", "live");
    }
}
