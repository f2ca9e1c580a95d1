package dev.orderkit.testkit;

/** OutboxContract against the in-memory backend with its shared outbox. */
class InMemoryOutboxContractTest extends OutboxContract {
    @Override
    protected BackendFixture createFixture() {
        return InMemoryBackendFixture.withOutbox();
    }
}
