package dev.orderkit.testkit;

/** Proves the in-memory backend of orderkit-core against {@link OrderStoreContract}. */
class InMemoryOrderStoreContractTest extends OrderStoreContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
