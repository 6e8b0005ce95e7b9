#!/usr/bin/env bash
# Subscription delivery benchmark: serves the demo dataset from a fresh SQLite file on loopback, starts a local
# webhook receiver that records when each notification arrives, and posts PaymentNotices with wrk: first with no
# subscription (the write path's cost alone), then with one R4 rest-hook subscription to PaymentNotice with a
# payload (every payment is an event). It reports the write rate of both runs, the delivery rate (events/s, from
# the first to the last arrival) and the delivery lag p50/p99/max: arrival time at the receiver minus the event's
# time (the delivered PaymentNotice's meta.lastUpdated, stamped in the transaction that recorded the event).
#
#   Scripts/delivery-benchmark.sh
#   Scripts/delivery-benchmark.sh --duration 20 --connections 16 --no-build
#
# Needs: wrk, curl and python3 (the receiver); the script installs nothing. It builds the release binary into
# .build-release/ like Scripts/benchmark.sh, writes bench-results/<date>-delivery.md (-2, -3... for later runs that
# day) and prints the same table. Traffic goes to 127.0.0.1 only; the server, the receiver and the temporary
# database are removed on exit, also on Ctrl-C or failure.
#
# Options:
#   --duration S      seconds of each wrk run (default 10)
#   --connections C   wrk connections (default 16); --threads T wrk threads (default 1)
#   --drain S         at most this many seconds to wait for the last deliveries (default 120)
#   --port P          server port (default 19000-19999, from the process id); the receiver listens on P+1000
#   --no-build        reuse the binary already in .build-release
#   --binary FILE     measure this imis-fhir binary (implies --no-build)
#   --out DIR         where the result file goes (default bench-results)
set -euo pipefail

SCRIPT="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$SCRIPT")/.."
ROOT=$(pwd)
# shellcheck source=bench-common.sh
. "$ROOT/Scripts/bench-common.sh"

DURATION=10
CONNECTIONS=16
THREADS=1
DRAIN=120
PORT=$((19000 + $$ % 1000))
BUILD=1
BIN=""
OUT_DIR="$ROOT/bench-results"

usage() { sed -n '2,24p' "$SCRIPT" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION="$2"; shift 2 ;;
        --connections) CONNECTIONS="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --drain) DRAIN="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --binary) BIN="$2"; BUILD=0; shift 2 ;;
        --out) OUT_DIR="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done
RECEIVER_PORT=$((PORT + 1000))

missing=()
for program in wrk curl python3; do command -v "$program" >/dev/null 2>&1 || missing+=("$program"); done
[ ${#missing[@]} -eq 0 ] || { echo "missing: ${missing[*]} (Debian: apt-get install -y ${missing[*]})" >&2; exit 1; }

release_binary

WORK=$(mktemp -d)
SERVER_PID=""
RECEIVER_PID=""
cleanup() {
    stop_server
    [ -z "$RECEIVER_PID" ] || kill "$RECEIVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# The receiver: answers 200 at once and appends "arrival-ms event-ms webhook-id" per notification.
cat >"$WORK/receiver.py" <<'PY'
import json, sys, time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = open(sys.argv[2], "a", buffering=1)

class Receiver(BaseHTTPRequestHandler):
    def handle_one(self):
        arrival = time.time() * 1000
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        updated = json.loads(body)["meta"]["lastUpdated"] if body else None
        event = datetime.fromisoformat(updated.replace("Z", "+00:00")).timestamp() * 1000 if updated else arrival
        log.write("%.3f %.3f %s\n" % (arrival, event, self.headers.get("webhook-id", "")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    do_PUT = handle_one
    do_POST = handle_one
    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
PY
: >"$WORK/arrivals.txt"
python3 "$WORK/receiver.py" "$RECEIVER_PORT" "$WORK/arrivals.txt" &
RECEIVER_PID=$!

echo "starting the server on port $PORT..."
MODE=DEV LOG_LEVEL=error "$BIN" serve --database "$WORK/bench.sqlite" --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_until_ready "$PORT" "$WORK/server.log"
BASE="http://127.0.0.1:$PORT"
TOKEN=$(admin_token "$BASE")

cat >"$WORK/notice.json" <<'JSON'
{"resourceType": "PaymentNotice", "status": "active", "created": "2022-06-21",
 "identifier": [{"system": "urn:bench:payments", "value": "PN-@UNIQUE@"}],
 "request": {"reference": "Invoice/3c9a7e10-5b2d-4f1e-8a6c-000000000602"}, "payment": {"display": "benchmark"},
 "paymentDate": "2022-06-21", "recipient": {"reference": "Organization/openIMIS-Implementation"},
 "amount": {"value": 0.01, "currency": "EUR"},
 "paymentStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/paymentstatus", "code": "paid"}]}}
JSON
cat >"$WORK/post.lua" <<'LUA'
-- POSTs $BENCH_BODY with @UNIQUE@ unique to the request: this run ($BENCH_RUN), its thread, a counter.
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("thread_number", threads)
end
local body, prefix, counter = nil, nil, 0
function init(args)
    local file = assert(io.open(os.getenv("BENCH_BODY")))
    body = file:read("*a")
    file:close()
    prefix = os.getenv("BENCH_RUN") .. "-" .. tostring(thread_number or 1) .. "-"
    wrk.headers["Content-Type"] = "application/fhir+json"
    wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end
function request()
    counter = counter + 1
    return wrk.format("POST", "/fhir/PaymentNotice", nil, (body:gsub("@UNIQUE@", prefix .. counter)))
end
LUA

# measure RUN: a wrk run of PaymentNotice posts; sets RATE, P50, P99, NON2XX, REQUESTS.
measure() {
    local out="$WORK/wrk-$1.txt"
    BENCH_BODY="$WORK/notice.json" BENCH_RUN="$1-$$" BENCH_TOKEN="$TOKEN" \
        timeout $((DURATION + 60)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/post.lua" "$BASE" >"$out"
    RATE=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$out")
    P50=$(awk '$1 == "50%" {print $2}' "$out")
    P99=$(awk '$1 == "99%" {print $2}' "$out")
    NON2XX=$(awk '/Non-2xx/ {print $5}' "$out"); NON2XX=${NON2XX:-0}
    REQUESTS=$(awk '/requests in/ {print $1}' "$out")
}

echo "posting payments for ${DURATION}s without a subscription..."
measure plain
PLAIN_RATE=$RATE PLAIN_P50=$P50 PLAIN_P99=$P99 PLAIN_NON2XX=$NON2XX

status=$(curl -s -o "$WORK/subscription.json" -w '%{http_code}' --max-time 10 -X POST "$BASE/fhir/Subscription" \
    -H 'Content-Type: application/fhir+json' -H "Authorization: Bearer $TOKEN" --data-binary @- <<JSON
{"resourceType": "Subscription", "status": "requested", "reason": "benchmark", "criteria": "PaymentNotice?status=active",
 "channel": {"type": "rest-hook", "endpoint": "http://127.0.0.1:$RECEIVER_PORT/fhir", "payload": "application/fhir+json"}}
JSON
)
[ "$status" = 201 ] || { echo "POST /fhir/Subscription answered $status: $(head -c 400 "$WORK/subscription.json")" >&2; exit 1; }

echo "posting payments for ${DURATION}s with one subscription delivering them..."
measure subscribed
SUB_RATE=$RATE SUB_P50=$P50 SUB_P99=$P99 SUB_NON2XX=$NON2XX
EXPECTED=$((REQUESTS - NON2XX))

echo "waiting for $EXPECTED deliveries (at most ${DRAIN}s)..."
for _ in $(seq $((DRAIN * 10))); do
    [ "$(wc -l <"$WORK/arrivals.txt")" -ge "$EXPECTED" ] && break
    sleep 0.1
done
DELIVERED=$(wc -l <"$WORK/arrivals.txt")
read -r EVENTS_PER_S LAG_P50 LAG_P99 LAG_MAX DUPLICATES < <(python3 - "$WORK/arrivals.txt" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
arrivals = sorted(float(r[0]) for r in rows)
lags = sorted(float(r[0]) - float(r[1]) for r in rows)
span = (arrivals[-1] - arrivals[0]) / 1000 if len(arrivals) > 1 else 0
def pct(p):
    return lags[min(len(lags) - 1, int(round(p / 100 * (len(lags) - 1))))] if lags else 0
ids = [r[2] for r in rows]
print("%.0f %.0f %.0f %.0f %d" % (len(rows) / span if span else 0, pct(50), pct(99), lags[-1] if lags else 0,
                                  len(ids) - len(set(ids))))
PY
)

mkdir -p "$OUT_DIR"
STAMP=$(date -u +%Y-%m-%d)
FILE="$OUT_DIR/$STAMP-delivery.md"
n=2
while [ -e "$FILE" ]; do FILE="$OUT_DIR/$STAMP-delivery-$n.md"; n=$((n + 1)); done
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || DIRTY=1
{
    echo "# Subscription delivery benchmark (SQLite)"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT${DIRTY:+ (with uncommitted changes)}; release build; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency of \`POST /fhir/PaymentNotice\` (0.01 EUR, unique identifier) on loopback; the receiver is a Python HTTP server on loopback answering 200 at once."
    echo
    echo "| run | payments/s | p50 ms | p99 ms | non-2xx |"
    echo "|---|---|---|---|---|"
    echo "| no subscription | $PLAIN_RATE | $PLAIN_P50 | $PLAIN_P99 | $PLAIN_NON2XX |"
    echo "| one subscription (R4, payload), delivering | $SUB_RATE | $SUB_P50 | $SUB_P99 | $SUB_NON2XX |"
    echo
    echo "| delivered | expected | events/s | lag p50 ms | lag p99 ms | lag max ms | repeated ids |"
    echo "|---|---|---|---|---|---|---|"
    echo "| $DELIVERED | $EXPECTED | $EVENTS_PER_S | $LAG_P50 | $LAG_P99 | $LAG_MAX | $DUPLICATES |"
    echo
    echo "Lag: arrival at the receiver minus the PaymentNotice's meta.lastUpdated (the time of its write transaction). Delivery is sequential per subscription (in order), so events/s is one subscription's rate."
    echo
    echo "Machine: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)); load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs; wrk, the receiver and the server share the cores."
} >"$FILE"
cat "$FILE"
echo
echo "written to ${FILE#"$ROOT/"}"
