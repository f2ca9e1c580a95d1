package dev.orderkit.jdbc;

import dev.orderkit.testkit.AmbiguousFailureContract;
import dev.orderkit.testkit.BackendFixture;

/**
 * AmbiguousFailureContract against MariaDB: commits fail before the server applied them or lose
 * their acknowledgement after it did ({@link JdbcFixture#faults()}).
 */
class MariaDbAmbiguousFailureTest extends AmbiguousFailureContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }
}
