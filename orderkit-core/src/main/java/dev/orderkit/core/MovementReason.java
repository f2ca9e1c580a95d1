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
    FULFIL,
    /**
     * The level's {@link StockPolicy} was set ({@link StockLedger#setPolicy}): both deltas are zero
     * (a policy changes neither on-hand nor reserved, so replaying movements is unaffected); the
     * movement records the change and its reference.
     */
    POLICY,
    /**
     * The sums of a level's older movements, folded into one by {@code OrderKit#purge()} (see
     * {@link Retention#movements()}): it stands first in the level's movements, in place of those
     * it replaced, so replaying the movements still gives the level. Its reference is
     * {@value Movement#SNAPSHOT_REFERENCE}; its time is that of the newest movement folded into it.
     */
    SNAPSHOT
}
