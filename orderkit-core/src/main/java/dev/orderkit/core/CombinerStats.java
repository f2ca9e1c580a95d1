package dev.orderkit.core;

/**
 * Counters of a kit's hot-SKU combiner ({@link Combining}), for tests and benchmarks: how many
 * reservation calls went through it and how they were batched. A snapshot; counts only grow.
 *
 * @param calls storage reservations the combiner handled (each attempt of a reserve counts)
 * @param batches batches of two or more members applied with one {@code reserveAll}
 * @param batchedMembers members of those batches (the other calls went to {@code reserve} alone)
 * @param largestBatch the largest batch so far (0 before the first)
 * @param fallbacks members re-run alone with {@code reserve} because their batch call failed
 */
public record CombinerStats(long calls, long batches, long batchedMembers, int largestBatch, long fallbacks) {}
