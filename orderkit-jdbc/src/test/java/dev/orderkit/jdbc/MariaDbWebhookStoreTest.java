package dev.orderkit.jdbc;

import dev.orderkit.testkit.WebhookStoreContract;

/** WebhookStoreContract against MariaDb (see {@link TestDatabases} for how the server is found). */
class MariaDbWebhookStoreTest extends WebhookStoreContract {
    @Override
    protected Fixture createFixture() {
        return new JdbcWebhookFixture(TestDatabases.Kind.MARIADB);
    }
}
