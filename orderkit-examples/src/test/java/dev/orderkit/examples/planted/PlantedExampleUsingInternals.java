package dev.orderkit.examples.planted;

import dev.orderkit.redis.internal.Keys;

/** Planted layering violation (test fixture only): example code that uses a module's internals. */
final class PlantedExampleUsingInternals {
    private PlantedExampleUsingInternals() {}

    static String describe(Keys keys) {
        return String.valueOf(keys);
    }
}
