package dev.orderkit.testkit;

/** Proves the in-memory backend of orderkit-core against {@link BadInputContract}. */
class InMemoryBadInputContractTest extends BadInputContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
