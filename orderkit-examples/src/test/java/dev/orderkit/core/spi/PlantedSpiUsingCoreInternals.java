package dev.orderkit.core.spi;

import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.internal.Retries;

/** Planted layering violation (test fixture only): an SPI-package class that uses core.internal. */
final class PlantedSpiUsingCoreInternals {
    private PlantedSpiUsingCoreInternals() {}

    static Object retries() {
        return new Retries(RetrySettings.none());
    }
}
