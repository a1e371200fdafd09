#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft: broker + controller in one JVM) for the demo and the tests,
# built from Maven Central jars. No Docker, no downloads outside Maven. docker-compose.yml runs this
# same script in the apache/kafka image (KAFKA_LIBS=/opt/kafka/libs, `run`), secured.
#
#   kafka.sh fetch    copy kafka_2.13 and its runtime dependencies into the cache (once)
#   kafka.sh start    fetch, format storage if new, start, wait until a produce and a consume succeed
#                     (a no-op when this broker already answers)
#   kafka.sh stop     stop it cleanly (SIGTERM, then wait for the JVM to exit)
#   kafka.sh status   exit 0 when it answers
#   kafka.sh reset    stop and delete its data
#
# Secured (KAFKA_SECURE=1; docs/security.md): SASL/SCRAM-SHA-512 over TLS on the client listener,
# StandardAuthorizer with no access unless an ACL grants it, one principal per service (User:<service>),
# User:admin and the broker's own User:broker as super users.
#   KAFKA_SECURE=1 kafka.sh start          as above, on 127.0.0.1:19094, then creates the registry's topics and
#                                          every service's ACLs as admin (kafka.sh setup; KAFKA_SETUP=0 skips it);
#                                          stop, status and reset reach it with KAFKA_SECURE=1 too
#   kafka.sh run                           format if new and run in the foreground (containers)
#   kafka.sh init-secrets                  make what is missing: a throwaway CA, the broker's keystore, one
#                                          password per principal (idempotent); KAFKA_SECRETS_EXPORT=<dir> also
#                                          copies each principal's password and the CA into <dir>/<principal>/
#                                          when that folder exists (compose: one volume per service)
#   kafka.sh env <principal>               the client settings of a principal, for `set -a; eval "$(...)"`
#                                          (paths, never a password)
#   kafka.sh setup                         topics and ACLs for KAFKA_TOPIC_PREFIX, as admin (generated from
#                                          libs/contracts and libs/messaging/src/access.ts)
#   kafka.sh rotate <principal>            a new password for a running broker (SCRAM), written to the secrets
#                                          (and exported); restart what connects as that principal
#   kafka.sh principals                    the principals this script makes credentials for
#
# Settings (environment): KAFKA_PORT (19092; 19094 when secured), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1),
# KAFKA_CACHE (~/.cache/lnb-xero-connector/kafka), KAFKA_LIBS (<cache>/<version>/libs), KAFKA_DATA
# (<repo>/.local/kafka-<port>), KAFKA_HEAP (1g: a whole test run leaves some ten thousand partitions, and 512m ran out on a developer broker), KAFKA_START_TIMEOUT seconds (90), KAFKA_SECRETS
# (~/.cache/lnb-xero-connector/kafka-secure: shared by this machine's secured brokers, never in the repo),
# KAFKA_TLS_SAN (dns:localhost,ip:127.0.0.1), KAFKA_SECRETS_OWNER (uid:gid for exported files),
# KAFKA_BASE_PROPERTIES (a file of listeners etc. used instead of the local ones), KAFKA_CLUSTER_ID,
# KAFKA_ADMIN_BOOTSTRAP (where `rotate` connects; 127.0.0.1:<port>), KAFKA_LOG4J (this folder's log4j2.xml).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
secure=${KAFKA_SECURE:-0}
case "${1:-}" in init-secrets|env|setup|rotate) secure=1 ;; esac
if [ "$secure" = 1 ]; then port=${KAFKA_PORT:-19094}; else port=${KAFKA_PORT:-19092}; fi
cport=${KAFKA_CONTROLLER_PORT:-$((port + 1))}
cache=${KAFKA_CACHE:-$HOME/.cache/lnb-xero-connector/kafka}
libs=${KAFKA_LIBS:-$cache/$version/libs}
data=${KAFKA_DATA:-$repo/.local/kafka-$port}
heap=${KAFKA_HEAP:-1g}
timeout=${KAFKA_START_TIMEOUT:-90}
pidfile="$data/kafka.pid"
secrets=${KAFKA_SECRETS:-$HOME/.cache/lnb-xero-connector/kafka-secure}
# The services of libs/contracts' SERVICES (a unit test keeps the two lists equal), then the operator's
# admin and the broker's own identity.
SERVICES=(lnb-poller mapper xero-exporter monitor-api)
PRINCIPALS=("${SERVICES[@]}" admin broker)

log() { printf '[kafka] %s\n' "$*" >&2; }

fetch() {
  if [ -n "${KAFKA_LIBS:-}" ]; then return 0; fi
  if [ -f "$libs/.complete" ]; then return 0; fi
  log "fetching org.apache.kafka:kafka_2.13:$version and its runtime dependencies into $libs"
  rm -rf "$libs"; mkdir -p "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs" >&2
  touch "$libs/.complete"
}

java_opts() {
  jopts=(-Xms128m -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dkafka.logs.dir="$data/logs" -Dlog4j2.configurationFile="${KAFKA_LOG4J:-$here/log4j2.xml}" \
    -cp "$libs/*")
}
java_cmd() { java_opts; java "${jopts[@]}" "$@"; }
# Short-lived tools (keytool, ConfigCommand) start faster without the optimising compiler.
quick_java() { java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -Xmx256m -Dlog4j2.configurationFile="${KAFKA_LOG4J:-$here/log4j2.xml}" -Dkafka.logs.dir="$data/logs" -cp "$libs/*" "$@"; }
keytool_q() {
  local out
  out=$(keytool -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-Xshare:auto "$@" 2>&1) || { log "keytool $1 failed: $out"; return 1; }
}

answers() {
  # A TCP connect is cheap; the real check (produce + consume) is check.mjs.
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid; pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# --- secrets: a throwaway CA, the broker's keystore, one password per principal ------------------------

new_password() { head -c 18 /dev/urandom | base64 | tr '+/' '-_' | tr -d '\n'; }
password_of() {
  local f="$secrets/users/$1.password"
  [ -s "$f" ] || { log "no password for $1 in $secrets/users (run: kafka.sh init-secrets)"; exit 1; }
  cat "$f"
}

make_tls() {
  # Built aside and moved into place in one rename, so two brokers starting at once never mix halves.
  local tmp="$secrets/tls.tmp.$$" san=${KAFKA_TLS_SAN:-dns:localhost,ip:127.0.0.1}
  command -v keytool >/dev/null || { log "keytool not found (it comes with Java 17+)"; exit 1; }
  log "making a throwaway CA and the broker's keystore in $secrets/tls (SAN $san)"
  rm -rf "$tmp"; mkdir -p "$tmp"; chmod 700 "$tmp"
  local capass storepass; capass=$(new_password); storepass=$(new_password)
  printf '%s' "$storepass" > "$tmp/store.password"
  keytool_q -genkeypair -alias ca -keyalg EC -groupname secp256r1 -dname "CN=lnb-xero-connector local Kafka CA" \
    -ext bc:c -ext KU=keyCertSign,cRLSign -validity 825 -keystore "$tmp/ca.p12" -storetype PKCS12 -storepass "$capass" &
  local ca_pid=$!
  keytool_q -genkeypair -alias broker -keyalg EC -groupname secp256r1 -dname "CN=kafka" -validity 825 \
    -keystore "$tmp/broker.p12" -storetype PKCS12 -storepass "$storepass"
  wait "$ca_pid"
  keytool_q -exportcert -rfc -alias ca -keystore "$tmp/ca.p12" -storepass "$capass" -file "$tmp/ca.pem" &
  ca_pid=$!
  keytool_q -certreq -alias broker -keystore "$tmp/broker.p12" -storepass "$storepass" -file "$tmp/broker.csr"
  wait "$ca_pid"
  keytool_q -gencert -alias ca -keystore "$tmp/ca.p12" -storepass "$capass" -infile "$tmp/broker.csr" -outfile "$tmp/broker.crt" \
    -rfc -validity 825 -ext "SAN=$san" -ext EKU=serverAuth,clientAuth -ext KU=digitalSignature
  cat "$tmp/broker.crt" "$tmp/ca.pem" > "$tmp/broker-chain.pem"
  keytool_q -importcert -noprompt -alias broker -file "$tmp/broker-chain.pem" -keystore "$tmp/broker.p12" -storepass "$storepass"
  # The CA's key signs nothing else: it goes, and a new broker certificate means a new CA (and clients re-read ca.pem).
  rm -f "$tmp/ca.p12" "$tmp/broker.csr" "$tmp/broker.crt" "$tmp/broker-chain.pem"
  chmod 600 "$tmp"/*
  chmod 644 "$tmp/ca.pem"
  if [ -e "$secrets/tls" ]; then rm -rf "$tmp"; else mv "$tmp" "$secrets/tls" 2>/dev/null || rm -rf "$tmp"; fi
  [ -s "$secrets/tls/broker.p12" ] || { log "no keystore in $secrets/tls"; exit 1; }
}

secrets_complete() {
  [ -s "$secrets/tls/broker.p12" ] || return 1
  local p
  for p in "${PRINCIPALS[@]}"; do [ -s "$secrets/users/$p.password" ] || return 1; done
}

init_secrets() {
  mkdir -p "$secrets/users"; chmod 700 "$secrets" "$secrets/users"
  [ -s "$secrets/tls/broker.p12" ] || make_tls
  local p
  for p in "${PRINCIPALS[@]}"; do
    # noclobber: created once, atomically; a concurrent start keeps whichever came first.
    [ -s "$secrets/users/$p.password" ] || (set -o noclobber; umask 077; new_password > "$secrets/users/$p.password") 2>/dev/null || true
  done
  if [ -n "${KAFKA_SECRETS_EXPORT:-}" ]; then
    for p in "${PRINCIPALS[@]}"; do export_principal "$p"; done
  fi
  if [ -n "${KAFKA_SECRETS_OWNER:-}" ]; then chown -R "$KAFKA_SECRETS_OWNER" "$secrets"; fi
}

# Compose gives each service a volume of its own: only its password and the CA go there.
export_principal() {
  local dir="${KAFKA_SECRETS_EXPORT:-}/$1"
  [ -n "${KAFKA_SECRETS_EXPORT:-}" ] && [ -d "$dir" ] || return 0
  (umask 077; cp "$secrets/users/$1.password" "$dir/password.tmp" && mv -f "$dir/password.tmp" "$dir/password")
  cp "$secrets/tls/ca.pem" "$dir/ca.pem"
  chmod 400 "$dir/password"; chmod 444 "$dir/ca.pem"; chmod 755 "$dir"
  if [ -n "${KAFKA_SECRETS_OWNER:-}" ]; then chown -R "$KAFKA_SECRETS_OWNER" "$dir"; fi
  log "exported $1's password and the CA to $dir"
}

# --- broker configuration ---------------------------------------------------------------------------------

common_properties() {
  cat <<PROPS
process.roles=broker,controller
node.id=1
log.dirs=$data/log-dirs
num.partitions=3
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

write_config() {
  mkdir -p "$data/logs" "$data/log-dirs"
  {
    common_properties
    cat <<PROPS
auto.create.topics.enable=true
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
PROPS
  } > "$data/server.properties"
}

prop_of() { sed -n "s/^$1=//p" "$2" | tail -n 1; }

write_config_secure() {
  mkdir -p "$data/logs" "$data/log-dirs"
  local base="$data/base.properties"
  if [ -n "${KAFKA_BASE_PROPERTIES:-}" ]; then
    cp "$KAFKA_BASE_PROPERTIES" "$base"
  else
    cat > "$base" <<PROPS
controller.quorum.voters=1@127.0.0.1:$cport
listeners=SASL_SSL://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=SASL_SSL://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT
PROPS
  fi
  local inter controller broker_pw store_pw
  inter=$(prop_of inter.broker.listener.name "$base" | tr 'A-Z' 'a-z')
  controller=$(prop_of controller.listener.names "$base" | tr 'A-Z' 'a-z')
  [ -n "$inter" ] && [ -n "$controller" ] || { log "$base names no inter.broker.listener.name or controller.listener.names"; exit 1; }
  broker_pw=$(password_of broker)
  store_pw=$(cat "$secrets/tls/store.password")
  # Every SASL_SSL listener needs a SCRAM login module; the inter-broker one also names the broker's own user.
  local jaas="" pair name
  for pair in $(prop_of listener.security.protocol.map "$base" | tr ',' ' '); do
    [ "${pair#*:}" = SASL_SSL ] || continue
    name=$(printf '%s' "${pair%%:*}" | tr 'A-Z' 'a-z')
    if [ "$name" = "$inter" ]; then
      jaas+="listener.name.$name.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"broker\" password=\"$broker_pw\";"$'\n'
    else
      jaas+="listener.name.$name.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"$'\n'
    fi
  done
  (umask 077; {
    common_properties
    cat "$base"
    cat <<PROPS
# Secured: no anonymous access, no topic created by a client, nothing allowed unless an ACL says so.
auto.create.topics.enable=false
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:broker
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
$jaas# SCRAM credentials live in the metadata the controller serves, so the controller listener uses PLAIN
# (bound to 127.0.0.1 only), as the broker's own identity.
sasl.mechanism.controller.protocol=PLAIN
listener.name.$controller.sasl.enabled.mechanisms=PLAIN
listener.name.$controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="$broker_pw" user_broker="$broker_pw";
ssl.keystore.type=PKCS12
ssl.keystore.location=$secrets/tls/broker.p12
ssl.keystore.password=$store_pw
ssl.key.password=$store_pw
ssl.truststore.type=PEM
ssl.truststore.location=$secrets/tls/ca.pem
ssl.client.auth=none
PROPS
  } > "$data/server.properties")
  # For a health check of the broker by itself (compose's kafka-broker-api-versions.sh): its own identity,
  # whose password this folder already holds, so rotating admin's never breaks it.
  write_client_properties broker "$data/client.properties"
}

# A Java client's settings (kafka-*.sh --command-config) as a principal, readable by this user only.
write_client_properties() {
  mkdir -p "$(dirname "$2")"
  (umask 077; cat > "$2" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$1" password="$(password_of "$1")";
ssl.truststore.type=PEM
ssl.truststore.location=$secrets/tls/ca.pem
PROPS
  )
}

format_if_new() {
  [ -f "$data/log-dirs/meta.properties" ] && return 0
  # A KRaft cluster id is 16 random bytes in base64url (what `kafka-storage random-uuid` prints, without a JVM).
  local cluster=${KAFKA_CLUSTER_ID:-$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')}
  local scram=()
  if [ "$secure" = 1 ]; then
    local p
    # Bootstrapped with the metadata: the broker can authenticate to itself before any admin call.
    for p in "${PRINCIPALS[@]}"; do scram+=(--add-scram "SCRAM-SHA-512=[name=$p,password=$(password_of "$p")]"); done
    printf '%s\n' "${PRINCIPALS[@]}" > "$data/scram-users"
  fi
  log "formatting $data (cluster $cluster)"
  # A static quorum (controller.quorum.voters), so no --standalone: Kafka refuses the two together.
  java_cmd kafka.tools.StorageTool format -t "$cluster" -c "$data/server.properties" "${scram[@]}" >"$data/logs/format.log" 2>&1 \
    || { log "format failed:"; redact < "$data/logs/format.log" >&2; exit 1; }
}

# Principals added to the script after this broker's storage was formatted get their credentials now.
ensure_users() {
  local p
  for p in "${PRINCIPALS[@]}"; do
    grep -qx "$p" "$data/scram-users" 2>/dev/null && continue
    set_scram "$p" "$(password_of "$p")"
    echo "$p" >> "$data/scram-users"
  done
}

redact() { sed 's/password=[^],"]*/password=[redacted]/g'; }

# kafka-configs as admin. The new password is on its command line for the second it runs (kafka-configs
# reads SCRAM credentials from nowhere else; --add-config-file mangles their name), as in `format --add-scram`.
set_scram() {
  write_client_properties admin "$data/admin-client.properties"
  local out status=0
  out=$(quick_java kafka.admin.ConfigCommand --bootstrap-server "${KAFKA_ADMIN_BOOTSTRAP:-127.0.0.1:$port}" \
    --command-config "$data/admin-client.properties" --alter --entity-type users --entity-name "$1" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$2]" 2>&1) || status=$?
  rm -f "$data/admin-client.properties"
  if [ "$status" != 0 ]; then log "kafka-configs could not set User:$1's credentials:"; printf '%s\n' "$out" | redact | tail -n 5 >&2; exit 1; fi
  log "SCRAM-SHA-512 credentials set for User:$1"
}

prepare() {
  command -v java >/dev/null || { log "java not found (Java 17+ is needed)"; exit 1; }
  fetch
  if [ "$secure" = 1 ]; then
    # In a container the secrets come from a one-shot and are mounted read-only.
    secrets_complete || init_secrets
    write_config_secure
  else
    write_config
  fi
  format_if_new
}

start() {
  if answers; then
    log "already answering on 127.0.0.1:$port"; wait_ready
  else
    launch
  fi
  if [ "$secure" = 1 ] && [ "${KAFKA_SETUP:-1}" != 0 ]; then setup; fi
}

launch() {
  prepare
  log "starting Kafka $version on 127.0.0.1:$port$([ "$secure" = 1 ] && echo ' (SASL_SSL, ACLs)') (data in $data)"
  java_opts
  # Every partition holds open files: as many as the system lets this user have (tests delete their topics after a
  # run, but a broker that kept many runs' partitions once shut down on "Too many open files").
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  nohup java "${jopts[@]}" kafka.Kafka "$data/server.properties" >"$data/logs/stdout.log" 2>&1 </dev/null &
  echo $! > "$pidfile"
  local deadline=$((SECONDS + timeout))
  until answers; do
    if ! running_pid >/dev/null; then log "the broker exited; last lines of its logs:"; tail -n 30 "$data/logs/stdout.log" "$data/logs/server.log" >&2 2>/dev/null || true; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then log "no answer on port $port after ${timeout}s"; exit 1; fi
    sleep 0.5
  done
  if [ "$secure" = 1 ]; then ensure_users; fi
  wait_ready
}

# Containers: the JVM in the foreground, as PID 1's child that receives the stop signal.
run() {
  prepare
  log "running Kafka $version in the foreground$([ "$secure" = 1 ] && echo ' (SASL_SSL, ACLs)')"
  java_opts
  exec java "${jopts[@]}" kafka.Kafka "$data/server.properties"
}

admin_env() {
  if [ "$secure" = 1 ]; then
    printf '%s\n' KAFKA_SECURITY=sasl_ssl KAFKA_SASL_USERNAME=admin "KAFKA_SASL_PASSWORD_FILE=$secrets/users/admin.password" "KAFKA_SSL_CA_FILE=$secrets/tls/ca.pem"
  else
    echo KAFKA_SECURITY=plaintext
  fi
}

wait_ready() {
  if [ -d "$repo/node_modules/kafkajs" ]; then
    (set -a; eval "$(admin_env)"; KAFKA_BROKERS="127.0.0.1:$port" node "$here/check.mjs" "$timeout") >&2
  else
    log "node_modules missing: skipped the produce/consume check (run npm ci first)"
  fi
  log "ready on 127.0.0.1:$port"
}

setup() {
  [ -d "$repo/node_modules/kafkajs" ] || { log "node_modules missing: run npm ci, then kafka.sh setup"; exit 1; }
  (set -a; eval "$(admin_env)"; KAFKA_BROKERS="127.0.0.1:$port"
    node -r "$repo/tools/runtime/register-ts.js" "$repo/libs/messaging/src/cli/kafka-setup.ts") >&2
}

client_env() {
  local p=$1
  [[ " ${PRINCIPALS[*]} " == *" $p "* ]] || { log "unknown principal $p (one of: ${PRINCIPALS[*]})"; exit 2; }
  [ -s "$secrets/users/$p.password" ] || { log "no credentials yet in $secrets: start the secured broker first"; exit 1; }
  printf '%s\n' "KAFKA_BROKERS=127.0.0.1:$port" KAFKA_SECURITY=sasl_ssl "KAFKA_SASL_USERNAME=$p" \
    "KAFKA_SASL_PASSWORD_FILE=$secrets/users/$p.password" "KAFKA_SSL_CA_FILE=$secrets/tls/ca.pem"
}

rotate() {
  local p=$1
  [[ " ${PRINCIPALS[*]} " == *" $p "* ]] || { log "unknown principal $p (one of: ${PRINCIPALS[*]})"; exit 2; }
  [ "$p" != broker ] || { log "the broker's own password is in its configuration: change it with the broker stopped (reset, or a new format)"; exit 2; }
  local pw; pw=$(new_password)
  set_scram "$p" "$pw"
  (umask 077; printf '%s' "$pw" > "$secrets/users/$p.password.tmp" && mv -f "$secrets/users/$p.password.tmp" "$secrets/users/$p.password")
  if [ -n "${KAFKA_SECRETS_OWNER:-}" ]; then chown "$KAFKA_SECRETS_OWNER" "$secrets/users/$p.password"; fi
  export_principal "$p"
  log "User:$p has a new password in $secrets/users/$p.password; restart what connects as $p (its open connections stay authenticated until then)"
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
  run) run ;;
  stop) stop ;;
  status) answers && { log "answering on 127.0.0.1:$port"; exit 0; } || { log "not answering on 127.0.0.1:$port"; exit 1; } ;;
  reset) stop; rm -rf "$data"; log "deleted $data" ;;
  init-secrets) init_secrets ;;
  env) client_env "${2:?usage: kafka.sh env <principal>}" ;;
  setup) setup ;;
  rotate) rotate "${2:?usage: kafka.sh rotate <principal>}" ;;
  principals) printf '%s\n' "${PRINCIPALS[@]}" ;;
  *) echo "usage: $0 fetch|start|run|stop|status|reset|init-secrets|env <principal>|setup|rotate <principal>|principals" >&2; exit 2 ;;
esac
