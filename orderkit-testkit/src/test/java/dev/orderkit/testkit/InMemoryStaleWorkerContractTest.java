package dev.orderkit.testkit;

/** The stale-worker interleavings against the in-memory backends. */
class InMemoryStaleWorkerContractTest extends StaleWorkerContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
