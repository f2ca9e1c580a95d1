#!/usr/bin/env bash
# Makes sure the local PostgreSQL, MariaDB, Redis and RabbitMQ answer; starts any that is down with the
# machine's own start commands. Exits non-zero, naming the service, if one still does not answer.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- 3<&-; }

wait_port() { # name port seconds
  local i
  for ((i = 0; i < $3 * 4; i++)); do
    if port_open "$2"; then return 0; fi
    sleep 0.25
  done
  return 1
}

ensure() { # name port start-command...
  local name=$1 port=$2; shift 2
  if port_open "$port"; then echo "services: $name answers on 127.0.0.1:$port"; return 0; fi
  echo "services: $name is down on 127.0.0.1:$port, starting it"
  "$@" || true
  if wait_port "$name" "$port" "${WAIT_SECONDS:-30}"; then
    echo "services: $name started"
  else
    echo "services: FATAL: $name does not answer on 127.0.0.1:$port" >&2
    exit 1
  fi
}

start_postgres() {
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  fi
}
start_mariadb() {
  if [ -x /usr/sbin/mariadbd ]; then
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  fi
}
start_redis() {
  if command -v redis-server >/dev/null 2>&1; then
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
  fi
}

start_rabbitmq() {
  if command -v rabbitmq-server >/dev/null 2>&1; then
    rabbitmq-server -detached
  fi
}

ensure postgres 5432 start_postgres
ensure mariadb 3306 start_mariadb
ensure redis 6379 start_redis
# the broker needs a few seconds to boot: wait up to 60 s
WAIT_SECONDS=60 ensure rabbitmq 5672 start_rabbitmq
