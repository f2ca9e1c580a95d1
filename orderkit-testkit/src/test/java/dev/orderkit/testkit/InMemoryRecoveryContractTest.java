package dev.orderkit.testkit;

/** Proves the in-memory backend of orderkit-core against {@link RecoveryContract}. */
class InMemoryRecoveryContractTest extends RecoveryContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
