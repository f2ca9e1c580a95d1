package dev.orderkit.jmh;

import dev.orderkit.jmh.internal.Ids;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** JMH thread state: unique reservation ids / idempotency keys for one benchmark thread. */
@State(Scope.Thread)
public class ThreadIds {
    private final Ids ids = new Ids();

    /**
     * The next id of this thread.
     *
     * @return an id unique in this process
     */
    public String next() {
        return ids.next();
    }
}
