package dev.orderkit.testkit;

/** The retention primitives and {@code OrderKit#purge()} against the in-memory backends. */
class InMemoryRetentionContractTest extends RetentionContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
