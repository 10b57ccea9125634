#!/bin/sh
# inject-maildir.sh -- messages per second from sendmail injection to
# maildir or mbox delivery: this mail system against Debian's Postfix.
#
#   sh bench/inject-maildir.sh          (as root, for the Postfix half)
#
# Not part of `make check` or CI.  See bench/README.md for what it does
# to the machine (it installs and configures Postfix, which replaces
# /usr/sbin/sendmail, and creates the user benchuser).
#
# Environment knobs (defaults in brackets):
#   MODE [maildir]  maildir, mbox (an mbox file ./Mailbox in the home), or
#                   both (maildir, then mbox, in the same run)
#   N [1000]        messages per system
#   SIZE [2048]     bytes per message, headers included
#   TIMEOUT [300]   seconds to wait for all N deliveries, per system
#   SKIP_OURS=1     skip our mail system
#   SKIP_POSTFIX=1  skip Postfix
#   QBIN [build/bin] where our programs are (for testing this script)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${QBIN:-$top/build/bin}
N=${N:-1000}
SIZE=${SIZE:-2048}
TIMEOUT=${TIMEOUT:-300}
SKIP_OURS=${SKIP_OURS:-0}
SKIP_POSTFIX=${SKIP_POSTFIX:-0}
MODE=${MODE:-maildir}
case $MODE in
  maildir|mbox) modes=$MODE ;;
  both) modes="maildir mbox" ;;
  *) echo "bench: MODE must be maildir, mbox or both, not '$MODE'" >&2; exit 100 ;;
esac
sender=sender@bench.example
rcpt=rcpt@bench.example
buser=benchuser
prcpt=$buser@localhost

say() { echo "bench: $*"; }
warn() { echo "bench: $*" >&2; }
now() { date +%s.%N; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-inject.XXXXXX") || exit 111
chmod 755 "$work"
q=
qpid=
qkids=
pf_started=0
pf_home=
pf_logset=0
pf_mboxset=0

# Stop a process by PID: TERM, wait up to 10 s, then KILL.
stop_pid() {
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || return 0
  s_i=0
  while kill -0 "$1" 2>/dev/null && [ $s_i -lt 100 ]; do
    sleep 0.1; s_i=$((s_i + 1))
  done
  kill -KILL "$1" 2>/dev/null
  return 0
}

stop_ours() {
  [ -n "$qpid" ] || return 0
  stop_pid "$qpid"
  wait "$qpid" 2>/dev/null
  for k in $qkids; do stop_pid "$k"; done
  qpid=
  qkids=
}

stop_postfix() {
  [ "$pf_started" = 1 ] || return 0
  /usr/sbin/postfix stop > /dev/null 2>&1
  [ "$pf_logset" = 1 ] && /usr/sbin/postconf -X maillog_file maillog_file_prefixes 2>/dev/null
  # mbox mode: back to the maildir setting the README says is left
  [ "$pf_mboxset" = 1 ] && /usr/sbin/postconf -e 'home_mailbox = Maildir/'
  pf_logset=0
  pf_mboxset=0
  pf_started=0
}

cleanup() {
  stop_ours
  stop_postfix
  if [ -n "$pf_home" ] && [ -d "$pf_home/Maildir" ]; then
    rm -rf "$pf_home/Maildir/new" "$pf_home/Maildir/cur" "$pf_home/Maildir/tmp"
  fi
  if [ -n "$pf_home" ] && [ "$MODE" != maildir ]; then
    rm -f "$pf_home/Mailbox" "$pf_home/Mailbox.lock"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# Number of entries in a directory (0 if it does not exist).
count() {
  ls "$1" 2>/dev/null | wc -l | tr -d ' '
}

# Messages in an mbox file (0 if it does not exist): lines starting with
# "Return-Path: ", which both systems' local delivery writes exactly once
# per message, at the top of its header (the benchmark message has none).
# Not "^From ": a body line could start with "From " (unquoted by some
# writers), and the blank separator lines are each writer's own choice.
count_mbox() {
  c_n=$(grep -c '^Return-Path: ' "$1" 2>/dev/null)
  echo "${c_n:-0}"
}

# Delivered messages in TARGET: a maildir's new/ or an mbox file.
delivered() {
  if [ -d "$1" ]; then count "$1"; else count_mbox "$1"; fi
}

# wait_count TARGET WANT SECONDS: 0 once TARGET (a maildir's new/ or an
# mbox file) holds WANT messages, 1 on timeout.
wait_count() {
  w_end=$(($(date +%s) + $3))
  while :; do
    [ "$(delivered "$1")" -ge "$2" ] && return 0
    [ "$(date +%s)" -ge "$w_end" ] && return 1
    sleep 0.05
  done
}

# rate N SECONDS, ratio A B (two decimals)
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / s }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# The message: SIZE bytes exactly, headers and a body of text lines.
mkmsg() {
  {
    printf 'From: Bench Sender <%s>\n' "$sender"
    printf 'To: Bench Recipient <%s>\n' "$rcpt"
    printf 'Subject: benchmark message\n'
    printf 'Date: Thu, 01 Jan 2026 00:00:00 +0000\n'
    printf 'Message-ID: <bench.%s@bench.example>\n' "$$"
    printf '\n'
  } > "$work/head"
  hlen=$(wc -c < "$work/head")
  left=$((SIZE - hlen))
  cp "$work/head" "$work/msg"
  line='The quick brown fox jumps over the lazy dog, 0123456789 times again.'
  len=$((${#line} + 1))
  while [ "$left" -gt 0 ]; do
    if [ "$left" -gt "$len" ]; then
      printf '%s\n' "$line" >> "$work/msg"; left=$((left - len))
    elif [ "$left" -eq 1 ]; then
      printf '\n' >> "$work/msg"; left=0
    else
      # the last line: left-1 characters and a newline
      printf '%s\n' "$(printf '%s' "$line$line" | cut -c1-$((left - 1)))" >> "$work/msg"
      left=0
    fi
  done
}

echo "=== inject-maildir benchmark"
echo "date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine:  nproc $(nproc), $(uname -sr), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min averages before the run)"
awk '$1 > 0.5 { print "warning:  the machine is busy with other work; expect noisy numbers" }' /proc/loadavg
mkmsg
echo "workload: $N messages of $(wc -c < "$work/msg") bytes, one injection process at a time"
case $MODE in
  maildir) echo "mode:     maildir (Maildir/ in the recipient's home)" ;;
  mbox)    echo "mode:     mbox (the file Mailbox in the recipient's home)" ;;
  both)    echo "mode:     both (maildir, then mbox: Maildir/, then the file Mailbox, in the recipient's home)" ;;
esac
echo

ours_rate=
pf_rate=
mem_line=
injector=

# ---------------------------------------------------------------- ours
# run_ours MODE
run_ours() {
  m=$1
  q=$work/qmail-$m
  if [ ! -x "$bin/qmail-send" ]; then
    say "building (make -C $top)"
    make -C "$top" > "$work/make.log" 2>&1 || { tail -20 "$work/make.log"; warn "build failed"; return 1; }
  fi
  if [ -x "$bin/sendmail" ]; then injector=sendmail
  elif [ -x "$bin/qmail-inject" ]; then injector=qmail-inject
  else injector=qmail-queue
  fi
  [ -x "$bin/qmail-local" ] || warn "warning: $bin/qmail-local is missing; nothing can be delivered"
  echo "--- ours$tag: injector $bin/$injector"

  mkdir -p "$q" && chmod 755 "$q"
  QMAILHOME=$q "$bin/qmail-instcheck" > /dev/null || { warn "qmail-instcheck failed"; return 1; }
  ln -s "$bin" "$q/bin"
  echo bench.example > "$q/control/me"
  echo bench.example > "$q/control/locals"
  if [ "$m" = mbox ]; then
    ddel=./Mailbox
    : > "$q/alias/Mailbox"
    chmod 600 "$q/alias/Mailbox"
    new=$q/alias/Mailbox where=Mailbox
  else
    ddel=./Maildir/
    mkdir -p "$q/alias/Maildir/cur" "$q/alias/Maildir/new" "$q/alias/Maildir/tmp"
    new=$q/alias/Maildir/new where=new/
  fi
  echo "$ddel" > "$q/alias/.qmail-default"
  printf 'F%s\0T%s\0\0' "$sender" "$rcpt" > "$work/envelope"

  (cd "$q" && QMAILHOME=$q exec "$bin/qmail-start" "$ddel" > "$q/send.log" 2>&1) &
  qpid=$!
  i=0
  until grep -q '^status: local' "$q/send.log" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$qpid" 2>/dev/null; then
      warn "qmail-start did not come up; its log:"; cat "$q/send.log" >&2; return 1
    fi
    sleep 0.1
  done

  t0=$(now)
  i=0
  while [ $i -lt "$N" ]; do
    case $injector in
      sendmail)     QMAILHOME=$q "$bin/sendmail" -f "$sender" "$rcpt" < "$work/msg" ;;
      qmail-inject) QMAILHOME=$q "$bin/qmail-inject" -f "$sender" "$rcpt" < "$work/msg" ;;
      qmail-queue)  QMAILHOME=$q "$bin/qmail-queue" < "$work/msg" 1< "$work/envelope" ;;
    esac
    rc=$?
    if [ $rc -ne 0 ]; then warn "ours: injection $((i + 1)) exited $rc"; return 1; fi
    i=$((i + 1))
  done
  t1=$(now)
  if ! wait_count "$new" "$N" "$TIMEOUT"; then
    warn "ours: only $(delivered "$new") of $N delivered after ${TIMEOUT}s; log tail:"
    tail -5 "$q/send.log" >&2
    return 1
  fi
  t2=$(now)
  ours_rate=$(rate "$N" "$(elapsed "$t0" "$t2")")
  echo "ours: injected $N in $(elapsed "$t0" "$t1") s, all in $where after $(elapsed "$t0" "$t2") s"
  [ "$m" = mbox ] && check_mbox ours "$new"

  # idle memory: wait for an empty queue, then let things settle
  i=0
  while [ -n "$(find "$q/queue/mess" "$q/queue/todo" -type f 2>/dev/null | head -1)" ] && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
  done
  sleep 2
  total=0; parts=
  name=$(sed -n 's/^Name:[[:space:]]*//p' "/proc/$qpid/status" 2>/dev/null)
  kb=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$qpid/status" 2>/dev/null)
  total=$((total + ${kb:-0})); parts="$name ${kb:-?}"
  for s in /proc/[0-9]*/status; do
    pp=$(sed -n 's/^PPid:[[:space:]]*//p' "$s" 2>/dev/null)
    [ "$pp" = "$qpid" ] || continue
    name=$(sed -n 's/^Name:[[:space:]]*//p' "$s")
    case $name in qmail-lspawn|qmail-rspawn|qmail-clean) ;; *) continue ;; esac
    kb=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "$s")
    k=${s#/proc/}; qkids="$qkids ${k%/status}"
    total=$((total + ${kb:-0})); parts="$parts, $name ${kb:-?}"
  done
  mem_line="$total KiB ($parts)"
  stop_ours
  eval "ours_rate_$m=\$ours_rate mem_line_$m=\$mem_line"
  return 0
}

# ---------------------------------------------------------------- Postfix
# run_postfix MODE
run_postfix() {
  m=$1
  if [ "$(id -u)" != 0 ]; then warn "postfix: needs root; skipped"; return 1; fi
  if [ ! -x /usr/sbin/postfix ]; then
    say "installing postfix (apt-get)"
    {
      echo "postfix postfix/main_mailer_type select Local only"
      echo "postfix postfix/mailname string bench.example"
    } | debconf-set-selections
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postfix; } \
      > "$work/apt.log" 2>&1 || { tail -20 "$work/apt.log" >&2; warn "postfix: install failed"; return 1; }
  fi
  id "$buser" > /dev/null 2>&1 || useradd -m "$buser" || { warn "postfix: useradd failed"; return 1; }
  pf_home=$(getent passwd "$buser" | cut -d: -f6)
  [ -d "$pf_home" ] || { mkdir -p "$pf_home"; chown "$buser:" "$pf_home"; }

  /usr/sbin/postfix stop > /dev/null 2>&1
  i=0
  while /usr/sbin/postfix status > /dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  /usr/sbin/postconf -e 'myhostname = bench.example' \
    'mydestination = bench.example, localhost, localhost.localdomain, $myhostname' \
    "home_mailbox = $([ "$m" = mbox ] && echo Mailbox || echo Maildir/)" 'mailbox_command =' \
    'inet_interfaces = loopback-only' 'inet_protocols = ipv4' \
    'relayhost =' || { warn "postfix: postconf failed"; return 1; }
  [ "$m" = mbox ] && pf_mboxset=1
  if /usr/sbin/postconf -M postlog/unix-dgram 2>/dev/null | grep -q postlog; then
    # the log in our temp dir (maillog_file must lie under a listed prefix)
    /usr/sbin/postconf -e "maillog_file_prefixes = /var, /dev/stdout, $work" \
      "maillog_file = $work/postfix.log" && pf_logset=1
  fi
  [ -f /etc/aliases ] && newaliases 2>/dev/null
  /usr/sbin/postsuper -d ALL > /dev/null 2>&1     # leftovers of earlier runs
  rm -rf "$pf_home/Maildir"
  mkdir -p "$pf_home/Maildir/new" "$pf_home/Maildir/cur" "$pf_home/Maildir/tmp"
  chown -R "$buser:" "$pf_home/Maildir"
  chmod -R 700 "$pf_home/Maildir"
  rm -f "$pf_home/Mailbox" "$pf_home/Mailbox.lock"
  if [ "$m" = mbox ]; then
    : > "$pf_home/Mailbox"
    chown "$buser:" "$pf_home/Mailbox"
    chmod 600 "$pf_home/Mailbox"
    new=$pf_home/Mailbox where=Mailbox
  else
    new=$pf_home/Maildir/new where=new/
  fi
  pf_started=1
  /usr/sbin/postfix start > "$work/postfix-start.log" 2>&1 || {
    cat "$work/postfix-start.log" >&2; warn "postfix: start failed"; return 1; }
  i=0
  until /usr/sbin/postfix status > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 100 ] && { warn "postfix: not running"; return 1; }
    sleep 0.1
  done
  sleep 1
  echo "--- postfix$tag $(/usr/sbin/postconf -h mail_version): injector /usr/sbin/sendmail"

  t0=$(now)
  i=0
  while [ $i -lt "$N" ]; do
    /usr/sbin/sendmail -f "$sender" "$prcpt" < "$work/msg"
    rc=$?
    if [ $rc -ne 0 ]; then warn "postfix: injection $((i + 1)) exited $rc"; return 1; fi
    i=$((i + 1))
  done
  t1=$(now)
  if ! wait_count "$new" "$N" "$TIMEOUT"; then
    warn "postfix: only $(delivered "$new") of $N delivered after ${TIMEOUT}s; log tail:"
    tail -5 "$work/postfix.log" >&2 2>/dev/null
    return 1
  fi
  t2=$(now)
  pf_rate=$(rate "$N" "$(elapsed "$t0" "$t2")")
  echo "postfix: injected $N in $(elapsed "$t0" "$t1") s, all in $where after $(elapsed "$t0" "$t2") s"
  [ "$m" = mbox ] && check_mbox postfix "$new"
  stop_postfix
  eval "pf_rate_$m=\$pf_rate"
  return 0
}

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

result_ok=1
for m in $modes; do
  tag=
  [ "$MODE" = maildir ] || tag=" ($m)"
  ours_rate= pf_rate= mem_line=
  [ "$SKIP_OURS" = 1 ] || run_ours "$m" || result_ok=0
  [ "$SKIP_POSTFIX" = 1 ] || run_postfix "$m" || result_ok=0
done

echo
echo "=== results"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (after the run)"
for m in $modes; do
  eval "ours_rate=\${ours_rate_$m:-} pf_rate=\${pf_rate_$m:-} mem_line=\${mem_line_$m:-}"
  [ "$MODE" = both ] && echo "--- $m"
  if [ "$m" = maildir ]; then target=' (target: >= 2.5x)'; else target=; fi
  echo "ours:     ${ours_rate:-n/a} messages/s (injector: ${injector:-n/a})"
  echo "postfix:  ${pf_rate:-n/a} messages/s"
  if [ -n "$ours_rate" ] && [ -n "$pf_rate" ]; then
    echo "ratio:    $(awk -v a="$ours_rate" -v b="$pf_rate" 'BEGIN { printf "%.2f", a / b }')x ours/postfix$target"
  else
    echo "ratio:    n/a"
  fi
  echo "idle RSS: ${mem_line:-n/a} (target: < 1024 KiB)"
  [ -n "$ours_rate" ] || result_ok=0
  [ -n "$pf_rate" ] || [ "$SKIP_POSTFIX" = 1 ] || result_ok=0
done
echo "stripped sizes of $bin (bytes):"
mkdir -p "$work/strip"
total=0
for f in "$bin"/*; do
  [ -f "$f" ] && [ -x "$f" ] || continue
  b=$(basename "$f")
  cp "$f" "$work/strip/$b"
  strip "$work/strip/$b" 2>/dev/null
  sz=$(wc -c < "$work/strip/$b" | tr -d ' ')
  total=$((total + sz))
  printf '  %-18s %8d\n' "$b" "$sz"
done
printf '  %-18s %8d\n' total "$total"
[ "$result_ok" = 1 ]
