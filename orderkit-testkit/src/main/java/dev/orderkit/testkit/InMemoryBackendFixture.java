package dev.orderkit.testkit;

import dev.orderkit.core.memory.InMemoryIdempotencyStore;
import dev.orderkit.core.memory.InMemoryInboxStore;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.memory.InMemoryOutbox;
import dev.orderkit.core.memory.InMemoryStockStorage;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.OutboxStore;
import dev.orderkit.core.spi.StockStorage;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link BackendFixture} over fresh instances of orderkit-core's in-memory backends (the
 * reference semantics of every SPI). Useful as the fixture of the in-memory backend's own contract
 * tests, and as the source of the SPIs a partial backend does not implement.
 *
 * <p>The SPIs are returned behind {@link FaultInjectingBackends} (a pass-through until
 * {@link #faults()} is armed).
 *
 * <p>Thread-safe: the in-memory backends are; the fixture itself is immutable.
 */
public final class InMemoryBackendFixture implements BackendFixture {
    private final FaultPlan faults = new FaultPlan();
    private final FaultInjectingBackends faulty = new FaultInjectingBackends(faults);
    private final @Nullable InMemoryOutbox outbox;
    private final StockStorage stock;
    private final IdempotencyStore keys = faulty.wrap((IdempotencyStore) new InMemoryIdempotencyStore());
    private final OrderStore orders;
    private final InboxStore inbox;

    /** Creates a fixture with empty backends. */
    public InMemoryBackendFixture() {
        this(new InMemoryInboxStore());
    }

    /**
     * Creates a fixture whose order store and stock storage record their events in one shared
     * {@link InMemoryOutbox} (no sink: the {@link OutboxContract} runs its own relays on it).
     *
     * @return the fixture
     */
    public static InMemoryBackendFixture withOutbox() {
        return new InMemoryBackendFixture(new InMemoryInboxStore(), new InMemoryOutbox());
    }

    private InMemoryBackendFixture(InboxStore inbox, @Nullable InMemoryOutbox outbox) {
        this.outbox = outbox;
        this.stock = faulty.wrap(
                outbox == null ? (StockStorage) new InMemoryStockStorage() : new InMemoryStockStorage(outbox));
        this.orders = faulty.wrap(
                outbox == null
                        ? (OrderStore) new InMemoryOrderStore(EventSink.discarding())
                        : new InMemoryOrderStore(outbox));
        this.inbox = faulty.wrap(Objects.requireNonNull(inbox, "inbox"));
    }

    /**
     * Creates a fixture with empty in-memory backends and the given inbox (to test an inbox alone).
     *
     * @param inbox the inbox under test
     */
    public InMemoryBackendFixture(InboxStore inbox) {
        this(inbox, null);
    }

    /** The shared outbox of {@link #withOutbox()}. */
    @Override
    public OutboxStore outboxStore() {
        InMemoryOutbox o = outbox;
        if (o == null) {
            throw new UnsupportedOperationException("made without an outbox: use InMemoryBackendFixture.withOutbox()");
        }
        return o;
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

    /** The in-memory backends fail at the SPI boundary ({@link FaultInjectingBackends}). */
    @Override
    public FaultInjection faults() {
        return faults;
    }

    @Override
    public String description() {
        return "in-memory (orderkit-core)";
    }
}
