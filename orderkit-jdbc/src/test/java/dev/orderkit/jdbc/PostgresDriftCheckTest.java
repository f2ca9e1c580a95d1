package dev.orderkit.jdbc;

import dev.orderkit.jdbc.TestDatabases.Kind;

/** DriftCheckContract against Postgres (see {@link TestDatabases} for how the server is found). */
class PostgresDriftCheckTest extends JdbcDriftCheckContract {
    PostgresDriftCheckTest() {
        super(Kind.POSTGRES);
    }
}
