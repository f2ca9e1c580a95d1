package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OutboxRelay;
import dev.orderkit.core.PurgeReport;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.OutboxEntry;
import dev.orderkit.core.spi.OutboxStore;
import dev.orderkit.core.spi.ReserveCommand;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OutboxContract;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * OutboxContract against a standalone Redis: stock events recorded by the stock scripts in the
 * Redis outbox streams; plus the hot-SKU batch script, which records one event per member it holds.
 */
class RedisStandaloneOutboxTest extends OutboxContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.withOutbox(false);
    }

    @Test
    void aBatchRecordsOneEventPerHeldMemberOnly() {
        StockKey key = StockKey.of("outbox-batch");
        stockUp(key, 3);
        var exp = now().plus(Duration.ofHours(1));
        List<ReserveResult> r = stock().reserveAll(List.of(
                new ReserveCommand("b-1", List.of(new AllocatedLine(key, 1)), exp, now()),
                new ReserveCommand("b-1", List.of(new AllocatedLine(key, 1)), exp, now()),
                new ReserveCommand("b-2", List.of(new AllocatedLine(key, 5)), exp, now()),
                new ReserveCommand("b-3", List.of(new AllocatedLine(key, 2)), exp, now())));
        assertThat(stock().reserveBatchLimit()).isGreaterThan(1); // one script for the batch
        assertThat(r)
                .extracting(x -> x.getClass().getSimpleName())
                .containsExactly("Reserved", "AlreadyExists", "Insufficient", "Reserved");
        List<OutboxEntry> claimed = fixture.outboxStore().claim(now(), 100, now().plusSeconds(60));
        assertThat(claimed)
                .extracting(e -> e.event().id())
                .filteredOn(id -> id.startsWith("b-"))
                .containsExactlyInAnyOrder("b-1:stock_reserved:0", "b-3:stock_reserved:0");
        assertThat(fixture.outboxStore().count(OutboxStore.Status.PENDING)).isEqualTo(claimed.size());
    }

    @Test
    void theKitsPurgeDeletesTheSentEventsOfTheRedisOutbox() {
        StockKey key = StockKey.of("outbox-retention");
        stockUp(key, 5);
        OutboxStore outbox = fixture.outboxStore();
        OutboxRelay relay = new OutboxRelay(
                outbox, EventSink.discarding(), OutboxRelay.Settings.defaults(), clock, Instrumentation.noop());
        relay.drain(10);
        assertThat(outbox.count(OutboxStore.Status.PENDING)).isZero();
        long sent = outbox.count(OutboxStore.Status.SENT);
        assertThat(sent).isPositive();
        OrderKit kit = kitBuilder(fixture, new SimulatedPaymentPort()).build();
        assertThat(kit.purge().sentEvents()).as("not old yet").isZero();
        clock.advance(Duration.ofDays(8));
        PurgeReport report = kit.purge();
        assertThat(report.sentEvents()).isEqualTo(sent);
        assertThat(outbox.count(OutboxStore.Status.SENT)).isZero();
    }
}
