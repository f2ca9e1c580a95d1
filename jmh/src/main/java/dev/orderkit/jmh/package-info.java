/**
 * JMH benchmarks of orderkit, each next to a raw baseline doing the same guarded writes, so results
 * are read as orderkit/raw ratios from one run. Run them with {@code jmh/run.sh}; see
 * {@code jmh/README.md}.
 */
package dev.orderkit.jmh;
