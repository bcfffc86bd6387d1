#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft) on loopback, for development, tests and benchmarks.
#
#   scripts/kafka.sh install                 fetch the broker jars with Maven (cached)
#   scripts/kafka.sh up   [--name N] [--port P] [--topics "t1 t2"] [--secure]
#   scripts/kafka.sh down [--name N] [--wipe]
#   scripts/kafka.sh status [--name N]
#
# Idempotent: `up` on a running broker only (re)creates missing topics; `down` on a stopped one is a no-op.
# Several brokers can run side by side under different --name/--port (the Kafka-restart test uses its own).
# --secure: the only client listener is SASL_SSL (PLAIN, SCRAM-SHA-256/512) with a CA of its own
# (scripts/kafka/secure.sh says where its CA and password files are); default name "secure", port 9095.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
kafka_version="3.9.1"
cache="${ODIN_KAFKA_CACHE:-$HOME/.cache/odin-ws/kafka-$kafka_version}"
state_root="${ODIN_KAFKA_STATE:-$repo/.kafka}"
demo_topics="odin.trades odin.tickers odin.orderbooks"
# Topics of state channels whose records are the whole state: compacted, so the broker keeps each key's latest record
# however old, and a fresh shard reads them from their first record to hold every latest value.
compacted_topics="odin.tickers"

name=""; port=""; topics="$demo_topics"; partitions="12"; wipe="false"; secure="false"
cmd="${1:-}"; shift || true
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --topics) topics="$2"; shift 2 ;;
    --partitions) partitions="$2"; shift 2 ;;
    --wipe) wipe="true"; shift ;;
    --secure) secure="true"; shift ;;
    *) echo "kafka.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if [ "$secure" = "true" ]; then name="${name:-secure}"; port="${port:-9095}"; else name="${name:-default}"; port="${port:-9092}"; fi
state="$state_root/$name"
pidfile="$state/broker.pid"

log() { printf 'kafka.sh: %s\n' "$*" >&2; }

install_jars() {
  if [ -f "$cache/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || { log "Maven (mvn) is required to fetch Kafka $kafka_version"; exit 1; }
  command -v java >/dev/null || { log "Java 17+ is required to run Kafka"; exit 1; }
  log "fetching Kafka $kafka_version jars into $cache (once)"
  mkdir -p "$cache"
  mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$cache/libs" -DincludeScope=runtime >&2
  touch "$cache/.complete"
}

is_running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

java_tool() { java -Dlog4j.configuration="file:$here/kafka/log4j.properties" -cp "$cache/libs/*" "$@"; }

# shellcheck source=kafka/secure.sh
source "$here/kafka/secure.sh"
# Kafka's own tools (topic listing and creation) talk to a secure broker as its admin user.
tool_auth() { if [ "$secure" = "true" ]; then printf '%s\n' --command-config "$secrets/client.properties"; fi; }

write_config() {
  local controller_port=$((port + 1))
  mkdir -p "$state/data"
  cat > "$state/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$state/data
num.partitions=$partitions
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=1
log.segment.bytes=67108864
EOF
}

answers() { java_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" $(tool_auth) --list >/dev/null 2>&1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

wait_ready() {
  # The broker is ready when it answers a metadata request, not merely when the port is open; but
  # each metadata check starts a JVM (seconds on 2 cores), so first wait cheaply for the port.
  local deadline=$((SECONDS + 90))
  until port_open; do
    [ ! -f "$pidfile" ] || is_running || { log "broker exited during start-up; see $state/broker.log"; tail -20 "$state/broker.log" >&2; exit 1; }
    [ $SECONDS -lt $deadline ] || { log "broker port did not open within 90 s; see $state/broker.log"; exit 1; }
    sleep 0.2
  done
  until answers; do
    [ ! -f "$pidfile" ] || is_running || { log "broker exited during start-up; see $state/broker.log"; tail -20 "$state/broker.log" >&2; exit 1; }
    [ $SECONDS -lt $deadline ] || { log "broker did not answer within 60 s; see $state/broker.log"; exit 1; }
    sleep 1
  done
}

create_topics() {
  [ -n "$topics" ] || return 0
  local pids=()
  for topic in $topics; do
    local settings=()
    if [[ " $compacted_topics " == *" $topic "* ]]; then settings=(--config cleanup.policy=compact); fi
    java_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" $(tool_auth) \
      --create --if-not-exists --topic "$topic" --partitions "$partitions" --replication-factor 1 "${settings[@]}" >/dev/null &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || { log "topic creation failed"; exit 1; }; done
  log "topics ready: $topics"
}

up() {
  install_jars
  if is_running; then
    log "broker '$name' already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"
  elif port_open && answers; then
    log "a broker not started by this script already answers on 127.0.0.1:$port; using it"
  else
    write_config
    local format_extra=()
    if [ "$secure" = "true" ]; then
      make_secrets
      write_secure_config
      mapfile -t format_extra < <(scram_format_args)
    fi
    if [ ! -f "$state/data/meta.properties" ]; then
      java_tool kafka.tools.StorageTool format -t "$(java_tool kafka.tools.StorageTool random-uuid)" \
        -c "$state/server.properties" "${format_extra[@]}" >/dev/null
    fi
    # setsid: the broker must outlive the shell (and the test runner) that started it.
    KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
    setsid nohup java $KAFKA_HEAP_OPTS -XX:+UseG1GC -Dlog4j.configuration="file:$here/kafka/log4j.properties" \
      -cp "$cache/libs/*" kafka.Kafka "$state/server.properties" > "$state/broker.log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    log "started broker '$name' (pid $!) on 127.0.0.1:$port"
  fi
  wait_ready
  create_topics
  if [ "$secure" = "true" ]; then log "SASL_SSL on 127.0.0.1:$port; CA $secrets/ca.pem; users odin and admin, passwords in $secrets/*.password"; fi
}

down() {
  if is_running; then
    local pid; pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped broker '$name'"
  fi
  rm -f "$pidfile"
  if [ "$wipe" = "true" ]; then rm -rf "$state"; log "wiped $state"; fi
}

case "$cmd" in
  install) install_jars ;;
  up) up ;;
  down) down ;;
  status) if is_running; then echo "running pid $(cat "$pidfile") port $port"; else echo "stopped"; exit 1; fi ;;
  *) echo "usage: scripts/kafka.sh install|up|down|status [--name N] [--port P] [--topics \"a b\"] [--partitions N] [--wipe] [--secure]" >&2; exit 2 ;;
esac
