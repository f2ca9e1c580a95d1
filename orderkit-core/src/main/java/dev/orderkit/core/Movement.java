package dev.orderkit.core;

import java.time.Instant;

/**
 * One append-only entry of the stock ledger. Replaying all movements of a key from zero yields its
 * current level.
 *
 * @param key the SKU and location
 * @param onHandDelta change of on-hand
 * @param reservedDelta change of reserved
 * @param reason why the level changed
 * @param reference the reservation id or caller reference
 * @param at when
 */
public record Movement(
        StockKey key, long onHandDelta, long reservedDelta, MovementReason reason, String reference, Instant at) {}
