package dev.orderkit.testkit;

import dev.orderkit.core.StockKey;
import dev.orderkit.core.memory.InMemoryIdempotencyStore;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.memory.InMemoryStockStorage;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StockStorage;

/** The drift check and movement paging against the in-memory stock storage. */
class InMemoryDriftCheckContractTest extends DriftCheckContract {
    private InMemoryStockStorage storage;

    @Override
    protected BackendFixture createFixture() {
        storage = new InMemoryStockStorage();
        return fixture(storage);
    }

    /** A fixture over the given in-memory storage (unwrapped, so the plant hooks can reach it). */
    static BackendFixture fixture(StockStorage storage) {
        IdempotencyStore keys = new InMemoryIdempotencyStore();
        OrderStore orders = new InMemoryOrderStore(EventSink.discarding());
        return new BackendFixture() {
            @Override
            public StockStorage stockStorage() {
                return storage;
            }

            @Override
            public IdempotencyStore idempotencyStore() {
                return keys;
            }

            @Override
            public OrderStore orderStore() {
                return orders;
            }
        };
    }

    @Override
    protected void plantLevel(StockKey key, long onHand, long reserved) {
        InMemoryDrift.plantLevel(storage, key, onHand, reserved);
    }

    @Override
    protected void plantOrphanHold(StockKey key, String reservationId, long quantity) {
        InMemoryDrift.plantOrphanHold(storage, key, reservationId, quantity, clock.instant());
    }
}
