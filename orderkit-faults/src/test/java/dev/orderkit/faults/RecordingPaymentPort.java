package dev.orderkit.faults;

import dev.orderkit.core.Money;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The suite's payment gateway: a {@link SimulatedPaymentPort} on the durable, shared
 * {@code JdbcPaymentLedger} (every effective gateway call commits its result and payment rows in
 * PostgreSQL before it answers, once per idempotency key across all JVMs), and in front of it a
 * call log: every call is first appended to {@code <prefix>gateway_calls} (auto-commit), so the
 * suite counts every call that was about to reach the gateway, killed worker or not.
 *
 * <p>Its {@link #callTimeout()} (500 ms) sizes the kit's lease; the simulated gateway answers in
 * milliseconds.
 */
final class RecordingPaymentPort implements PaymentPort {
    private final SimulatedPaymentPort gateway;
    private final DataSource log;
    private final String table;
    private final String caller;

    RecordingPaymentPort(SimulatedPaymentPort gateway, DataSource log, String prefix, String caller) {
        this.gateway = gateway;
        this.log = log;
        this.table = callTable(prefix);
        this.caller = caller;
    }

    static String callTable(String prefix) {
        return prefix + "gateway_calls";
    }

    /** Creates the call log table. */
    static void createTable(DataSource ds, String prefix) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + callTable(prefix) + " (caller VARCHAR(64) NOT NULL, "
                    + "op VARCHAR(16) NOT NULL, idem_key VARCHAR(300) NOT NULL, order_id VARCHAR(255))");
        }
    }

    private void record(String op, String key, String orderId) {
        try (Connection c = log.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO " + table + " (caller, op, idem_key, order_id) VALUES (?, ?, ?, ?)")) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            ps.setString(1, caller);
            ps.setString(2, op);
            ps.setString(3, key);
            ps.setString(4, orderId);
            ps.executeUpdate();
        } catch (SQLException e) {
            // nothing reached the gateway: a retryable failure before the call
            throw new PaymentUnavailableException("gateway call log unavailable: " + e.getMessage(), null, e);
        }
    }

    @Override
    public PaymentResult authorize(AuthorizeRequest request) {
        record("authorize", request.idempotencyKey(), request.orderId());
        return gateway.authorize(request);
    }

    @Override
    public PaymentResult capture(String idempotencyKey, String paymentId, Money amount) {
        record("capture", idempotencyKey, paymentId);
        return gateway.capture(idempotencyKey, paymentId, amount);
    }

    @Override
    public PaymentResult voidAuthorization(String idempotencyKey, String paymentId) {
        record("void", idempotencyKey, paymentId);
        return gateway.voidAuthorization(idempotencyKey, paymentId);
    }

    @Override
    public PaymentResult refund(String idempotencyKey, String paymentId, Money amount) {
        record("refund", idempotencyKey, paymentId);
        return gateway.refund(idempotencyKey, paymentId, amount);
    }

    @Override
    public Optional<PaymentResult> voidAuthorizationByKey(AuthorizeRequest authorization, String voidKey) {
        record("voidByKey", voidKey, authorization.orderId());
        return gateway.voidAuthorizationByKey(authorization, voidKey);
    }

    @Override
    public Duration callTimeout() {
        return Duration.ofMillis(500);
    }
}
