package dev.orderkit.testkit;

/** Proves orderkit-core's {@link dev.orderkit.core.memory.InMemoryInboxStore} against {@link InboxStoreContract}. */
class InMemoryInboxStoreContractTest extends InboxStoreContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
