#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft: broker + controller in one JVM) for the demo and the tests,
# built from Maven Central jars. No Docker, no downloads outside Maven.
#
#   kafka.sh fetch    copy kafka_2.13 and its runtime dependencies into the cache (once)
#   kafka.sh start    fetch, format storage if new, start, wait until a produce and a consume succeed
#                     (a no-op when this broker already answers)
#   kafka.sh stop     stop it cleanly (SIGTERM, then wait for the JVM to exit)
#   kafka.sh status   exit 0 when it answers
#   kafka.sh reset    stop and delete its data
#
# Settings (environment): KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1),
# KAFKA_CACHE (~/.cache/lnb-xero-connector/kafka), KAFKA_DATA (<repo>/.local/kafka-<port>),
# KAFKA_HEAP (512m), KAFKA_START_TIMEOUT seconds (90).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
port=${KAFKA_PORT:-19092}
cport=${KAFKA_CONTROLLER_PORT:-$((port + 1))}
cache=${KAFKA_CACHE:-$HOME/.cache/lnb-xero-connector/kafka}
libs="$cache/$version/libs"
data=${KAFKA_DATA:-$repo/.local/kafka-$port}
heap=${KAFKA_HEAP:-512m}
timeout=${KAFKA_START_TIMEOUT:-90}
pidfile="$data/kafka.pid"

log() { printf '[kafka] %s\n' "$*" >&2; }

fetch() {
  if [ -f "$libs/.complete" ]; then return 0; fi
  log "fetching org.apache.kafka:kafka_2.13:$version and its runtime dependencies into $libs"
  rm -rf "$libs"; mkdir -p "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs" >&2
  touch "$libs/.complete"
}

java_opts() {
  jopts=(-Xms128m -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dkafka.logs.dir="$data/logs" -Dlog4j2.configurationFile="$here/log4j2.xml" \
    -cp "$libs/*")
}
java_cmd() { java_opts; java "${jopts[@]}" "$@"; }

answers() {
  # A TCP connect is cheap; the real check (produce + consume) is check.mjs.
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid; pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

write_config() {
  mkdir -p "$data/logs" "$data/log-dirs"
  cat > "$data/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data/log-dirs
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
log.segment.bytes=104857600
PROPS
}

start() {
  if answers; then log "already answering on 127.0.0.1:$port"; wait_ready; return 0; fi
  command -v java >/dev/null || { log "java not found (Java 17+ is needed)"; exit 1; }
  fetch
  write_config
  if [ ! -f "$data/log-dirs/meta.properties" ]; then
    local cluster; cluster=$(java_cmd kafka.tools.StorageTool random-uuid)
    log "formatting $data (cluster $cluster)"
    java_cmd kafka.tools.StorageTool format --standalone -t "$cluster" -c "$data/server.properties" >"$data/logs/format.log" 2>&1 \
      || java_cmd kafka.tools.StorageTool format -t "$cluster" -c "$data/server.properties" >>"$data/logs/format.log" 2>&1 \
      || { log "format failed:"; cat "$data/logs/format.log" >&2; exit 1; }
  fi
  log "starting Kafka $version on 127.0.0.1:$port (data in $data)"
  java_opts
  nohup java "${jopts[@]}" kafka.Kafka "$data/server.properties" >"$data/logs/stdout.log" 2>&1 </dev/null &
  echo $! > "$pidfile"
  local deadline=$((SECONDS + timeout))
  until answers; do
    if ! running_pid >/dev/null; then log "the broker exited; last lines of its logs:"; tail -n 30 "$data/logs/stdout.log" "$data/logs/server.log" >&2 2>/dev/null || true; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then log "no answer on port $port after ${timeout}s"; exit 1; fi
    sleep 0.5
  done
  wait_ready
}

wait_ready() {
  if [ -d "$repo/node_modules/kafkajs" ]; then
    KAFKA_BROKERS="127.0.0.1:$port" node "$here/check.mjs" "$timeout" >&2
  else
    log "node_modules missing: skipped the produce/consume check (run npm ci first)"
  fi
  log "ready on 127.0.0.1:$port"
}

stop() {
  local pid
  if pid=$(running_pid); then
    log "stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 60))
    while kill -0 "$pid" 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then log "still running after 60s: SIGKILL"; kill -KILL "$pid" || true; break; fi
      sleep 0.2
    done
    rm -f "$pidfile"
    log "stopped"
  else
    log "not running (no live pid in $pidfile)"
  fi
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) answers && { log "answering on 127.0.0.1:$port"; exit 0; } || { log "not answering on 127.0.0.1:$port"; exit 1; } ;;
  reset) stop; rm -rf "$data"; log "deleted $data" ;;
  *) echo "usage: $0 fetch|start|stop|status|reset" >&2; exit 2 ;;
esac
