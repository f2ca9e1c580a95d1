package dev.orderkit.jdbc;

import dev.orderkit.jdbc.TestDatabases.Kind;
import dev.orderkit.testkit.WebhookStoreContract;
import dev.orderkit.webhooks.WebhookStore;

/**
 * A {@link WebhookStoreContract} fixture: the JDBC backend's webhook store on its own table prefix
 * (H2: its own in-memory database), and a second backend on the same tables with its own pool as
 * the peer process. {@link #close()} drops the tables.
 */
final class JdbcWebhookFixture implements WebhookStoreContract.Fixture {
    private final JdbcFixture primary;
    private final JdbcFixture peer;

    JdbcWebhookFixture(Kind kind) {
        this.primary = JdbcFixture.create(kind);
        this.peer = primary.peer();
    }

    @Override
    public WebhookStore store() {
        return JdbcWebhooks.store(primary.backend());
    }

    @Override
    public WebhookStore peer() {
        return JdbcWebhooks.store(peer.backend());
    }

    @Override
    public void close() {
        peer.close(); // not the owner: drops nothing
        primary.close();
    }
}
