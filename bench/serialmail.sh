#!/bin/sh
# serialmail.sh -- flushing a dial-up spool to a smarthost: this mail
# system's maildirsmtp sending a spool maildir of N messages, against
# Debian's Postfix sending the same N messages held deferred in its
# queue after `postqueue -f` (the closest equivalent: mail kept while
# the link was down, sent when it comes up), both to the same smtp-sink
# on a loopback port, in one run.
#
#   sh bench/serialmail.sh        (as root)
#
# Not part of `make check` or CI.  Ours needs no installation: the
# spool is a maildir of the work directory, filled as qmail-local fills
# it (Return-Path and Delivered-To lines on top), owned by nobody, and
# build/bin/maildirsmtp runs as nobody.  Postfix's main.cf and master.cf
# are put back byte for byte at the end.  See bench/README.md.
#
# The clocks: ours from the start of maildirsmtp until it has exited
# (all sent, spool empty); Postfix's from `postqueue -f` until the sink
# has counted all N and Postfix's queue is empty.
#
# Environment knobs (defaults in brackets):
#   N [1000]          messages
#   SIZE [2048]       bytes per message, headers included
#   TIMEOUT [300]     seconds to wait for each system
#   SKIP_OURS=1, SKIP_POSTFIX=1
#   TMPDIR [/var/tmp] the work directory
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000}
SIZE=${SIZE:-2048}
TIMEOUT=${TIMEOUT:-300}
SKIP_OURS=${SKIP_OURS:-0}
SKIP_POSTFIX=${SKIP_POSTFIX:-0}
buser=benchuser
sender=sender@bench.example
prefix=alias-outgoing-
domain=remote.example

. "$top/bench/lib.sh"

bench_preflight serialmail maildirsmtp python3 setpriv
spid=
cleanup() { stop_pid "$spid"; }
bench_on_exit cleanup
postfix_prepare "$sink_cmd"
id nobody > /dev/null 2>&1 || { warn "needs the user nobody"; exit 100; }

bench_message "Somebody <r@$domain>"

sink_start || { stop_pid "$sink_pid"; exit 111; }
spid=$sink_pid

bench_header serialmail
echo "workload: $N messages of $(wc -c < "$work/msg") bytes, one recipient each (r1 ... r$N at $domain)"
echo "sink:     $sink_cmd -u nobody -c -D DUMP 127.0.0.1:$sink_port 256 (one for both systems)"
echo "disks:    the spool on $(fstype "$work"), Postfix's queue on $(fstype /var/spool/postfix)"
echo

# ---------------------------------------------------------------- ours
ours_ok=0
run_ours() {
  sp=$work/spool
  mkdir -p "$sp/tmp" "$sp/new" "$sp/cur"
  python3 - "$sp/new" "$N" "$sender" "$prefix" "$domain" "$work/msg" <<'EOF'
import os, sys
new, n, sender, prefix, domain, msg = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
body = open(msg, "rb").read()
for i in range(1, n + 1):
    head = ("Return-Path: <%s>\nDelivered-To: %sr%d@%s\n" % (sender, prefix, i, domain)).encode()
    with open(os.path.join(new, "1796000000.%d_%d.bench" % (i, os.getpid())), "wb") as f:
        f.write(head + body)
EOF
  chown -R nobody "$sp"
  before=$(sink_counts)
  echo "--- ours: $top/build/bin/maildirsmtp -p $sink_port SPOOL $prefix 127.0.0.1 bench.example (as nobody)"
  t0=$(now)
  # QMAILHOME: maildirsmtp runs maildirserial and serialsmtp from
  # QMAILHOME/bin, here the build tree
  QMAILHOME=$top/build timeout "$TIMEOUT" \
    setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
    "$top/build/bin/maildirsmtp" -p "$sink_port" "$sp" "$prefix" 127.0.0.1 bench.example \
    > "$work/ours.out" 2> "$work/ours.err"
  rc=$?
  t1=$(now)
  if [ "$rc" != 0 ]; then
    warn "ours: maildirsmtp exited $rc:"; tail -5 "$work/ours.err" >&2; return 1
  fi
  left=$(($(count "$sp/new") + $(count "$sp/cur")))
  [ "$left" = 0 ] || { warn "ours: $left messages left in the spool"; return 1; }
  ours_time=$(elapsed "$t0" "$t1")
  echo "ours: all $N sent and the spool empty after $ours_time s; its log: $(tail -n 1 "$work/ours.err")"
  sink_report ours "$before" "$(sink_settled)" "$N"
  ours_conn=$d_conn
}
[ "$SKIP_OURS" = 1 ] || { run_ours && ours_ok=1; }

# ---------------------------------------------------------------- Postfix
pf_queue_empty() {
  [ -z "$(find /var/spool/postfix/maildrop /var/spool/postfix/incoming \
    /var/spool/postfix/active /var/spool/postfix/deferred -type f 2>/dev/null | head -n 1)" ]
}
pf_deferred() { find /var/spool/postfix/deferred -type f 2>/dev/null | wc -l; }

pf_ok=0
run_postfix() {
  postfix_setup Maildir/ || return 1
  # the link is down: everything for the smarthost is deferred
  /usr/sbin/postconf -e "relayhost = [127.0.0.1]:$sink_port" 'defer_transports = smtp' \
    || { warn "postfix: postconf failed"; return 1; }
  echo "--- postfix $(/usr/sbin/postconf -h mail_version): relayhost [127.0.0.1]:$sink_port, $N messages deferred (defer_transports = smtp), then released with postqueue -f"
  postfix_start || return 1
  python3 - "$N" "$sender" "$domain" "$work/msg" <<'EOF' || { warn "postfix: injection failed"; return 1; }
import subprocess, sys
n, sender, domain, msg = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
body = open(msg, "rb").read()
for i in range(1, n + 1):
    subprocess.run(["/usr/sbin/sendmail", "-f", sender, "r%d@%s" % (i, domain)], input=body, check=True)
EOF
  w_end=$(($(date +%s) + TIMEOUT))
  until [ "$(pf_deferred)" -ge "$N" ]; do
    [ "$(date +%s)" -ge "$w_end" ] && { warn "postfix: only $(pf_deferred) deferred"; return 1; }
    sleep 0.2
  done
  # the link is up again
  /usr/sbin/postconf -e 'defer_transports =' && /usr/sbin/postfix reload > /dev/null 2>&1 \
    || { warn "postfix: reload failed"; return 1; }
  sleep 1
  before=$(sink_counts)
  # shellcheck disable=SC2086
  set -- $before
  want=$(($2 + N))
  t0=$(now)
  /usr/sbin/postqueue -f || { warn "postfix: postqueue -f failed"; return 1; }
  while :; do
    # shellcheck disable=SC2046
    set -- $(sink_line)
    [ "${2:-0}" -ge "$want" ] && pf_queue_empty && break
    [ "$(date +%s)" -ge "$w_end" ] && { warn "postfix: the sink has $(sink_counts) after ${TIMEOUT}s"; return 1; }
    sleep 0.05
  done
  t1=$(now)
  pf_time=$(elapsed "$t0" "$t1")
  echo "postfix: all $N at the sink and the queue empty $pf_time s after postqueue -f"
  stop_postfix
  sink_report postfix "$before" "$(sink_settled)" "$N"
}
[ "$SKIP_POSTFIX" = 1 ] || { run_postfix && pf_ok=1; }
stop_postfix
restore_postfix
postfix_report_restore
stop_pid "$spid"; wait "$spid" 2>/dev/null; spid=

echo
echo "=== results"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (after the run)"
[ "$ours_ok" = 1 ] && echo "ours:     $(rate "$N" "$ours_time") messages/s ($ours_time s, $ours_conn connection(s))"
[ "$pf_ok" = 1 ] && echo "postfix:  $(rate "$N" "$pf_time") messages/s ($pf_time s)"
if [ "$ours_ok" = 1 ] && [ "$pf_ok" = 1 ]; then
  echo "ratio:    $(awk -v a="$ours_time" -v b="$pf_time" 'BEGIN { printf "%.2f", b / a }')x ours/postfix (messages per second)"
fi
[ "$ours_ok" = 1 ] || [ "$SKIP_OURS" = 1 ] || exit 1
[ "$pf_ok" = 1 ] || [ "$SKIP_POSTFIX" = 1 ] || exit 1
exit 0
