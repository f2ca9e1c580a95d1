package dev.orderkit.testkit;

import dev.orderkit.core.memory.InMemoryInboxStore;
import dev.orderkit.core.spi.InboxStore;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The in-memory inboxes handed out by the default {@link BackendFixture#inboxStore()}: one per
 * fixture (weakly keyed, so a closed and unreferenced fixture's inbox is collected). Thread-safe.
 */
final class DefaultInboxes {
    private static final Map<BackendFixture, InboxStore> BY_FIXTURE = Collections.synchronizedMap(new WeakHashMap<>());

    private DefaultInboxes() {}

    static InboxStore of(BackendFixture fixture) {
        return BY_FIXTURE.computeIfAbsent(fixture, k -> new InMemoryInboxStore());
    }
}
