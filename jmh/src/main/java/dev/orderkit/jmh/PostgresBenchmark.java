package dev.orderkit.jmh;

import dev.orderkit.jmh.internal.TrialDatabase;

/** The JDBC benchmarks ({@link AbstractJdbcBenchmark}) on PostgreSQL. */
public class PostgresBenchmark extends AbstractJdbcBenchmark {
    @Override
    protected TrialDatabase.Kind kind() {
        return TrialDatabase.Kind.POSTGRES;
    }
}
