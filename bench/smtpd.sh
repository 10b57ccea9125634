#!/bin/sh
# smtpd.sh -- SMTP reception to maildir delivery, timed with Postfix's
# smtp-source: this mail system, installed (tcpserver + qmail-smtpd +
# qmail-queue + qmail-send + local delivery), against Debian's Postfix
# (smtpd + cleanup + qmgr + local), in one run; and the resident memory
# of each per idle SMTP connection.
#
#   sh bench/smtpd.sh          (as root)
#
# Not part of `make check` or CI.  Ours runs as inject-maildir.sh runs
# it: `make install DESTDIR=...` seen at /var/qmail in a private mount
# namespace, with its own qmail users in a private /etc (bench/lib.sh).
# Postfix's main.cf and master.cf are put back byte for byte at the end.
# See bench/README.md.
#
# Environment knobs (defaults in brackets):
#   N [2000]          messages (smtp-source -m)
#   SESSIONS [10]     parallel SMTP sessions (smtp-source -s)
#   LENGTH [2048]     payload bytes per message (smtp-source -l)
#   SOURCE_OPTS []    more smtp-source options, e.g. -d (all messages of
#                     a session over one connection)
#   IDLE [40]         idle connections for the memory measurement
#   LIMIT [100]       our tcpserver -c (Postfix's default_process_limit)
#   TIMEOUT [300]     seconds to wait for all N deliveries, per system
#   SKIP_OURS=1, SKIP_POSTFIX=1
#   TMPDIR [/var/tmp] the work directory (and our install and queue)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-2000}
SESSIONS=${SESSIONS:-10}
LENGTH=${LENGTH:-2048}
SOURCE_OPTS=${SOURCE_OPTS:-}
IDLE=${IDLE:-40}
LIMIT=${LIMIT:-100}
TIMEOUT=${TIMEOUT:-300}
SKIP_OURS=${SKIP_OURS:-0}
SKIP_POSTFIX=${SKIP_POSTFIX:-0}
buser=benchuser
sender=sender@bench.example
rcpt=$buser@bench.example
source_cmd=/usr/sbin/smtp-source

. "$top/bench/lib.sh"

# The idle clients: IDLE connections, each greeted and past EHLO, held
# until the stop file appears (at most 300 s).
write_holder() {
  cat > "$work/hold.py" <<'EOF'
import os, socket, sys, time
port, n, ready, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]

def reply(f):
    while True:
        line = f.readline()
        if len(line) < 4 or line[3:4] != b"-":
            return line

conns = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    f = s.makefile("rb")
    reply(f)
    s.sendall(b"EHLO idle.bench.example\r\n")
    if not reply(f).startswith(b"250"):
        sys.exit("EHLO refused")
    conns.append((s, f))
with open(ready, "w") as r:
    r.write("%d\n" % len(conns))
end = time.time() + 300
while not os.path.exists(stop) and time.time() < end:
    time.sleep(0.1)
for s, f in conns:
    s.sendall(b"QUIT\r\n")
    reply(f)
    s.close()
EOF
}

# hold_idle PORT TAG: start the holder, wait (bounded) until its IDLE
# connections are open; sets hpid.
hold_idle() {
  rm -f "$work/ready-$2" "$work/stop-$2"
  python3 "$work/hold.py" "$1" "$IDLE" "$work/ready-$2" "$work/stop-$2" 2> "$work/hold-$2.log" &
  hpid=$!
  h_i=0
  until [ -s "$work/ready-$2" ]; do
    h_i=$((h_i + 1))
    if [ $h_i -gt 600 ] || ! kill -0 "$hpid" 2>/dev/null; then
      warn "$2: the idle clients did not connect"; cat "$work/hold-$2.log" >&2; return 1
    fi
    sleep 0.1
  done
  sleep 1     # let every server finish its reply and go idle
}

release_idle() {
  : > "$work/stop-$1"
  wait "$hpid" 2>/dev/null
  hpid=
}

# mem_sum PID...: "COUNT RSS PSS" summed over the PIDs, in KiB.
mem_sum() {
  m_n=0 m_r=0 m_p=0
  for m_pid in "$@"; do
    m_n=$((m_n + 1))
    m_r=$((m_r + $(rss_kib "$m_pid" | grep . || echo 0)))
    m_p=$((m_p + $(pss_kib "$m_pid" | grep . || echo 0)))
  done
  echo "$m_n $m_r $m_p"
}

per_conn() { awk -v t="$1" -v n="$IDLE" 'BEGIN { printf "%.0f", t / n }'; }

# run_source PORT: smtp-source, N messages to benchuser.
run_source() {
  # shellcheck disable=SC2086
  $source_cmd -s "$SESSIONS" -m "$N" -l "$LENGTH" $SOURCE_OPTS -f "$sender" -t "$rcpt" \
    "127.0.0.1:$1" > "$work/source-$2.log" 2>&1 ||
    { warn "$2: smtp-source failed:"; tail -5 "$work/source-$2.log" >&2; return 1; }
}

# ===================================================================
# Ours, inside a private mount namespace (the script runs itself again
# with BENCH_INSIDE=1); its numbers go to $work/ours.result.
# ===================================================================
if [ -n "${BENCH_INSIDE:-}" ]; then
  work=$BENCH_WORK
  qpid=; tpid=; hpid=
  trap 'stop_pid "$hpid"; stop_pid "$tpid"; wait "$tpid" 2>/dev/null
        stop_pid "$qpid"; wait "$qpid" 2>/dev/null' EXIT
  trap 'exit 130' INT TERM HUP PIPE

  bench_install_ours smtpd || exit 1
  echo bench.example > $Q/control/rcpthosts
  fresh_target maildir
  bench_boot maildir "$work/send.log" || exit 1
  $Q/bin/tcpserver -1 -v -R -H -c "$LIMIT" -u "$(id -u qmaild)" -g "$(id -g qmaild)" \
    127.0.0.1 0 $Q/bin/qmail-smtpd > "$work/ours.port" 2> "$work/smtpd.log" &
  tpid=$!
  t_i=0
  until grep -q '^[0-9]' "$work/ours.port" 2>/dev/null; do
    t_i=$((t_i + 1))
    [ $t_i -gt 100 ] && { warn "ours: tcpserver did not start"; cat "$work/smtpd.log" >&2; exit 1; }
    sleep 0.1
  done
  port=$(head -n 1 "$work/ours.port")
  echo "--- ours: tcpserver -c $LIMIT + qmail-smtpd on 127.0.0.1:$port (as qmaild), qmail-queue $qq, boot/maildir"

  # memory: IDLE connections after EHLO
  hold_idle "$port" ours || exit 1
  # shellcheck disable=SC2046
  set -- $(mem_sum $(children_named "$tpid" qmail-smtpd))
  echo "ours: $1 idle qmail-smtpd: RSS $2 KiB, PSS $3 KiB in all; tcpserver RSS $(rss_kib "$tpid") KiB"
  {
    echo "ours_idle_n='$1' ours_idle_rss='$(per_conn "$2")' ours_idle_pss='$(per_conn "$3")'"
    echo "ours_listener_rss='$(rss_kib "$tpid")'"
  } > "$work/ours.result"
  release_idle ours

  t0=$(now)
  run_source "$port" ours || exit 1
  t1=$(now)
  if ! wait_count "$new" "$N" "$TIMEOUT"; then
    warn "ours: only $(delivered "$new") of $N delivered after ${TIMEOUT}s; log tails:"
    tail -5 "$work/smtpd.log" "$work/send.log" >&2
    exit 1
  fi
  t2=$(now)
  echo "ours: smtp-source done in $(elapsed "$t0" "$t1") s, all $N in $where after $(elapsed "$t0" "$t2") s"
  sleep 1
  [ "$(count "$new")" = "$N" ] || warn "warning: ours: $(count "$new") messages in new/, not $N"
  acc=$(grep -c ': accept ' "$work/smtpd.log")
  [ "$acc" = "$N" ] || warn "warning: ours: qmail-smtpd logged $acc accepted messages, not $N"
  echo "ours_time='$(elapsed "$t0" "$t2")'" >> "$work/ours.result"
  exit 0
fi

# ===================================================================
# The outer run.
# ===================================================================
bench_preflight smtpd qmail-smtpd unshare setpriv findmnt python3
hpid=
cleanup() {
  stop_pid "$hpid"
  home=$(getent passwd "$buser" 2>/dev/null | cut -d: -f6)
  [ -n "$home" ] && rm -rf "$home/Maildir"
  old_targets_remove
}
bench_on_exit cleanup
postfix_prepare "$source_cmd"
id "$buser" > /dev/null 2>&1 || useradd -m "$buser" || { warn "useradd $buser failed"; exit 111; }
bhome=$(getent passwd "$buser" | cut -d: -f6)
[ -d "$bhome" ] || { mkdir -p "$bhome"; chown "$buser:" "$bhome"; }
if findmnt -n -o OPTIONS -T "$work" | grep -Eq '(^|,)nosuid(,|$)'; then
  warn "$work is on a nosuid mount: setuid qmail-queue would not take effect; set TMPDIR"
  exit 100
fi
write_holder

bench_header smtpd
if printf '%s' "$SOURCE_OPTS" | grep -q -- '-d'; then conns="one connection per session"
else conns="one connection per message"; fi
echo "workload: smtp-source -s $SESSIONS -m $N -l $LENGTH $SOURCE_OPTS ($conns) to $rcpt, delivered to ~$buser/Maildir"
echo "memory:   $IDLE idle connections, each past EHLO"
echo "disks:    our queue on $(fstype "$work"), Postfix's on $(fstype /var/spool/postfix), $buser's home on $(fstype "$bhome")"
echo

# ---------------------------------------------------------------- ours
ours_ok=0
if [ "$SKIP_OURS" != 1 ]; then
  unshare -m --propagation private env BENCH_INSIDE=1 BENCH_WORK="$work" N="$N" \
    SESSIONS="$SESSIONS" LENGTH="$LENGTH" SOURCE_OPTS="$SOURCE_OPTS" IDLE="$IDLE" \
    LIMIT="$LIMIT" TIMEOUT="$TIMEOUT" sh "$0" && ours_ok=1
  [ -f "$work/ours.result" ] && . "$work/ours.result"
fi

# ---------------------------------------------------------------- Postfix
# Its smtpd on a free loopback port (the smtp service on port 25 is
# commented out for the run: something else may hold that port).
run_postfix() {
  pport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  postfix_setup Maildir/ || return 1
  /usr/sbin/postconf -M# smtp/inet 2>/dev/null
  /usr/sbin/postconf -Me "127.0.0.1:$pport/inet = 127.0.0.1:$pport inet n - y - - smtpd" ||
    { warn "postfix: cannot add the smtpd service"; return 1; }
  fresh_target maildir
  postfix_start || return 1
  sleep 1
  mpid=$(tr -d ' ' < /var/spool/postfix/pid/master.pid 2>/dev/null)
  echo "--- postfix $(/usr/sbin/postconf -h mail_version): smtpd on 127.0.0.1:$pport (master.cf defaults), cleanup, qmgr, local"

  hold_idle "$pport" postfix || return 1
  # shellcheck disable=SC2046
  set -- $(mem_sum $(children_named "$mpid" smtpd))
  echo "postfix: $1 idle smtpd: RSS $2 KiB, PSS $3 KiB in all; master RSS $(rss_kib "$mpid") KiB"
  pf_idle_n=$1 pf_idle_rss=$(per_conn "$2") pf_idle_pss=$(per_conn "$3")
  pf_listener_rss=$(rss_kib "$mpid")
  release_idle postfix
  # a fresh start, so that the timed run gets no pool of smtpd
  # processes warmed up by the idle clients
  stop_postfix
  postfix_start || return 1
  sleep 1

  t0=$(now)
  run_source "$pport" postfix || return 1
  t1=$(now)
  if ! wait_count "$new" "$N" "$TIMEOUT"; then
    warn "postfix: only $(delivered "$new") of $N delivered after ${TIMEOUT}s; log tail:"
    tail -5 "$work/postfix.log" >&2 2>/dev/null
    return 1
  fi
  t2=$(now)
  echo "postfix: smtp-source done in $(elapsed "$t0" "$t1") s, all $N in $where after $(elapsed "$t0" "$t2") s"
  sleep 1
  [ "$(count "$new")" = "$N" ] || warn "warning: postfix: $(count "$new") messages in new/, not $N"
  pf_time=$(elapsed "$t0" "$t2")
  stop_postfix
}
pf_ok=0
if [ "$SKIP_POSTFIX" != 1 ]; then
  run_postfix && pf_ok=1
fi
stop_postfix
restore_postfix
postfix_report_restore

echo
echo "=== results"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (after the run)"
if [ "$ours_ok" = 1 ]; then
  echo "ours:     $(rate "$N" "$ours_time") messages/s ($ours_time s until all $N were in new/)"
fi
if [ "$pf_ok" = 1 ]; then
  echo "postfix:  $(rate "$N" "$pf_time") messages/s ($pf_time s until all $N were in new/)"
fi
if [ "$ours_ok" = 1 ] && [ "$pf_ok" = 1 ]; then
  echo "ratio:    $(awk -v a="$ours_time" -v b="$pf_time" 'BEGIN { printf "%.2f", b / a }')x ours/postfix (messages per second)"
fi
[ -n "${ours_idle_rss:-}" ] &&
  echo "memory per idle connection, ours:    RSS ${ours_idle_rss} KiB, PSS ${ours_idle_pss} KiB (qmail-smtpd, $ours_idle_n processes)"
[ -n "${pf_idle_rss:-}" ] &&
  echo "memory per idle connection, postfix: RSS ${pf_idle_rss} KiB, PSS ${pf_idle_pss} KiB (smtpd, $pf_idle_n processes)"
[ -n "${ours_listener_rss:-}" ] &&
  echo "listener with $IDLE connections:     ours (tcpserver) RSS ${ours_listener_rss} KiB; postfix (master) RSS ${pf_listener_rss:-n/a} KiB"
[ "$ours_ok" = 1 ] || [ "$SKIP_OURS" = 1 ] || exit 1
[ "$pf_ok" = 1 ] || [ "$SKIP_POSTFIX" = 1 ] || exit 1
exit 0
