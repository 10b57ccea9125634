#!/bin/sh
# tcpserver.sh -- connections per second through our tcpserver against
# ucspi-tcp's, with the same rules database and the same trivial
# program, in one run; and the resident memory of each idle listener.
#
#   sh bench/tcpserver.sh
#
# Not part of `make check` or CI.  Needs python3 (the clients) and
# ucspi-tcp's tcpserver (Debian: apt-get install ucspi-tcp); loopback
# only, every wait bounded, servers stopped by PID.  See bench/README.md.
#
# Environment knobs (defaults in brackets):
#   N [2000]        connections per measurement
#   CONC [8]        clients at once
#   ROUNDS [3]      measurements per server, alternating which goes first
#   LIMIT [40]      tcpserver -c
#   QBIN [build/bin] where our programs are
#   THEIRS [the tcpserver in $PATH that is not ours]
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${QBIN:-$top/build/bin}
N=${N:-2000}
CONC=${CONC:-8}
ROUNDS=${ROUNDS:-3}
LIMIT=${LIMIT:-40}

say() { echo "bench: $*"; }
die() { echo "bench: fatal: $*" >&2; exit 111; }

[ -x "$bin/tcpserver" ] || (cd "$top" && make) > /dev/null || die "make failed"
if [ -z "${THEIRS:-}" ]; then
  for dir in $(echo "$PATH" | tr ':' ' '); do
    [ "$dir" = "$bin" ] && continue
    [ -x "$dir/tcpserver" ] && { THEIRS=$dir/tcpserver; break; }
  done
fi
[ -n "${THEIRS:-}" ] || die "ucspi-tcp's tcpserver is not installed (apt-get install ucspi-tcp)"
command -v python3 > /dev/null 2>&1 || die "python3 is not installed"
PY=$(python3 -c 'import sys; print(sys.executable)')

dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-tcpserver.XXXXXX") || die "mktemp failed"
pids=
trap 'for p in $pids; do kill -TERM "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT

# The program: a static binary that writes one line, so the listener's
# own work is a large part of each connection.
cat > "$dir/ok.c" <<'EOF'
#include <unistd.h>
int main(void) { return write(1, "ok\n", 3) == 3 ? 0 : 1; }
EOF
prog=/bin/true
for cc in musl-gcc cc gcc; do
  if command -v "$cc" > /dev/null 2>&1 &&
     "$cc" -Os -static -s -o "$dir/ok" "$dir/ok.c" 2> /dev/null; then
    prog=$dir/ok; break
  fi
done

# A rules database with a few rules, one of which matches 127.0.0.1
cat > "$dir/rules.txt" <<'EOF'
192.0.2.:deny
10.0.0.0-255:allow,RELAYCLIENT=""
127.0.0.1:allow,RELAYCLIENT="",BENCH="1"
:deny
EOF
"$bin/tcprules" "$dir/rules.cdb" "$dir/rules.tmp" < "$dir/rules.txt" || die "tcprules failed"

cat > "$dir/load.py" <<'EOF'
import socket, sys, threading, time
port, total, conc = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
lock = threading.Lock()
left = [total]
bad = [0]
def worker():
    while True:
        with lock:
            if left[0] == 0:
                return
            left[0] -= 1
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            s.close()
            if data != b"ok\n" and data != b"":
                bad[0] += 1
        except OSError:
            bad[0] += 1
start = time.monotonic()
threads = [threading.Thread(target=worker) for _ in range(conc)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.monotonic() - start
print("%.1f %d" % (total / elapsed, bad[0]))
EOF

# start NAME BINARY: a listener on a free port; sets $port and $pid
start() {
  "$2" -1 -HR -l bench -c "$LIMIT" -x "$dir/rules.cdb" 127.0.0.1 0 "$prog" \
    > "$dir/$1.port" 2> "$dir/$1.log" &
  pid=$!
  pids="$pids $pid"
  i=0
  while ! grep -q '^[0-9]' "$dir/$1.port" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
  done
  port=$(head -n 1 "$dir/$1.port")
  [ -n "$port" ] || die "$1 did not start: $(cat "$dir/$1.log")"
}

stop() {
  kill -TERM "$1" 2>/dev/null
  i=0
  while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  wait "$1" 2>/dev/null
}

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

measure() {
  start "$1" "$2"
  sleep 0.5
  idle=$(rss "$pid")
  result=$("$PY" "$dir/load.py" "$port" "$N" "$CONC")
  stop "$pid"
  echo "$result $idle"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

say "date: $(date -u '+%Y-%m-%d %H:%M UTC'), nproc: $(nproc 2>/dev/null), load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
say "ours: $bin/tcpserver; theirs: $THEIRS; program: $prog"
say "N=$N connections per measurement, CONC=$CONC clients at once, ROUNDS=$ROUNDS, -c $LIMIT"
: > "$dir/ours.rates"; : > "$dir/theirs.rates"
r=1
while [ $r -le "$ROUNDS" ]; do
  if [ $((r % 2)) = 1 ]; then order="ours theirs"; else order="theirs ours"; fi
  for who in $order; do
    if [ "$who" = ours ]; then b=$bin/tcpserver; else b=$THEIRS; fi
    set -- $(measure "$who" "$b")
    say "round $r $who: $1 connections/s, $2 failed, idle listener ${3:-?} KiB"
    echo "$1" >> "$dir/$who.rates"
    echo "${3:-0}" > "$dir/$who.rss"
  done
  r=$((r + 1))
done
ours=$(median < "$dir/ours.rates")
theirs=$(median < "$dir/theirs.rates")
say "--- results"
say "ours:   $ours connections/s (median), idle listener $(cat "$dir/ours.rss") KiB"
say "theirs: $theirs connections/s (median), idle listener $(cat "$dir/theirs.rss") KiB"
say "ratio ours/theirs: $(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }') (target: at least 1.00)"
say "load after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
