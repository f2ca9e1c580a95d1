package dev.orderkit.testkit;

import dev.orderkit.core.memory.InMemoryIdempotencyStore;
import dev.orderkit.core.memory.InMemoryInboxStore;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.memory.InMemoryStockStorage;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StockStorage;

/**
 * A {@link BackendFixture} over fresh instances of orderkit-core's in-memory backends (the
 * reference semantics of every SPI). Useful as the fixture of the in-memory backend's own contract
 * tests, and as the source of the SPIs a partial backend does not implement.
 *
 * <p>Thread-safe: the in-memory backends are; the fixture itself is immutable.
 */
public final class InMemoryBackendFixture implements BackendFixture {
    private final InMemoryStockStorage stock = new InMemoryStockStorage();
    private final InMemoryIdempotencyStore keys = new InMemoryIdempotencyStore();
    private final InMemoryOrderStore orders = new InMemoryOrderStore(EventSink.discarding());
    private final InboxStore inbox;

    /** Creates a fixture with empty backends. */
    public InMemoryBackendFixture() {
        this(new InMemoryInboxStore());
    }

    /**
     * Creates a fixture with empty in-memory backends and the given inbox (to test an inbox alone).
     *
     * @param inbox the inbox under test
     */
    public InMemoryBackendFixture(InboxStore inbox) {
        this.inbox = java.util.Objects.requireNonNull(inbox, "inbox");
    }

    @Override
    public StockStorage stockStorage() {
        return stock;
    }

    @Override
    public IdempotencyStore idempotencyStore() {
        return keys;
    }

    @Override
    public OrderStore orderStore() {
        return orders;
    }

    @Override
    public InboxStore inboxStore() {
        return inbox;
    }

    @Override
    public String description() {
        return "in-memory (orderkit-core)";
    }
}
