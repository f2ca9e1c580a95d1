package dev.orderkit.core.internal;

import dev.orderkit.core.DriftReport;
import dev.orderkit.core.DriftReport.Check;
import dev.orderkit.core.DriftReport.Drift;
import dev.orderkit.core.DriftReport.Quantity;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementPage;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLedger;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.spi.LevelAudit;
import dev.orderkit.core.spi.PositionedMovement;
import dev.orderkit.core.spi.StockStorage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The ledger's audit reads: movement paging with opaque cursors and the drift check
 * ({@link StockLedger#movements(StockKey, String, int)}, {@link StockLedger#verify}). Core owns the
 * validation, the cursor format and the comparison; the backend provides the two atomic reads
 * ({@link StockStorage#movements(StockKey, long, int)}, {@link StockStorage#audit}). Thread-safe.
 */
final class LedgerAudit {
    /** Cursor format: this prefix, then the position in base 36. */
    private static final String CURSOR_PREFIX = "mv1.";

    private final StockStorage storage;
    private final Retries retries;

    LedgerAudit(StockStorage storage, Retries retries) {
        this.storage = storage;
        this.retries = retries;
    }

    MovementPage movements(StockKey key, @Nullable String cursor, int limit) {
        dev.orderkit.core.internal.Check.notNull(key, "key");
        if (limit < 1 || limit > StockLedger.MAX_MOVEMENT_PAGE) {
            throw new InvalidRequestException("limit", limit, "must be between 1 and " + StockLedger.MAX_MOVEMENT_PAGE);
        }
        long after = cursor == null ? 0 : position(cursor);
        // one more than asked: whether a next page exists, without a second read
        List<PositionedMovement> read = retries.backend(() -> storage.movements(key, after, limit + 1));
        int n = Math.min(limit, read.size());
        List<Movement> page = new ArrayList<>(n);
        long last = after;
        for (int i = 0; i < n; i++) {
            PositionedMovement pm = read.get(i);
            page.add(pm.movement());
            last = pm.position();
        }
        String resume = cursor(last);
        return new MovementPage(page, read.size() > limit ? Optional.of(resume) : Optional.empty(), resume);
    }

    private static String cursor(long position) {
        return CURSOR_PREFIX + Long.toString(position, 36);
    }

    private static long position(String cursor) {
        if (cursor.startsWith(CURSOR_PREFIX) && cursor.length() > CURSOR_PREFIX.length() && cursor.length() <= 20) {
            String digits = cursor.substring(CURSOR_PREFIX.length());
            boolean canonical = digits.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'));
            if (canonical) {
                try {
                    long p = Long.parseLong(digits, 36);
                    if (p >= 0 && cursor(p).equals(cursor)) {
                        return p;
                    }
                } catch (NumberFormatException e) {
                    // out of range: not a cursor this ledger made
                }
            }
        }
        throw new InvalidRequestException("cursor", cursor, "is not a movement cursor returned by movements()");
    }

    DriftReport verify(Collection<StockKey> keys) {
        dev.orderkit.core.internal.Check.notNull(keys, "keys");
        if (keys.isEmpty() || keys.size() > StockLedger.MAX_VERIFY_KEYS) {
            throw new InvalidRequestException(
                    "keys", keys.size(), "must hold between 1 and " + StockLedger.MAX_VERIFY_KEYS + " keys");
        }
        TreeSet<StockKey> sorted = new TreeSet<>();
        int i = 0;
        for (StockKey k : keys) {
            if (k == null) {
                throw new InvalidRequestException("keys[" + i + "]", null, "must not be null");
            }
            sorted.add(k);
            i++;
        }
        List<StockKey> asked = List.copyOf(sorted);
        List<LevelAudit> audits = retries.backend(() -> storage.audit(asked));
        Set<StockKey> found = new HashSet<>();
        List<Drift> drifts = new ArrayList<>();
        for (LevelAudit a : audits) {
            StockLevel l = a.level();
            found.add(l.key());
            if (a.movementOnHand() != l.onHand()) {
                drifts.add(new Drift(l.key(), Check.REPLAY, Quantity.ON_HAND, a.movementOnHand(), l.onHand()));
            }
            if (a.movementReserved() != l.reserved()) {
                drifts.add(new Drift(l.key(), Check.REPLAY, Quantity.RESERVED, a.movementReserved(), l.reserved()));
            }
            if (a.activeHolds() != l.reserved()) {
                drifts.add(new Drift(l.key(), Check.HOLDS, Quantity.RESERVED, a.activeHolds(), l.reserved()));
            }
        }
        List<StockKey> unknown = new ArrayList<>();
        Set<StockKey> seen = new HashSet<>();
        for (StockKey k : keys) {
            if (!found.contains(k) && seen.add(k)) {
                unknown.add(k);
            }
        }
        return new DriftReport(found.size(), unknown, drifts);
    }
}
