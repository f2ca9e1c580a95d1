package dev.orderkit.redis;

import dev.orderkit.testkit.FaultInjection.Fault;
import dev.orderkit.testkit.FaultPlan;
import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.providers.PooledConnectionProvider;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * Jedis clients whose scripts fail the way a network does, for {@link dev.orderkit.testkit.FaultInjection}
 * on the Redis backend. The backend runs every write as one script ({@code EVALSHA}, falling back to
 * {@code EVAL} on {@code NOSCRIPT}); these clients consult a {@link FaultPlan} once per script:
 * <ul>
 *   <li>{@link Fault#FAIL_BEFORE}: a {@link JedisConnectionException} is thrown before the script is
 *       sent (nothing ran);</li>
 *   <li>{@link Fault#LOSE_ACK}: the script runs on the server, then a {@link JedisConnectionException}
 *       replaces its reply.</li>
 * </ul>
 * The backend maps both to {@code BackendUnavailableException}, exactly as for a real connection
 * loss. Plain commands (reads, SCAN, DEL) are never failed. The injection sits above Jedis' own
 * command executor, so the cluster client's internal retry on connection errors does not hide it.
 * Thread-safe.
 */
final class FaultyJedis {
    private FaultyJedis() {}

    /**
     * Per-client fault state: the plan, plus the fault drawn for an EVALSHA answered NOSCRIPT. For
     * Redis-specific tests also an aimed fault (the n-th script from now), a script counter and a
     * re-send mode (every script sent twice with the same arguments, the second reply returned: what
     * JedisCluster does by itself after a connection error).
     */
    static final class ScriptFaults {
        private final FaultPlan plan;
        private final ThreadLocal<Fault[]> carried = new ThreadLocal<>();
        private final AtomicInteger scripts = new AtomicInteger();
        private Fault aimed;
        private int aimedIn;
        private volatile boolean resend;

        ScriptFaults(FaultPlan plan) {
            this.plan = plan;
        }

        FaultPlan plan() {
            return plan;
        }

        /** The {@code nth} script from now (1 = the next one) fails with {@code fault}, once. */
        synchronized void aim(Fault fault, int nth) {
            aimed = fault;
            aimedIn = nth;
        }

        /** Scripts sent so far (EVALSHA, with its EVAL fallback, counts once). */
        int scripts() {
            return scripts.get();
        }

        /** Sends every script twice from now on (or stops). */
        void resend(boolean on) {
            resend = on;
        }

        private synchronized Fault draw() {
            scripts.incrementAndGet();
            if (aimed != null && --aimedIn <= 0) {
                Fault f = aimed;
                aimed = null;
                return f;
            }
            return plan.next();
        }

        private Object send(Supplier<Object> call) {
            Object reply = call.get();
            return resend ? call.get() : reply;
        }

        Object evalsha(Supplier<Object> call) {
            return script("EVALSHA", call);
        }

        /** An FCALL: like {@link #evalsha}; a call that finds its function missing did not run either. */
        Object fcall(Supplier<Object> call) {
            return script("FCALL", call);
        }

        Object eval(Supplier<Object> call) {
            return script("EVAL", call);
        }

        /**
         * One script call with the fault drawn for it, or the one carried over from a call that did
         * not run (NOSCRIPT, a missing function): the fallback or repeated call gets that fault.
         */
        private Object script(String command, Supplier<Object> call) {
            Fault[] c = carried.get();
            carried.remove();
            Fault f = c != null ? c[0] : draw();
            if (f == Fault.FAIL_BEFORE) {
                throw new JedisConnectionException("injected: connection lost before " + command + " was sent");
            }
            Object reply;
            try {
                reply = send(call);
            } catch (JedisNoScriptException e) {
                carried.set(new Fault[] {f});
                throw e;
            } catch (JedisDataException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("ERR Function not found")) {
                    carried.set(new Fault[] {f});
                }
                throw e;
            }
            return reply(f, reply);
        }

        private static Object reply(Fault f, Object reply) {
            if (f == Fault.LOSE_ACK) {
                throw new JedisConnectionException("injected: connection lost after the script ran, reply lost");
            }
            return reply;
        }
    }

    /** A standalone client (pooled connections, no retries) with script faults. */
    static final class Standalone extends UnifiedJedis {
        private final ScriptFaults faults;

        Standalone(String url, ScriptFaults faults) {
            this(URI.create(url), faults);
        }

        private Standalone(URI uri, ScriptFaults faults) {
            this(JedisURIHelper.getHostAndPort(uri), config(uri), faults);
        }

        private Standalone(HostAndPort hp, JedisClientConfig config, ScriptFaults faults) {
            super(new PooledConnectionProvider(hp, config), config.getRedisProtocol());
            this.faults = faults;
        }

        static JedisClientConfig config(URI uri) {
            DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                    .user(JedisURIHelper.getUser(uri))
                    .password(JedisURIHelper.getPassword(uri));
            if (JedisURIHelper.hasDbIndex(uri)) {
                b.database(JedisURIHelper.getDBIndex(uri));
            }
            return b.build();
        }

        @Override
        public Object evalsha(String sha1, List<String> keys, List<String> args) {
            return faults.evalsha(() -> super.evalsha(sha1, keys, args));
        }

        @Override
        public Object eval(String script, List<String> keys, List<String> args) {
            return faults.eval(() -> super.eval(script, keys, args));
        }

        @Override
        public Object fcall(String name, List<String> keys, List<String> args) {
            return faults.fcall(() -> super.fcall(name, keys, args));
        }
    }

    /** A standalone client to a server without functions (Redis 6, or a proxy that does not pass them). */
    static final class NoFunctions extends UnifiedJedis {
        private final AtomicInteger fcalls;
        private final AtomicInteger loads;

        NoFunctions(String url, AtomicInteger fcalls, AtomicInteger loads) {
            this(URI.create(url), fcalls, loads);
        }

        private NoFunctions(URI uri, AtomicInteger fcalls, AtomicInteger loads) {
            super(
                    new PooledConnectionProvider(JedisURIHelper.getHostAndPort(uri), Standalone.config(uri)),
                    Standalone.config(uri).getRedisProtocol());
            this.fcalls = fcalls;
            this.loads = loads;
        }

        @Override
        public Object fcall(String name, List<String> keys, List<String> args) {
            fcalls.incrementAndGet();
            throw new JedisDataException("ERR unknown command 'FCALL', with args beginning with: '" + name + "' ");
        }

        @Override
        public String functionLoadReplace(String functionCode) {
            loads.incrementAndGet();
            throw new JedisDataException("ERR unknown command 'FUNCTION', with args beginning with: 'LOAD' ");
        }
    }

    /** A cluster client with script faults (a {@link JedisCluster}, so the backend detects cluster mode). */
    static final class Cluster extends JedisCluster {
        private final ScriptFaults faults;

        Cluster(String nodes, ScriptFaults faults) {
            super(parse(nodes), 5000, 5);
            this.faults = faults;
        }

        private static Set<HostAndPort> parse(String nodes) {
            return Arrays.stream(nodes.split(","))
                    .map(String::trim)
                    .map(HostAndPort::from)
                    .collect(Collectors.toCollection(LinkedHashSet::new));
        }

        @Override
        public Object evalsha(String sha1, List<String> keys, List<String> args) {
            return faults.evalsha(() -> super.evalsha(sha1, keys, args));
        }

        @Override
        public Object eval(String script, List<String> keys, List<String> args) {
            return faults.eval(() -> super.eval(script, keys, args));
        }

        @Override
        public Object fcall(String name, List<String> keys, List<String> args) {
            return faults.fcall(() -> super.fcall(name, keys, args));
        }
    }
}
