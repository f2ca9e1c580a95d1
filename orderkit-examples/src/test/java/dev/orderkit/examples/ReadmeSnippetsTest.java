package dev.orderkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Background;
import dev.orderkit.core.BackgroundTaskStatus;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadmeSnippetsTest {

    @Test
    void quickStartPlacesTheOrder() {
        assertThat(ReadmeSnippets.quickStart().outcome()).isEqualTo(PlacementOutcome.PLACED);
    }

    @Test
    void reserveDirectlyServesBothLinesFromOneLocation() {
        var hold = ReadmeSnippets.reserveDirectly();
        assertThat(hold.state()).isEqualTo(ReservationState.HELD);
        assertThat(hold.lines())
                .extracting(AllocatedLine::key)
                .containsExactly(StockKey.of("mug", "paris"), StockKey.of("plate", "paris"));
    }

    @Test
    void httpMapping() {
        OrderKit kit = OrderKit.builder().build();
        kit.stock().adjust(StockKey.of("tee-black-m"), 2, "init");
        assertThat(ReadmeSnippets.httpStatusFor(kit, "k1", 1)).isEqualTo(201);
        assertThat(ReadmeSnippets.httpStatusFor(kit, "k1", 1)).as("replay").isEqualTo(201);
        assertThat(ReadmeSnippets.httpStatusFor(kit, "k1", 2))
                .as("same key, other body")
                .isEqualTo(422);
        assertThat(ReadmeSnippets.httpStatusFor(kit, null, 1)).as("no key").isEqualTo(400);
        assertThat(ReadmeSnippets.httpStatusFor(kit, "  ", 1)).as("blank key").isEqualTo(400);
        // out of stock is a business outcome of a completed request, not a conflict (was 409)
        assertThat(ReadmeSnippets.httpStatusFor(kit, "k2", 5)).isEqualTo(200);
        assertThat(ReadmeSnippets.httpStatusFor(kit, "k2", 5))
                .as("replayed outcome")
                .isEqualTo(200);
    }

    @Test
    void backgroundWorkSnippetSchedulesItsTasksAndCloseCancelsThem() {
        assertThat(ReadmeSnippets.backgroundWork())
                .extracting(BackgroundTaskStatus::task, BackgroundTaskStatus::nextRunAt)
                .containsExactly(
                        tuple(Background.RECOVERY, null),
                        tuple(Background.EXPIRY, null),
                        tuple(Background.PURGE, null));
    }

    @Test
    void driftCheckSnippetReportsAConsistentLedgerAsClean() {
        OrderKit kit = OrderKit.builder().build();
        kit.stock().adjust(StockKey.of("mug", "paris"), 5, "restock");
        kit.stock().adjust(StockKey.of("mug", "berlin"), 2, "restock");
        kit.stock()
                .reserve(new ReservationRequest(
                        "cart-1", List.of(ReservationLine.at("mug", "paris", 2)), Duration.ofMinutes(5)));
        var report = ReadmeSnippets.driftCheck(kit);
        assertThat(report.checked()).isEqualTo(2);
        assertThat(report.drifts()).isEmpty();
        assertThat(report.unknown()).isEmpty();
    }

    @Test
    void demoRuns() throws Exception {
        QuickStartDemo.main(new String[0]);
    }
}
