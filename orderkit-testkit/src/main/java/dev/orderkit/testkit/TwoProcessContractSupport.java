package dev.orderkit.testkit;

import dev.orderkit.core.payment.SimulatedPaymentPort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Fixture lifecycle of the suites that play two application instances (two processes) on one
 * backend: besides the primary fixture, a {@link #peer peer} client of the same backend and one
 * simulated payment gateway shared by both, opened before each test and closed after it (the peer
 * before the primary). Not thread-safe itself (JUnit creates one instance per test).
 */
public abstract class TwoProcessContractSupport extends ContractSupport {
    /** The second instance's client of the backend (may be the primary fixture itself). */
    protected BackendFixture peerFixture;
    /** The payment gateway both instances share. */
    protected SimulatedPaymentPort gateway;

    /** Subclasses are created by JUnit. */
    protected TwoProcessContractSupport() {}

    /** Opens the peer client and the shared gateway. */
    @BeforeEach
    protected final void openPeerAndGateway() {
        peerFixture = peer(fixture);
        gateway = new SimulatedPaymentPort();
    }

    /** Closes the peer client (before the primary fixture is closed). */
    @AfterEach
    protected final void closePeerClient() {
        if (peerFixture != null && peerFixture != fixture) {
            peerFixture.close();
        }
    }
}
