package dev.orderkit.core;

/** Why a stock level changed. */
public enum MovementReason {
    /** Restock or correction by delta. */
    ADJUST,
    /** On-hand set to an absolute value (stock count). */
    SET_ON_HAND,
    /** A reservation held stock. */
    RESERVE,
    /** A reservation was released. */
    RELEASE,
    /** A hold expired. */
    EXPIRE,
    /** Committed stock shipped. */
    FULFIL
}
