#!/usr/bin/env bash
# Starts / stops a throw-away Redis Cluster of 3 masters (no replicas) on 127.0.0.1 for the
# orderkit-redis tests.
#
#   bash .ci/redis-cluster.sh start   # idempotent; prints the node list (host:port,host:port,...)
#   bash .ci/redis-cluster.sh stop    # stops the nodes started by this script, removes their dirs
#   bash .ci/redis-cluster.sh status  # prints the node list if the cluster is up, exit 1 otherwise
#
# Environment: ORDERKIT_REDIS_CLUSTER_PORTS (default "7101 7102 7103"),
#              ORDERKIT_REDIS_CLUSTER_DIR (default /tmp/orderkit-redis-cluster).
# Each node runs with its own dir, AOF on (appendfsync everysec), bound to 127.0.0.1 only.
# Use the printed list as ORDERKIT_TEST_REDIS_CLUSTER for the tests.
set -euo pipefail
PORTS=${ORDERKIT_REDIS_CLUSTER_PORTS:-"7101 7102 7103"}
BASE=${ORDERKIT_REDIS_CLUSTER_DIR:-/tmp/orderkit-redis-cluster}

nodes() { local out=""; for p in $PORTS; do out="${out:+$out,}127.0.0.1:$p"; done; echo "$out"; }
cluster_ok() {
  for p in $PORTS; do
    redis-cli -h 127.0.0.1 -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}

start() {
  if cluster_ok; then nodes; return 0; fi
  for p in $PORTS; do
    if ! redis-cli -h 127.0.0.1 -p "$p" ping >/dev/null 2>&1; then
      mkdir -p "$BASE/$p"
      redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
        --cluster-config-file "$BASE/$p/nodes.conf" --cluster-node-timeout 5000 \
        --dir "$BASE/$p" --appendonly yes --appendfsync everysec --save '' \
        --daemonize yes --pidfile "$BASE/$p/redis.pid" --logfile "$BASE/$p/redis.log"
    fi
  done
  for p in $PORTS; do
    for _ in $(seq 1 100); do redis-cli -h 127.0.0.1 -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  # create the cluster unless the nodes already know each other (e.g. restarted from nodes.conf)
  local first=${PORTS%% *}
  local known
  known=$(redis-cli -h 127.0.0.1 -p "$first" cluster info | awk -F: '/^cluster_known_nodes/{print $2}' | tr -d '\r')
  if [ "${known:-1}" -lt "$(echo $PORTS | wc -w)" ]; then
    local args=""; for p in $PORTS; do args="$args 127.0.0.1:$p"; done
    redis-cli --cluster create $args --cluster-replicas 0 --cluster-yes >/dev/null
  fi
  for _ in $(seq 1 200); do
    if cluster_ok; then nodes; return 0; fi
    sleep 0.1
  done
  echo "redis cluster did not reach cluster_state:ok" >&2
  return 1
}

stop() {
  for p in $PORTS; do
    if [ -f "$BASE/$p/redis.pid" ]; then
      redis-cli -h 127.0.0.1 -p "$p" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$BASE/$p/redis.pid")" 2>/dev/null || true
    fi
  done
  for p in $PORTS; do
    for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$p" ping >/dev/null 2>&1 || break; sleep 0.1; done
  done
  rm -rf "$BASE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) cluster_ok && nodes ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
