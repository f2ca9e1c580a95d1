package dev.orderkit.testkit;

/** Proves the in-memory backend of orderkit-core against {@link AsyncPlacementContract}. */
class InMemoryAsyncPlacementContractTest extends AsyncPlacementContract {
    @Override
    protected BackendFixture createFixture() {
        return InMemoryBackendFixture.withOutbox(); // the order events are checked
    }
}
