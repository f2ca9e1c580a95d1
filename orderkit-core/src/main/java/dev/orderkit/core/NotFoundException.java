package dev.orderkit.core;

/**
 * A reservation or order that a call names does not exist (or is not visible in the caller's scope).
 */
public class NotFoundException extends OrderKitException {
    private static final long serialVersionUID = 1L;
    private final String id;

    /**
     * Creates the exception.
     *
     * @param what kind of object, e.g. {@code reservation}
     * @param id the id that was not found
     */
    public NotFoundException(String what, String id) {
        super(what + " '" + id + "' not found");
        this.id = id;
    }

    /**
     * The id that was not found.
     *
     * @return the id
     */
    public String id() {
        return id;
    }
}
