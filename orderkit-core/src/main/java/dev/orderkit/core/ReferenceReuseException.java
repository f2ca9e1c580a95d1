package dev.orderkit.core;

/**
 * A stock write ({@link StockLedger#adjust} or {@link StockLedger#setOnHand}) reused a reference
 * that was already applied to the same stock level with other arguments. References of stock
 * writes are operation ids: a repeated call with the same reference and the same arguments
 * answers with the result of the first application (so a retry after a lost acknowledgement never
 * applies a restock twice); other arguments are a client bug. Nothing changed.
 */
public class ReferenceReuseException extends OrderKitException {
    private static final long serialVersionUID = 1L;
    private final StockKey key;
    private final String reference;

    /**
     * Creates the exception.
     *
     * @param key the stock level
     * @param reference the reused reference
     * @param applied what the reference was first applied as, e.g. {@code adjust(+5)}
     */
    public ReferenceReuseException(StockKey key, String reference, String applied) {
        super("reference '" + reference + "' was already applied to " + key.sku() + "@" + key.location() + " as "
                + applied + " with other arguments");
        this.key = key;
        this.reference = reference;
    }

    /**
     * The stock level.
     *
     * @return the key
     */
    public StockKey key() {
        return key;
    }

    /**
     * The reused reference.
     *
     * @return the reference
     */
    public String reference() {
        return reference;
    }
}
