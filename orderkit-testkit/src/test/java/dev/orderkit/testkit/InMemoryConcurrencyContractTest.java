package dev.orderkit.testkit;

/** Proves the in-memory backend of orderkit-core against {@link ConcurrencyContract}. */
class InMemoryConcurrencyContractTest extends ConcurrencyContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
