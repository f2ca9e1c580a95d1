package dev.orderkit.testkit;

/** Proves the in-memory backend of orderkit-core against {@link StockPolicyContract}. */
class InMemoryStockPolicyContractTest extends StockPolicyContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
