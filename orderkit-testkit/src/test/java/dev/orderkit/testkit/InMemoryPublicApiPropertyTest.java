package dev.orderkit.testkit;

/** The public API's hostile-input properties (jqwik) against the in-memory backends. */
class InMemoryPublicApiPropertyTest extends PublicApiPropertyContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
