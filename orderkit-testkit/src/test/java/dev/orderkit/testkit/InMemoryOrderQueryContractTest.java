package dev.orderkit.testkit;

/** Proves the in-memory backend of orderkit-core against {@link OrderQueryContract}. */
class InMemoryOrderQueryContractTest extends OrderQueryContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
