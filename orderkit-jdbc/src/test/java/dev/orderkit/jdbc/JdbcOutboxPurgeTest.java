package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PurgeReport;
import dev.orderkit.core.Retention;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.jdbc.TestDatabases.Kind;
import dev.orderkit.testkit.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The outbox's retention primitive ({@code OrderStore.purgeSentEvents}) and {@code OrderKit#purge()}
 * over it, on every dialect: only published ({@code SENT}) rows older than the bound go, pending
 * ones stay however old, in batches within the limit, idempotently.
 */
class JdbcOutboxPurgeTest {
    private static final Scope SHOP = Scope.of("shop-1");

    private static PlaceOrderRequest request(String key) {
        return PlaceOrderRequest.builder(SHOP, IdempotencyKey.of(key))
                .paymentMethod("pm_card_visa")
                .line("outbox-widget", 1, 100)
                .build();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void onlyPublishedEventsOlderThanTheBoundArePurged(Kind kind) {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            TestClock clock = TestClock.startingNow();
            // the publisher stamps sent_at with this backend's clock: the test clock
            JdbcBackend b = JdbcBackend.builder()
                    .dataSource(f.dataSource())
                    .tablePrefix(f.backend().tablePrefix())
                    .clock(clock)
                    .build();
            OrderKit kit = OrderKit.builder()
                    .stockStorage(b.stockStorage())
                    .idempotencyStore(b.idempotencyStore())
                    .orderStore(b.orderStore())
                    .clock(clock)
                    .retention(Retention.defaults().withSentEvents(Duration.ofHours(1)))
                    .build();
            kit.stock().adjust(StockKey.of("outbox-widget"), 100, "stock");
            for (int i = 0; i < 3; i++) {
                kit.orders().place(request("old-" + i));
            }
            OutboxPublisher publisher = b.outboxPublisher(EventSink.discarding());
            while (publisher.publishPending() > 0) {
                // publish everything written so far, at the test clock
            }
            long oldSent = publisher.count("SENT");
            assertThat(oldSent).isGreaterThanOrEqualTo(3);
            kit.orders().place(request("pending")); // its events stay pending
            long pending = publisher.count("PENDING");
            assertThat(pending).isPositive();
            clock.advance(Duration.ofHours(2));
            kit.orders().place(request("recent"));
            while (publisher.publishPending() > 0) {
                // the pending ones and the recent ones are sent now: younger than the bound
            }
            long recentSent = publisher.count("SENT") - oldSent;
            kit.orders().place(request("never-published"));
            long pendingNow = publisher.count("PENDING");

            List<Integer> batches = new ArrayList<>();
            int n;
            do {
                n = b.orderStore().purgeSentEvents(clock.instant().minus(Duration.ofHours(1)), 2);
                batches.add(n);
            } while (n > 0 && batches.size() < 100);

            assertThat(batches).allSatisfy(x -> assertThat(x).isLessThanOrEqualTo(2));
            assertThat(batches.stream().mapToInt(Integer::intValue).sum()).isEqualTo((int) oldSent);
            assertThat(publisher.count("SENT")).isEqualTo(recentSent);
            assertThat(publisher.count("PENDING")).isEqualTo(pendingNow);
            assertThat(b.orderStore().purgeSentEvents(clock.instant().minus(Duration.ofHours(1)), 100))
                    .isZero();

            clock.advance(Duration.ofHours(2));
            PurgeReport report = kit.purge();
            assertThat(report.sentEvents()).isEqualTo(recentSent);
            assertThat(publisher.count("SENT")).isZero();
            assertThat(publisher.count("PENDING")).as("never published: kept").isEqualTo(pendingNow);
        }
    }
}
