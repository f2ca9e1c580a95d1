package dev.orderkit.testkit;

/** The ambiguous-failure contract against the in-memory backends, failing at the SPI boundary. */
class InMemoryAmbiguousFailureContractTest extends AmbiguousFailureContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
