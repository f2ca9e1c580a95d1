#!/usr/bin/env bash
# Seconds-long smoke of every benchmark: two in-process JMH runs (-f 0, 2 threads, one 200 ms
# iteration, catalog of 50 SKUs), one with 1 line on the hot SKU and one with 5 lines spread, so
# every benchmark runs both line counts and both SKU modes, with its tear-down invariant check;
# then RelayBenchmark (outbox -> Kafka broker started in the JVM, -> RabbitMQ, -> a no-op sink)
# once, one 500 ms iteration each; then AsyncPlacementRun --smoke (500 orders through
# OrderService.submit, in-memory and PostgreSQL). Exits non-zero if a benchmark fails, fails its
# invariant check, never runs or reports no throughput. Needs PostgreSQL, MariaDB, Redis and RabbitMQ like the
# tests (same env vars / localhost).
#
#   jmh/smoke.sh [REGEX]      (default '.': every benchmark)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/build-if-needed.sh"
start=$(date +%s)
jsons=()
for shape in "lines=1 skus=hot" "lines=5 skus=spread"; do
  read -r l s <<< "$shape"
  json="$here/target/smoke-${l#*=}-${s#*=}.json"
  log="$here/target/smoke-${l#*=}-${s#*=}.log"
  rm -f "$json"
  "${JAVA:-java}" -jar "$here/target/benchmarks.jar" -f 0 -wi 0 -i 1 -r 200ms -t 2 -p catalog=50 -p "$l" -p "$s" \
    -e RelayBenchmark -foe true -rf json -rff "$json" "${1:-.}" > "$log" 2>&1 || {
    tail -n 60 "$log" >&2
    echo "jmh smoke: FAILED (log: $log)" >&2
    exit 1
  }
  jsons+=("$json")
done
relay_json="$here/target/smoke-relay.json"
relay_log="$here/target/smoke-relay.log"
rm -f "$relay_json"
if "${JAVA:-java}" -jar "$here/target/benchmarks.jar" -l "${1:-.}" | grep -q RelayBenchmark; then
  "${JAVA:-java}" -jar "$here/target/benchmarks.jar" -f 0 -wi 0 -i 1 -r 500ms \
    -foe true -rf json -rff "$relay_json" "RelayBenchmark" > "$relay_log" 2>&1 || {
    tail -n 60 "$relay_log" >&2
    echo "jmh smoke: FAILED (log: $relay_log)" >&2
    exit 1
  }
  jsons+=("$relay_json")
fi
python3 - "$here/target/benchmarks.jar" "${1:-.}" "${jsons[@]}" <<'PY'
import json, subprocess, sys
jar, regex, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
listed = [l.strip() for l in subprocess.run(["java", "-jar", jar, "-l", regex], capture_output=True, text=True,
          check=True).stdout.splitlines()[1:] if l.strip()]
bad, missing, n = [], [], 0
for path in paths:
    results = json.load(open(path))
    n += len(results)
    ran = {r["benchmark"] for r in results}
    relay = path.endswith("smoke-relay.json")  # RelayBenchmark runs in its own run only
    expected = {b for b in listed if ("RelayBenchmark" in b) == relay}
    missing += [b + " (" + path.rsplit("/", 1)[-1] + ")" for b in sorted(expected - ran)]
    bad += [r["benchmark"] + str(r["params"]) for r in results if not r["primaryMetric"]["score"] > 0]
    for r in results:
        p = r["params"]
        name = r["benchmark"].rsplit(".", 2)[-2] + "." + r["benchmark"].rsplit(".", 1)[-1]
        if relay:
            events = r.get("secondaryMetrics", {}).get("events", {}).get("score", 0)
            if not events > 0:
                bad.append(r["benchmark"] + str(p) + " delivered no event")
            print(f'  {name:<42} {p["broker"]:<16} {events:>14,.0f} events/s')
        else:
            print(f'  {name:<42} {p["lines"]} line(s) {p["skus"]:<6} {r["primaryMetric"]["score"]:>14,.0f} ops/s')
if bad or missing or not n:
    print("jmh smoke: FAILED: zero score " + str(bad) + ", never ran " + str(missing), file=sys.stderr)
    sys.exit(1)
print(f"jmh smoke: OK, {n} runs of {len(listed)} benchmarks, each with its invariant check")
PY
# Asynchronous placement (AsyncPlacementRun, a plain main in the same jar): 500 orders submitted
# from 64 threads to the in-memory kit and to one on PostgreSQL, paid by the payment workers at a
# rate-limited gateway's 100 calls/s (about 5 s each). Fails if an accepted order is not CONFIRMED,
# an invariant breaks, or the gateway refused more than 50 calls with 429 (zero expected).
if grep -qE -- "${1:-.}" <<< "AsyncPlacementRun"; then
  async_log="$here/target/smoke-async.log"
  "${JAVA:-java}" -cp "$here/target/benchmarks.jar" dev.orderkit.jmh.AsyncPlacementRun --smoke --max-429 50 \
    --out "$here/target/smoke-async.md" > "$async_log" 2>&1 || {
    tail -n 60 "$async_log" >&2
    echo "jmh smoke: FAILED: AsyncPlacementRun (log: $async_log)" >&2
    exit 1
  }
  sed -n '/^| backend/,/^$/p' "$here/target/smoke-async.md"
  echo "jmh smoke: AsyncPlacementRun OK"
fi
echo "jmh smoke: $(( $(date +%s) - start )) s" >&2
