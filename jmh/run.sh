#!/usr/bin/env bash
# Runs a chosen set of orderkit benchmarks once per thread count and writes JMH JSON, a Markdown
# table and an SVG chart into jmh/results/.
#
#   jmh/run.sh [REGEX] [THREADS] [extra JMH args...]
#
#   REGEX    JMH benchmark regex (default '.': everything; e.g. 'InMemory|Redis' or 'Postgres.*reserve')
#   THREADS  comma-separated thread counts, one JMH run each (default 1,16,64)
#   extra    passed to JMH after the defaults, e.g. -p lines=1 -p skus=hot
#
# Environment: JMH_OPTS (default "-f 1 -wi 2 -w 2s -i 3 -r 3s"), NAME (result file base name,
# default run-YYYYmmdd-HHMMSS), JAVA (default java), plus the service URLs of the tests
# (ORDERKIT_TEST_POSTGRES_URL, ORDERKIT_TEST_MYSQL_URL, ORDERKIT_TEST_REDIS_URL).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
regex="${1:-.}"
threads="${2:-1,16,64}"
shift $(( $# > 2 ? 2 : $# ))
opts="${JMH_OPTS:--f 1 -wi 2 -w 2s -i 3 -r 3s}"
name="${NAME:-run-$(date +%Y%m%d-%H%M%S)}"
out="$here/results"
mkdir -p "$out"
"$here/build-if-needed.sh"

files=()
IFS=',' read -r -a counts <<< "$threads"
for t in "${counts[@]}"; do
  f="$out/$name-t$t.json"
  echo "== $regex, $t thread(s) -> $f" >&2
  # shellcheck disable=SC2086
  "${JAVA:-java}" -jar "$here/target/benchmarks.jar" $opts -t "$t" -foe true -rf json -rff "$f" "$@" "$regex"
  files+=("$f")
done
python3 "$here/report.py" "$out/$name" "${files[@]}"
echo "wrote $out/$name.md and $out/$name.svg" >&2
