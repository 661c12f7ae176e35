#!/usr/bin/env bash
# Ingestion over HTTP into the real binary (`frontdesk demo --headless`), for the
# README's ingestion figures: the engines bench's load generator, in a process of its
# own, sends customer messages from SENDERS connections for 10 s to a server on a
# fresh copy of one seeded database. Per run: msg/s, p50 / p99 per message, the
# server's CPU time per message (from /proc) and its RSS after the run.
#
#   cargo build --release && cargo bench --bench engines --no-run
#   benches/ingest.sh [RUNS]                             this build, RUNS runs (3)
#   FRONTDESK_BIN_B=path benches/ingest.sh [RUNS]        alternated with another build
#                                                        (one kept from before a change)
#
# N (100,000 conversations) and SENDERS (32) from the environment. The seeded
# database is kept in $FRONTDESK_BENCH_DIR (default /tmp/frontdesk-ingest-bench) and
# reused. It is seeded once, then served until the common words' keeper has read every
# conversation (a copy taken sooner has it reading them during the runs: some 30%
# fewer messages a second here, and p99 four to five times as long). Figures, never a verdict: on a
# shared 2-core machine only alternated runs compare.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-3}
N=${N:-100000}
SENDERS=${SENDERS:-32}
SECS=10
A=$PWD/target/release/frontdesk
B=${FRONTDESK_BIN_B:-}
WORK=${FRONTDESK_BENCH_DIR:-/tmp/frontdesk-ingest-bench}
# As long as the engines bench gives the keeper (`KEEPER_SETTLES`).
KEEPER_SECS=60

[ -x "$A" ] || { echo "build first: cargo build --release" >&2; exit 1; }
[ -z "$B" ] || [ -x "$B" ] || { echo "FRONTDESK_BIN_B=$B is not an executable" >&2; exit 1; }
LOADGEN=$(find target/release/deps -maxdepth 1 -type f -executable -name 'engines-*' -printf '%T@ %p\n' 2>/dev/null \
    | sort -n | tail -1 | cut -d' ' -f2)
[ -n "$LOADGEN" ] || { echo "build the load generator first: cargo bench --bench engines --no-run" >&2; exit 1; }
mkdir -p "$WORK"
TCK=$(getconf CLK_TCK)

SERVER=""
cleanup() { [ -n "$SERVER" ] && kill -INT "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true; }
trap cleanup EXIT

# Starts BIN on DIR (output to DIR.out); sets SERVER, URL and KEY (Ana's).
start() {
    local bin=$1 dir=$2 deadline=$(( $(date +%s) + 600 ))
    shift 2
    "$bin" demo --headless --quiet --rate-limit 0 --data "$dir" "$@" >"$dir.out" 2>&1 &
    SERVER=$!
    until grep -q 'http://127' "$dir.out" 2>/dev/null; do
        kill -0 "$SERVER" 2>/dev/null || { cat "$dir.out" >&2; exit 1; }
        [ "$(date +%s)" -lt "$deadline" ] || { echo "$bin was not serving within 10 minutes" >&2; exit 1; }
        sleep 0.1
    done
    URL=$(grep -o 'http://127[^ ]*' "$dir.out" | head -1)
    KEY=$(grep 'Ana' "$dir.out" | grep -o 'fd_[A-Za-z0-9_]*' | head -1)
    [ -n "$KEY" ] || { echo "no agent key in $dir.out" >&2; exit 1; }
}
stop() { kill -INT "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""; }

if [ ! -e "$WORK/seed/demo.db" ]; then
    rm -rf "$WORK/seed"
    mkdir -p "$WORK/seed"
    began=$(date +%s)
    start "$A" "$WORK/seed" --conversations "$N"
    echo "seeded $N conversations and serving after $(( $(date +%s) - began )) s; letting the keeper read them (${KEEPER_SECS} s)"
    sleep "$KEEPER_SECS"
    stop
fi

run() {
    local label=$1 bin=$2 before after out rate
    rm -rf "$WORK/run"
    cp -r "$WORK/seed" "$WORK/run"
    rm -f "$WORK/run/demo.db.lock"
    start "$bin" "$WORK/run"
    # Past the keeper's first look (5 s after the start): nothing for it to read.
    sleep 8
    before=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
    out=$(FRONTDESK_LOADGEN="$URL|$KEY|$SENDERS|$SECS" "$LOADGEN" 2>&1) \
        || { echo "the load generator failed: $out" >&2; exit 1; }
    after=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
    rate=$(echo "$out" | grep -o '^[0-9]* msg/s' | head -1 | cut -d' ' -f1)
    [ -n "$rate" ] && [ "$rate" -gt 0 ] || { echo "no rate in: $out" >&2; exit 1; }
    printf '%s: %s; server CPU %d us a message; RSS %d MB\n' "$label" "$(echo "$out" | head -1)" \
        $(( (after - before) * 1000000 / TCK / (rate * SECS) )) \
        "$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER/status")"
    stop
}

echo "ingestion over HTTP, $SENDERS senders for ${SECS} s, $N conversations; load generator $LOADGEN"
echo "A: $A"
[ -z "$B" ] || echo "B: $B"
for _ in $(seq "$RUNS"); do
    run A "$A"
    [ -z "$B" ] || run B "$B"
done
