package dev.orderkit.jdbc;

import dev.orderkit.jdbc.TestDatabases.Kind;

/** DriftCheckContract against H2 (see {@link TestDatabases} for how the server is found). */
class H2DriftCheckTest extends JdbcDriftCheckContract {
    H2DriftCheckTest() {
        super(Kind.H2);
    }
}
