package dev.orderkit.testkit;

/** Proves the in-memory backend of orderkit-core against {@link OrderServiceContract}. */
class InMemoryOrderServiceContractTest extends OrderServiceContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
