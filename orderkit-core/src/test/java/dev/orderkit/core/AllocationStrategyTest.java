package dev.orderkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AllocationStrategyTest {
    private static StockLevel level(String sku, String loc, long onHand, long reserved) {
        return new StockLevel(StockKey.of(sku, loc), onHand, reserved, 1, Instant.EPOCH);
    }

    private static final Map<String, List<StockLevel>> LEVELS = Map.of(
            "mug", List.of(level("mug", "berlin", 3, 0), level("mug", "paris", 5, 1)),
            "plate", List.of(level("plate", "paris", 2, 0)));

    @Test
    void locationPriorityServesFromThePreferredLocationFirstAndSplits() {
        var a = AllocationStrategy.locationPriority(List.of("berlin"), true)
                .allocate(List.of(ReservationLine.of("mug", 5)), LEVELS);
        assertThat(a.isComplete()).isTrue();
        assertThat(a.lines())
                .containsExactly(
                        new AllocatedLine(StockKey.of("mug", "berlin"), 3),
                        new AllocatedLine(StockKey.of("mug", "paris"), 2));
    }

    @Test
    void forbiddenSplitNeedsOneLocationWithTheWholeLine() {
        var strategy = AllocationStrategy.locationPriority(List.of("berlin"), false);
        var a = strategy.allocate(List.of(ReservationLine.of("mug", 4)), LEVELS);
        assertThat(a.lines()).containsExactly(new AllocatedLine(StockKey.of("mug", "paris"), 4));
        var b = strategy.allocate(List.of(ReservationLine.of("mug", 5)), LEVELS);
        assertThat(b.isComplete()).isFalse();
        assertThat(b.lines()).isEmpty();
        assertThat(b.shortfalls()).containsExactly(new Shortfall("mug", null, 5, 4));
    }

    @Test
    void preferSingleLocationShipsTheWholeOrderFromOnePlaceWhenPossible() {
        var a = AllocationStrategy.preferSingleLocation(List.of("berlin", "paris"), true)
                .allocate(List.of(ReservationLine.of("mug", 2), ReservationLine.of("plate", 1)), LEVELS);
        assertThat(a.lines()).extracting(l -> l.key().location()).containsOnly("paris");
    }

    @Test
    void preferSingleLocationFallsBackToSplittingAcrossLocations() {
        var a = AllocationStrategy.preferSingleLocation(List.of("berlin", "paris"), true)
                .allocate(List.of(ReservationLine.of("mug", 6), ReservationLine.of("plate", 1)), LEVELS);
        assertThat(a.isComplete()).isTrue();
        assertThat(a.lines()).hasSize(3);
    }

    @Test
    void fixedLocationIsRespectedAndShortfallsNameIt() {
        var a = AllocationStrategy.defaultStrategy().allocate(List.of(ReservationLine.at("mug", "berlin", 4)), LEVELS);
        assertThat(a.shortfalls()).containsExactly(new Shortfall("mug", "berlin", 4, 3));
    }
}
