package dev.orderkit.redis;

/** {@link ScriptFaults} on cluster Redis. */
class RedisClusterScriptFaultTest extends ScriptFaults {
    @Override
    protected RedisFixture createFixture() {
        return RedisFixture.cluster();
    }
}
