#!/usr/bin/env bash
# Measures the real binary in a real terminal (tmux), against `frontdesk demo` with an
# inbox of N conversations (default 100,000), for the README's client figures:
#
#   first screen   from starting the client to its list on screen, cache warm,
#                  beside the harness floor (the same wait around `echo`); and a
#                  fresh `frontdesk demo` (seeding included) to its list
#   bytes / move   what the client writes to the terminal per `j`, wide (200x50)
#                  and list-only (100x40), read from tmux's pipe-pane
#   CPU / moves    the client's CPU time for 200 moves (from /proc)
#   RSS            the client's resident memory with the first page, after `G`, and
#                  after scrolling through the whole of All with PgDn
#   G              from the key to the All view's last row on screen (its last page
#                  asked for at once), and the RSS after it
#   event to screen  a message posted over HTTP until its text is on screen
#   search         a page of 50 for four common words over HTTP (curl), p50 and p99
#
# Usage: cargo build --release && benches/tmux/measure.sh [N]; ends with anchors.sh
# (neomutt and aerc over a Maildir of N messages, where installed).
# FRONTDESK_BIN=path measures another build (one kept from before a change, say).
# Needs tmux and curl. The seeded inbox is kept in $FRONTDESK_BENCH_DIR (default
# /tmp/frontdesk-tmux-bench) and reused by later runs. Figures, never a verdict.
set -euo pipefail
cd "$(dirname "$0")/../.."

N=${1:-100000}
BIN=${FRONTDESK_BIN:-$PWD/target/release/frontdesk}
WORK=${FRONTDESK_BENCH_DIR:-/tmp/frontdesk-tmux-bench}
MOVES=200
T=(tmux -L frontdesk-bench -f /dev/null)

[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
command -v tmux >/dev/null || { echo "tmux is needed" >&2; exit 1; }
mkdir -p "$WORK"

# now_ms, screen, wait_for, cpu_ticks, rss_mb, pane_pid, stop: the harness.
. benches/tmux/harness.sh

cleanup() {
    "${T[@]}" kill-server 2>/dev/null || true
    [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true
}
trap cleanup EXIT
# One session kept open for the whole run: tmux's server ends with its last
# session, and a session started while it is ending is lost ("server exited
# unexpectedly"), which looked like a client that never drew.
"${T[@]}" new-session -d -s keep "sleep 86400"

# The server, with N conversations (seeded on the first run only).
started=$(now_ms)
"$BIN" demo --headless --quiet --data "$WORK/data" --conversations "$N" >"$WORK/server.txt" 2>&1 &
SERVER=$!
until grep -q 'http://127' "$WORK/server.txt" 2>/dev/null; do
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.txt" >&2; exit 1; }
    sleep 0.1
done
echo "server ready after $(( $(now_ms) - started )) ms ($N conversations asked)"
URL=$(grep -o 'http://127[^ ]*' "$WORK/server.txt" | head -1)
KEY=$(grep -o 'fd_[A-Za-z0-9]*' "$WORK/server.txt" | head -1)

# Full-text search over HTTP, a page of 50 from the All view: 100 requests a word
# after 5 to warm, p50 and p99 (curl's total time, loopback). Paced between words
# to stay inside the demo's rate limit (50 a second, bursts of 200).
for q in the your order thanks; do
    for _ in 1 2 3 4 5; do curl -sf -o /dev/null -H "Authorization: Bearer $KEY" "$URL/v1/conversations?view=all&limit=50&q=$q"; done
    times=$(for _ in $(seq 100); do
        curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $KEY" "$URL/v1/conversations?view=all&limit=50&q=$q"
    done | sort -n)
    [ "$(echo "$times" | wc -l)" -eq 100 ] || { echo "search for '$q' failed" >&2; exit 1; }
    echo "search '$q': p50 $(echo "$times" | sed -n 50p | awk '{printf "%.1f", $1 * 1000}') ms, p99 $(echo "$times" | sed -n 99p | awk '{printf "%.1f", $1 * 1000}') ms"
    sleep 3
done

cat >"$WORK/config.toml" <<EOF
[[accounts]]
name = "bench"
provider = "native"
url = "$URL"
api_key_env = "FD_BENCH_KEY"
EOF
client() {
    echo "exec env FD_BENCH_KEY=$KEY XDG_STATE_HOME=$WORK/state XDG_CACHE_HOME=$WORK/cache TERM=xterm-256color LANG=C.UTF-8 $BIN --config $WORK/config.toml"
}
# A row of the list: the time column of the first row ends in m, h or d.
ROW='[0-9][mhd] *│'

# The harness floor: the same wait around a program that prints at once.
t0=$(now_ms)
"${T[@]}" new-session -d -s floor -x 200 -y 50 "echo '1m │'; sleep 5"
floor=$(wait_for floor "$ROW" "$t0")
stop floor

# The middle of a list of numbers.
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# First screen: once with no cache (it fills it), then seven times warm.
rm -rf "$WORK/cache"
t0=$(now_ms)
"${T[@]}" new-session -d -s warm -x 200 -y 50 "$(client)"
cold=$(wait_for warm "$ROW" "$t0")
sleep 2
stop warm
firsts=()
for _ in 1 2 3 4 5 6 7; do
    t0=$(now_ms)
    "${T[@]}" new-session -d -s first -x 200 -y 50 "$(client)"
    firsts+=("$(wait_for first "$ROW" "$t0")")
    sleep 1
    stop first
done
echo "first screen: cold cache ${cold} ms; warm ${firsts[*]} ms (median $(median "${firsts[@]}")); harness floor ${floor} ms"

# A fresh `frontdesk demo` (its own temporary data: migrate, seed, serve, then the
# client) to its list on screen, seven times.
fresh=()
for _ in 1 2 3 4 5 6 7; do
    t0=$(now_ms)
    "${T[@]}" new-session -d -s fresh -x 200 -y 50 \
        "exec env XDG_STATE_HOME=$WORK/fresh-state XDG_CACHE_HOME=$WORK/fresh-cache $BIN demo --quiet"
    fresh+=("$(wait_for fresh "$ROW" "$t0")")
    stop fresh
    rm -rf "$WORK/fresh-state" "$WORK/fresh-cache"
    sleep 0.5
done
echo "fresh demo, first screen: ${fresh[*]} ms (median $(median "${fresh[@]}"))"

# Bytes and CPU per move, in each layout.
moves wide 200 50 "$(client)" "$ROW"
moves narrow 100 40 "$(client)" "$ROW"

# `G` in the All view: the server's last page asked for at once (`from=end`), its
# last row lit. Done when that row's contact shows; the RSS after it.
last=$(curl -sf -H "Authorization: Bearer $KEY" "$URL/v1/conversations?view=all&limit=1&from=end" \
    | grep -o '"contact":{"id":"[^"]*","name":"[^"]*"' | head -1 | sed 's/.*"name":"//; s/"$//')
[ -n "$last" ] || { echo "the server gave no last page" >&2; exit 1; }
"${T[@]}" new-session -d -s all -x 200 -y 50 "$(client)"
wait_for all "$ROW" "$(now_ms)" >/dev/null
pid=$(pane_pid all)
"${T[@]}" send-keys -t all 4   # the All view
sleep 2
screen all | grep -qF -- "$last" && echo "note: '$last' is on screen before G too; the time below is a floor" >&2
t0=$(now_ms)
"${T[@]}" send-keys -t all G
g_ms=$(wait_for all "$last" "$t0")
sleep 1
echo "G to the end of All ($last lit): ${g_ms} ms; RSS $(rss_mb "$pid") MB"
stop all

# Scrolling through the whole of All with PgDn (the list lets go of rows far above
# the lit one): RSS at its last row, where holding every row took 130 MB. Done when
# the screen no longer changes over three rounds of keys.
"${T[@]}" new-session -d -s scroll -x 200 -y 50 "$(client)"
wait_for scroll "$ROW" "$(now_ms)" >/dev/null
pid=$(pane_pid scroll)
"${T[@]}" send-keys -t scroll 4
sleep 2
t0=$(now_ms)
seen="" same=0
while [ "$same" -lt 3 ]; do
    for _ in $(seq 100); do "${T[@]}" send-keys -t scroll -N 20 NPage; sleep 0.05; done
    now=$(screen scroll | md5sum)
    if [ "$now" = "$seen" ]; then same=$((same + 1)); else same=0; fi
    seen=$now
    [ $(( $(now_ms) - t0 )) -lt 600000 ] || { echo "scrolling through All did not end within 10 min" >&2; exit 1; }
done
screen scroll | grep -qF -- "$last" || { echo "scrolled to the end, but '$last' is not on screen" >&2; exit 1; }
echo "PgDn through all of All to its last row: RSS $(rss_mb "$pid") MB ($(( ($(now_ms) - t0) / 1000 )) s)"
stop scroll

# Event to screen: a customer message posted over HTTP (curl) until its text is on
# the client's screen (the live link: posted, committed, streamed, drawn), 30 times,
# a new conversation each, spaced; beside it, curl's own time for the POST, which
# returns once the message is committed, and the harness floor (above), which is
# in the figures too.
"${T[@]}" new-session -d -s events -x 200 -y 50 "$(client)"
wait_for events "$ROW" "$(now_ms)" >/dev/null
wait_for events "live" "$(now_ms)" >/dev/null
sleep 1
e2s=(); posts=()
run=$(date +%s)
for i in $(seq 30); do
    marker="ping-$run-$i"
    t0=$(now_ms)
    post=$(curl -sf -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
        -d "{\"channel\":\"sms\",\"contact\":{\"handle\":\"+1999$run$i\"},\"body\":\"$marker\"}" "$URL/v1/inbound") \
        || { echo "posting an inbound message failed" >&2; exit 1; }
    e2s+=("$(wait_for events "$marker" "$t0")")
    posts+=("$(echo "$post" | awk '{printf "%.0f", $1 * 1000}')")
    sleep 0.3
done
stop events
worst=$(printf '%s\n' "${e2s[@]}" | sort -n | tail -1)
echo "event to screen (the POST to its text on screen), 30 events: median $(median "${e2s[@]}") ms, worst ${worst} ms; the POST alone median $(median "${posts[@]}") ms; harness floor ${floor} ms"

# neomutt and aerc beside these figures, where installed, from the same run.
benches/tmux/anchors.sh "$N"
