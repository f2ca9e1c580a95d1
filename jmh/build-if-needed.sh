#!/usr/bin/env bash
# Builds jmh/target/benchmarks.jar when it is missing or older than a source of the jmh module or
# of a module it packages (orderkit-core, -testkit, -jdbc, -redis, -kafka, -rabbitmq). Builds in the reactor
# (`./mvnw package -pl jmh -am`), so it uses this checkout's modules and never installs into ~/.m2.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$here/target/benchmarks.jar"
srcs=("$here/src" "$here/pom.xml" "$root/pom.xml")
for m in orderkit-core orderkit-testkit orderkit-jdbc orderkit-redis orderkit-kafka orderkit-rabbitmq; do
  srcs+=("$root/$m/src/main" "$root/$m/pom.xml")
done
if [[ ! -f "$jar" ]] || [[ -n "$(find "${srcs[@]}" -newer "$jar" -print -quit 2>/dev/null)" ]]; then
  echo "building $jar" >&2
  (cd "$root" && ./mvnw -B -q package -pl jmh -am -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true)
fi
