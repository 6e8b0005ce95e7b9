#!/usr/bin/env bash
# Server throughput benchmark: loads the demo dataset plus N synthetic families into a fresh SQLite file,
# serves it on loopback, and measures Patient read, identifier search, name search and /metadata with wrk
# (requests/s, p50, p99; /health/live as a reference), plus the server's RSS. The server takes its settings from
# the environment as usual (e.g. RESOURCE_CACHE_MB=0 measures without the render cache).
#
#   Scripts/benchmark.sh --insurees 10000          # ~3,000 families (a family averages 3.3 members)
#   Scripts/benchmark.sh --insurees 1000000 --duration 10
#   Scripts/benchmark.sh --families 500 --duration 3 --no-build
#
# Needs: wrk, sqlite3 and curl (Debian: `apt-get install -y wrk sqlite3 curl`); the script installs nothing.
# It builds the release binary into .build-release/ (its own scratch folder, so debug builds are untouched),
# writes bench-results/<date>-<insurees>.md (-2, -3... for later runs that day) and prints the same table. Traffic goes to 127.0.0.1 only; every
# wrk run is bounded by --duration and a timeout, and the server and the temporary database are removed on
# exit, also on Ctrl-C or failure.
#
# Options:
#   --insurees N      target insuree count (families = N / 3.3, rounded)
#   --families N      synthetic families to load (instead of --insurees)
#   --duration S      seconds per measured wrk run (default 10); a warm-up of --warmup S (default 3) precedes it
#   --connections C   wrk connections (default 32); --threads T wrk threads (default 1)
#   --sample K        how many ids / insurance numbers / name prefixes to cycle through (default 1000)
#   --port P          server port (default 18000-18999, from the process id)
#   --no-build        reuse the binary already in .build-release
#   --binary FILE     measure this imis-fhir binary (implies --no-build)
#   --out DIR         where the result file goes (default bench-results)
set -euo pipefail

SCRIPT="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$SCRIPT")/.."
ROOT=$(pwd)

INSUREES=""
FAMILIES=""
DURATION=10
WARMUP=3
CONNECTIONS=32
THREADS=1
SAMPLE=1000
PORT=$((18000 + $$ % 1000))
BUILD=1
BIN=""
OUT_DIR="$ROOT/bench-results"

usage() { sed -n '2,26p' "$SCRIPT" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --insurees) INSUREES="$2"; shift 2 ;;
        --families) FAMILIES="$2"; shift 2 ;;
        --duration) DURATION="$2"; shift 2 ;;
        --warmup) WARMUP="$2"; shift 2 ;;
        --connections) CONNECTIONS="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --sample) SAMPLE="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --binary) BIN="$2"; BUILD=0; shift 2 ;;
        --out) OUT_DIR="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
done

for n in "$DURATION" "$WARMUP" "$CONNECTIONS" "$THREADS" "$SAMPLE" "$PORT" ${INSUREES:+"$INSUREES"} ${FAMILIES:+"$FAMILIES"}; do
    [[ "$n" =~ ^[0-9]+$ ]] || { echo "not a number: $n" >&2; exit 2; }
done
if [ -z "$FAMILIES" ]; then
    INSUREES=${INSUREES:-10000}
    # SyntheticData: 1-6 members with weights 15/20/20/20/15/10 %, i.e. 3.3 on average.
    FAMILIES=$(( (INSUREES * 10 + 16) / 33 ))
fi
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 120 ] || { echo "--duration must be 1-120" >&2; exit 2; }
[ "$FAMILIES" -le 2000000 ] || { echo "--families is capped at 2,000,000" >&2; exit 2; }

missing=()
for program in wrk sqlite3 curl; do command -v "$program" >/dev/null 2>&1 || missing+=("$program"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "missing: ${missing[*]} (Debian: apt-get install -y ${missing[*]})" >&2
    exit 1
fi

SERVER_PID=""
WORK=$(mktemp -d "${TMPDIR:-/tmp}/imis-fhir-bench.XXXXXX")
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build ---------------------------------------------------------------------------------------------
if [ "$BUILD" = 1 ]; then
    echo "building the release binary (.build-release)..."
    swift build -c release --product imis-fhir --scratch-path .build-release 2>&1 | tail -n 3
fi
if [ -z "$BIN" ]; then
    BIN="$(swift build -c release --scratch-path .build-release --show-bin-path)/imis-fhir"
fi
[ -x "$BIN" ] || { echo "no release binary at $BIN (run without --no-build)" >&2; exit 1; }

# --- data ----------------------------------------------------------------------------------------------
DB="$WORK/bench.sqlite3"
echo "loading $FAMILIES synthetic families..."
load_start=$(date +%s.%N)
LOG_LEVEL=warning "$BIN" demo-data --families "$FAMILIES" --seed 1 --database "$DB" | tail -n 1
load_seconds=$(awk -v a="$load_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

# --- server --------------------------------------------------------------------------------------------
if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/health/live"; then
    echo "port $PORT is already in use; pass --port" >&2
    exit 1
fi
MODE=DEV DEMO_DATASET=true LOG_LEVEL=warning "$BIN" serve --database "$DB" --host 127.0.0.1 --port "$PORT" \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 600); do
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/health/ready" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; echo "the server stopped" >&2; exit 1; }
    sleep 0.1
done
curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/health/ready" || { echo "the server did not get ready" >&2; exit 1; }
BASE="http://127.0.0.1:$PORT"

INSUREE_COUNT=$(sqlite3 "file:$DB?mode=ro" "SELECT COUNT(*) FROM tblInsuree WHERE ValidityTo IS NULL")
# A random sample of real ids, insurance numbers and 3-letter name prefixes (reads use the read-only URI).
sqlite3 "file:$DB?mode=ro" "SELECT InsureeUUID FROM tblInsuree WHERE ValidityTo IS NULL ORDER BY random() LIMIT $SAMPLE" >"$WORK/uuids.txt"
sqlite3 "file:$DB?mode=ro" "SELECT CHFID FROM tblInsuree WHERE ValidityTo IS NULL ORDER BY random() LIMIT $SAMPLE" >"$WORK/chfids.txt"
sqlite3 "file:$DB?mode=ro" "SELECT lower(substr(CASE WHEN random() % 2 = 0 THEN LastName ELSE OtherNames END, 1, 3))
    FROM tblInsuree WHERE ValidityTo IS NULL ORDER BY random() LIMIT $SAMPLE" >"$WORK/names.txt"
echo "metadata" >"$WORK/metadata.txt"
echo "live" >"$WORK/live.txt"
# Names may have letters outside ASCII (Müller, Peña): percent-encode them for the URL.
urlencode() {
    local LC_ALL=C s="$1" out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case "$c" in
            [a-zA-Z0-9.~_-]) out+="$c" ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s\n' "$out"
}
while IFS= read -r name; do urlencode "$name"; done <"$WORK/names.txt" >"$WORK/names.url.txt"

# Every route must answer 200 before it is measured.
for probe in "/fhir/Patient/$(head -n 1 "$WORK/uuids.txt")" "/fhir/Patient?identifier=$(head -n 1 "$WORK/chfids.txt")" \
    "/fhir/Patient?name=$(head -n 1 "$WORK/names.url.txt")" "/fhir/metadata"; do
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BASE$probe")
    [ "$status" = 200 ] || { echo "GET $probe answered $status" >&2; exit 1; }
done

cat >"$WORK/cycle.lua" <<'LUA'
-- Cycles through the lines of $BENCH_VALUES, appended to $BENCH_PATH.
local values = {}
for line in io.lines(os.getenv("BENCH_VALUES")) do values[#values + 1] = line end
local path = os.getenv("BENCH_PATH")
local i = 0
request = function()
    i = i % #values + 1
    return wrk.format("GET", path .. values[i])
end
LUA

# wrk's latency figures come as 812.00us, 1.23ms or 1.01s: print them in ms.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n = n / 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n = n * 1000
        printf "%.2f", n }'
}

ROWS=()
run() {
    local label="$1" path="$2" values="$3"
    BENCH_PATH="$path" BENCH_VALUES="$values" timeout $((WARMUP + 30)) \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$WORK/cycle.lua" "$BASE" >/dev/null
    local out="$WORK/wrk-$(echo "$label" | tr -c 'a-zA-Z0-9' '_').txt"
    BENCH_PATH="$path" BENCH_VALUES="$values" timeout $((DURATION + 30)) \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/cycle.lua" "$BASE" >"$out"
    local rps p50 p99 errors
    rps=$(awk '/^Requests\/sec:/ { printf "%d", $2 }' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    errors=$(awk '/Non-2xx or 3xx responses:/ { n = $NF }
        /Socket errors:/ { sub(/^ *Socket errors: */, ""); s = " (socket errors: " $0 ")" }
        END { printf "%d%s", n, s }' "$out")
    local formatted
    formatted=$(echo "$rps" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta')
    ROWS+=("| $label | $formatted | $p50 | $p99 | $errors |")
    echo "  $label: $formatted req/s, p50 $p50 ms, p99 $p99 ms, non-2xx $errors"
}

echo "measuring ($CONNECTIONS connections, $THREADS wrk thread(s), ${DURATION}s per route after ${WARMUP}s warm-up)..."
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
run "Patient read (\`/Patient/<uuid>\`)" "/fhir/Patient/" "$WORK/uuids.txt"
run "identifier search (\`/Patient?identifier=<CHF ID>\`)" "/fhir/Patient?identifier=" "$WORK/chfids.txt"
run "name search (\`/Patient?name=<3 letters>\`, 20 per page)" "/fhir/Patient?name=" "$WORK/names.url.txt"
run "\`/metadata\`" "/fhir/" "$WORK/metadata.txt"
# No FHIR work at all: what the server and wrk reach on this machine at this moment, to read the rows above by.
run "\`/health/live\` (reference: no FHIR work)" "/health/" "$WORK/live.txt"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

RSS_KB=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
HWM_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
ANON_KB=$(awk '/^RssAnon:/ { print $2 }' "/proc/$SERVER_PID/status")
DB_MB=$(du -m "$DB" | cut -f1)

# --- report --------------------------------------------------------------------------------------------
mkdir -p "$OUT_DIR"
STAMP=$(date -u +%Y-%m-%d)
RESULT="$OUT_DIR/$STAMP-$INSUREE_COUNT.md"
# A later run on the same day keeps the earlier file: -2, -3, ...
n=2
while [ -e "$RESULT" ]; do RESULT="$OUT_DIR/$STAMP-$INSUREE_COUNT-$n.md"; n=$((n + 1)); done
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$( (git status --porcelain -- Sources Package.swift 2>/dev/null || true) | head -n 1)
{
    echo "# Server benchmark: $INSUREE_COUNT insurees"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT${DIRTY:+ (with uncommitted changes)}; release build; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency on loopback after a ${WARMUP}s warm-up, cycling through $SAMPLE random values."
    echo
    echo "| route | requests/s | p50 ms | p99 ms | non-2xx |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "Server RSS after the runs: $((RSS_KB / 1024)) MB (peak $((HWM_KB / 1024)) MB, anonymous $((ANON_KB / 1024)) MB); database file $DB_MB MB."
    echo
    echo "Load: $FAMILIES families (plus the demo dataset) in ${load_seconds} s."
    echo
    echo "Machine: $(nproc) cores ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/^MemTotal/ { printf "%d GiB", $2 / 1048576 }' /proc/meminfo); load average $LOAD_BEFORE before the runs, $LOAD_AFTER after; wrk and the server share the cores."
} >"$RESULT"

echo
cat "$RESULT"
echo
echo "written to ${RESULT#"$ROOT"/}"
