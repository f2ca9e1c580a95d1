package dev.orderkit.core.memory;

/**
 * How hard the Lincheck tests search, sized for a 2-core CI machine. Raise it for a deeper run,
 * e.g. {@code -Dorderkit.lincheck.iterations=200}.
 */
final class LincheckBudget {
    /** Scenarios generated per test. */
    static final int ITERATIONS = Integer.getInteger("orderkit.lincheck.iterations", 10);
    /** Runs of each scenario in stress mode. */
    static final int STRESS_INVOCATIONS = Integer.getInteger("orderkit.lincheck.stress", 1_000);
    /** Interleavings of each scenario explored in model-checking mode. */
    static final int MODEL_CHECKING_INVOCATIONS = Integer.getInteger("orderkit.lincheck.mc", 100);

    private LincheckBudget() {
    }
}
