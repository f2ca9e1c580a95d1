package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.PublicApiPropertyContract;

/** The public API's hostile-input properties (jqwik) against H2, with atomic phases. */
class H2PublicApiPropertyTest extends PublicApiPropertyContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.H2);
    }
}
