package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.spi.ReserveCommand;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.StockStorageContract;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** StockStorageContract against a standalone Redis (orders in core's in-memory store). */
class RedisStandaloneStockStorageTest extends StockStorageContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((RedisFixture) primary).peer();
    }

    /**
     * The hot-SKU batch buffers its level writes until the end of the script; a member that is short
     * until a due hold expires makes the script write what it buffered, expire the hold and read the
     * level again, so the members before and after it see exactly the levels sequential reserves
     * would, and the movements keep their order.
     */
    @Test
    void batchMemberThatExpiresADueHoldSeesTheLevelsOfTheMembersBeforeIt() {
        StockKey a = StockKey.of("sku-hot", "east");
        stockUp(a, 4);
        Instant t = now();
        assertThat(stock().reserve("due", List.of(new AllocatedLine(a, 2)), t.plusSeconds(1), t))
                .isInstanceOf(ReserveResult.Reserved.class);
        clock.advance(Duration.ofSeconds(2));
        Instant at = now();
        Instant exp = at.plusSeconds(600);
        List<ReserveResult> out = stock().reserveAll(List.of(
                new ReserveCommand("b1", List.of(new AllocatedLine(a, 1)), exp, at), // 1 left of 2
                new ReserveCommand("b2", List.of(new AllocatedLine(a, 1)), exp, at), // 0 left
                new ReserveCommand("b3", List.of(new AllocatedLine(a, 2)), exp, at), // short: expires "due"
                new ReserveCommand("b4", List.of(new AllocatedLine(a, 1)), exp, at))); // short for good
        assertThat(out.get(0)).isInstanceOf(ReserveResult.Reserved.class);
        assertThat(((ReserveResult.Reserved) out.get(0)).levels().get(0).reserved())
                .isEqualTo(3);
        assertThat(((ReserveResult.Reserved) out.get(1)).levels().get(0).reserved())
                .isEqualTo(4);
        ReserveResult.Reserved b3 = (ReserveResult.Reserved) out.get(2);
        assertThat(b3.levels().get(0).reserved())
                .as("the due hold's 2 back, b3's 2 taken")
                .isEqualTo(4);
        assertThat(out.get(3)).isInstanceOf(ReserveResult.Insufficient.class);
        assertThat(stock().reservation("due").orElseThrow().state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(stock().level(a).orElseThrow().reserved()).isEqualTo(4);
        assertThat(stock().level(a).orElseThrow().version())
                .isEqualTo(b3.levels().get(0).version());
        assertThat(stock().movements(a))
                .filteredOn(m -> m.reason() != MovementReason.ADJUST)
                .extracting(m -> m.reason() + ":" + m.reference() + ":" + m.reservedDelta())
                .containsExactly("RESERVE:due:2", "RESERVE:b1:1", "RESERVE:b2:1", "EXPIRE:due:-2", "RESERVE:b3:2");
        assertThat(stock().movements(a)).extracting(Movement::reference).doesNotContain("b4");
        assertStockInvariants();
    }
}
