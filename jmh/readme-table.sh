#!/usr/bin/env bash
# Regenerates the README "Benchmarks" table and chart from ONE run of the headline matrix:
# orderkit reserve next to both raw shapes and place() on every backend, hot and spread SKUs,
# 1 / 16 / 64 threads with 1 line (in-memory also 2 threads), plus a 5-line subset at 16 threads.
# The issue-11 headline rows get more iterations (HEAD_OPTS) than the rest (REST_OPTS), so that
# their error can be smaller than their score.
#
#   jmh/readme-table.sh            (~20-25 min on the 2-core CI machine; nothing else may run)
#
# Writes jmh/results/$NAME.json (every result of the run, merged), .md and .svg, and replaces the
# text between <!-- bench:begin --> and <!-- bench:end --> of README.md with the command, the
# issue-11 targets (pass / miss), the table and the chart link. Every trial runs its invariant
# check in its tear-down; a violation (or any other benchmark error) stops the run (-foe) before
# README.md is touched.
#
# Environment (each one that is set is written into the README command):
#   NAME       result base name (default readme)
#   HEAD_OPTS  JMH options of the headline rows (default "-f 1 -wi 3 -w 1s -i 8 -r 1s")
#   REST_OPTS  JMH options of every other row  (default "-f 1 -wi 1 -w 1s -i 3 -r 1s")
#   RESUME     1: keep the JMH runs an interrupted invocation finished (same settings), run the rest
#   COMBINE    combine values of the orderkit side, e.g. off,on (default: default = the builder's
#              default); raw baselines always run once. Each extra value adds the orderkit trials again.
#   LINES5     0 to skip the 5-line subset (default 1)
#   DRY_RUN    1: print the JMH invocations and the trial count, run nothing
#   JAVA, ORDERKIT_TEST_POSTGRES_URL, ORDERKIT_TEST_MYSQL_URL, ORDERKIT_TEST_REDIS_URL as for run.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
name="${NAME:-readme}"
head_opts="${HEAD_OPTS:--f 1 -wi 3 -w 1s -i 8 -r 1s}"
rest_opts="${REST_OPTS:--f 1 -wi 1 -w 1s -i 3 -r 1s}"
combine="${COMBINE:-default}"
parts="$here/target/$name-parts"
command=""
for v in NAME HEAD_OPTS REST_OPTS COMBINE LINES5; do
  if [[ -n "${!v:-}" ]]; then command+="$v=\"${!v}\" "; fi
done
command+="jmh/readme-table.sh"

if [[ "${DRY_RUN:-0}" != 1 ]]; then
  "$here/build-if-needed.sh"
  if [[ "${RESUME:-0}" != 1 ]]; then rm -rf "$parts"; fi
fi
mkdir -p "$parts" "$here/results"
start=$(date +%s)
n=0
trials=0

# jmh_run OPTS THREADS LINES SKUS COMBINE REGEX: one JMH invocation, JSON into the parts directory.
jmh_run() {
  local opts="$1" threads="$2" lines="$3" skus="$4" comb="$5" regex="$6" count
  n=$((n + 1))
  local json
  json="$(printf '%s/%03d-t%s.json' "$parts" "$n" "$threads")"
  count=$(( ($(tr -cd '|' <<< "$regex" | wc -c) + 1) * ($(tr -cd ',' <<< "$skus" | wc -c) + 1)
    * ($(tr -cd ',' <<< "$comb" | wc -c) + 1) ))
  trials=$((trials + count))
  echo "== [$n] $regex  -t $threads  lines=$lines skus=$skus combine=$comb  ($count trial(s), $opts)" >&2
  if [[ "${DRY_RUN:-0}" == 1 ]]; then return; fi
  # RESUME=1: a JMH run whose results an interrupted invocation already wrote is not repeated
  if [[ "${RESUME:-0}" == 1 ]] && python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])) else 1)' "$json" 2>/dev/null; then
    echo "   (kept from the interrupted invocation: $json)" >&2
    return
  fi
  # shellcheck disable=SC2086
  "${JAVA:-java}" -jar "$here/target/benchmarks.jar" $opts -t "$threads" -foe true -rf json -rff "$json" \
    -p lines="$lines" -p skus="$skus" -p combine="$comb" "$regex"
}

# pass OPTS THREADS LINES SKUS "Class:method,method Class:method ...": the orderkit methods run
# with every COMBINE value, the raw ones (reserveRaw*) once with the default.
pass() {
  local opts="$1" threads="$2" lines="$3" skus="$4" spec="$5" ok=() raw=() entry cls m
  for entry in $spec; do
    cls="${entry%%:*}"
    IFS=',' read -r -a methods <<< "${entry#*:}"
    for m in "${methods[@]}"; do
      if [[ "$m" == reserveRaw* ]]; then raw+=("$cls\\.$m"); else ok+=("$cls\\.$m"); fi
    done
  done
  if [[ "$combine" == default ]]; then
    local all=("${ok[@]}" "${raw[@]}")
    jmh_run "$opts" "$threads" "$lines" "$skus" default "($(IFS='|'; echo "${all[*]}"))\$"
  else
    if (( ${#ok[@]} )); then jmh_run "$opts" "$threads" "$lines" "$skus" "$combine" "($(IFS='|'; echo "${ok[*]}"))\$"; fi
    if (( ${#raw[@]} )); then jmh_run "$opts" "$threads" "$lines" "$skus" default "($(IFS='|'; echo "${raw[*]}"))\$"; fi
  fi
}

JDBC_ALL="reserveOrderkit,reserveRawTxn,reserveRawUpdate,placeOrderkit"
MEM_ALL="InMemoryBenchmark:reserveOrderkit,reserveRawCas,placeOrderkit"
REDIS_ALL="RedisBenchmark:reserveOrderkit,reserveRawEvalsha,placeOrderkit,placeOrderkitPgOrders"

# --- headline rows (issue 11 targets), HEAD_OPTS ---------------------------------------------
pass "$head_opts" 64 1 hot    "PostgresBenchmark:reserveOrderkit,reserveRawUpdate,reserveRawTxn"
pass "$head_opts" 16 1 spread "PostgresBenchmark:$JDBC_ALL"
pass "$head_opts" 16 1 hot    "PostgresBenchmark:reserveRawTxn,placeOrderkit"
pass "$head_opts" 64 1 hot,spread "RedisBenchmark:reserveOrderkit,reserveRawEvalsha"
pass "$head_opts" 1 1 hot,spread "$MEM_ALL"
pass "$head_opts" 2 1 hot,spread "$MEM_ALL"

# --- every other 1-line row: 1 / 16 / 64 threads, hot and spread, REST_OPTS ------------------
pass "$rest_opts" 1 1 hot,spread "$REDIS_ALL PostgresBenchmark:$JDBC_ALL"
pass "$rest_opts" 16 1 hot,spread "$MEM_ALL $REDIS_ALL"
pass "$rest_opts" 16 1 hot "PostgresBenchmark:reserveOrderkit,reserveRawUpdate"
pass "$rest_opts" 64 1 hot,spread "$MEM_ALL RedisBenchmark:placeOrderkit,placeOrderkitPgOrders"
pass "$rest_opts" 64 1 hot "PostgresBenchmark:placeOrderkit"
pass "$rest_opts" 64 1 spread "PostgresBenchmark:$JDBC_ALL"
for t in 1 16 64; do
  pass "$rest_opts" "$t" 1 hot,spread "H2Benchmark:$JDBC_ALL MariaDbBenchmark:$JDBC_ALL"
done

# --- 5 lines per reservation / order, 16 threads, REST_OPTS -----------------------------------
if [[ "${LINES5:-1}" != 0 ]]; then
  # the single-statement UPDATE is a one-line shape: with 5 hot lines its rows lock in no fixed
  # order and it deadlocks / times out, so the 5-line pass compares against the transaction only
  JDBC_5="reserveOrderkit,reserveRawTxn,placeOrderkit"
  pass "$rest_opts" 16 5 hot,spread \
    "$MEM_ALL $REDIS_ALL H2Benchmark:$JDBC_5 PostgresBenchmark:$JDBC_5 MariaDbBenchmark:$JDBC_5"
fi

echo "== $trials trials in $n JMH runs" >&2
if [[ "${DRY_RUN:-0}" == 1 ]]; then exit 0; fi
cd "$root"
python3 "$here/report.py" --json --readme README.md --command "$command" "jmh/results/$name" "$parts"/*.json
echo "wrote jmh/results/$name.{json,md,svg} and the README table in $(( $(date +%s) - start )) s" >&2
