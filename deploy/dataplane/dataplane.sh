#!/usr/bin/env bash
# Local data plane for Meridian: real Redis, Apache Kafka (KRaft), FerretDB (MongoDB wire
# protocol over PostgreSQL) and MinIO (S3 API), bound to 127.0.0.1, no Docker.
#
#   dataplane.sh up [server…] | down [redis|kafka|postgres|ferretdb|minio…] | status | probe | install | reset
#
# Tools are cached outside the repo (so fresh clones reuse them); data, logs and
# pid files live in the git-ignored <repo>/.meridian/. See README.md beside this.
set -euo pipefail

REPO="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
HERE="$REPO/deploy/dataplane"
CACHE="${MERIDIAN_CACHE:-$HOME/.cache/meridian}"
DATA="${MERIDIAN_DATA:-$REPO/.meridian/data}"
# A second, private data plane (the chaos test's) sets all three, so its pid files, logs and data
# never meet the default one's.
LOGS="${MERIDIAN_LOG_DIR:-$REPO/.meridian/logs}"
RUN="${MERIDIAN_RUN_DIR:-$REPO/.meridian/run}"
# Servers are started from other directories later on: make paths absolute.
[[ "$CACHE" == /* ]] || CACHE="$PWD/$CACHE"
[[ "$DATA" == /* ]] || DATA="$PWD/$DATA"
[[ "$LOGS" == /* ]] || LOGS="$PWD/$LOGS"
[[ "$RUN" == /* ]] || RUN="$PWD/$RUN"

REDIS_PORT="${MERIDIAN_REDIS_PORT:-6379}"
KAFKA_PORT="${MERIDIAN_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${MERIDIAN_KAFKA_CONTROLLER_PORT:-9093}"
MONGO_PORT="${MERIDIAN_MONGO_PORT:-27017}"
PG_PORT="${MERIDIAN_PG_PORT:-15432}"
MINIO_PORT="${MERIDIAN_MINIO_PORT:-9000}"
# 3.9.x, not 4.x: kafkajs 2.2.4 speaks protocol versions that Kafka 4 removed (KIP-896).
KAFKA_VERSION="${MERIDIAN_KAFKA_VERSION:-3.9.1}"
FERRETDB_VERSION="v1.24.2"
# MinIO tags its releases RELEASE.<date>, which the Go proxy does not take as versions: this is the
# newest commit it serves as a pseudo-version (go list -m github.com/minio/minio@latest, 2026-12).
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"

KAFKA_LIBS="$CACHE/kafka/$KAFKA_VERSION/libs"
FERRETDB_BIN="$CACHE/bin/ferretdb"
MINIO_BIN="$CACHE/bin/minio"
SERVERS=(redis kafka postgres ferretdb minio)
# PostgreSQL refuses to run as root: when we are root, its server runs as the `postgres` user
# that Debian's package creates.
PG_USER="$( [[ $EUID -eq 0 ]] && echo postgres || id -un)"
pg_bin() { local d; for d in /usr/lib/postgresql/*/bin; do [[ -x "$d/postgres" ]] && echo "$d"; done | sort -V | tail -n 1; }
as_pg() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_pg() { as_pg "$(pg_bin)/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }

log() { echo "[dataplane] $*"; }
die() { echo "[dataplane] ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------- install ---

# Name every missing command at once instead of failing halfway through.
check_commands() {
  local missing=() c
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  ((${#missing[@]} == 0)) ||
    die "required command(s) not found on PATH: ${missing[*]} (Debian: apt-get install -y openjdk-17-jre-headless maven golang nodejs as needed; Go must be >= 1.24)"
}

# (Output is captured, not piped into grep -q: with pipefail an early grep exit
# can SIGPIPE the writer and turn a match into a failure.)
ferretdb_ok() { [[ -x "$FERRETDB_BIN" && "$("$FERRETDB_BIN" --version 2>/dev/null || true)" == *"version: $FERRETDB_VERSION"* ]]; }
# The marker holds the pom's checksum, so editing the pom refetches the jars.
kafka_stamp() { sha256sum "$HERE/kafka/pom.xml" | cut -d' ' -f1; }
kafka_ok() { [[ -f "$KAFKA_LIBS/.complete" && "$(cat "$KAFKA_LIBS/.complete")" == "$(kafka_stamp)" ]]; }

install_redis() {
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 && return 0
  [[ $EUID -eq 0 ]] || die "redis-server is not installed; run: sudo apt-get update && sudo apt-get install -y redis-server"
  log "installing redis-server with apt-get (first run only)…"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server; } 2>&1 |
    sed 's/^/[dataplane]   apt: /' || die "apt-get install redis-server failed (see output above)"
  command -v redis-server >/dev/null 2>&1 || die "apt-get install redis-server did not provide redis-server"
  # The Debian package may auto-start a system instance on 6379; we run our own.
  if command -v service >/dev/null 2>&1; then service redis-server stop >/dev/null 2>&1 || true; fi
}

install_postgres() {
  [[ -n "$(pg_bin)" ]] && return 0
  [[ $EUID -eq 0 ]] || die "PostgreSQL is not installed; run: sudo apt-get update && sudo apt-get install -y postgresql"
  log "installing postgresql with apt-get (first run only)…"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; } 2>&1 |
    sed 's/^/[dataplane]   apt: /' || die "apt-get install postgresql failed (see output above)"
  [[ -n "$(pg_bin)" ]] || die "apt-get install postgresql did not provide /usr/lib/postgresql/*/bin/postgres"
  # The package may start a cluster of its own on 5432; we run ours.
  if command -v service >/dev/null 2>&1; then service postgresql stop >/dev/null 2>&1 || true; fi
}

install_kafka() {
  kafka_ok && return 0
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central (first run only)…"
  local tmp="$KAFKA_LIBS.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  # The pom is a dependency manifest only; copy-dependencies writes nothing into
  # the repo. Maven's chatter is kept in a file and shown only on failure.
  if ! mvn -B -ntp -f "$HERE/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$tmp.log" 2>&1; then
    grep -E 'ERROR|BUILD' "$tmp.log" | head -n 20 | sed 's/^/[dataplane]   mvn: /' >&2 || true
    die "mvn could not fetch Kafka $KAFKA_VERSION jars (full output: $tmp.log)"
  fi
  rm -f "$tmp.log"
  kafka_stamp >"$tmp/.complete"
  rm -rf "$KAFKA_LIBS" && mv "$tmp" "$KAFKA_LIBS"   # swap in only a complete set
  log "  $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in $KAFKA_LIBS"
}

# Why not plain `go install .../cmd/ferretdb@v1.24.2`: the module zip lacks the
# generated build/version/version.txt, and such a binary panics at start-up
# ("Invalid build/version/version.txt file content"). So we fetch the module
# source through the Go proxy, add version.txt, and `go build` it ourselves.
install_ferretdb() {
  ferretdb_ok && return 0
  log "building FerretDB $FERRETDB_VERSION with go (first run only, a few minutes)…"
  mkdir -p "$CACHE/bin"
  local src tmp
  src="$(cd "$CACHE" && go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' || true)"
  [[ -n "$src" && -d "$src" ]] || die "go mod download of FerretDB $FERRETDB_VERSION failed"
  tmp="$(mktemp -d "$CACHE/ferretdb-src.XXXXXX")"
  cp -r "$src/." "$tmp/" && chmod -R u+w "$tmp"
  echo "$FERRETDB_VERSION" >"$tmp/build/version/version.txt"
  # ~60 "go: downloading" lines become one progress line per ten modules; anything else (an error)
  # is shown as it comes.
  if ! (cd "$tmp" && GOFLAGS=-buildvcs=false go build -trimpath -o "$FERRETDB_BIN.new" ./cmd/ferretdb) 2>&1 |
      awk '/^go: downloading / { n++; if (n % 10 == 1) { printf "[dataplane]   go: downloading modules (%d so far)…\n", n; fflush() } next }
           { print "[dataplane]   go: " $0; fflush() }
           END { if (n) printf "[dataplane]   go: %d modules downloaded\n", n }'; then
    rm -rf "$tmp"; die "building FerretDB failed (see output above)"
  fi
  rm -rf "$tmp"
  mv "$FERRETDB_BIN.new" "$FERRETDB_BIN"
  ferretdb_ok || die "built $FERRETDB_BIN but its --version is not $FERRETDB_VERSION"
}

# A go install of MinIO reports "DEVELOPMENT.GOGET" as its version, so a stamp beside the binary
# says which module version it was built from.
minio_ok() { [[ -x "$MINIO_BIN" && "$(cat "$MINIO_BIN.version" 2>/dev/null || true)" == "$MINIO_VERSION" ]]; }

# ~600 modules and a large link on 2 cores: about 8 minutes the first time (cached after that).
install_minio() {
  minio_ok && return 0
  log "building MinIO $MINIO_VERSION with go install (first run only, several minutes on 2 cores)…"
  mkdir -p "$CACHE/bin"
  local gobin
  gobin="$(mktemp -d "$CACHE/minio-bin.XXXXXX")"
  if ! (cd "$CACHE" && GOBIN="$gobin" GOFLAGS=-buildvcs=false go install -trimpath "github.com/minio/minio@$MINIO_VERSION") 2>&1 |
      awk '/^go: downloading / { n++; if (n % 50 == 1) { printf "[dataplane]   go: downloading modules (%d so far)…\n", n; fflush() } next }
           { print "[dataplane]   go: " $0; fflush() }
           END { if (n) printf "[dataplane]   go: %d modules downloaded, compiled\n", n }'; then
    rm -rf "$gobin"; die "building MinIO failed (see output above)"
  fi
  [[ -x "$gobin/minio" ]] || { rm -rf "$gobin"; die "go install of MinIO left no binary"; }
  mv "$gobin/minio" "$MINIO_BIN" && rm -rf "$gobin"
  echo "$MINIO_VERSION" >"$MINIO_BIN.version"
}

install_all() {
  local need=(java node curl)
  kafka_ok || need+=(mvn)
  { ferretdb_ok && minio_ok; } || need+=(go)
  check_commands "${need[@]}"
  install_redis
  install_postgres
  install_kafka
  install_ferretdb
  install_minio
}

# -------------------------------------------------------------- processes ---

pidfile() { echo "$RUN/$1.pid"; }
logfile() { echo "$LOGS/$1.log"; }
ports_of() {
  case "$1" in
    redis) echo "$REDIS_PORT" ;;
    kafka) echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT" ;;
    postgres) echo "$PG_PORT" ;;
    ferretdb) echo "$MONGO_PORT" ;;
    minio) echo "$MINIO_PORT" ;;
  esac
}
# What a live process of ours must have on its command line (guards pid reuse).
signature() {
  case "$1" in redis) echo "redis-server" ;; kafka) echo "kafka.Kafka" ;; postgres) echo "bin/postgres" ;; ferretdb) echo "ferretdb" ;; minio) echo "minio server" ;; esac
}

# Prints our pid for $1 if its pid file points at a live process of ours.
our_pid() {
  local f pid cmd=""
  f="$(pidfile "$1")"
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || pid=0
  # A process caught mid-exec (just spawned: nohup → setsid → …) shows an empty command line.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    cmd="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" || true)"
    [[ -z "$cmd" && -d "/proc/$pid" && $pid -gt 0 ]] || break
    sleep 0.1
  done
  if [[ "$cmd" == *"$(signature "$1")"* ]]; then
    echo "$pid"
  else
    rm -f "$f"   # stale: the process died or the pid was reused
    return 1
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Fails with a clear message if a port we need is held by someone else.
check_ports_free() {
  local p holder
  for p in $(ports_of "$1"); do
    if port_open "$p" || [[ -n "$(ss -Hltn "sport = :$p" 2>/dev/null || true)" ]]; then
      holder="$(ss -Hltnp "sport = :$p" 2>/dev/null | grep -o 'users:(([^)]*))' | head -1 |
        sed -E 's/users:\(\("([^"]+)",pid=([0-9]+).*/\1 (pid \2)/' || true)"
      die "port $p needed by $1 is already in use by ${holder:-another process (ss could not tell which)}, not by a server this script started. Stop it, or pick another port (see README)."
    fi
  done
}

# Each start gets a fresh log (so "ready" log lines are from this run); the
# previous one is kept as .log.1.
rotate_log() { local lf; lf="$(logfile "$1")"; if [[ -f "$lf" ]]; then mv -f "$lf" "$lf.1"; fi; }

# Start $1 in the background: own session (setsid, so Ctrl-C on a caller does
# not kill it), stdin closed, output appended to its log, and the lock fd 9
# closed (else the server would hold our lock for its whole life).
spawn() {
  local name="$1"; shift
  nohup setsid "$@" >>"$(logfile "$name")" 2>&1 </dev/null 9>&- &
  echo $! >"$(pidfile "$name")"
}

start_redis() {
  mkdir -p "$DATA/redis"
  # Our own instance, not the system service. appendonly keeps data durable
  # across restarts, which other tests rely on.
  spawn redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
    --dir "$DATA/redis" --daemonize no --appendonly yes --logfile ""
}

start_kafka() {
  local d="$DATA/kafka"
  mkdir -p "$d/kraft"
  # Regenerated every start so port changes take effect.
  cat >"$d/server.properties" <<EOF
# generated by deploy/dataplane/dataplane.sh: single-node KRaft (broker+controller)
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$d/kraft
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
  cat >"$d/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$(logfile kafka)
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  local java=(java -cp "$KAFKA_LIBS/*" -Dlog4j.configuration="file:$d/log4j.properties")
  # Format storage once; the cluster id is generated once and kept.
  if [[ ! -f "$d/kraft/meta.properties" ]]; then
    [[ -s "$d/cluster.id" ]] || "${java[@]}" kafka.tools.StorageTool random-uuid >"$d/cluster.id" ||
      die "could not generate a Kafka cluster id (java -cp $KAFKA_LIBS/* kafka.tools.StorageTool failed)"
    "${java[@]}" kafka.tools.StorageTool format -t "$(cat "$d/cluster.id")" -c "$d/server.properties" 2>&1 |
      sed 's/^/[dataplane]   kafka: /' || die "formatting Kafka storage in $d/kraft failed (output above)"
  fi
  spawn kafka java -Xms256m -Xmx768m -Djava.awt.headless=true -cp "$KAFKA_LIBS/*" \
    -Dlog4j.configuration="file:$d/log4j.properties" kafka.Kafka "$d/server.properties"
}

# FerretDB's storage. Not pg_ctl: the postmaster itself is our process, so its pid file, the
# signature check and stop_one treat it like the other servers (it stops on SIGINT, "fast").
start_postgres() {
  local d="$DATA/postgres" bin
  bin="$(pg_bin)"
  mkdir -p "$d"
  [[ $EUID -eq 0 ]] && chown "$PG_USER" "$d"
  chmod 700 "$d"
  if [[ ! -f "$d/PG_VERSION" ]]; then
    as_pg "$bin/initdb" -D "$d" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$(logfile postgres).initdb" 2>&1 ||
      { tail -n 15 "$(logfile postgres).initdb" | sed 's/^/[dataplane]   initdb: /' >&2; die "initdb of $d failed (is every directory above it readable by $PG_USER?)"; }
  fi
  # TCP on loopback only, no Unix socket; fsync stays on (acknowledged writes are durable).
  # setpriv execs (runuser would stay as the parent), so the recorded pid is the postmaster's.
  local run=("$bin/postgres")
  [[ $EUID -eq 0 ]] && run=(setpriv --reuid=postgres --regid=postgres --init-groups -- "$bin/postgres")
  spawn postgres "${run[@]}" -D "$d" -c listen_addresses=127.0.0.1 -p "$PG_PORT" \
    -c unix_socket_directories= -c max_connections=200 -c shared_buffers=128MB
}

# After the port answers: FerretDB's database and the GIN-index trigger (postgres/ferretdb-indexes.sql).
prepare_postgres() {
  [[ "$(psql_pg -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'ferretdb'")" == 1 ]] ||
    psql_pg -d postgres -c "CREATE DATABASE ferretdb" || die "could not create the ferretdb database"
  as_pg cat "$HERE/postgres/ferretdb-indexes.sql" >/dev/null 2>&1 || die "$HERE/postgres is not readable by $PG_USER"
  psql_pg -d ferretdb -f "$HERE/postgres/ferretdb-indexes.sql" || die "installing postgres/ferretdb-indexes.sql failed"
}

start_ferretdb() {
  mkdir -p "$DATA/ferretdb/state"
  # --debug-addr=- turns off the metrics/pprof HTTP listener (default :8088).
  spawn ferretdb "$FERRETDB_BIN" --handler=postgresql --postgresql-url="postgres://postgres@127.0.0.1:$PG_PORT/ferretdb" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --state-dir="$DATA/ferretdb/state" \
    --telemetry=disable --debug-addr=- --log-level=info
}

# The root credentials of this data directory's MinIO: made at random on its first start and kept
# (0600) in minio/credentials.json, which the launcher and the test harness read for the services.
minio_credentials() {
  local f="$DATA/minio/credentials.json"
  mkdir -p "$DATA/minio"
  if [[ ! -s "$f" ]]; then
    (umask 077 && printf '{\n  "accessKeyId": "meridian-%s",\n  "secretAccessKey": "%s"\n}\n' \
      "$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')" "$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >"$f.tmp") &&
      mv "$f.tmp" "$f"
  fi
  chmod 600 "$f"
  echo "$f"
}
minio_credential() { sed -n "s/^[[:space:]]*\"$2\": \"\([^\"]*\)\".*/\1/p" "$1"; }

start_minio() {
  local creds
  creds="$(minio_credentials)"
  mkdir -p "$DATA/minio/data"
  # Credentials through the environment of a subshell, never on a command line (ps would show
  # them). No web console, no update check, no call-home: an S3 endpoint on loopback only.
  (
    export MINIO_ROOT_USER MINIO_ROOT_PASSWORD
    MINIO_ROOT_USER="$(minio_credential "$creds" accessKeyId)"
    MINIO_ROOT_PASSWORD="$(minio_credential "$creds" secretAccessKey)"
    export MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off
    spawn minio "$MINIO_BIN" server --quiet --address "127.0.0.1:$MINIO_PORT" "$DATA/minio/data"
  )
}

# ----------------------------------------------------------------- probes ---
# A real protocol answer, not just an open port. The Node probes use the
# repo's own client libraries when installed (npm ci); otherwise we fall back
# to the server's own "ready" log line.

probe_redis() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]; }

probe_kafka() {
  port_open "$KAFKA_PORT" || return 1
  if [[ -d "$REPO/node_modules/kafkajs" ]]; then
    (cd "$REPO" && timeout 15 node -e '
      const { Kafka, logLevel } = require("kafkajs");
      const admin = new Kafka({ clientId: "dataplane-probe", brokers: [process.argv[1]],
        logLevel: logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: 5000,
        retry: { retries: 0 } }).admin();
      admin.connect().then(() => admin.describeCluster())
        .then((c) => admin.disconnect().then(() => process.exit(c.brokers.length > 0 ? 0 : 1)))
        .catch(() => process.exit(1));' "127.0.0.1:$KAFKA_PORT") >/dev/null 2>&1
  else
    grep -q "Kafka Server started" "$(logfile kafka)" 2>/dev/null
  fi
}

probe_postgres() { port_open "$PG_PORT" && [[ "$(psql_pg -d postgres -tAc 'SELECT 1' 2>/dev/null)" == 1 ]]; }

probe_ferretdb() {
  port_open "$MONGO_PORT" || return 1
  # The driver is mongoose's own (npm nests it under mongoose; there is no top-level copy).
  if [[ -d "$REPO/node_modules/mongoose" ]]; then
    (cd "$REPO" && timeout 15 node -e '
      const { MongoClient } = require(require.resolve("mongodb", { paths: [require.resolve("mongoose")] }));
      const c = new MongoClient(process.argv[1], { serverSelectionTimeoutMS: 3000, connectTimeoutMS: 3000 });
      c.connect().then(() => c.db("admin").command({ ping: 1 }))
        .then((r) => c.close().then(() => process.exit(r.ok === 1 ? 0 : 1)))
        .catch(() => process.exit(1));' "mongodb://127.0.0.1:$MONGO_PORT/") >/dev/null 2>&1
  else
    grep -q "Listening on TCP" "$(logfile ferretdb)" 2>/dev/null
  fi
}

# MinIO's own readiness endpoint (200 once it can serve S3 requests).
probe_minio() { port_open "$MINIO_PORT" && curl -fsS -o /dev/null --max-time 3 "http://127.0.0.1:$MINIO_PORT/minio/health/ready" 2>/dev/null; }

timeout_of() { case "$1" in redis) echo 30 ;; kafka) echo 120 ;; postgres) echo 60 ;; ferretdb) echo 60 ;; minio) echo 60 ;; esac; }

# Whether the process we just spawned for $1 still runs (not a zombie). Deliberately not
# our_pid: while a server starts, its command line can be caught mid-exec or being rewritten
# (PostgreSQL sets its process title), and our_pid would take that for a stale pid file.
spawned_alive() {
  local f pid
  f="$(pidfile "$1")"
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f")"
  [[ "$pid" =~ ^[0-9]+$ && -d "/proc/$pid" ]] || return 1
  ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
}

# Waits until $1 answers; fails early if its process dies.
wait_ready() {
  local name="$1" deadline=$((SECONDS + $(timeout_of "$1")))
  until "probe_$name"; do
    if ! spawned_alive "$name"; then
      tail -n 15 "$(logfile "$name")" 2>/dev/null | sed "s/^/[dataplane]   $name log: /" >&2 || true
      die "$name exited during start-up; see $(logfile "$name")"
    fi
    ((SECONDS < deadline)) || die "$name did not answer within $(timeout_of "$name")s; see $(logfile "$name")"
    sleep 0.5
  done
}

describe() {
  case "$1" in
    redis) echo "redis     127.0.0.1:$REDIS_PORT" ;;
    kafka) echo "kafka     127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)" ;;
    postgres) echo "postgres  127.0.0.1:$PG_PORT (FerretDB's storage)" ;;
    ferretdb) echo "ferretdb  127.0.0.1:$MONGO_PORT (MongoDB wire, PostgreSQL)" ;;
    minio) echo "minio     127.0.0.1:$MINIO_PORT (S3 API; credentials in $DATA/minio/credentials.json)" ;;
  esac
}

# --------------------------------------------------------------- commands ---

# `up` starts them all; `up minio` (or several names) just those named, e.g. an object store
# beside a data plane that another checkout started.
cmd_up() {
  local names=("$@") s
  for s in "${names[@]}"; do [[ " ${SERVERS[*]} " == *" $s "* ]] || die "unknown server '$s' (one of: ${SERVERS[*]})"; done
  ((${#names[@]} > 0)) || names=("${SERVERS[@]}")
  install_all
  mkdir -p "$DATA" "$LOGS"
  local to_start=() already=()
  # Decide everything before starting anything, so a port clash leaves
  # nothing half-started.
  for s in "${names[@]}"; do
    if our_pid "$s" >/dev/null; then already+=("$s"); else check_ports_free "$s"; to_start+=("$s"); fi
  done
  local t0=${EPOCHREALTIME/./} ms
  for s in "${to_start[@]}"; do
    # FerretDB needs its database and the index trigger before it creates anything.
    if [[ "$s" == ferretdb ]]; then wait_ready postgres; prepare_postgres; fi
    rotate_log "$s"; "start_$s"
  done
  for s in "${names[@]}"; do
    wait_ready "$s"
    if [[ " ${already[*]} " == *" $s "* ]]; then
      log "$(describe "$s")  up, pid $(our_pid "$s") (already running)"
    else
      ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
      log "$(describe "$s")  up, pid $(our_pid "$s") (started, answering $((ms / 1000)).$((ms % 1000 / 100))s after launch)"
    fi
  done
}

stop_one() {
  local name="$1" pid i
  pid="$(our_pid "$name")" || { log "$name: not running"; return 0; }
  # PostgreSQL's SIGTERM waits for every client to leave; SIGINT is its "fast" shutdown.
  kill "-$( [[ "$name" == postgres ]] && echo INT || echo TERM )" "$pid" 2>/dev/null || true
  for ((i = 0; i < 40; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) ignored SIGTERM for 20s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$(pidfile "$name")"
  log "$name: stopped (pid $pid)"
}

# `down` stops them all; `down redis` (or kafka, postgres, ferretdb) just those named (the chaos test
# restarts one server at a time with `down <name>` then `up`).
cmd_down() {
  local s names=("$@")
  for s in "${names[@]}"; do [[ " ${SERVERS[*]} " == *" $s "* ]] || die "unknown server '$s' (one of: ${SERVERS[*]})"; done
  # Reverse order: MinIO, FerretDB and Kafka first, Redis last.
  for s in minio ferretdb kafka postgres redis; do
    if ((${#names[@]} == 0)) || [[ " ${names[*]} " == *" $s "* ]]; then stop_one "$s"; fi
  done
}

cmd_status() {
  local s pid rc=0
  for s in "${SERVERS[@]}"; do
    if pid="$(our_pid "$s")"; then
      if "probe_$s"; then log "$(describe "$s")  up, pid $pid"
      else log "$(describe "$s")  running (pid $pid) but not answering; see $(logfile "$s")"; rc=1; fi
    else
      log "$(describe "$s")  down"; rc=1
    fi
  done
  return $rc
}

# Whether servers answer on the configured ports, whoever started them (status only counts this
# checkout's own): one line per server, "<name> <port> answers|busy|free", busy meaning the port is
# taken but gives no protocol answer. npm test uses it to share another checkout's data plane.
cmd_probe() {
  local s p
  for s in "${SERVERS[@]}"; do
    p="$(ports_of "$s" | cut -d' ' -f1)"
    if "probe_$s" 2>/dev/null; then echo "$s $p answers"
    elif port_open "$p"; then echo "$s $p busy"
    else echo "$s $p free"; fi
  done
}

cmd_reset() {
  cmd_down
  case "$DATA" in "" | / | "$HOME" | "$REPO") die "refusing to delete MERIDIAN_DATA=$DATA" ;; esac
  rm -rf "$DATA"
  log "deleted $DATA"
}

# One dataplane.sh at a time per checkout (parallel test targets may all call
# `up`); a second caller waits for the first instead of racing it.
lock() {
  mkdir -p "$RUN"
  # .meridian/ ignores itself, whatever the repo's .gitignore says.
  mkdir -p "$REPO/.meridian"
  [[ -f "$REPO/.meridian/.gitignore" ]] || echo '*' >"$REPO/.meridian/.gitignore"
  exec 9>"$RUN/dataplane.lock"
  flock -w 600 9 || die "another dataplane.sh has held $RUN/dataplane.lock for 10 minutes"
}

case "${1:-}" in
  up | down | reset | install) lock ;;
esac
case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  status) cmd_status ;;
  probe) cmd_probe ;;
  install) install_all; log "installed: redis-server, PostgreSQL $(basename "$(dirname "$(pg_bin)")"), Kafka $KAFKA_VERSION jars, FerretDB $FERRETDB_VERSION, MinIO $MINIO_VERSION" ;;
  reset) cmd_reset ;;
  *) echo "usage: $0 up|down [server…]|status|probe|install|reset" >&2; exit 2 ;;
esac
