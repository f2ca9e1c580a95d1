package dev.orderkit.testkit;

/** Proves the in-memory backend of orderkit-core against {@link ReservationLifecycleContract}. */
class InMemoryReservationLifecycleContractTest extends ReservationLifecycleContract {
    @Override
    protected BackendFixture createFixture() {
        return new InMemoryBackendFixture();
    }
}
