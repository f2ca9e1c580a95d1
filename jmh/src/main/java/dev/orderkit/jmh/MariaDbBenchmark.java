package dev.orderkit.jmh;

import dev.orderkit.jmh.internal.TrialDatabase;

/** The JDBC benchmarks ({@link AbstractJdbcBenchmark}) on MariaDB / MySQL. */
public class MariaDbBenchmark extends AbstractJdbcBenchmark {
    @Override
    protected TrialDatabase.Kind kind() {
        return TrialDatabase.Kind.MARIADB;
    }
}
