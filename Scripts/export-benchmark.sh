#!/usr/bin/env bash
# Bulk export benchmark: loads the demo dataset plus N synthetic families into a fresh SQLite file (or, with
# --backend postgresql, a throw-away PostgreSQL cluster of its own), then measures a whole-system export twice:
#   1. `imis-fhir export` straight from the database into a folder (resources/s, peak RSS of the process);
#   2. `$export` through HTTP: kick-off, polling until the manifest, every file downloaded (resources/s from the
#      kick-off to the last byte, the server's peak RSS, VmHWM).
#
#   Scripts/export-benchmark.sh --insurees 100000
#   Scripts/export-benchmark.sh --backend postgresql --insurees 1000000
#   Scripts/export-benchmark.sh --families 300 --no-build --bin .build/debug/imis-fhir
#
# Options:
#   --backend B       sqlite (default) or postgresql
#   --insurees N      target insuree count (families = N / 3.3, rounded)
#   --families N      synthetic families to load (instead of --insurees)
#   --port P          the server's port (default 8099)
#   --bin PATH        the imis-fhir binary to measure (default: the release binary, built unless --no-build)
#   --no-build        do not build the release binary
#   --only W          cli or http: measure that export only (a million insurees on PostgreSQL takes over an hour
#                     for both)
#
# Writes bench-results/<date>-export-<insurees>[-postgresql].md. Needs curl, python3 and, for PostgreSQL, the
# postgresql package; installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/bench-common.sh

BACKEND=sqlite
FAMILIES=3000
PORT=8099
BUILD=1
BIN=""
ONLY=""
while [ $# -gt 0 ]; do
    case "$1" in
        --backend) BACKEND="$2"; shift 2 ;;
        --insurees) FAMILIES=$(( ($2 * 10 + 32) / 33 )); shift 2 ;;
        --families) FAMILIES="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --bin) BIN="$2"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --only) ONLY="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
case "$BACKEND" in sqlite|postgresql) ;; *) echo "--backend must be sqlite or postgresql" >&2; exit 2 ;; esac
case "$ONLY" in ""|cli|http) ;; *) echo "--only must be cli or http" >&2; exit 2 ;; esac

SERVER_PID=""
WORK=$(mktemp -d "${TMPDIR:-/tmp}/imis-fhir-export-bench.XXXXXX")
cleanup() {
    stop_server
    stop_postgres
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

release_binary

DB="$WORK/bench.sqlite3"
if [ "$BACKEND" = postgresql ]; then start_postgres; fi
DATABASE_ARGS=(--database "$DB")
[ "$BACKEND" = sqlite ] || DATABASE_ARGS=()

echo "loading $FAMILIES synthetic families ($BACKEND)..."
LOG_LEVEL=warning "$BIN" demo-data "${DATABASE_ARGS[@]}" --families "$FAMILIES" --seed 1 --demo-dataset --insurance | tail -n 1

# peak_rss_kb PID: the process's peak resident set (VmHWM), in KB.
peak_rss_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# 1. The command line.
cli_row=""
if [ "$ONLY" != http ]; then
echo "imis-fhir export..."
cli_start=$(date +%s.%N)
EXPORT_SETTLE=0 LOG_LEVEL=warning "$BIN" export "${DATABASE_ARGS[@]}" --output "$WORK/cli" >"$WORK/cli.log" 2>&1 &
CLI_PID=$!
cli_peak=0
while kill -0 "$CLI_PID" 2>/dev/null; do
    rss=$(peak_rss_kb "$CLI_PID"); [ "${rss:-0}" -gt "$cli_peak" ] && cli_peak=$rss
    sleep 0.2
done
wait "$CLI_PID" || { cat "$WORK/cli.log" >&2; exit 1; }
cli_seconds=$(awk -v a="$cli_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
cli_resources=$(python3 -c 'import json,sys; print(sum(o["count"] for o in json.load(open(sys.argv[1]))["output"]))' "$WORK/cli/manifest.json")
cli_bytes=$(du -sb "$WORK/cli" | cut -f1)
tail -n 1 "$WORK/cli.log"
manifest="$WORK/cli/manifest.json"
ndjson_bytes=$cli_bytes
fi

# 2. Through HTTP.
if [ "$ONLY" != cli ]; then
if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/health/live"; then
    echo "port $PORT is already in use; pass --port" >&2
    exit 1
fi
MODE=DEV DEMO_DATASET=false LOG_LEVEL=warning RATELIMIT_RATE=off RATELIMIT_AUTHENTICATED_RATE=off ACCESS_TOKEN_TTL=6h \
    EXPORT_DIR="$WORK/http" EXPORT_SETTLE=0 "$BIN" serve "${DATABASE_ARGS[@]}" --host 127.0.0.1 --port "$PORT" \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_until_ready "$PORT" "$WORK/server.log"
BASE="http://127.0.0.1:$PORT"
TOKEN=$(admin_token "$BASE")
idle_rss=$(peak_rss_kb "$SERVER_PID")
echo "\$export through HTTP..."
http_start=$(date +%s.%N)
status_url=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Prefer: respond-async' \
    -H 'Accept: application/fhir+json' "$BASE/fhir/\$export" | tr -d '\r' | sed -n 's/^[Cc]ontent-[Ll]ocation: //p')
[ -n "$status_url" ] || { echo "the kick-off was refused" >&2; exit 1; }
while :; do
    code=$(curl -s -o "$WORK/manifest.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$status_url")
    [ "$code" = 202 ] || break
    sleep 0.5
done
[ "$code" = 200 ] || { echo "the export answered $code: $(cat "$WORK/manifest.json")" >&2; exit 1; }
mkdir -p "$WORK/download"
http_resources=0
for url in $(python3 -c 'import json,sys; print("\n".join(o["url"] for o in json.load(open(sys.argv[1]))["output"]))' "$WORK/manifest.json"); do
    curl -s -o "$WORK/download/part" -H "Authorization: Bearer $TOKEN" "$url"
    http_resources=$(( http_resources + $(wc -l < "$WORK/download/part") ))
done
http_seconds=$(awk -v a="$http_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
server_peak=$(peak_rss_kb "$SERVER_PID")
manifest="$WORK/manifest.json"
ndjson_bytes=$( (du -sb "$WORK/http" 2>/dev/null || echo 0) | cut -f1)
fi
insurees=$(python3 -c 'import json,sys; print(sum(o["count"] for o in json.load(open(sys.argv[1]))["output"] if o["type"] == "Patient"))' "$manifest")

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }'; }
[ "$ONLY" = http ] || cli_row="| \`imis-fhir export\` (straight from the database) | $cli_resources | $cli_seconds | $(rate "$cli_resources" "$cli_seconds") | $((cli_peak / 1024)) MB |"
[ "$ONLY" = cli ] || http_row="| \`\$export\` through HTTP (kick-off to last file downloaded) | $http_resources | $http_seconds | $(rate "$http_resources" "$http_seconds") | $((server_peak / 1024)) MB (idle: $((idle_rss / 1024)) MB) |"
mkdir -p bench-results
suffix=$([ "$BACKEND" = postgresql ] && echo "-postgresql" || echo "")
out="bench-results/$(date +%F)-export-$insurees$suffix.md"
n=2; while [ -e "$out" ]; do out="bench-results/$(date +%F)-export-$insurees$suffix-$n.md"; n=$((n + 1)); done
cat > "$out" <<REPORT
# Bulk export, $insurees insurees ($FAMILIES synthetic families + the demo dataset), $BACKEND

Binary: \`${BIN#"$PWD"/}\`; $(nproc) cores; $(date -u +%FT%TZ).

| what | resources | seconds | resources/s | peak RSS |
|---|---|---|---|---|
$(printf '%s\n' "$cli_row" "${http_row:-}" | sed '/^$/d')

NDJSON written: $((ndjson_bytes / 1048576)) MB.
REPORT
cat "$out"
