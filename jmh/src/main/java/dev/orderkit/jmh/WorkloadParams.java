package dev.orderkit.jmh;

import dev.orderkit.jmh.internal.Kits;
import dev.orderkit.jmh.internal.Workload;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The workload parameters every benchmark shares (JMH inherits {@code @Param} fields), and the
 * forks' heap: fixed at 4 GB and touched at start-up ({@code -Xms4g -Xmx4g -XX:+AlwaysPreTouch}),
 * for orderkit and its raw baselines alike. A benchmark keeps millions of reservations alive, so
 * with the default (growing) heap the kernel zeroed each newly committed page during the
 * measurement: on a freshly booted machine {@code clear_page_erms} was 56 % of the in-memory
 * reserve thread's CPU samples and 37 % of the raw CAS's (async-profiler), a cost of the VM's heap
 * growth rather than of the code measured, and a production JVM with a fixed heap does not pay it.
 * An explicit {@code -jvmArgsAppend} on the command line replaces these arguments.
 */
@State(Scope.Benchmark)
@Fork(jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch"})
public abstract class WorkloadParams {
    /** Lines per reservation / order. */
    @Param({"1", "5"})
    public int lines;
    /** {@code spread} (random among the catalog) or {@code hot} (always the same SKUs). */
    @Param({"spread", "hot"})
    public String skus;
    /** Number of SKUs in the catalog. */
    @Param({"1000"})
    public int catalog;
    /**
     * Hot-SKU combining of the orderkit side: {@code default} (the builder's default), {@code on} or
     * {@code off}; wired in {@link Kits#builder}. The raw baselines ignore it (run them with the
     * default value only).
     */
    @Param({Kits.DEFAULT})
    public String combine;
    /**
     * JDBC connections per pool (both sides alike): {@code auto} = the benchmark's thread count but
     * at least 16 (64 threads get 64 connections, as pgbench's clients do), or a number.
     */
    @Param({"auto"})
    public String pool;

    /**
     * The workload these parameters describe.
     *
     * @return a new workload
     */
    protected final Workload newWorkload() {
        return new Workload(catalog, lines, skus);
    }

    /**
     * The JDBC pool size for this run.
     *
     * @param threads JMH's thread count
     * @return the connections per pool
     */
    protected final int poolSize(int threads) {
        return pool.equals("auto") ? Math.max(16, threads) : Integer.parseInt(pool);
    }
}
