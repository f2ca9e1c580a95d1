package dev.orderkit.jmh;

import dev.orderkit.jmh.internal.TrialDatabase;

/** The JDBC benchmarks ({@link AbstractJdbcBenchmark}) on H2 in-memory. */
public class H2Benchmark extends AbstractJdbcBenchmark {
    @Override
    protected TrialDatabase.Kind kind() {
        return TrialDatabase.Kind.H2;
    }
}
