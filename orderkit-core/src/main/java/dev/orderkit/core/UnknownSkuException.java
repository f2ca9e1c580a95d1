package dev.orderkit.core;

/**
 * A request named a SKU (or a SKU at a location) for which the ledger holds no stock level.
 * Nothing was written.
 */
public class UnknownSkuException extends InvalidRequestException {
    private static final long serialVersionUID = 1L;
    private final String sku;

    /**
     * Creates the exception.
     *
     * @param field the field path naming the SKU, e.g. {@code lines[1].sku}
     * @param sku the unknown SKU
     */
    public UnknownSkuException(String field, String sku) {
        super(field, sku, "is not a known SKU");
        this.sku = sku;
    }

    /**
     * The unknown SKU.
     *
     * @return the SKU as given
     */
    public String sku() {
        return sku;
    }
}
