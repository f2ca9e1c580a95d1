package dev.orderkit.testkit;

/** Order-owned holds, reservation-id mismatches and cancelled replays against the in-memory backends. */
class InMemoryOrderOwnedHoldsContractTest extends OrderOwnedHoldsContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
