package dev.orderkit.testkit;

/** Proves the in-memory backend of orderkit-core against {@link StockStorageContract}. */
class InMemoryStockStorageContractTest extends StockStorageContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
