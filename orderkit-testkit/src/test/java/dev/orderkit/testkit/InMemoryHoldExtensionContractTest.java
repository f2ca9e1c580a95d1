package dev.orderkit.testkit;

/** Proves the in-memory backend of orderkit-core against {@link HoldExtensionContract}. */
class InMemoryHoldExtensionContractTest extends HoldExtensionContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
