package dev.orderkit.jdbc;

import dev.orderkit.testkit.AmbiguousFailureContract;
import dev.orderkit.testkit.BackendFixture;

/**
 * AmbiguousFailureContract against H2: commits fail before the server applied them or lose
 * their acknowledgement after it did ({@link JdbcFixture#faults()}).
 */
class H2AmbiguousFailureTest extends AmbiguousFailureContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.H2);
    }
}
