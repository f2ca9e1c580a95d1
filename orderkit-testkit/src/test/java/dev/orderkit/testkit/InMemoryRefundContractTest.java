package dev.orderkit.testkit;

/** Proves the in-memory backend of orderkit-core against {@link RefundContract}. */
class InMemoryRefundContractTest extends RefundContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
