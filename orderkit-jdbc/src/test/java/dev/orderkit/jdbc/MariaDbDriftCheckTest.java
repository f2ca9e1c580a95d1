package dev.orderkit.jdbc;

import dev.orderkit.jdbc.TestDatabases.Kind;

/** DriftCheckContract against MariaDb (see {@link TestDatabases} for how the server is found). */
class MariaDbDriftCheckTest extends JdbcDriftCheckContract {
    MariaDbDriftCheckTest() {
        super(Kind.MARIADB);
    }
}
