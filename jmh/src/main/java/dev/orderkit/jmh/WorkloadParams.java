package dev.orderkit.jmh;

import dev.orderkit.jmh.internal.Workload;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** The workload parameters every reservation benchmark shares (JMH inherits {@code @Param} fields). */
@State(Scope.Benchmark)
public abstract class WorkloadParams {
    /** Lines per reservation. */
    @Param({"1", "5"})
    public int lines;
    /** {@code spread} (random among the catalog) or {@code hot} (always the same SKUs). */
    @Param({"spread", "hot"})
    public String skus;
    /** Number of SKUs in the catalog. */
    @Param({"1000"})
    public int catalog;

    /**
     * The workload these parameters describe.
     *
     * @return a new workload
     */
    protected final Workload newWorkload() {
        return new Workload(catalog, lines, skus);
    }
}
