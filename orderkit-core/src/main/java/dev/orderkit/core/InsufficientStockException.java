package dev.orderkit.core;

import java.util.List;

/**
 * A reservation or adjustment could not be applied because there is not enough available stock.
 * Nothing was written: multi-line reservations are all-or-nothing.
 */
public class InsufficientStockException extends OrderKitException {
    private static final long serialVersionUID = 1L;
    private final transient List<Shortfall> shortfalls;

    /**
     * Creates the exception.
     *
     * @param shortfalls the lines that could not be satisfied, never empty
     */
    public InsufficientStockException(List<Shortfall> shortfalls) {
        super("insufficient stock: " + shortfalls);
        this.shortfalls = List.copyOf(shortfalls);
    }

    /**
     * The lines that could not be satisfied.
     *
     * @return immutable list of shortfalls
     */
    public List<Shortfall> shortfalls() {
        return shortfalls;
    }
}
