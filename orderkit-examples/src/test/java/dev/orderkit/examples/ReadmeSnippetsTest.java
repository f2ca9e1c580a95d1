package dev.orderkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Background;
import dev.orderkit.core.BackgroundTaskStatus;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
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
        kit.stock().adjust(StockKey.of("a"), 1, "init");
        PlaceOrderRequest ok = PlaceOrderRequest.builder(Scope.of("s"), IdempotencyKey.of("k1"))
                .line("a", 1, 10)
                .build();
        PlaceOrderRequest other = PlaceOrderRequest.builder(Scope.of("s"), IdempotencyKey.of("k1"))
                .line("a", 2, 10)
                .build();
        assertThat(ReadmeSnippets.httpStatusFor(kit, ok)).isEqualTo(201);
        assertThat(ReadmeSnippets.httpStatusFor(kit, ok)).isEqualTo(201);
        assertThat(ReadmeSnippets.httpStatusFor(kit, other)).isEqualTo(422);
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
    void demoRuns() throws Exception {
        QuickStartDemo.main(new String[0]);
    }
}
