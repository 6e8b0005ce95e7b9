# Shared by the benchmark scripts (sourced, not run): the release binary, starting and stopping the server on
# loopback, and the demo administrator's token. Each function reads and sets the variables named in its comment.

# stop_server: ends $SERVER_PID (if running) gently, then for good after 5 s.
stop_server() {
    if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
    fi
}

# release_binary: builds the release binary into .build-release when $BUILD is 1, and sets $BIN to it unless set.
release_binary() {
    if [ "$BUILD" = 1 ]; then
        echo "building the release binary (.build-release)..."
        swift build -c release --product imis-fhir --scratch-path .build-release 2>&1 | tail -n 3
    fi
    if [ -z "$BIN" ]; then
        BIN="$(swift build -c release --scratch-path .build-release --show-bin-path)/imis-fhir"
    fi
    [ -x "$BIN" ] || { echo "no release binary at $BIN (run without --no-build)" >&2; exit 1; }
}

# wait_until_ready PORT LOG: waits up to 60 s for /health/ready of the server $SERVER_PID, showing LOG if it stops.
wait_until_ready() {
    for _ in $(seq 600); do
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/health/ready" && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$2" >&2; echo "the server stopped" >&2; exit 1; }
        sleep 0.1
    done
    curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$1/health/ready" || { echo "the server did not get ready" >&2; exit 1; }
}

# admin_token BASE: prints the demo administrator's access token (exits when sign-in fails).
admin_token() {
    local token
    token=$(curl -s --max-time 10 -X POST "$1/auth/token" -d grant_type=password -d username=Admin -d password=admin123 |
        sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
    [ -n "$token" ] || { echo "could not sign in as the demo administrator" >&2; exit 1; }
    echo "$token"
}

# A PostgreSQL cluster of the benchmark's own in a temporary folder, on a free loopback port, with a database
# `imis`; the server's DB_* settings are exported. initdb refuses to run as root: as root, the cluster belongs to
# the `postgres` user the package created. stop_postgres removes it (call it from the script's cleanup).
PG_DIR=""
AS_PG=()
start_postgres() {
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/imis-fhir-bench-pg.XXXXXX")
    PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$PG_DIR"
        AS_PG=(runuser -u postgres --)
    fi
    echo "starting a PostgreSQL cluster ($("$PG_BIN/postgres" --version | awk '{ print $3 }')) on 127.0.0.1:$PG_PORT..."
    "${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U imis --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/log" -o "-p $PG_PORT -k $PG_DIR \
        -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_wal_size=4GB" start >/dev/null
    "$PG_BIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U imis -d postgres -c "CREATE DATABASE imis" >/dev/null
    export DB_ENGINE=postgresql DB_HOST=127.0.0.1 DB_PORT="$PG_PORT" DB_NAME=imis DB_USER=imis DB_OPTIONS=sslmode=disable
}

stop_postgres() {
    if [ -n "$PG_DIR" ]; then
        "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
}
