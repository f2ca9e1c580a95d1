package dev.orderkit.jdbc;

import dev.orderkit.testkit.AmbiguousFailureContract;
import dev.orderkit.testkit.BackendFixture;

/**
 * AmbiguousFailureContract against PostgreSQL: commits fail before the server applied them or lose
 * their acknowledgement after it did ({@link JdbcFixture#faults()}).
 */
class PostgresAmbiguousFailureTest extends AmbiguousFailureContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.POSTGRES);
    }
}
