package dev.orderkit.core.internal;

import dev.orderkit.core.DriftReport;
import dev.orderkit.core.MovementPage;
import dev.orderkit.core.Order;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationOwnedException;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLedger;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.StockPolicy;
import dev.orderkit.core.spi.OrderStore;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The {@link StockLedger} applications get from {@code OrderKit#stock()}: the kit's
 * {@link DefaultStockLedger}, except that a hold an order owns can neither be created, committed,
 * released, fulfilled nor extended through it ({@link ReservationOwnedException}, nothing written). The order
 * lifecycle ({@link DefaultOrderService}) uses the {@code DefaultStockLedger} itself.
 *
 * <p><b>How ownership is known.</b> An order's hold has the order's id, and core writes the order
 * before its hold (the order row is the recovery point of the reserve step), so a hold is an order's
 * exactly when an order with its id exists in the kit's {@link OrderStore}. The order store is the
 * one every instance placing orders shares, so the answer is the same in every JVM, and it cannot
 * change under a call: order ids are minted at random by core and never reused, so no order with
 * the id can appear after the lookup. Only ids of the shape core mints are looked up (see
 * {@link DefaultOrderService#hasOrderIdShape}): other ids cost nothing. Nothing is stored on the
 * reservation, so no backend changes. Thread-safe.
 */
public final class PublicStockLedger implements StockLedger {
    private final DefaultStockLedger ledger;
    private final OrderStore orders;
    private final Retries retries;

    /**
     * Wraps the kit's ledger.
     *
     * @param ledger the kit's ledger
     * @param orders the kit's order store
     * @param retries the kit's retry executors
     */
    public PublicStockLedger(DefaultStockLedger ledger, OrderStore orders, Retries retries) {
        this.ledger = ledger;
        this.orders = orders;
        this.retries = retries;
    }

    /** Refuses the call if an order owns {@code reservationId}; {@code operation} names the call. */
    private void requireNotOwned(String reservationId, String operation) {
        Check.identifier(reservationId, "reservationId", 128);
        if (DefaultOrderService.hasOrderIdShape(reservationId)) {
            Optional<Order> owner = retries.backend(() -> orders.find(reservationId));
            if (owner.isPresent()) {
                throw new ReservationOwnedException(reservationId, owner.get().id(), operation);
            }
        }
    }

    @Override
    public Reservation reserve(ReservationRequest request) {
        Check.notNull(request, "request");
        requireNotOwned(request.reservationId(), "reserve");
        return ledger.reserve(request);
    }

    @Override
    public Reservation commit(String reservationId) {
        requireNotOwned(reservationId, "commit");
        return ledger.commit(reservationId);
    }

    @Override
    public Reservation release(String reservationId) {
        requireNotOwned(reservationId, "release");
        return ledger.release(reservationId);
    }

    @Override
    public Reservation fulfil(String reservationId) {
        requireNotOwned(reservationId, "fulfil");
        return ledger.fulfil(reservationId);
    }

    @Override
    public Reservation extend(String reservationId, Instant newExpiry) {
        requireNotOwned(reservationId, "extend");
        return ledger.extend(reservationId, newExpiry);
    }

    @Override
    public StockLevel adjust(StockKey key, long delta, String reference) {
        return ledger.adjust(key, delta, reference);
    }

    @Override
    public StockLevel setPolicy(StockKey key, StockPolicy policy, String reference) {
        return ledger.setPolicy(key, policy, reference);
    }

    @Override
    public StockLevel setOnHand(StockKey key, long onHand, long expectedVersion, String reference) {
        return ledger.setOnHand(key, onHand, expectedVersion, reference);
    }

    @Override
    public Optional<StockLevel> level(StockKey key) {
        return ledger.level(key);
    }

    @Override
    public List<StockLevel> levels(String sku) {
        return ledger.levels(sku);
    }

    @Override
    public MovementPage movements(StockKey key, @Nullable String cursor, int limit) {
        return ledger.movements(key, cursor, limit);
    }

    @Override
    public DriftReport verify(Collection<StockKey> keys) {
        return ledger.verify(keys);
    }

    @Override
    public Optional<Reservation> reservation(String reservationId) {
        return ledger.reservation(reservationId);
    }

    @Override
    public int expireDue(int maxBatches) {
        return ledger.expireDue(maxBatches);
    }
}
