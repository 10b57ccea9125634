# lib.sh -- helpers of the benchmarks that time an installed copy of
# this mail system against Debian's Postfix (inject-maildir.sh,
# smtpd.sh).  Sourced; the caller sets:
#   top    the source tree
#   work   its work directory (mktemp -d), once it exists
#   buser  the recipient user (benchuser)
# and may read what these functions set ($Q, $qq, $qpid, $new, $where).
# See bench/README.md for what the benchmarks do to the machine.

pfconf=/etc/postfix
pf_saved=0
pf_was_running=0
pf_started=0
pf_restore_failed=0

say() { echo "bench: $*"; }
warn() { echo "bench: $*" >&2; }
now() { date +%s.%N; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / s }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
fstype() { stat -f -c %T "$1" 2>/dev/null || echo '?'; }

# bench_preflight NAME BINARY TOOL...: root, the tools, the built BINARY
# (path under build/bin, or "" for none); exits 100 saying what is
# missing.  Then a fresh work directory in $work (TMPDIR, default
# /var/tmp), bench-NAME.XXXXXX, traversable by benchuser.
bench_preflight() {
  bp_name=$1 bp_bin=$2
  shift 2
  if [ "$(id -u)" != 0 ]; then
    warn "run as root: it installs into a private /var/qmail, starts Postfix and creates $buser"
    exit 100
  fi
  for bp_tool in "$@"; do
    command -v "$bp_tool" > /dev/null 2>&1 || { warn "needs $bp_tool"; exit 100; }
  done
  if [ -n "$bp_bin" ] && [ ! -x "$top/build/bin/$bp_bin" ]; then
    warn "build first (make)"
    exit 100
  fi
  work=$(mktemp -d "${TMPDIR:-/var/tmp}/bench-$bp_name.XXXXXX") || exit 111
  chmod 755 "$work"
}

# bench_on_exit FUNC: at exit (and on a signal) run FUNC, the script's
# own cleanup, then stop Postfix, put its configuration back and remove
# the work directory (kept when the configuration could not be put back:
# it holds the saved copies).
bench_on_exit() {
  bo_func=$1
  trap '"$bo_func"; stop_postfix; restore_postfix
        [ "$pf_restore_failed" = 1 ] || rm -rf "$work"' EXIT
  trap 'exit 130' INT TERM HUP PIPE
}

# postfix_prepare TOOL: Postfix installed (apt-get when missing), its
# running state noted, and TOOL (smtp-source, smtp-sink) there.
postfix_prepare() {
  postfix_note_running
  postfix_install || exit 111
  [ -x "$1" ] || { warn "$1 is missing (Debian: package postfix)"; exit 100; }
}

# bench_message TO: $work/msg, SIZE bytes exactly from sender to TO
# (the To: field's text): a header and lines of text, mode 644.
bench_message() {
  {
    printf 'From: Bench Sender <%s>\n' "$sender"
    printf 'To: %s\n' "$1"
    printf 'Subject: benchmark message\n'
    printf 'Date: Thu, 01 Jan 2026 00:00:00 +0000\n'
    printf 'Message-ID: <bench.%s@bench.example>\n' "$$"
    printf '\n'
  } > "$work/msg"
  bm_left=$((SIZE - $(wc -c < "$work/msg")))
  bm_line='The quick brown fox jumps over the lazy dog, 0123456789 times again.'
  bm_len=$((${#bm_line} + 1))
  while [ "$bm_left" -gt 0 ]; do
    if [ "$bm_left" -gt "$bm_len" ]; then
      printf '%s\n' "$bm_line" >> "$work/msg"; bm_left=$((bm_left - bm_len))
    elif [ "$bm_left" -eq 1 ]; then
      printf '\n' >> "$work/msg"; bm_left=0
    else
      # the last line: bm_left - 1 characters and a newline
      printf '%s\n' "$(printf '%s' "$bm_line$bm_line" | cut -c1-$((bm_left - 1)))" >> "$work/msg"
      bm_left=0
    fi
  done
  chmod 644 "$work/msg"
}

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

# fresh_target MODE: an empty ~benchuser/Maildir (or an empty
# ~benchuser/Mailbox), owned by benchuser; sets $new and $where.  What
# the previous system delivered is moved aside into ~benchuser/.bench-old
# (removed by old_targets_remove at the end), not deleted: on ext4
# without a journal each new inode is searched for past every inode freed
# in the last half minute, so deleting 2,000 messages just before the
# next system's run would slow that system's deliveries, not the first's.
fresh_target() {
  home=$(getent passwd "$buser" | cut -d: -f6)
  mkdir -p "$home/.bench-old"
  f_old=$(mktemp -d "$home/.bench-old/XXXXXX")
  [ -e "$home/Maildir" ] && mv "$home/Maildir" "$f_old/"
  [ -e "$home/Mailbox" ] && mv "$home/Mailbox" "$f_old/"
  rm -f "$home/Mailbox.lock"
  if [ "$1" = mbox ]; then
    : > "$home/Mailbox"
    chown "$buser:" "$home/Mailbox"
    chmod 600 "$home/Mailbox"
    new=$home/Mailbox where=Mailbox
  else
    mkdir -p "$home/Maildir/new" "$home/Maildir/cur" "$home/Maildir/tmp"
    chown -R "$buser:" "$home/Maildir"
    chmod -R 700 "$home/Maildir"
    new=$home/Maildir/new where=new/
  fi
}

# old_targets_remove: delete what fresh_target moved aside.
old_targets_remove() {
  o_home=$(getent passwd "$buser" 2>/dev/null | cut -d: -f6)
  [ -n "$o_home" ] && rm -rf "$o_home/.bench-old"
}

# Resident memory of PID in KiB (VmRSS), empty when it is gone.
rss_kib() {
  sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null
}

# Proportional set size of PID in KiB (Pss: shared pages divided among
# the processes sharing them), empty when unknown.
pss_kib() {
  sed -n 's/^Pss:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/smaps_rollup" 2>/dev/null
}

# The PIDs of the processes named NAME (as /proc/PID/status says) whose
# parent is PPID.
children_named() {
  for c_s in /proc/[0-9]*/status; do
    [ "$(sed -n 's/^PPid:[[:space:]]*//p' "$c_s" 2>/dev/null)" = "$1" ] || continue
    [ "$(sed -n 's/^Name:[[:space:]]*//p' "$c_s" 2>/dev/null)" = "$2" ] || continue
    c_p=${c_s#/proc/}; echo "${c_p%/status}"
  done
}

# The header every benchmark prints: date, machine, load.
bench_header() {
  echo "=== $1 benchmark"
  echo "date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "machine:  nproc $(nproc), $(uname -sr), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')"
  echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min averages before the run)"
  awk '$1 > 0.5 { print "warning:  the machine is busy with other work; expect noisy numbers" }' /proc/loadavg
}

# ---------------------------------------------------------------- ours
# bench_install_ours TAG: inside a private mount namespace (unshare -m),
# this tree installed as a package would stage it, seen at /var/qmail:
#   - the qmail users: porting/users-linux.sh (which keeps users that
#     exist) run on a private copy of /etc, so the machine's accounts
#     stay as they are;
#   - make install DESTDIR=$work/root-TAG, as root, so every file gets
#     its owner and mode;
#   - /var replaced by a directory holding every entry of the real /var
#     (each bind-mounted from it, so writes reach the real file system)
#     and qmail -> the staged install;
#   - control/me and control/locals bench.example, qmail-instcheck.
# Sets Q=/var/qmail and qq (qmail-queue's owner and mode); 1 on failure.
bench_install_ours() {
  i_dest=$work/root-$1
  cp -a /etc "$work/etc-$1" && mount --bind "$work/etc-$1" /etc ||
    { warn "ours: cannot mount a private /etc"; return 1; }
  sh "$top/porting/users-linux.sh" > "$work/users-$1.log" 2>&1 ||
    { cat "$work/users-$1.log" >&2; warn "ours: porting/users-linux.sh failed"; return 1; }
  make -C "$top" install DESTDIR="$i_dest" > "$work/install-$1.log" 2>&1 ||
    { tail -20 "$work/install-$1.log" >&2; warn "ours: make install DESTDIR=$i_dest failed"; return 1; }
  i_view=$work/var-$1
  mkdir "$i_view" || return 1
  for e in /var/* /var/.[!.]*; do
    [ -e "$e" ] || [ -L "$e" ] || continue
    n=${e#/var/}
    [ "$n" = qmail ] && continue
    if [ -L "$e" ]; then cp -P "$e" "$i_view/$n"
    elif [ -d "$e" ]; then mkdir "$i_view/$n" && mount --rbind "$e" "$i_view/$n"
    else : > "$i_view/$n" && mount --bind "$e" "$i_view/$n"
    fi || { warn "ours: cannot mirror $e"; return 1; }
  done
  mkdir "$i_view/qmail" && mount --bind "$i_dest/var/qmail" "$i_view/qmail" &&
    mount --rbind "$i_view" /var || { warn "ours: cannot mount the install at /var/qmail"; return 1; }
  Q=/var/qmail
  [ "$(stat -c %d:%i $Q)" = "$(stat -c %d:%i "$i_dest/var/qmail")" ] ||
    { warn "ours: /var/qmail is not the staged install"; return 1; }
  qq=$(stat -c '%U %a' $Q/bin/qmail-queue)
  [ "$qq" = "qmailq 4711" ] || warn "warning: bin/qmail-queue is '$qq', not setuid qmailq 4711"
  echo bench.example > $Q/control/me
  echo bench.example > $Q/control/locals
  $Q/bin/qmail-instcheck > "$work/instcheck-$1.log" 2>&1 ||
    { cat "$work/instcheck-$1.log" >&2; warn "ours: qmail-instcheck failed"; return 1; }
}

# bench_boot BOOT LOG: start $Q/boot/BOOT as root, logging to LOG, and
# wait until qmail-send has printed its first status line; sets qpid.
bench_boot() {
  $Q/boot/$1 > "$2" 2>&1 &
  qpid=$!
  b_i=0
  until grep -q '^status: local' "$2" 2>/dev/null; do
    b_i=$((b_i + 1))
    if [ $b_i -gt 100 ] || ! kill -0 "$qpid" 2>/dev/null; then
      warn "ours: boot/$1 did not come up; its log:"; cat "$2" >&2; return 1
    fi
    sleep 0.1
  done
}

# ---------------------------------------------------------------- Postfix
# Install Debian's Postfix ("Local only") when it is missing.
postfix_install() {
  [ -x /usr/sbin/postfix ] && return 0
  say "installing postfix (apt-get)"
  {
    echo "postfix postfix/main_mailer_type select Local only"
    echo "postfix postfix/mailname string bench.example"
  } | debconf-set-selections
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postfix; } \
    > "$work/apt.log" 2>&1 || { tail -20 "$work/apt.log" >&2; warn "postfix: install failed"; return 1; }
}

# Is Postfix running now (remembered so that it runs again afterwards)?
postfix_note_running() {
  [ -x /usr/sbin/postfix ] && /usr/sbin/postfix status > /dev/null 2>&1 && pf_was_running=1
  return 0
}

# Copy main.cf and master.cf (once) before the first change.
postfix_save() {
  [ "$pf_saved" = 0 ] || return 0
  mkdir -p "$work/postfix-saved"
  for f in main.cf master.cf; do
    [ -f "$pfconf/$f" ] && cp -p "$pfconf/$f" "$work/postfix-saved/$f"
  done
  touch -r "$pfconf" "$work/postfix-saved/.dirtime"    # postconf -e renames into it
  pf_saved=1
}

# postfix_setup HOME_MAILBOX: stopped, configured for local delivery of
# bench.example to ~/HOME_MAILBOX, logging into $work/postfix.log, with
# an empty queue.
postfix_setup() {
  postfix_save
  /usr/sbin/postfix stop > /dev/null 2>&1
  p_i=0
  while /usr/sbin/postfix status > /dev/null 2>&1 && [ $p_i -lt 100 ]; do sleep 0.1; p_i=$((p_i + 1)); done
  # Debian's "No configuration" leaves no main.cf: start from the one
  # its postinst would write (removed again by restore_postfix)
  if [ ! -f "$pfconf/main.cf" ]; then
    if [ -f /usr/share/postfix/main.cf.debian ]; then
      cp /usr/share/postfix/main.cf.debian "$pfconf/main.cf"
    else
      echo 'compatibility_level = 3.6' > "$pfconf/main.cf"
    fi || { warn "postfix: cannot create $pfconf/main.cf"; return 1; }
    say "postfix: $pfconf/main.cf was missing; using Debian's main.cf.debian for the run"
  fi
  /usr/sbin/postconf -e 'myhostname = bench.example' \
    'mydestination = bench.example, localhost, localhost.localdomain, $myhostname' \
    "home_mailbox = $1" 'mailbox_command =' \
    'inet_interfaces = loopback-only' 'inet_protocols = ipv4' \
    'relayhost =' || { warn "postfix: postconf failed"; return 1; }
  if /usr/sbin/postconf -M postlog/unix-dgram 2>/dev/null | grep -q postlog; then
    # the log in our work directory (maillog_file must lie under a listed prefix)
    /usr/sbin/postconf -e "maillog_file_prefixes = /var, /dev/stdout, $work" \
      "maillog_file = $work/postfix.log"
  fi
  [ -f /etc/aliases ] && [ ! -f /etc/aliases.db ] && newaliases 2>/dev/null
  /usr/sbin/postsuper -d ALL > /dev/null 2>&1     # leftovers of earlier runs
  return 0
}

# Start Postfix and wait (bounded) until it runs.
postfix_start() {
  pf_started=1
  /usr/sbin/postfix start > "$work/postfix-start.log" 2>&1 || {
    cat "$work/postfix-start.log" >&2; warn "postfix: start failed"; return 1; }
  p_i=0
  until /usr/sbin/postfix status > /dev/null 2>&1; do
    p_i=$((p_i + 1)); [ $p_i -gt 100 ] && { warn "postfix: not running"; return 1; }
    sleep 0.1
  done
}

stop_postfix() {
  [ "$pf_started" = 1 ] || return 0
  /usr/sbin/postfix stop > /dev/null 2>&1
  i=0
  while /usr/sbin/postfix status > /dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  pf_started=0
}

# Postfix's configuration files back as they were, byte for byte (and
# Postfix running again if it was running before).
restore_postfix() {
  [ "$pf_saved" = 1 ] || return 0
  for f in main.cf master.cf; do
    if [ -f "$work/postfix-saved/$f" ]; then
      cp -p "$work/postfix-saved/$f" "$pfconf/$f"
      cmp -s "$work/postfix-saved/$f" "$pfconf/$f" || {
        warn "warning: could not restore $pfconf/$f; the original is in $work/postfix-saved (kept)"
        pf_restore_failed=1
      }
    else
      rm -f "$pfconf/$f"
    fi
  done
  touch -r "$work/postfix-saved/.dirtime" "$pfconf"
  pf_saved=0
  if [ "$pf_was_running" = 1 ]; then
    /usr/sbin/postfix start > /dev/null 2>&1 || warn "warning: Postfix was running before; restarting it failed"
  fi
}

# Print whether the saved main.cf and master.cf are back byte for byte.
postfix_report_restore() {
  [ -d "$work/postfix-saved" ] || return 0
  same=yes
  for f in main.cf master.cf; do
    [ -f "$work/postfix-saved/$f" ] || continue
    cmp -s "$work/postfix-saved/$f" "$pfconf/$f" || same=no
  done
  echo "postfix:  main.cf and master.cf restored byte for byte: $same"
}

# ---------------------------------------------------------------- smtp-sink
# Postfix's smtp-sink as one receiving server (remote.sh, serialmail.sh).
# It counts: with -c it prints "sess=S quit=Q mesg=M" each time a session
# ends, a QUIT arrives or a message's final dot arrives; -D appends every
# transaction, with one X-Rcpt-Args line per recipient, to a dump file.
sink_cmd=/usr/sbin/smtp-sink

# sink_start: smtp-sink as nobody on a free loopback port (backlog 256),
# dumping into $work/sink/dump; sets sink_port and sink_pid.
sink_start() {
  mkdir "$work/sink" && chown nobody "$work/sink" || return 1
  sink_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  $sink_cmd -u nobody -c -D "$work/sink/dump" "127.0.0.1:$sink_port" 256 \
    > "$work/sink.out" 2> "$work/sink.err" &
  sink_pid=$!
  k_i=0
  until python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$sink_port" 2>/dev/null; do
    k_i=$((k_i + 1))
    if [ $k_i -gt 50 ] || ! kill -0 "$sink_pid" 2>/dev/null; then
      warn "smtp-sink did not start:"; cat "$work/sink.err" >&2; return 1
    fi
    sleep 0.1
  done
}

# sink_line: "SESSIONS MESSAGES" from the sink's last -c counter line.
sink_line() {
  tr '\r' '\n' < "$work/sink.out" 2>/dev/null |
    sed -n 's/^sess=\([0-9]*\) quit=[0-9]* mesg=\([0-9]*\)$/\1 \2/p' | tail -n 1
}

# sink_counts: "SESSIONS MESSAGES RECIPIENTS" seen by the sink so far
# (recipients: the X-Rcpt-Args lines of the dump file).
sink_counts() {
  s_line=$(sink_line)
  s_rcpt=$(grep -c '^X-Rcpt-Args: ' "$work/sink/dump" 2>/dev/null)
  echo "${s_line:-0 0} ${s_rcpt:-0}"
}

# sink_settled: the counts once they have not changed for a second
# (at most 15 s): after a system has stopped, its last connections
# have been counted.
sink_settled() {
  s_prev=$(sink_counts)
  s_i=0
  while [ $s_i -lt 15 ]; do
    sleep 1
    s_cur=$(sink_counts)
    [ "$s_cur" = "$s_prev" ] && break
    s_prev=$s_cur; s_i=$((s_i + 1))
  done
  echo "$s_prev"
}


# sink_report WHO BEFORE AFTER MESSAGES [RECIPIENTS]: the sink's
# differences for one system (BEFORE and AFTER are sink_counts lines),
# printed and kept in d_conn, d_mesg, d_rcpt; warns unless they are
# exactly MESSAGES messages (and RECIPIENTS recipients, when given).
sink_report() {
  # shellcheck disable=SC2086
  set -- "$1" $2 $3 "$4" "${5:-}"
  d_conn=$(($5 - $2)) d_mesg=$(($6 - $3)) d_rcpt=$(($7 - $4))
  echo "$1: the sink counted $d_conn connections, $d_mesg messages, $d_rcpt recipients"
  [ "$d_mesg" = "$8" ] || warn "warning: $1: the sink counted $d_mesg messages, not $8"
  [ -z "$9" ] || [ "$d_rcpt" = "$9" ] || warn "warning: $1: the sink counted $d_rcpt recipients, not $9"
}
