#!/usr/bin/env bash
# Server throughput benchmark: loads the demo dataset plus N synthetic families into a fresh SQLite file (or,
# with --backend postgresql, a throw-away PostgreSQL cluster of its own), serves it on loopback, and measures Patient read, identifier search, name search, /metadata, Claim submission
# and PaymentNotice posting with wrk (requests/s, p50, p99, non-2xx; /health/live as a reference), plus the
# server's RSS. Every POST is unique (claim code, notice identifier), so each one writes. The server takes its
# settings from the environment as usual (e.g. RESOURCE_CACHE_MB=0 measures without the render cache).
#
#   Scripts/benchmark.sh --insurees 10000          # ~3,000 families (a family averages 3.3 members)
#   Scripts/benchmark.sh --insurees 1000000 --duration 10
#   Scripts/benchmark.sh --families 500 --duration 3 --no-build
#   Scripts/benchmark.sh --backend postgresql --insurees 10000
#
# Needs: wrk, sqlite3 and curl (Debian: `apt-get install -y wrk sqlite3 curl`), and for --backend postgresql the
# postgresql package too; the script installs nothing.
# It builds the release binary into .build-release/ (its own scratch folder, so debug builds are untouched),
# writes bench-results/<date>-<insurees>.md (<date>-<insurees>-postgresql.md on PostgreSQL; -2, -3... for later
# runs that day) and prints the same table. Traffic goes to 127.0.0.1 only; every
# wrk run is bounded by --duration and a timeout, and the server and the temporary database are removed on
# exit, also on Ctrl-C or failure. On PostgreSQL the cluster (initdb/pg_ctl of the newest
# /usr/lib/postgresql/*/bin, as the `postgres` user when run as root) listens on 127.0.0.1 on a free port with
# durable commits (one WAL flush per commit, as SQLite's synchronous=FULL here), and is removed on exit.
#
# Options:
#   --backend B       sqlite (default) or postgresql
#   --insurees N      target insuree count (families = N / 3.3, rounded)
#   --families N      synthetic families to load (instead of --insurees)
#   --duration S      seconds per measured wrk run (default 10); a warm-up of --warmup S (default 3) precedes it
#   --connections C   wrk connections (default 32); --threads T wrk threads (default 1)
#   --routes LIST     which routes to measure, comma-separated (default: all but the name-* variants):
#                     read, identifier, name, name-accurate (`_total=accurate`), name-estimate (`_total=estimate`),
#                     metadata, claim, payment, live; e.g. --routes name,live measures name search alone
#   --sweep "C1 C2"   then measure the reads, the writes and /health/live again at each of these connection counts
#                     (e.g. --sweep "1 8 32 128"), in a second table
#   --sample K        how many ids / insurance numbers / name prefixes to cycle through (default 1000)
#   --invoices K      invoices created (one enrolment and invoice per family) for the PaymentNotice run (default 50)
#   --port P          server port (default 18000-18999, from the process id)
#   --no-build        reuse the binary already in .build-release
#   --binary FILE     measure this imis-fhir binary (implies --no-build)
#   --out DIR         where the result file goes (default bench-results)
set -euo pipefail

SCRIPT="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$SCRIPT")/.."
ROOT=$(pwd)
# shellcheck source=bench-common.sh
. "$ROOT/Scripts/bench-common.sh"

INSUREES=""
FAMILIES=""
DURATION=10
WARMUP=3
CONNECTIONS=32
SWEEP=""
ROUTES="read,identifier,name,metadata,claim,payment,live"
THREADS=1
SAMPLE=1000
INVOICES=50
PORT=$((18000 + $$ % 1000))
BUILD=1
BIN=""
BACKEND=sqlite
OUT_DIR="$ROOT/bench-results"

usage() { sed -n '2,39p' "$SCRIPT" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --backend) BACKEND="$2"; shift 2 ;;
        --insurees) INSUREES="$2"; shift 2 ;;
        --families) FAMILIES="$2"; shift 2 ;;
        --duration) DURATION="$2"; shift 2 ;;
        --warmup) WARMUP="$2"; shift 2 ;;
        --connections) CONNECTIONS="$2"; shift 2 ;;
        --sweep) SWEEP="$2"; shift 2 ;;
        --routes) ROUTES="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --sample) SAMPLE="$2"; shift 2 ;;
        --invoices) INVOICES="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --binary) BIN="$2"; BUILD=0; shift 2 ;;
        --out) OUT_DIR="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
done

# shellcheck disable=SC2086
for n in "$DURATION" "$WARMUP" "$CONNECTIONS" "$THREADS" "$SAMPLE" "$INVOICES" "$PORT" ${INSUREES:+"$INSUREES"} ${FAMILIES:+"$FAMILIES"} $SWEEP; do
    [[ "$n" =~ ^[0-9]+$ ]] || { echo "not a number: $n" >&2; exit 2; }
done
if [ -z "$FAMILIES" ]; then
    INSUREES=${INSUREES:-10000}
    # SyntheticData: 1-6 members with weights 15/20/20/20/15/10 %, i.e. 3.3 on average.
    FAMILIES=$(( (INSUREES * 10 + 16) / 33 ))
fi
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 120 ] || { echo "--duration must be 1-120" >&2; exit 2; }
[ "$FAMILIES" -le 2000000 ] || { echo "--families is capped at 2,000,000" >&2; exit 2; }
[ "$INVOICES" -ge 1 ] && [ "$INVOICES" -le "$FAMILIES" ] || { echo "--invoices must be 1 to the number of families" >&2; exit 2; }
for route in ${ROUTES//,/ }; do
    case "$route" in
        read|identifier|name|name-accurate|name-estimate|metadata|claim|payment|live) ;;
        *) echo "unknown route: $route" >&2; exit 2 ;;
    esac
done
# wants ROUTE: whether ROUTE is among --routes.
wants() { [[ ",$ROUTES," == *",$1,"* ]]; }
case "$BACKEND" in
    sqlite|postgresql) ;;
    *) echo "--backend must be sqlite or postgresql" >&2; exit 2 ;;
esac

missing=()
for program in wrk sqlite3 curl; do command -v "$program" >/dev/null 2>&1 || missing+=("$program"); done
if [ "$BACKEND" = postgresql ]; then
    for package in postgresql wrk; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "missing: ${missing[*]} (Debian: apt-get install -y ${missing[*]})" >&2
    exit 1
fi

SERVER_PID=""
WORK=$(mktemp -d "${TMPDIR:-/tmp}/imis-fhir-bench.XXXXXX")
cleanup() {
    stop_server
    stop_postgres
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build ---------------------------------------------------------------------------------------------
release_binary

# --- data ----------------------------------------------------------------------------------------------
DB="$WORK/bench.sqlite3"
if [ "$BACKEND" = postgresql ]; then start_postgres; fi
# q SQL: one query on the benchmark's database (read-only on SQLite), rows of |-separated values.
q() {
    if [ "$BACKEND" = postgresql ]; then
        "$PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U imis -d imis -c "$1"
    else
        sqlite3 "file:$DB?mode=ro" "$1"
    fi
}
echo "loading $FAMILIES synthetic families..."
load_start=$(date +%s.%N)
if [ "$BACKEND" = postgresql ]; then
    # The demo dataset first: the server loads it only into an empty PostgreSQL database.
    LOG_LEVEL=warning "$BIN" demo-data --families "$FAMILIES" --seed 1 --demo-dataset | tail -n 1
else
    LOG_LEVEL=warning "$BIN" demo-data --families "$FAMILIES" --seed 1 --database "$DB" | tail -n 1
fi
load_seconds=$(awk -v a="$load_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

# --- server --------------------------------------------------------------------------------------------
if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/health/live"; then
    echo "port $PORT is already in use; pass --port" >&2
    exit 1
fi
DATABASE_ARGS=(--database "$DB")
[ "$BACKEND" = sqlite ] || DATABASE_ARGS=()
MODE=DEV DEMO_DATASET=true LOG_LEVEL=warning RATELIMIT_RATE=off RATELIMIT_AUTHENTICATED_RATE=off ACCESS_TOKEN_TTL=6h "$BIN" serve "${DATABASE_ARGS[@]}" --host 127.0.0.1 --port "$PORT" \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_until_ready "$PORT" "$WORK/server.log"
BASE="http://127.0.0.1:$PORT"
# Every FHIR request carries the demo administrator's access token (verified once, then served from the cache of
# verified tokens, as in production).
TOKEN=$(admin_token "$BASE")
export BENCH_TOKEN="$TOKEN"
AUTH="Authorization: Bearer $TOKEN"

INSUREE_COUNT=$(q 'SELECT COUNT(*) FROM "tblInsuree" WHERE "ValidityTo" IS NULL')
# A random sample of real ids, insurance numbers and 3-letter name prefixes (reads use the read-only URI).
q "SELECT \"InsureeUUID\" FROM \"tblInsuree\" WHERE \"ValidityTo\" IS NULL ORDER BY random() LIMIT $SAMPLE" >"$WORK/uuids.txt"
q "SELECT \"CHFID\" FROM \"tblInsuree\" WHERE \"ValidityTo\" IS NULL ORDER BY random() LIMIT $SAMPLE" >"$WORK/chfids.txt"
COIN="random() % 2 = 0"
[ "$BACKEND" = sqlite ] || COIN="random() < 0.5"
q "SELECT lower(substr(CASE WHEN $COIN THEN \"LastName\" ELSE \"OtherNames\" END, 1, 3))
    FROM \"tblInsuree\" WHERE \"ValidityTo\" IS NULL ORDER BY random() LIMIT $SAMPLE" >"$WORK/names.txt"
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
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "$AUTH" "$BASE$probe")
    [ "$status" = 200 ] || { echo "GET $probe answered $status" >&2; exit 1; }
done

# --- writes: a claim per insuree of the sample, payments of invoices created first ------------------------
# The IG's Claim001 pointed at the demo facility, administrator, policy, service and medication; @VALUE@ is the
# patient (an insurance number of the sample: most have no policy, so adjudication rejects the claim, which is
# still stored), @UNIQUE@ the claim code.
sed -e 's|Patient/john-doe|Patient/@VALUE@|' -e 's|Organization/RaptaDistrictHospital|Organization/RAHOS001|' \
    -e 's|Practitioner/Rushila-Dani-CA|Practitioner/JMDP0011|' \
    -e 's|Coverage/JoeDoeCoverage|Coverage/d30f70df-d10b-43d4-bf31-5137c118ad84|' \
    -e 's|ActivityDefinition/GeneralConsultationService|ActivityDefinition/A1|' \
    -e 's|Medication/AspirinMedication|Medication/0001|' -e 's|"Code001"|"@UNIQUE@"|' \
    "$ROOT/fixtures/valid/Claim-Claim001.json" >"$WORK/claim.json"
IG="https://openimis.github.io/openimis_fhir_r4_ig"
cat >"$WORK/notice.json" <<JSON
{"resourceType": "PaymentNotice", "status": "active", "created": "2022-06-21",
 "identifier": [{"system": "urn:bench:payments", "value": "PN-@UNIQUE@"}],
 "request": {"reference": "Invoice/@VALUE@"}, "payment": {"display": "benchmark"}, "paymentDate": "2022-06-21",
 "recipient": {"reference": "Organization/openIMIS-Implementation"}, "amount": {"value": 0.01, "currency": "EUR"},
 "paymentStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/paymentstatus", "code": "paid"}]}}
JSON
post() {
    curl -s -o "$WORK/post.out" -w '%{http_code}' --max-time 10 -X POST "$BASE$1" \
        -H 'Content-Type: application/fhir+json' -H "$AUTH" --data-binary "$2"
}
# The writes need invoices to pay (only when a write is measured).
if wants claim || wants payment; then
    # One idle policy and one large invoice per family, so that the notices spread over $INVOICES invoices and none
    # is ever paid off (each notice pays 0.01 EUR).
    echo "creating $INVOICES invoices to pay..."
    q "SELECT \"FamilyUUID\" FROM \"tblFamilies\" WHERE \"ValidityTo\" IS NULL
        AND \"FamilyID\" NOT IN (SELECT \"FamilyID\" FROM \"tblPolicy\") ORDER BY random() LIMIT $INVOICES" >"$WORK/families.txt"
    : >"$WORK/invoices.txt"
    i=0
    while IFS= read -r family; do
        i=$((i + 1))
        status=$(post /fhir/Contract "{\"resourceType\": \"Contract\", \"status\": \"offered\", \"issued\": \"2022-06-20\",
            \"subject\": [{\"reference\": \"Group/$family\"}], \"term\": [{\"offer\": {\"text\": \"Enrolment\"}, \"asset\": [{
            \"period\": [{\"start\": \"2022-07-01\", \"end\": \"2023-06-30\"}],
            \"valuedItem\": [{\"entityReference\": {\"reference\": \"InsurancePlan/RX01\"}}]}]}]}")
        [ "$status" = 201 ] || { echo "POST /fhir/Contract answered $status: $(head -c 400 "$WORK/post.out")" >&2; exit 1; }
        status=$(post /fhir/Invoice "{\"resourceType\": \"Invoice\", \"status\": \"issued\", \"date\": \"2022-06-20\",
            \"identifier\": [{\"type\": {\"coding\": [{\"system\": \"$IG/CodeSystem/openimis-identifiers\", \"code\": \"Code\"}]}, \"value\": \"IV-BENCH-$i\"}],
            \"type\": {\"coding\": [{\"system\": \"$IG/CodeSystem/invoice-type\", \"code\": \"contribution\"}]},
            \"subject\": {\"reference\": \"Group/$family\"},
            \"lineItem\": [{\"sequence\": 1, \"chargeItemCodeableConcept\": {\"coding\": [{\"system\": \"$IG/CodeSystem/invoice-charge-item\", \"code\": \"policy\"}]},
              \"priceComponent\": [{\"type\": \"base\", \"factor\": 1, \"amount\": {\"value\": 1000000.00, \"currency\": \"EUR\"}}]}],
            \"totalNet\": {\"value\": 1000000.00, \"currency\": \"EUR\"}, \"totalGross\": {\"value\": 1000000.00, \"currency\": \"EUR\"}}")
        [ "$status" = 201 ] || { echo "POST /fhir/Invoice answered $status: $(head -c 400 "$WORK/post.out")" >&2; exit 1; }
        echo "IV-BENCH-$i" >>"$WORK/invoices.txt"
    done <"$WORK/families.txt"
    [ "$i" = "$INVOICES" ] || { echo "only $i families without a policy for $INVOICES invoices" >&2; exit 1; }
    # Both writes must answer 201 before they are measured.
    for probe in "/fhir/Claim claim.json chfids.txt" "/fhir/PaymentNotice notice.json invoices.txt"; do
        read -r path body values <<<"$probe"
        status=$(post "$path" "$(sed -e "s|@UNIQUE@|probe-$$|" -e "s|@VALUE@|$(head -n 1 "$WORK/$values")|" "$WORK/$body")")
        [ "$status" = 201 ] || { echo "POST $path answered $status: $(head -c 400 "$WORK/post.out")" >&2; exit 1; }
    done
fi

cat >"$WORK/post.lua" <<'LUA'
-- POSTs $BENCH_BODY to $BENCH_PATH. In the body, @VALUE@ cycles through the lines of $BENCH_VALUES and
-- @UNIQUE@ is unique to the request: this wrk run ($BENCH_RUN), its thread, a counter.
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("thread_number", threads)
end
local values, body, path, prefix = {}, nil, nil, nil
local counter = 0
function init(args)
    local file = assert(io.open(os.getenv("BENCH_BODY")))
    body = file:read("*a")
    file:close()
    for line in io.lines(os.getenv("BENCH_VALUES")) do values[#values + 1] = line end
    path = os.getenv("BENCH_PATH")
    prefix = os.getenv("BENCH_RUN") .. "-" .. tostring(thread_number or 1) .. "-"
    wrk.headers["Content-Type"] = "application/fhir+json"
    wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end
function request()
    counter = counter + 1
    local text = body:gsub("@UNIQUE@", prefix .. counter)
    text = text:gsub("@VALUE@", values[(counter - 1) % #values + 1])
    return wrk.format("POST", path, nil, text)
end
LUA

cat >"$WORK/cycle.lua" <<'LUA'
-- Cycles through the lines of $BENCH_VALUES, appended to $BENCH_PATH.
local values = {}
for line in io.lines(os.getenv("BENCH_VALUES")) do values[#values + 1] = line end
local path = os.getenv("BENCH_PATH")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
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
# run LABEL PATH VALUES [BODY]: GETs of PATH + each value, or with BODY, POSTs of it to PATH (post.lua).
run() {
    local label="$1" path="$2" values="$3" body="${4:-}" script="$WORK/cycle.lua"
    [ -z "$body" ] || script="$WORK/post.lua"
    BENCH_PATH="$path" BENCH_VALUES="$values" BENCH_BODY="$body" BENCH_RUN="w$(date +%s%N)" timeout $((WARMUP + 30)) \
        wrk -t"$THREADS" -c"${RUN_CONNECTIONS:-$CONNECTIONS}" -d"${WARMUP}s" -s "$script" "$BASE" >/dev/null
    local out="$WORK/wrk-$(echo "$label" | tr -c 'a-zA-Z0-9' '_').txt"
    BENCH_PATH="$path" BENCH_VALUES="$values" BENCH_BODY="$body" BENCH_RUN="m$(date +%s%N)" timeout $((DURATION + 30)) \
        wrk -t"$THREADS" -c"${RUN_CONNECTIONS:-$CONNECTIONS}" -d"${DURATION}s" --latency -s "$script" "$BASE" >"$out"
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
! wants read || run "Patient read (\`/Patient/<uuid>\`)" "/fhir/Patient/" "$WORK/uuids.txt"
! wants identifier || run "identifier search (\`/Patient?identifier=<CHF ID>\`)" "/fhir/Patient?identifier=" "$WORK/chfids.txt"
! wants name || run "name search (\`/Patient?name=<3 letters>\`, 20 per page)" "/fhir/Patient?name=" "$WORK/names.url.txt"
! wants name-accurate || run "name search, \`_total=accurate\`" "/fhir/Patient?_total=accurate&name=" "$WORK/names.url.txt"
! wants name-estimate || run "name search, \`_total=estimate\`" "/fhir/Patient?_total=estimate&name=" "$WORK/names.url.txt"
! wants metadata || run "\`/metadata\`" "/fhir/" "$WORK/metadata.txt"
! wants claim || run "Claim submission (\`POST /Claim\`, 2 lines, unique code)" "/fhir/Claim" "$WORK/chfids.txt" "$WORK/claim.json"
! wants payment || run "payment (\`POST /PaymentNotice\`, 0.01 EUR, unique identifier)" "/fhir/PaymentNotice" "$WORK/invoices.txt" "$WORK/notice.json"
# No FHIR work at all: what the server and wrk reach on this machine at this moment, to read the rows above by.
! wants live || run "\`/health/live\` (reference: no FHIR work)" "/health/" "$WORK/live.txt"
# The disk's rate of durable appends from one thread, measured now: what a durable write per request can reach.
FSYNCS=$(python3 -c '
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
n, start = 0, time.monotonic()
while time.monotonic() - start < 2:
    os.write(fd, b"x" * 4096); os.fsync(fd); n += 1
print(int(n / (time.monotonic() - start)))' "$WORK/fsync-probe")
SWEEP_ROWS=()
for c in $SWEEP; do
    echo "sweep: $c connection(s)..."
    ROWS_BEFORE=${#ROWS[@]}
    RUN_CONNECTIONS=$c
    ! wants read || run "Patient read, $c" "/fhir/Patient/" "$WORK/uuids.txt"
    ! wants identifier || run "identifier search, $c" "/fhir/Patient?identifier=" "$WORK/chfids.txt"
    ! wants name || run "name search, $c" "/fhir/Patient?name=" "$WORK/names.url.txt"
    ! wants claim || run "Claim submission, $c" "/fhir/Claim" "$WORK/chfids.txt" "$WORK/claim.json"
    ! wants payment || run "PaymentNotice posting, $c" "/fhir/PaymentNotice" "$WORK/invoices.txt" "$WORK/notice.json"
    ! wants live || run "\`/health/live\`, $c" "/health/" "$WORK/live.txt"
    SWEEP_ROWS+=("${ROWS[@]:$ROWS_BEFORE}")
    ROWS=("${ROWS[@]:0:$ROWS_BEFORE}")
    RUN_CONNECTIONS=""
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

RSS_KB=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
HWM_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
ANON_KB=$(awk '/^RssAnon:/ { print $2 }' "/proc/$SERVER_PID/status")
if [ "$BACKEND" = postgresql ]; then
    DB_MB=$(q "SELECT pg_database_size('imis') / 1048576")
else
    DB_MB=$(du -m "$DB" | cut -f1)
fi
CLAIMS=$(q "SELECT COUNT(*) FROM \"tblClaim\" WHERE \"ClaimCode\" LIKE 'm%' OR \"ClaimCode\" LIKE 'w%'")
PAYMENTS=$(q "SELECT COUNT(*) FROM \"tblPaymentInvoice\" WHERE \"CodeExt\" LIKE 'PN-%'")

# --- report --------------------------------------------------------------------------------------------
mkdir -p "$OUT_DIR"
STAMP=$(date -u +%Y-%m-%d)
NAME="$STAMP-$INSUREE_COUNT"
ON=""
if [ "$BACKEND" = postgresql ]; then
    NAME="$NAME-postgresql"
    ON=" on PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }')"
fi
RESULT="$OUT_DIR/$NAME.md"
# A later run on the same day keeps the earlier file: -2, -3, ...
n=2
while [ -e "$RESULT" ]; do RESULT="$OUT_DIR/$NAME-$n.md"; n=$((n + 1)); done
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$( (git status --porcelain -- Sources Package.swift 2>/dev/null || true) | head -n 1)
{
    echo "# Server benchmark: $INSUREE_COUNT insurees$ON"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT${DIRTY:+ (with uncommitted changes)}; release build; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency on loopback after a ${WARMUP}s warm-up, cycling through $SAMPLE random values."
    echo
    echo "| route | requests/s | p50 ms | p99 ms | non-2xx |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    if [ ${#SWEEP_ROWS[@]} -gt 0 ]; then
        echo "By connections (wrk -c, measured after the table above; each group ends with its own \`/health/live\`):"
        echo
        echo "| route, connections | requests/s | p50 ms | p99 ms | non-2xx |"
        echo "|---|---|---|---|---|"
        printf '%s\n' "${SWEEP_ROWS[@]}"
        echo
    fi
    echo "Durable appends: $FSYNCS fsyncs/s (4 KB, one thread, measured after the routes above, on the benchmark's temporary folder)."
    echo
    ! { wants claim || wants payment; } || echo "Writes: every POST is unique, so each stores something: $CLAIMS claims (patients cycling through the sample; most have no policy, so adjudication rejects them) and $PAYMENTS payments (0.01 EUR each, spread over $INVOICES invoices created first), warm-ups included."
    echo
    echo "Server RSS after the runs: $((RSS_KB / 1024)) MB (peak $((HWM_KB / 1024)) MB, anonymous $((ANON_KB / 1024)) MB); database$([ "$BACKEND" = sqlite ] && echo " file") $DB_MB MB."
    if [ "$BACKEND" = postgresql ]; then
        echo
        echo "PostgreSQL: a throw-away cluster on loopback (shared_buffers=256MB, durable commits), served with DB_ENGINE=postgresql; it shares the cores too."
    fi
    echo
    echo "Load: $FAMILIES families (plus the demo dataset) in ${load_seconds} s."
    echo
    echo "Machine: $(nproc) cores ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/^MemTotal/ { printf "%d GiB", $2 / 1048576 }' /proc/meminfo); load average $LOAD_BEFORE before the runs, $LOAD_AFTER after; wrk and the server share the cores."
} >"$RESULT"

echo
cat "$RESULT"
echo
echo "written to ${RESULT#"$ROOT"/}"
