package dev.orderkit.jdbc;

import dev.orderkit.testkit.WebhookStoreContract;

/** WebhookStoreContract against Postgres (see {@link TestDatabases} for how the server is found). */
class PostgresWebhookStoreTest extends WebhookStoreContract {
    @Override
    protected Fixture createFixture() {
        return new JdbcWebhookFixture(TestDatabases.Kind.POSTGRES);
    }
}
