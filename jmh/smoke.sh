#!/usr/bin/env bash
# Seconds-long smoke of every benchmark (all parameter combinations, 2 threads, in-process,
# one 200 ms iteration, catalog of 50 SKUs). Exits non-zero if any benchmark fails or reports
# no throughput. Needs PostgreSQL, MariaDB and Redis like the tests (same env vars / localhost).
#
#   jmh/smoke.sh [REGEX]      (default '.': every benchmark)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/build-if-needed.sh"
json="$here/target/smoke.json"
rm -f "$json"
start=$(date +%s)
"${JAVA:-java}" -jar "$here/target/benchmarks.jar" -f 0 -wi 0 -i 1 -r 200ms -t 2 -p catalog=50 \
  -foe true -rf json -rff "$json" "${1:-.}" > "$here/target/smoke.log" 2>&1 || {
  tail -n 60 "$here/target/smoke.log" >&2
  echo "jmh smoke: FAILED (log: $here/target/smoke.log)" >&2
  exit 1
}
python3 - "$json" "${1:-.}" "$here/target/benchmarks.jar" <<'PY'
import json, re, subprocess, sys
path, regex, jar = sys.argv[1:4]
results = json.load(open(path))
listed = [l.strip() for l in subprocess.run(["java", "-jar", jar, "-l", regex], capture_output=True, text=True,
          check=True).stdout.splitlines()[1:] if l.strip()]
ran = {r["benchmark"] for r in results}
bad = [r["benchmark"] + str(r["params"]) for r in results if not r["primaryMetric"]["score"] > 0]
missing = sorted(set(listed) - ran)
for r in results:
    print(f'  {r["benchmark"].rsplit(".", 2)[-2] + "." + r["benchmark"].rsplit(".", 1)[-1]:<40} '
          f'{r["params"]["lines"]} line(s) {r["params"]["skus"]:<6} {r["primaryMetric"]["score"]:>14,.0f} ops/s')
if bad or missing or not results:
    print("jmh smoke: FAILED: zero score " + str(bad) + ", never ran " + str(missing), file=sys.stderr)
    sys.exit(1)
print(f"jmh smoke: OK, {len(results)} runs of {len(ran)} benchmarks")
PY
echo "jmh smoke: $(( $(date +%s) - start )) s" >&2
