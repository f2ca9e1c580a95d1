package dev.orderkit.core.spi;

import dev.orderkit.core.StockKey;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import java.time.Instant;
import java.util.Map;

/**
 * The events of stock changes, built the same way by every backend that records them with the
 * change ({@link StockStorage#recordsEvents()}) and by core for a storage that does not. Pure
 * functions: the same change always gives the same event, with the same deterministic id, so a
 * change that is retried after an ambiguous failure, or an event that is redelivered, carries the
 * id a consumer already saw.
 *
 * <p>Ordering key ({@link OrderKitEvent#subjectId()}): a reservation's events have the
 * reservation id (for an order's hold, the order id: the hold's events and the order's events are
 * one ordered stream); a level's {@code STOCK_ADJUSTED} events have {@link #subjectOf(StockKey)}.
 * Thread-safe (stateless).
 */
public final class StockEvents {
    private StockEvents() {}

    /**
     * The subject of a level's events: {@code sku@location}.
     *
     * @param key the level
     * @return the subject id
     */
    public static String subjectOf(StockKey key) {
        return key.sku() + "@" + key.location();
    }

    /**
     * {@code STOCK_RESERVED} of a new hold (id {@code <reservation>:stock_reserved:0}).
     *
     * @param reservationId the reservation
     * @param lines its number of lines
     * @param now when it was held
     * @return the event
     */
    public static OrderKitEvent reserved(String reservationId, int lines, Instant now) {
        return OrderKitEvent.of(
                EventType.STOCK_RESERVED, reservationId, 0, null, Map.of("lines", String.valueOf(lines)), now);
    }

    /**
     * The event of an applied lifecycle action: {@code RESERVATION_COMMITTED},
     * {@code RESERVATION_RELEASED}, {@code RESERVATION_FULFILLED} or {@code RESERVATION_EXPIRED}
     * (id {@code <reservation>:<type>:1}; a reservation takes each action at most once).
     *
     * @param reservationId the reservation
     * @param transition the action it took
     * @param now when
     * @return the event
     */
    public static OrderKitEvent transitioned(String reservationId, ReservationTransition transition, Instant now) {
        return OrderKitEvent.of(typeOf(transition), reservationId, 1, null, Map.of(), now);
    }

    /**
     * The event type of a lifecycle action.
     *
     * @param transition the action
     * @return its event type
     */
    public static EventType typeOf(ReservationTransition transition) {
        return switch (transition) {
            case COMMIT -> EventType.RESERVATION_COMMITTED;
            case RELEASE -> EventType.RESERVATION_RELEASED;
            case FULFIL -> EventType.RESERVATION_FULFILLED;
            case EXPIRE -> EventType.RESERVATION_EXPIRED;
        };
    }

    /**
     * {@code HOLD_EXTENDED} of a hold whose expiry moved (id {@code <reservation>:hold_extended:<new
     * expiry in epoch millis>}).
     *
     * @param reservationId the reservation
     * @param newExpiry its new expiry
     * @param now when
     * @return the event
     */
    public static OrderKitEvent extended(String reservationId, Instant newExpiry, Instant now) {
        return OrderKitEvent.of(
                EventType.HOLD_EXTENDED,
                reservationId,
                newExpiry.toEpochMilli(),
                null,
                Map.of("expiresAt", newExpiry.toString()),
                now);
    }

    /**
     * {@code STOCK_ADJUSTED} of an applied {@code adjust} / {@code setOnHand} (id
     * {@code sku@location:stock_adjusted:<reference>}: the write is idempotent on its reference).
     *
     * @param key the level
     * @param setOnHand true for {@code setOnHand}, false for {@code adjust}
     * @param onHand on-hand after the change
     * @param reference the write's reference
     * @param now when
     * @return the event
     */
    public static OrderKitEvent adjusted(StockKey key, boolean setOnHand, long onHand, String reference, Instant now) {
        String subject = subjectOf(key);
        return new OrderKitEvent(
                subject + ":stock_adjusted:" + reference,
                EventType.STOCK_ADJUSTED,
                subject,
                null,
                Map.of(
                        "sku", key.sku(),
                        "location", key.location(),
                        "onHand", String.valueOf(onHand),
                        "reference", reference,
                        "operation", setOnHand ? "setOnHand" : "adjust"),
                now);
    }
}
