package dev.orderkit.testkit;

import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.memory.InMemoryIdempotencyStore;
import dev.orderkit.core.memory.InMemoryInboxStore;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.memory.InMemoryStockStorage;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StockStorage;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;

/** Storage stays flat over 10,000 order cycles on the in-memory backends (used directly, so they can be counted). */
class InMemoryBoundedStorageContractTest extends BoundedStorageContract {
    private final InMemoryStockStorage stock = new InMemoryStockStorage();
    private final InMemoryIdempotencyStore keys = new InMemoryIdempotencyStore();
    private final InMemoryOrderStore orders = new InMemoryOrderStore(EventSink.discarding());
    private final InMemoryInboxStore inbox = new InMemoryInboxStore();

    @Override
    protected BackendFixture createFixture() {
        return new BackendFixture() {
            @Override
            public StockStorage stockStorage() {
                return stock;
            }

            @Override
            public IdempotencyStore idempotencyStore() {
                return keys;
            }

            @Override
            public OrderStore orderStore() {
                return orders;
            }

            @Override
            public InboxStore inboxStore() {
                return inbox;
            }

            @Override
            public String description() {
                return "in-memory (orderkit-core)";
            }
        };
    }

    @Override
    protected Map<String, Long> footprint() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("reservations", (long)
                stock.reservations(EnumSet.allOf(ReservationState.class)).size());
        long movements = 0;
        for (StockLevel l : stock.allLevels()) {
            movements += stock.movements(l.key()).size();
        }
        out.put("movements", movements);
        out.put("idempotency keys", (long) keys.size());
        out.put("inbox messages", (long) inbox.size());
        return out;
    }
}
