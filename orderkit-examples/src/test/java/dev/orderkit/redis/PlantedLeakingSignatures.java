package dev.orderkit.redis;

import dev.orderkit.redis.internal.Keys;
import dev.orderkit.redis.internal.SagaHook;

/**
 * Planted layering violations (test fixture only): a published class whose supertype, field,
 * method and constructor signatures name internal types.
 */
public abstract class PlantedLeakingSignatures implements SagaHook {
    /** An internal type in a published field. */
    public Keys keys;

    /**
     * An internal type in a published constructor.
     *
     * @param keys leaked
     */
    protected PlantedLeakingSignatures(Keys keys) {
        this.keys = keys;
    }

    /**
     * An internal type in a published method.
     *
     * @return leaked
     */
    public Keys keys() {
        return keys;
    }
}
