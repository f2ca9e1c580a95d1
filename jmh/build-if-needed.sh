#!/usr/bin/env bash
# Builds jmh/target/benchmarks.jar when it is missing or older than a source of the jmh module.
# Resolves orderkit-core/-redis/-jdbc from ~/.m2 (install them first: see README.md). Offline by
# default; set MVN_OFFLINE= to let Maven download.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/target/benchmarks.jar"
if [[ ! -f "$jar" ]] || [[ -n "$(find "$here/src" "$here/pom.xml" -newer "$jar" -print -quit)" ]]; then
  echo "building $jar" >&2
  (cd "$here/.." && mvn -B ${MVN_OFFLINE--o} -q -pl jmh package -DskipTests)
fi
