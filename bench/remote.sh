#!/bin/sh
# remote.sh -- relay through the queue to a remote SMTP server: this
# mail system, installed (sendmail + qmail-queue + qmail-send +
# qmail-rspawn + qmail-remote, control/smtproutes), against Debian's
# Postfix (sendmail + pickup + cleanup + qmgr + smtp, relayhost), both
# sending to the same Postfix smtp-sink on a loopback port, in one run.
#
#   sh bench/remote.sh          (as root)
#
# Not part of `make check` or CI.  Ours runs as inject-maildir.sh runs
# it: `make install DESTDIR=...` seen at /var/qmail in a private mount
# namespace, with its own qmail users in a private /etc (bench/lib.sh).
# Postfix's main.cf and master.cf are put back byte for byte at the end.
# See bench/README.md.
#
# The sink counts: smtp-sink -c prints "sess=S quit=Q mesg=M" each time
# a session ends, a QUIT arrives or a message's final dot arrives (S
# counts every connection once it is closed, with or without QUIT);
# -D appends every transaction, with one X-Mail-Args line and one
# X-Rcpt-Args line per recipient, to a dump file.  One sink serves both
# systems; each system's numbers are the differences of the counters
# before and after it.
#
# Environment knobs (defaults in brackets):
#   N [2000]        messages per system
#   RCPTS [10]      recipients per message, all in one domain
#   SIZE [2048]     bytes per message, headers included
#   DOMAIN [remote.example]  the recipients' domain
#   TIMEOUT [300]   seconds to wait for all deliveries, per system
#   PREFILL=1       inject all N with the system stopped, then start it
#                   and time the draining of the queue alone
#   INJECT_AS [benchuser]  the user whose shell runs the injection loop
#   SKIP_OURS=1, SKIP_POSTFIX=1
#   TMPDIR [/var/tmp] the work directory (and our install and queue)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-2000}
RCPTS=${RCPTS:-10}
SIZE=${SIZE:-2048}
DOMAIN=${DOMAIN:-remote.example}
TIMEOUT=${TIMEOUT:-300}
PREFILL=${PREFILL:-0}
SKIP_OURS=${SKIP_OURS:-0}
SKIP_POSTFIX=${SKIP_POSTFIX:-0}
buser=benchuser
INJECT_AS=${INJECT_AS:-$buser}
sender=sender@bench.example

. "$top/bench/lib.sh"

# The recipients of every message: r1@DOMAIN ... rRCPTS@DOMAIN.
rcpts() {
  r_i=1
  while [ $r_i -le "$RCPTS" ]; do
    printf 'r%d@%s ' "$r_i" "$DOMAIN"; r_i=$((r_i + 1))
  done
}

# wait_sink MESSAGES RECIPIENTS QUEUE_EMPTY_COMMAND: 0 once the sink has
# counted MESSAGES messages and RECIPIENTS recipients in all and the
# command says the sending queue is empty; 1 after TIMEOUT seconds.
# Sets w_first to the time the sink's count first passed MESSAGES - N
# (this system's first message, to within one poll; meaningful only
# with PREFILL=1, when the wait starts together with the system).
wait_sink() {
  w_end=$(($(date +%s) + TIMEOUT))
  w_first=
  while :; do
    # the cheap counter first; the dump (megabytes) only once it is there
    # shellcheck disable=SC2046
    set -- "$1" "$2" "$3" $(sink_line)
    [ -z "$w_first" ] && [ "${5:-0}" -gt $(($1 - N)) ] && w_first=$(now)
    if [ "${5:-0}" -ge "$1" ]; then
      # shellcheck disable=SC2046
      set -- "$1" "$2" "$3" $(sink_counts)
      if [ "$6" -ge "$2" ] && $3; then return 0; fi
    fi
    [ "$(date +%s)" -ge "$w_end" ] && return 1
    sleep 0.05
  done
}

# inject PROGRAM: N times PROGRAM -f sender r1@DOMAIN ... < msg, one
# after the other, from one shell running as INJECT_AS.
inject() {
  set -- sh -c '
    i=0
    while [ $i -lt "$1" ]; do
      # the recipients: one word each
      # shellcheck disable=SC2086
      "$2" -f "$3" $4 < "$5" || { echo "bench: injection $((i + 1)) exited $?" >&2; exit 1; }
      i=$((i + 1))
    done' sh "$N" "$1" "$sender" "$(rcpts)" "$work/msg"
  if [ "$INJECT_AS" = root ]; then
    "$@"
  else
    setpriv --reuid="$(id -u "$INJECT_AS")" --regid="$(id -g "$INJECT_AS")" --init-groups \
      env - PATH=/usr/bin:/bin HOME="$(getent passwd "$INJECT_AS" | cut -d: -f6)" \
      USER="$INJECT_AS" LOGNAME="$INJECT_AS" "$@"
  fi
}

# ", S s after the sink's first message" with PREFILL=1 (w_first, t2).
since_first() {
  [ "$PREFILL" = 1 ] && printf ', %s s after the sink'"'"'s first message' "$(elapsed "$w_first" "$t2")"
}

ours_queue_empty() {
  [ -z "$(find "$Q/queue/mess" "$Q/queue/todo" -type f 2>/dev/null | head -n 1)" ]
}

pf_queue_empty() {
  [ -z "$(find /var/spool/postfix/maildrop /var/spool/postfix/incoming \
    /var/spool/postfix/active /var/spool/postfix/deferred -type f 2>/dev/null | head -n 1)" ]
}

# ===================================================================
# Ours, inside a private mount namespace (the script runs itself again
# with BENCH_INSIDE=1); its times go to $work/ours.result.  The sink's
# counts are read by the outer run once the daemons have stopped.
# ===================================================================
if [ -n "${BENCH_INSIDE:-}" ]; then
  work=$BENCH_WORK
  qpid=
  trap 'stop_pid "$qpid"; wait "$qpid" 2>/dev/null' EXIT
  trap 'exit 130' INT TERM HUP PIPE

  bench_install_ours remote || exit 1
  echo ":[127.0.0.1]:$SINK_PORT" > "$Q/control/smtproutes"
  echo "--- ours: $Q/boot/maildir, control/smtproutes ':[127.0.0.1]:$SINK_PORT', concurrencyremote default, injector $Q/bin/sendmail as $INJECT_AS, qmail-queue $qq"
  if [ "$PREFILL" = 1 ]; then
    # the queue filled while qmail-send is not running; the clock
    # starts with boot/maildir
    i0=$(now)
    inject "$Q/bin/sendmail" || exit 1
    t1=$(now)
    t0=$t1
    echo "ours: injected $N in $(elapsed "$i0" "$t1") s with qmail-send stopped; starting it"
    # not bench_boot, which waits for the first status line: the sink
    # is watched from the start
    $Q/boot/maildir > "$work/send.log" 2>&1 &
    qpid=$!
  else
    bench_boot maildir "$work/send.log" || exit 1
    t0=$(now)
    inject "$Q/bin/sendmail" || exit 1
    t1=$(now)
  fi
  if ! wait_sink "$SINK_WANT_MESG" "$SINK_WANT_RCPT" ours_queue_empty; then
    warn "ours: the sink has $(sink_counts) (sessions messages recipients) after ${TIMEOUT}s, wanted $SINK_WANT_MESG messages and $SINK_WANT_RCPT recipients in all; log tail:"
    tail -5 "$work/send.log" >&2
    exit 1
  fi
  t2=$(now)
  [ "$PREFILL" = 1 ] && i1=$(elapsed "$i0" "$t1") || i1=$(elapsed "$t0" "$t1")
  echo "ours: injected $N in $i1 s; all at the sink and the queue empty $(elapsed "$t0" "$t2") s after the clock started$(since_first)"
  {
    echo "ours_time='$(elapsed "$t0" "$t2")' ours_inject='$i1' ours_drain='$(elapsed "$w_first" "$t2")'"
  } > "$work/ours.result"
  exit 0
fi

# ===================================================================
# The outer run.
# ===================================================================
bench_preflight remote qmail-remote unshare setpriv findmnt python3
spid=
cleanup() { stop_pid "$spid"; }
bench_on_exit cleanup
postfix_prepare "$sink_cmd"
id "$buser" > /dev/null 2>&1 || useradd -m "$buser" || { warn "useradd $buser failed"; exit 111; }
[ "$INJECT_AS" = root ] || id "$INJECT_AS" > /dev/null 2>&1 ||
  { warn "INJECT_AS: no such user: $INJECT_AS"; exit 100; }
id nobody > /dev/null 2>&1 || { warn "needs the user nobody (for smtp-sink -u)"; exit 100; }
if findmnt -n -o OPTIONS -T "$work" | grep -Eq '(^|,)nosuid(,|$)'; then
  warn "$work is on a nosuid mount: setuid qmail-queue would not take effect; set TMPDIR"
  exit 100
fi

bench_message "Bench Recipients <r1@$DOMAIN>"

# ---------------------------------------------------------------- the sink
sink_start || { stop_pid "$sink_pid"; exit 111; }
sport=$sink_port spid=$sink_pid

bench_header remote
echo "workload: $N messages of $(wc -c < "$work/msg") bytes, each to $RCPTS recipients at $DOMAIN ($((N * RCPTS)) recipients), injected one at a time by $INJECT_AS with each system's sendmail"
if [ "$PREFILL" = 1 ]; then
  echo "clock:    PREFILL=1: all $N injected with the system stopped; from its start until all are at the sink and its queue is empty"
else
  echo "clock:    from the first injection, the system running, until all are at the sink and its queue is empty"
fi
echo "sink:     $sink_cmd -u nobody -c -D DUMP 127.0.0.1:$sport 256 (one for both systems)"
echo "disks:    our queue on $(fstype "$work"), Postfix's on $(fstype /var/spool/postfix), the sink's dump on $(fstype "$work/sink")"
echo

# ---------------------------------------------------------------- ours
ours_ok=0 ours_time='' ours_inject='' ours_drain='' ours_conn='' ours_mesg=''
if [ "$SKIP_OURS" != 1 ]; then
  before=$(sink_counts)
  # shellcheck disable=SC2086
  set -- $before
  unshare -m --propagation private env BENCH_INSIDE=1 BENCH_WORK="$work" N="$N" \
    RCPTS="$RCPTS" DOMAIN="$DOMAIN" TIMEOUT="$TIMEOUT" INJECT_AS="$INJECT_AS" PREFILL="$PREFILL" \
    SINK_PORT="$sport" SINK_WANT_MESG=$(($2 + N)) SINK_WANT_RCPT=$(($3 + N * RCPTS)) \
    sh "$0" && ours_ok=1
  [ -f "$work/ours.result" ] && . "$work/ours.result"
  # the daemons have stopped: every connection they opened is closed
  if [ "$ours_ok" = 1 ]; then
    sink_report ours "$before" "$(sink_settled)" "$N" "$((N * RCPTS))"
    ours_conn=$d_conn ours_mesg=$d_mesg
  fi
fi

# ---------------------------------------------------------------- Postfix
run_postfix() {
  [ -x /usr/sbin/postfix ] || { warn "postfix: not installed"; return 1; }
  postfix_setup Maildir/ || return 1
  /usr/sbin/postconf -e "relayhost = [127.0.0.1]:$sport" ||
    { warn "postfix: cannot set relayhost"; return 1; }
  echo "--- postfix $(/usr/sbin/postconf -h mail_version): relayhost [127.0.0.1]:$sport (main.cf.debian otherwise), injector /usr/sbin/sendmail as $INJECT_AS"
  if [ "$PREFILL" != 1 ]; then
    postfix_start || return 1
    sleep 1
  fi
  before=$(sink_counts)
  # shellcheck disable=SC2086
  set -- $before
  want_m=$(($2 + N)) want_r=$(($3 + N * RCPTS))

  i0=$(now)
  inject /usr/sbin/sendmail || return 1
  t1=$(now)
  pf_inject=$(elapsed "$i0" "$t1")
  if [ "$PREFILL" = 1 ]; then
    # the queue (maildrop) filled while Postfix was stopped; the clock
    # starts with `postfix start`
    echo "postfix: injected $N in $pf_inject s with Postfix stopped; starting it"
    # not postfix_start, which waits for `postfix start` and then for
    # `postfix status`: the sink is watched from the start
    pf_started=1
    t0=$(now)
    /usr/sbin/postfix start > "$work/postfix-start.log" 2>&1 &
  else
    t0=$i0
  fi
  if ! wait_sink "$want_m" "$want_r" pf_queue_empty; then
    warn "postfix: the sink has $(sink_counts) (sessions messages recipients) after ${TIMEOUT}s, wanted $want_m messages and $want_r recipients in all; log tail:"
    tail -5 "$work/postfix.log" >&2 2>/dev/null
    return 1
  fi
  t2=$(now)
  echo "postfix: injected $N in $pf_inject s; all at the sink and the queue empty $(elapsed "$t0" "$t2") s after the clock started$(since_first)"
  pf_time=$(elapsed "$t0" "$t2") pf_drain=$(elapsed "$w_first" "$t2")
  # stopped: its cached connections are closed
  stop_postfix
  sink_report postfix "$before" "$(sink_settled)" "$N" "$((N * RCPTS))"
  pf_conn=$d_conn pf_mesg=$d_mesg
}
pf_ok=0
if [ "$SKIP_POSTFIX" != 1 ]; then
  run_postfix && pf_ok=1
fi
stop_postfix
restore_postfix
postfix_report_restore
stop_pid "$spid"; wait "$spid" 2>/dev/null; spid=

echo
echo "=== results"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (after the run)"
# line WHO TIME INJECTION DRAIN CONNECTIONS MESSAGES
line() {
  echo "$1 $(rate "$N" "$2") messages/s, $(rate "$((N * RCPTS))" "$2") recipients/s ($2 s; injection $3 s); $5 SMTP connections for $6 messages"
  [ "$PREFILL" = 1 ] && echo "          from the sink's first message: $(rate "$N" "$4") messages/s, $(rate "$((N * RCPTS))" "$4") recipients/s ($4 s)"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; }
[ "$ours_ok" = 1 ] && line "ours:    " "$ours_time" "$ours_inject" "$ours_drain" "$ours_conn" "$ours_mesg"
[ "$pf_ok" = 1 ] && line "postfix: " "$pf_time" "$pf_inject" "$pf_drain" "$pf_conn" "$pf_mesg"
if [ "$ours_ok" = 1 ] && [ "$pf_ok" = 1 ]; then
  echo "ratio:    $(ratio "$ours_time" "$pf_time")x ours/postfix (messages per second; target: >= 1.2x)"
  [ "$PREFILL" = 1 ] && echo "          from the sink's first message: $(ratio "$ours_drain" "$pf_drain")x"
fi
[ "$ours_ok" = 1 ] || [ "$SKIP_OURS" = 1 ] || exit 1
[ "$pf_ok" = 1 ] || [ "$SKIP_POSTFIX" = 1 ] || exit 1
exit 0
