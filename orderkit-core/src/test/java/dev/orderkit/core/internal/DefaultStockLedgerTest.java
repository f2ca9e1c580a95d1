package dev.orderkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.AllocationStrategy;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.Movement;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Shortfall;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLedger;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.memory.InMemoryStockStorage;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The ledger's level reads: skipped where they cannot change the allocation, never trusted to refuse. */
class DefaultStockLedgerTest {

    /** The in-memory storage, counting level reads and reserve writes. */
    static final class Counting implements StockStorage {
        final InMemoryStockStorage d = new InMemoryStockStorage();
        final AtomicInteger levelReads = new AtomicInteger();
        final AtomicInteger reserves = new AtomicInteger();

        @Override
        public List<StockLevel> levels(String sku) {
            levelReads.incrementAndGet();
            return d.levels(sku);
        }

        @Override
        public Optional<StockLevel> level(StockKey key) {
            return d.level(key);
        }

        @Override
        public ReserveResult reserve(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
            reserves.incrementAndGet();
            return d.reserve(reservationId, lines, expiresAt, now);
        }

        @Override
        public Optional<Reservation> reservation(String reservationId) {
            return d.reservation(reservationId);
        }

        @Override
        public TransitionResult transition(String reservationId, ReservationTransition transition, Instant now) {
            return d.transition(reservationId, transition, now);
        }

        @Override
        public List<String> dueReservations(Instant now, int limit) {
            return d.dueReservations(now, limit);
        }

        @Override
        public List<String> dueReservations(Collection<String> skus, Instant now, int limitPerSku) {
            return d.dueReservations(skus, now, limitPerSku);
        }

        @Override
        public StockLevel adjust(StockKey key, long delta, String reference, Instant now) {
            return d.adjust(key, delta, reference, now);
        }

        @Override
        public StockLevel setOnHand(StockKey key, long onHand, long expectedVersion, String reference, Instant now) {
            return d.setOnHand(key, onHand, expectedVersion, reference, now);
        }

        @Override
        public List<StockLevel> allLevels() {
            return d.allLevels();
        }

        @Override
        public List<Reservation> reservations(Set<ReservationState> states) {
            return d.reservations(states);
        }

        @Override
        public List<Movement> movements(StockKey key) {
            return d.movements(key);
        }
    }

    private static ReservationRequest request(String id, ReservationLine... lines) {
        return new ReservationRequest(id, List.of(lines), Duration.ofMinutes(5));
    }

    @Test
    void aSingleLocationSkuIsReservedWithoutALevelReadAndRefusedOnlyOnFreshLevels() {
        Counting storage = new Counting();
        StockLedger stock = OrderKit.builder().stockStorage(storage).build().stock();
        stock.setOnHand(StockKey.of("mug"), 3, -1, "count");

        stock.reserve(request("r1", ReservationLine.of("mug", 1))); // learns the SKU's one location
        int reads = storage.levelReads.get();
        stock.reserve(request("r2", ReservationLine.of("mug", 1)));
        stock.reserve(request("r3", ReservationLine.at("mug", StockKey.DEFAULT_LOCATION, 1)));
        assertThat(storage.levelReads).as("level reads after the first").hasValue(reads);
        assertThat(stock.level(StockKey.of("mug")).orElseThrow().available()).isZero();

        assertThatThrownBy(() -> stock.reserve(request("r4", ReservationLine.of("mug", 1))))
                .isInstanceOf(InsufficientStockException.class)
                .satisfies(e -> assertThat(((InsufficientStockException) e).shortfalls())
                        .containsExactly(new Shortfall("mug", null, 1, 0)));
        assertThat(storage.levelReads.get())
                .as("a refusal is confirmed on a fresh read")
                .isGreaterThan(reads);
    }

    @Test
    void aLocationAddedThroughTheLedgerSteersTheNextAllocationAtOnce() {
        Counting storage = new Counting();
        StockLedger stock = OrderKit.builder()
                .stockStorage(storage)
                .allocationStrategy(AllocationStrategy.locationPriority(List.of("berlin"), true))
                .build()
                .stock();
        stock.setOnHand(StockKey.of("mug", "paris"), 5, -1, "count");
        assertThat(stock.reserve(request("r1", ReservationLine.of("mug", 1))).lines())
                .extracting(l -> l.key().location())
                .containsExactly("paris");
        stock.setOnHand(StockKey.of("mug", "berlin"), 5, -1, "count");
        assertThat(stock.reserve(request("r2", ReservationLine.of("mug", 1))).lines())
                .extracting(l -> l.key().location())
                .containsExactly("berlin");
    }

    @Test
    void aRefusedFastPathFindsStockAtALocationAddedElsewhere() {
        Counting storage = new Counting();
        StockLedger stock = OrderKit.builder().stockStorage(storage).build().stock();
        stock.setOnHand(StockKey.of("mug", "paris"), 1, -1, "count");
        stock.reserve(request("r1", ReservationLine.of("mug", 1)));
        // another process (here: the storage directly) stocks a second location
        storage.setOnHand(StockKey.of("mug", "berlin"), 2, -1, "count", Instant.now());
        // levels read lately still say paris has 1: the write there is refused, fresh levels find berlin
        assertThat(stock.reserve(request("r2", ReservationLine.of("mug", 1))).lines())
                .extracting(l -> l.key().location())
                .containsExactly("berlin");
    }

    @Test
    void multiLineFastPathHoldsTheLinesInKeyOrder() {
        Counting storage = new Counting();
        StockLedger stock = OrderKit.builder().stockStorage(storage).build().stock();
        for (String sku : List.of("a", "b", "c")) {
            stock.setOnHand(StockKey.of(sku), 10, -1, "count");
        }
        stock.reserve(
                request("r0", ReservationLine.of("c", 1), ReservationLine.of("a", 1), ReservationLine.of("b", 1)));
        int reads = storage.levelReads.get();
        Reservation r = stock.reserve(
                request("r1", ReservationLine.of("c", 2), ReservationLine.of("a", 3), ReservationLine.of("b", 4)));
        assertThat(storage.levelReads).hasValue(reads);
        assertThat(r.lines())
                .containsExactly(
                        new AllocatedLine(StockKey.of("a"), 3),
                        new AllocatedLine(StockKey.of("b"), 4),
                        new AllocatedLine(StockKey.of("c"), 2));
        // a repeated call answers the same reservation
        assertThat(stock.reserve(request(
                                "r1",
                                ReservationLine.of("c", 2),
                                ReservationLine.of("a", 3),
                                ReservationLine.of("b", 4)))
                        .lines())
                .isEqualTo(r.lines());
    }
}
