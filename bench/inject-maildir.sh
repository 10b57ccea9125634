#!/bin/sh
# inject-maildir.sh -- messages per second from sendmail injection to
# maildir or mbox delivery: this mail system, installed the way users run
# it, against Debian's Postfix.
#
#   sh bench/inject-maildir.sh          (as root)
#
# Not part of `make check` or CI.  Ours is timed as a real installed
# system: `make install DESTDIR=...` seen at /var/qmail in a private
# mount namespace (unshare -m), qmail-queue setuid qmailq, qmail-lspawn
# delivering as the recipient.  See bench/README.md for what it does to
# the machine: it installs Postfix if it is missing (which replaces
# /usr/sbin/sendmail), creates the user benchuser, and puts Postfix's
# configuration files back byte for byte at the end.
#
# Environment knobs (defaults in brackets):
#   MODE [maildir]  maildir, mbox (an mbox file ~/Mailbox), or both
#                   (maildir, then mbox, in the same run)
#   N [1000]        messages per system
#   SIZE [2048]     bytes per message, headers included
#   TIMEOUT [300]   seconds to wait for all N deliveries, per system
#   INJECT_AS [benchuser]  the user whose shell runs the injection loop
#                   for both systems; root is allowed
#   SKIP_OURS=1     skip our mail system
#   SKIP_POSTFIX=1  skip Postfix
#   TMPDIR [/var/tmp] where the work directory (and our install) goes;
#                   keep it on the file system of /var/spool/postfix
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000}
SIZE=${SIZE:-2048}
TIMEOUT=${TIMEOUT:-300}
SKIP_OURS=${SKIP_OURS:-0}
SKIP_POSTFIX=${SKIP_POSTFIX:-0}
MODE=${MODE:-maildir}
buser=benchuser
INJECT_AS=${INJECT_AS:-$buser}
sender=sender@bench.example
rcpt=$buser@bench.example

. "$top/bench/lib.sh"

# check_mbox WHO FILE: after the clock has stopped, a cross-check of the
# count: once the last message is complete (up to 10 s), FILE must hold
# exactly N Delivered-To lines and N Return-Path lines.
check_mbox() {
  k_i=0
  while [ "$(grep -c '^Delivered-To: ' "$2")" -lt "$N" ] && [ $k_i -lt 100 ]; do
    sleep 0.1; k_i=$((k_i + 1))
  done
  k_rp=$(count_mbox "$2")
  k_dt=$(grep -c '^Delivered-To: ' "$2")
  if [ "$k_rp" != "$N" ] || [ "$k_dt" != "$N" ]; then
    warn "warning: $1: mbox holds $k_rp Return-Path and $k_dt Delivered-To lines, not $N each"
  fi
}

# inject PROGRAM: N times PROGRAM -f sender rcpt < msg, one after the
# other, from one shell running as INJECT_AS.
inject() {
  set -- sh -c '
    i=0
    while [ $i -lt "$1" ]; do
      "$2" -f "$3" "$4" < "$5" || { echo "bench: injection $((i + 1)) exited $?" >&2; exit 1; }
      i=$((i + 1))
    done' sh "$N" "$1" "$sender" "$rcpt" "$work/msg"
  if [ "$INJECT_AS" = root ]; then
    "$@"
  else
    setpriv --reuid="$(id -u "$INJECT_AS")" --regid="$(id -g "$INJECT_AS")" --init-groups \
      env - PATH=/usr/bin:/bin HOME="$(getent passwd "$INJECT_AS" | cut -d: -f6)" \
      USER="$INJECT_AS" LOGNAME="$INJECT_AS" "$@"
  fi
}

# ===================================================================
# Ours, inside a private mount namespace (the script runs itself again
# with BENCH_INSIDE=1).  Prints its progress lines and leaves its
# numbers in $work/ours-MODE.result for the outer run.
# ===================================================================
if [ -n "${BENCH_INSIDE:-}" ]; then
  work=$BENCH_WORK
  m=$BENCH_MODE
  out=$work/ours-$m.result
  qpid=
  qkids=
  trap 'stop_pid "$qpid"; wait "$qpid" 2>/dev/null; for k in $qkids; do stop_pid "$k"; done' EXIT
  trap 'exit 130' INT TERM HUP PIPE

  bench_install_ours "$m" || exit 1

  fresh_target "$m"
  if [ "$m" = mbox ]; then boot=home; else boot=maildir; fi
  echo "--- ours$BENCH_TAG: $Q/boot/$boot, injector $Q/bin/sendmail as $INJECT_AS, qmail-queue $qq"
  bench_boot $boot "$work/send-$m.log" || exit 1

  t0=$(now)
  inject $Q/bin/sendmail || exit 1
  t1=$(now)
  if ! wait_count "$new" "$N" "$TIMEOUT"; then
    warn "ours: only $(delivered "$new") of $N delivered after ${TIMEOUT}s; log tail:"
    tail -5 "$work/send-$m.log" >&2
    exit 1
  fi
  t2=$(now)
  echo "ours: injected $N in $(elapsed "$t0" "$t1") s, all in $where after $(elapsed "$t0" "$t2") s"
  [ "$m" = mbox ] && check_mbox ours "$new"
  # every delivery as the recipient, none as root
  if [ "$m" = maildir ]; then
    owners=$(stat -c %U "$new"/* | sort -u | tr '\n' ' ')
    [ "$owners" = "$buser " ] || warn "warning: ours: the messages in new/ belong to: $owners"
  fi

  # idle memory: wait for an empty queue, then let things settle
  i=0
  while [ -n "$(find $Q/queue/mess $Q/queue/todo -type f 2>/dev/null | head -1)" ] && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
  done
  sleep 2
  total=0
  name=$(sed -n 's/^Name:[[:space:]]*//p' "/proc/$qpid/status" 2>/dev/null)
  kb=$(rss_kib "$qpid")
  total=$((total + ${kb:-0})); parts="$name ${kb:-?}"
  for s in /proc/[0-9]*/status; do
    pp=$(sed -n 's/^PPid:[[:space:]]*//p' "$s" 2>/dev/null)
    [ "$pp" = "$qpid" ] || continue
    name=$(sed -n 's/^Name:[[:space:]]*//p' "$s")
    case $name in qmail-lspawn|qmail-rspawn|qmail-clean) ;; *) continue ;; esac
    k=${s#/proc/}; k=${k%/status}
    kb=$(rss_kib "$k")
    qkids="$qkids $k"
    total=$((total + ${kb:-0})); parts="$parts, $name ${kb:-?}"
  done
  {
    echo "ours_rate_$m='$(rate "$N" "$(elapsed "$t0" "$t2")")'"
    echo "mem_line_$m='$total KiB ($parts)'"
  } > "$out"
  exit 0
fi

# ===================================================================
# The outer run.
# ===================================================================
case $MODE in
  maildir|mbox) modes=$MODE ;;
  both) modes="maildir mbox" ;;
  *) echo "bench: MODE must be maildir, mbox or both, not '$MODE'" >&2; exit 100 ;;
esac
bench_preflight inject "" unshare setpriv findmnt
cleanup() {
  home=$(getent passwd "$buser" 2>/dev/null | cut -d: -f6)
  if [ -n "$home" ]; then
    rm -rf "$home/Maildir"
    rm -f "$home/Mailbox" "$home/Mailbox.lock"
  fi
  old_targets_remove
}
bench_on_exit cleanup


# ---------------------------------------------------------------- set-up
# A Postfix that was running before the run runs again after it; one
# that the package's installation below starts does not.
postfix_note_running
if [ "$SKIP_POSTFIX" != 1 ]; then postfix_install || exit 111; fi
id "$buser" > /dev/null 2>&1 || useradd -m "$buser" || { warn "useradd $buser failed"; exit 111; }
[ "$INJECT_AS" = root ] || id "$INJECT_AS" > /dev/null 2>&1 ||
  { warn "INJECT_AS: no such user: $INJECT_AS"; exit 100; }
bhome=$(getent passwd "$buser" | cut -d: -f6)
[ -d "$bhome" ] || { mkdir -p "$bhome"; chown "$buser:" "$bhome"; }
if findmnt -n -o OPTIONS -T "$work" | grep -Eq '(^|,)nosuid(,|$)'; then
  warn "$work is on a nosuid mount: setuid qmail-queue would not take effect; set TMPDIR"
  exit 100
fi

bench_header inject-maildir
bench_message "Bench Recipient <$rcpt>"
echo "workload: $N messages of $(wc -c < "$work/msg") bytes, one injection process at a time, run by $INJECT_AS"
case $MODE in
  maildir) echo "mode:     maildir (Maildir/ in the recipient's home)" ;;
  mbox)    echo "mode:     mbox (the file Mailbox in the recipient's home)" ;;
  both)    echo "mode:     both (maildir, then mbox: Maildir/, then the file Mailbox, in the recipient's home)" ;;
esac
echo "disks:    our queue on $(fstype "$work") ($work), Postfix's on $(fstype /var/spool/postfix), $buser's home on $(fstype "$bhome")"
echo

# ---------------------------------------------------------------- ours
# run_ours MODE: the inner run, in its own mount namespace.
run_ours() {
  unshare -m --propagation private env BENCH_INSIDE=1 BENCH_WORK="$work" BENCH_MODE="$1" \
    BENCH_TAG="$tag" N="$N" SIZE="$SIZE" TIMEOUT="$TIMEOUT" INJECT_AS="$INJECT_AS" \
    sh "$0" || return 1
  . "$work/ours-$1.result"
}

# ---------------------------------------------------------------- Postfix
# run_postfix MODE
run_postfix() {
  m=$1
  [ -x /usr/sbin/postfix ] || { warn "postfix: not installed"; return 1; }
  postfix_setup "$([ "$m" = mbox ] && echo Mailbox || echo Maildir/)" || return 1
  fresh_target "$m"
  postfix_start || return 1
  sleep 1
  echo "--- postfix$tag $(/usr/sbin/postconf -h mail_version): injector /usr/sbin/sendmail as $INJECT_AS"

  t0=$(now)
  inject /usr/sbin/sendmail || return 1
  t1=$(now)
  if ! wait_count "$new" "$N" "$TIMEOUT"; then
    warn "postfix: only $(delivered "$new") of $N delivered after ${TIMEOUT}s; log tail:"
    tail -5 "$work/postfix.log" >&2 2>/dev/null
    return 1
  fi
  t2=$(now)
  echo "postfix: injected $N in $(elapsed "$t0" "$t1") s, all in $where after $(elapsed "$t0" "$t2") s"
  [ "$m" = mbox ] && check_mbox postfix "$new"
  stop_postfix
  pf_rate=$(rate "$N" "$(elapsed "$t0" "$t2")")
  eval "pf_rate_$m=\$pf_rate"
  return 0
}

result_ok=1
for m in $modes; do
  tag=
  [ "$MODE" = maildir ] || tag=" ($m)"
  [ "$SKIP_OURS" = 1 ] || run_ours "$m" || result_ok=0
  [ "$SKIP_POSTFIX" = 1 ] || run_postfix "$m" || result_ok=0
done
stop_postfix
restore_postfix
postfix_report_restore

echo
echo "=== results"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (after the run)"
for m in $modes; do
  eval "ours_rate=\${ours_rate_$m:-} pf_rate=\${pf_rate_$m:-} mem_line=\${mem_line_$m:-}"
  [ "$MODE" = both ] && echo "--- $m"
  echo "ours:     ${ours_rate:-n/a} messages/s (installed; sendmail run by $INJECT_AS)"
  echo "postfix:  ${pf_rate:-n/a} messages/s"
  if [ -n "$ours_rate" ] && [ -n "$pf_rate" ]; then
    echo "ratio:    $(awk -v a="$ours_rate" -v b="$pf_rate" 'BEGIN { printf "%.2f", a / b }')x ours/postfix"
  else
    echo "ratio:    n/a"
  fi
  echo "idle RSS: ${mem_line:-n/a} (target: < 1024 KiB)"
  [ -n "$ours_rate" ] || [ "$SKIP_OURS" = 1 ] || result_ok=0
  [ -n "$pf_rate" ] || [ "$SKIP_POSTFIX" = 1 ] || result_ok=0
done
echo "stripped sizes (make size):"
sh "$top/porting/size.sh" "$top/build/bin" | sed 's/^/  /'
[ "$result_ok" = 1 ]
