package dev.orderkit.testkit;

/** Proves the in-memory backend of orderkit-core against {@link CrashRecoveryContract}. */
class InMemoryCrashRecoveryContractTest extends CrashRecoveryContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
