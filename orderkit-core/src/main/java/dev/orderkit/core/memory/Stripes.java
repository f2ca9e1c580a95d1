package dev.orderkit.core.memory;

import java.util.List;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Striped {@link StampedLock}s that make an in-memory store linearizable without a global lock.
 * Each key maps to one stripe; the store changes the state of a key only under its stripe's write
 * lock and completes the whole change before releasing it. Then a read of one key validated against
 * its stripe, and a read of everything validated against every stripe, sees each write whole or not
 * at all; a multi-key delete ({@link #purge}) takes the stripes of its victims in ascending order
 * after checking that nothing changed since it chose them.
 *
 * <p>Reads are optimistic (they do not block writers) and fall back to read locks when writers kept
 * interfering; the whole-store operations then hold every stripe, in ascending order, for their
 * duration — these are the maintenance and audit operations, kept short by their callers.
 */
final class Stripes {

    /** Optimistic passes of a read or purge before it takes the locks. */
    private static final int OPTIMISTIC_ATTEMPTS = 3;

    private final StampedLock[] locks;

    /**
     * Creates stripes.
     *
     * @param count number of stripes, a power of two
     */
    Stripes(int count) {
        if (Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("count must be a power of two: " + count);
        }
        locks = new StampedLock[count];
        for (int i = 0; i < count; i++) {
            locks[i] = new StampedLock();
        }
    }

    /** The stripe index of a key. */
    int index(Object key) {
        int h = key.hashCode();
        return (h ^ (h >>> 16)) & (locks.length - 1);
    }

    /** The stripe of a key, for a caller that locks it itself (no lambda per call). */
    StampedLock lockOf(Object key) {
        return locks[index(key)];
    }

    /** Runs {@code read.apply(key)} as of one instant (no capturing lambda per call). */
    <K, T> T read(K key, Function<? super K, T> read) {
        StampedLock lock = locks[index(key)];
        long stamp = lock.tryOptimisticRead();
        T out = read.apply(key);
        if (lock.validate(stamp)) {
            return out;
        }
        stamp = lock.readLock();
        try {
            return read.apply(key);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Runs a change of one key's state under its stripe's write lock. */
    <T> T write(Object key, Supplier<T> change) {
        StampedLock lock = locks[index(key)];
        long stamp = lock.writeLock();
        try {
            return change.get();
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Runs a change of two keys' states under both stripes' write locks (taken in ascending order). */
    <T> T write(Object key1, Object key2, Supplier<T> change) {
        int a = index(key1);
        int b = index(key2);
        if (a == b) {
            return write(key1, change);
        }
        StampedLock first = locks[Math.min(a, b)];
        StampedLock second = locks[Math.max(a, b)];
        long s1 = first.writeLock();
        try {
            long s2 = second.writeLock();
            try {
                return change.get();
            } finally {
                second.unlockWrite(s2);
            }
        } finally {
            first.unlockWrite(s1);
        }
    }

    /** Runs a read of one key's state as of one instant. */
    <T> T read(Object key, Supplier<T> read) {
        StampedLock lock = locks[index(key)];
        long stamp = lock.tryOptimisticRead();
        T out = read.get();
        if (lock.validate(stamp)) {
            return out;
        }
        stamp = lock.readLock();
        try {
            return read.get();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Runs a read of the whole store as of one instant. */
    <T> T readAll(Supplier<T> read) {
        long[] stamps = new long[locks.length];
        for (int attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
            stampAll(stamps);
            T out = read.get();
            if (validAll(stamps, -1)) {
                return out;
            }
        }
        return readAllLocked(read);
    }

    /**
     * Runs {@code read} under every stripe's read lock (taken in index order), never optimistically:
     * for reads of state that is not safe to traverse while a writer changes it.
     *
     * @param read the read
     * @return its result
     */
    <T> T readAllLocked(Supplier<T> read) {
        long[] stamps = new long[locks.length];
        int n = 0;
        try {
            for (; n < locks.length; n++) {
                stamps[n] = locks[n].readLock();
            }
            return read.get();
        } finally {
            for (int i = n - 1; i >= 0; i--) {
                locks[i].unlockRead(stamps[i]);
            }
        }
    }

    /** The number of stripes. */
    int count() {
        return locks.length;
    }

    /**
     * Deletes, as one atomic step, the victims {@code choose} picks from the whole store: the
     * victims' stripes are write-locked only if no stripe changed since the choice, so the choice
     * holds at that instant and no one sees part of the deletion.
     *
     * @param choose reads the store (without locks) and returns the keys to delete
     * @param delete deletes one key's state; called under its stripe's write lock
     * @return the number of keys deleted
     */
    <K> int purge(Supplier<List<K>> choose, Consumer<K> delete) {
        long[] stamps = new long[locks.length];
        long[] held = new long[locks.length];
        for (int attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
            stampAll(stamps);
            List<K> victims = choose.get();
            boolean[] mine = new boolean[locks.length];
            for (K k : victims) {
                mine[index(k)] = true;
            }
            boolean ok = true;
            int n = 0;
            for (; ok && n < locks.length; n++) {
                if (mine[n]) {
                    held[n] = locks[n].tryConvertToWriteLock(stamps[n]);
                    ok = held[n] != 0L;
                    if (!ok) {
                        mine[n] = false;
                    }
                }
            }
            try {
                if (ok && validAll(stamps, mine)) {
                    victims.forEach(delete);
                    return victims.size();
                }
            } finally {
                for (int i = n - 1; i >= 0; i--) {
                    if (mine[i]) {
                        locks[i].unlockWrite(held[i]);
                    }
                }
            }
        }
        int n = 0;
        try {
            for (; n < locks.length; n++) {
                held[n] = locks[n].writeLock();
            }
            List<K> victims = choose.get();
            victims.forEach(delete);
            return victims.size();
        } finally {
            for (int i = n - 1; i >= 0; i--) {
                locks[i].unlockWrite(held[i]);
            }
        }
    }

    private void stampAll(long[] stamps) {
        for (int i = 0; i < locks.length; i++) {
            stamps[i] = locks[i].tryOptimisticRead();
        }
    }

    private boolean validAll(long[] stamps, int skip) {
        for (int i = 0; i < locks.length; i++) {
            if (i != skip && !locks[i].validate(stamps[i])) {
                return false;
            }
        }
        return true;
    }

    private boolean validAll(long[] stamps, boolean[] skip) {
        for (int i = 0; i < locks.length; i++) {
            if (!skip[i] && !locks[i].validate(stamps[i])) {
                return false;
            }
        }
        return true;
    }
}
