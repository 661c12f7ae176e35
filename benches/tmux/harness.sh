# The tmux harness shared by measure.sh and anchors.sh (sourced; expects T, the
# tmux command with its own socket, as an array).

now_ms() { date +%s%3N; }
screen() { "${T[@]}" capture-pane -p -t "$1" 2>/dev/null || true; }
# Waits until the pane shows $2 (a grep pattern); prints the ms it took from $3.
wait_for() {
    local session=$1 pattern=$2 since=$3 deadline=$(( $(now_ms) + 120000 ))
    until screen "$session" | grep -q -- "$pattern"; do
        [ "$(now_ms)" -lt "$deadline" ] || { echo "never saw '$pattern' in $session" >&2; screen "$session" >&2; exit 1; }
        sleep 0.005
    done
    echo $(( $(now_ms) - since ))
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
pane_pid() { "${T[@]}" list-panes -t "$1" -F '#{pane_pid}'; }
# Ends a session and waits for its program to be gone: a client still closing
# holds its account's lock, and the next one would refuse to start.
stop() {
    local pid deadline=$(( $(now_ms) + 10000 ))
    pid=$(pane_pid "$1" 2>/dev/null || true)
    "${T[@]}" kill-session -t "$1"
    while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do
        [ "$(now_ms)" -lt "$deadline" ] || { echo "$1 did not end within 10 s of its hangup" >&2; exit 1; }
        sleep 0.01
    done
}

# Bytes and CPU per move: starts COMMAND in a WIDTHxHEIGHT session, waits for
# PATTERN, then sends `j` MOVES times, 20 ms apart, reading what the program writes
# to its terminal through pipe-pane (needs WORK and MOVES).
moves() {
    local name=$1 width=$2 height=$3 command=$4 pattern=$5
    "${T[@]}" new-session -d -s "$name" -x "$width" -y "$height" "$command"
    wait_for "$name" "$pattern" "$(now_ms)" >/dev/null
    sleep 2
    local pid log=$WORK/$name.bytes
    pid=$(pane_pid "$name")
    : >"$log"
    "${T[@]}" pipe-pane -o -t "$name" "cat >>$log"
    local before_cpu before_bytes
    before_cpu=$(cpu_ticks "$pid")
    for _ in $(seq "$MOVES"); do
        "${T[@]}" send-keys -t "$name" j
        sleep 0.02
    done
    sleep 1
    "${T[@]}" pipe-pane -t "$name"
    local bytes cpu_ms
    bytes=$(stat -c %s "$log")
    cpu_ms=$(( ($(cpu_ticks "$pid") - before_cpu) * 1000 / $(getconf CLK_TCK) ))
    echo "$name ${width}x${height}: $(( bytes / MOVES )) bytes per move; ${cpu_ms} ms CPU for $MOVES moves; RSS $(rss_mb "$pid") MB"
    stop "$name"
}
