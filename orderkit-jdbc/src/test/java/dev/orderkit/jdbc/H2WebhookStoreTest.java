package dev.orderkit.jdbc;

import dev.orderkit.testkit.WebhookStoreContract;

/** WebhookStoreContract against H2 (see {@link TestDatabases} for how the server is found). */
class H2WebhookStoreTest extends WebhookStoreContract {
    @Override
    protected Fixture createFixture() {
        return new JdbcWebhookFixture(TestDatabases.Kind.H2);
    }
}
