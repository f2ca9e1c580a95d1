package dev.orderkit.core;

/**
 * An operation is not allowed in the current state of a reservation or order, e.g. committing an
 * expired hold or cancelling a fulfilled order. Nothing was written.
 */
public class IllegalStateTransitionException extends OrderKitException {
    private static final long serialVersionUID = 1L;
    private final String id;
    private final String currentState;

    /**
     * Creates the exception.
     *
     * @param id the reservation or order id
     * @param currentState its current state
     * @param operation the refused operation
     */
    public IllegalStateTransitionException(String id, String currentState, String operation) {
        super("cannot " + operation + " '" + id + "' in state " + currentState);
        this.id = id;
        this.currentState = currentState;
    }

    /**
     * The id of the reservation or order.
     *
     * @return the id
     */
    public String id() {
        return id;
    }

    /**
     * The state that refused the operation.
     *
     * @return the state name
     */
    public String currentState() {
        return currentState;
    }
}
