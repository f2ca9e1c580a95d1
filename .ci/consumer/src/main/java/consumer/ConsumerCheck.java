package consumer;

import com.zaxxer.hikari.HikariDataSource;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.jdbc.HikariPools;
import dev.orderkit.jdbc.JdbcBackend;

/** Uses orderkit exactly as a downstream application would; exits non-zero if anything is off. */
public final class ConsumerCheck {
    public static void main(String[] args) {
        check("in-memory", OrderKit.builder().build());
        try (HikariDataSource pool = HikariPools.recommended("jdbc:h2:mem:consumer;DB_CLOSE_DELAY=-1", "sa", "", 4)) {
            JdbcBackend db = JdbcBackend.builder().dataSource(pool).tablePrefix("ok_").migrateOnBuild(true).build();
            check("jdbc/" + db.dialect(), OrderKit.builder().stockStorage(db.stockStorage())
                    .idempotencyStore(db.idempotencyStore()).orderStore(db.orderStore()).build());
        }
    }

    private static void check(String name, OrderKit kit) {
        kit.stock().adjust(StockKey.of("sku-1"), 5, "consumer-check");
        PlaceOrderRequest req = PlaceOrderRequest.builder(Scope.of("consumer"), IdempotencyKey.of("k-1"))
                .line("sku-1", 2, 100).build();
        PlaceOrderResult first = kit.orders().place(req);
        PlaceOrderResult again = kit.orders().place(req);
        if (first.outcome() != PlacementOutcome.PLACED || !again.replayed()
                || !again.order().id().equals(first.order().id())
                || kit.stock().level(StockKey.of("sku-1")).orElseThrow().available() != 3) {
            throw new IllegalStateException(name + " placement misbehaved: " + first + " / " + again);
        }
        System.out.println("consumer-check: " + name + " OK (order " + first.order().id() + ")");
    }
}
