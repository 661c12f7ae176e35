#!/usr/bin/env bash
# The anchors beside frontdesk's figures: neomutt and aerc, each where installed,
# over a Maildir of N messages (default 100,000, like measure.sh's inbox), in the
# same tmux harness and the same terminal sizes:
#
#   first screen   from starting the program to its first index row on screen:
#                  once with nothing cached, then seven times warm (neomutt with
#                  its header cache; aerc keeps none)
#   bytes / move   what it writes to the terminal per `j`, 200x50 and 100x40
#   CPU / moves    its CPU time for 200 moves; RSS after them
#
# Usage: benches/tmux/anchors.sh [N] (measure.sh runs it after its own figures).
# A program that is not installed is said and skipped: the anchors are context,
# not a verdict. The Maildir is kept in $FRONTDESK_BENCH_DIR/maildir and reused.
set -euo pipefail
cd "$(dirname "$0")/../.."

N=${1:-100000}
WORK=${FRONTDESK_BENCH_DIR:-/tmp/frontdesk-tmux-bench}
MOVES=200
T=(tmux -L frontdesk-anchors -f /dev/null)
ANCHORS=$WORK/anchors
MAIL=$WORK/maildir
# Every subject carries it, and no progress line does: the first index row.
ROW='fdbench'

command -v tmux >/dev/null || { echo "tmux is needed" >&2; exit 1; }
# now_ms, screen, wait_for, cpu_ticks, rss_mb, pane_pid, stop, moves: the harness.
. benches/tmux/harness.sh

mkdir -p "$ANCHORS"
cleanup() { "${T[@]}" kill-server 2>/dev/null || true; }
trap cleanup EXIT
"${T[@]}" new-session -d -s keep "sleep 86400"

# The Maildir: N messages over the last year, newest last, from a few hundred
# customers, with the words an inbox has. Made once (some 20 s at 100,000).
if [ "$(find "$MAIL/INBOX/cur" -type f 2>/dev/null | wc -l)" -ne "$N" ]; then
    rm -rf "$MAIL"
    mkdir -p "$MAIL/INBOX/cur" "$MAIL/INBOX/new" "$MAIL/INBOX/tmp"
    started=$(now_ms)
    awk -v n="$N" -v dir="$MAIL/INBOX/cur" -v now="$(date +%s)" 'BEGIN {
        split("Ada Lovelace,Grace Hopper,Alan Turing,Edsger Dijkstra,Barbara Liskov,Ken Thompson,Margaret Hamilton,Donald Knuth", who, ",")
        split("Where is my order,Refund for order,Cannot log in,Invoice question,Change my plan,Delivery is late,Wrong size sent,Cancel my subscription", about, ",")
        for (i = 1; i <= n; i++) {
            t = now - (n - i) * int(31536000 / n)
            name = who[i % 8 + 1]; split(name, part, " ")
            file = sprintf("%s/%d.%06d.fdbench:2,S", dir, t, i)
            printf "From: %s <%s.%d@example.test>\n", name, tolower(part[1]), i % 500 > file
            printf "To: support@example.test\n" > file
            printf "Subject: %s #%d [fdbench]\n", about[i % 8 + 1], 100000 + i > file
            printf "Date: %s\n", strftime("%a, %d %b %Y %H:%M:%S +0000", t, 1) > file
            printf "Message-ID: <fdbench.%d@example.test>\n\n", i > file
            printf "Hello, this is about order #%d. Thanks for your help with the delivery.\n", 100000 + i > file
            close(file)
        }
    }'
    echo "Maildir of $N messages made in $(( $(now_ms) - started )) ms"
fi

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# First screen: cold (CLEAR removes what the program caches), then seven warm.
first_screens() {
    local name=$1 command=$2 clear=$3 cold firsts=()
    rm -rf "$clear"
    local t0
    t0=$(now_ms)
    "${T[@]}" new-session -d -s "$name" -x 200 -y 50 "$command"
    cold=$(wait_for "$name" "$ROW" "$t0")
    sleep 2
    stop "$name"
    for _ in 1 2 3 4 5 6 7; do
        t0=$(now_ms)
        "${T[@]}" new-session -d -s "$name" -x 200 -y 50 "$command"
        firsts+=("$(wait_for "$name" "$ROW" "$t0")")
        sleep 1
        stop "$name"
    done
    echo "$name first screen: nothing cached ${cold} ms; warm ${firsts[*]} ms (median $(median "${firsts[@]}"))"
}

# One program's figures: NAME VERSION COMMAND CACHE (what "nothing cached" removes).
anchor() {
    local name=$1 version=$2 command=$3 cache=$4
    echo "$version, $N messages:"
    first_screens "$name" "$command" "$cache"
    moves "$name-wide" 200 50 "$command" "$ROW"
    moves "$name-narrow" 100 40 "$command" "$ROW"
}

if command -v neomutt >/dev/null; then
    cat >"$ANCHORS/neomuttrc" <<EOF
set mbox_type = Maildir
set folder = "$MAIL"
set spoolfile = "$MAIL/INBOX"
set header_cache = "$ANCHORS/neomutt-hcache"
set sort = reverse-date
set mail_check = 3600
set sleep_time = 0
EOF
    anchor neomutt "$(neomutt -v | head -1)" \
        "exec env TERM=xterm-256color LANG=C.UTF-8 neomutt -n -F $ANCHORS/neomuttrc" "$ANCHORS/neomutt-hcache"
else
    echo "neomutt is not installed: no neomutt figures"
fi

if command -v aerc >/dev/null; then
    mkdir -p "$ANCHORS/aerc/aerc"
    cat >"$ANCHORS/aerc/aerc/accounts.conf" <<EOF
[bench]
source = maildir://$MAIL
default = INBOX
from = Bench <bench@example.test>
EOF
    chmod 600 "$ANCHORS/aerc/aerc/accounts.conf"
    anchor aerc "$(aerc -v 2>&1 | head -1)" \
        "exec env TERM=xterm-256color LANG=C.UTF-8 XDG_CONFIG_HOME=$ANCHORS/aerc XDG_CACHE_HOME=$ANCHORS/aerc-cache aerc" \
        "$ANCHORS/aerc-cache"
else
    echo "aerc is not installed: no aerc figures"
fi
