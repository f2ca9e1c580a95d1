package dev.orderkit.jdbc;

import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.internal.Retries;

/** Planted layering violation (test fixture only): a backend class that uses core.internal. */
final class PlantedBackendUsingCoreInternals {
    private PlantedBackendUsingCoreInternals() {}

    static Object retries() {
        return new Retries(RetrySettings.defaults());
    }
}
