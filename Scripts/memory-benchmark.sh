#!/usr/bin/env bash
# Memory under hostile-sized requests: loads the demo dataset plus N synthetic families into a fresh SQLite file,
# serves it on loopback with the default limits (BUNDLE_MAX_ENTRIES, RESPONSE_MAX_MB), and sends, at once:
# CLIENTS clients each posting batch Bundles of BUNDLE_MAX_ENTRIES `GET Patient?_count=50` entries, and as many
# clients each asking `Patient?_count=1000&_revinclude=Group:member` searches. The server's RSS is sampled every
# 50 ms; the script writes the baseline and peak RSS, requests, statuses and durations down.
# One batch past the entry limit is sent too and must answer 413.
#
#   Scripts/memory-benchmark.sh                   # 10,000 insurees, 4 + 4 clients, 30 s
#   Scripts/memory-benchmark.sh --insurees 100000 --clients 8 --duration 60
#
# Needs curl and python3 (standard library only). Builds the release binary into .build-release/ unless
# --no-build or --binary; writes bench-results/<date>-memory.md (-2, -3... for later runs that day).
# Traffic goes to 127.0.0.1 only, every client loop is bounded by --duration, and the server and its database are
# removed on exit, also on Ctrl-C or failure.
#
# Options:
#   --insurees N      target insuree count (default 10000)
#   --clients C       batch clients, and as many search clients (default 4)
#   --duration S      seconds the clients run (default 30, at most 600)
#   --port P          server port (default 19000-19999, from the process id)
#   --no-build        reuse the binary in .build-release
#   --binary FILE     measure this imis-fhir binary (implies --no-build)
#   --out DIR         where the result file goes (default bench-results)
set -euo pipefail

SCRIPT="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$SCRIPT")/.."
ROOT=$(pwd)
# shellcheck source=bench-common.sh
. "$ROOT/Scripts/bench-common.sh"
INSUREES=10000
CLIENTS=4
DURATION=30
PORT=$((19000 + $$ % 1000))
BUILD=1
BIN=""
OUT_DIR="$ROOT/bench-results"

usage() { sed -n '2,24p' "$SCRIPT" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --insurees) INSUREES="$2"; shift 2 ;;
        --clients) CLIENTS="$2"; shift 2 ;;
        --duration) DURATION="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --binary) BIN="$2"; BUILD=0; shift 2 ;;
        --out) OUT_DIR="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
done
for n in "$INSUREES" "$CLIENTS" "$DURATION" "$PORT"; do
    [[ "$n" =~ ^[0-9]+$ ]] || { echo "not a number: $n" >&2; exit 2; }
done
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 600 ] || { echo "--duration must be 1-600" >&2; exit 2; }
[ "$CLIENTS" -ge 1 ] && [ "$CLIENTS" -le 64 ] || { echo "--clients must be 1-64" >&2; exit 2; }
FAMILIES=$(( (INSUREES * 10 + 16) / 33 ))

SERVER_PID=""
WORK=$(mktemp -d "${TMPDIR:-/tmp}/imis-fhir-memory.XXXXXX")
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

release_binary

DB="$WORK/memory.sqlite3"
echo "loading $FAMILIES synthetic families..."
LOG_LEVEL=warning "$BIN" demo-data --families "$FAMILIES" --seed 1 --database "$DB" | tail -n 1
MODE=DEV DEMO_DATASET=true LOG_LEVEL=warning RATELIMIT_RATE=off RATELIMIT_AUTHENTICATED_RATE=off ACCESS_TOKEN_TTL=6h \
    "$BIN" serve --database "$DB" --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_until_ready "$PORT" "$WORK/server.log"
BASE="http://127.0.0.1:$PORT"
TOKEN=$(admin_token "$BASE")

mkdir -p "$OUT_DIR"
STAMP=$(date +%Y-%m-%d)
OUT="$OUT_DIR/$STAMP-memory.md"
k=2
while [ -e "$OUT" ]; do OUT="$OUT_DIR/$STAMP-memory-$k.md"; k=$((k + 1)); done

echo "running $CLIENTS batch clients and $CLIENTS search clients for ${DURATION}s..."
python3 - "$BASE" "$TOKEN" "$SERVER_PID" "$CLIENTS" "$DURATION" "$INSUREES" "$OUT" "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" <<'PY'
import http.client, json, sys, threading, time, urllib.parse

base, token, pid, clients, duration, insurees, out, commit = sys.argv[1:]
pid, clients, duration = int(pid), int(clients), int(duration)
host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
headers = {"Authorization": "Bearer " + token, "Content-Type": "application/fhir+json"}

def rss_kib():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def request(method, path, body=None, timeout=300):
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, len(data)
    finally:
        connection.close()

def batch(entries):
    entry = {"request": {"method": "GET", "url": "Patient?_count=50"}}
    return json.dumps({"resourceType": "Bundle", "type": "batch", "entry": [entry] * entries}).encode()

# The entry limit, from the 413 of a Bundle past any sensible size.
status, _ = request("POST", "/fhir", batch(100_001))
probe_413 = status
limit = 1000
baseline = rss_kib()
samples, stop = [], threading.Event()

def sample():
    while not stop.is_set():
        samples.append(rss_kib())
        time.sleep(0.05)

results = {"batch": [], "search": []}
lock = threading.Lock()
deadline = time.time() + duration
body = batch(limit)

def client(kind):
    while time.time() < deadline:
        start = time.time()
        try:
            if kind == "batch":
                status, size = request("POST", "/fhir", body)
            else:
                status, size = request("GET", "/fhir/Patient?_count=1000&_revinclude=Group:member")
        except Exception as error:  # a refused or cut connection counts as a failure
            status, size = 0, 0
        with lock:
            results[kind].append((status, size, time.time() - start))

sampler = threading.Thread(target=sample)
sampler.start()
threads = [threading.Thread(target=client, args=(kind,)) for kind in ("batch", "search") for _ in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
stop.set(); sampler.join()
after = rss_kib()
peak = max(samples + [baseline])

def summary(kind):
    rows = results[kind]
    ok = sum(1 for s, _, _ in rows if 200 <= s < 300)
    durations = sorted(d for _, _, d in rows)
    p50 = durations[len(durations) // 2] if durations else 0
    p99 = durations[min(len(durations) - 1, int(len(durations) * 0.99))] if durations else 0
    size = max((b for _, b, _ in rows), default=0)
    return len(rows), len(rows) - ok, p50, p99, size

lines = [
    f"# Memory under large batches and searches — {time.strftime('%Y-%m-%d %H:%M')} (commit {commit})",
    "",
    f"{insurees} insurees (synthetic) on SQLite, release build, {clients} batch clients ({limit} × `GET Patient?_count=50` each) "
    f"and {clients} search clients (`Patient?_count=1000&_revinclude=Group:member`) at once for {duration} s; RSS sampled every 50 ms.",
    "",
    "| | value |", "|---|---|",
    f"| RSS before | {baseline / 1024:.0f} MB |",
    f"| RSS peak | {peak / 1024:.0f} MB |",
    f"| RSS after | {after / 1024:.0f} MB |",
    f"| a Bundle of 100,001 entries | {probe_413} (expected 413) |",
    "",
    "| requests | count | non-2xx | statuses | p50 s | p99 s | largest answer |", "|---|---|---|---|---|---|---|",
]
for kind in ("batch", "search"):
    n, bad, p50, p99, size = summary(kind)
    statuses = {}
    for status, _, _ in results[kind]:
        statuses[status] = statuses.get(status, 0) + 1
    shown = ", ".join(f"{s}: {c}" for s, c in sorted(statuses.items()))
    lines.append(f"| {kind} | {n} | {bad} | {shown} | {p50:.2f} | {p99:.2f} | {size / 1_048_576:.1f} MB |")
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text)
if probe_413 != 413 or any(summary(k)[1] for k in ("batch", "search")):
    sys.exit(1)
PY
echo "written: $OUT"
