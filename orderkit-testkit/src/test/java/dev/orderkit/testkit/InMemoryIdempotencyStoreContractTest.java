package dev.orderkit.testkit;

/** Proves the in-memory backend of orderkit-core against {@link IdempotencyStoreContract}. */
class InMemoryIdempotencyStoreContractTest extends IdempotencyStoreContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
