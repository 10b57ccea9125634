# lib.sh -- helpers for integration tests (sourced, POSIX sh).
#
#   . "$TOP/tests/lib.sh"
#   t_ok "name" command args...      passes when the command exits 0
#   t_fail "name" command args...    passes when the command exits non-zero
#   t_check "name" "$got" "$want"    passes when the strings are equal
#   t_match "name" "$text" PATTERN   passes when grep -E finds PATTERN
#   t_skip "name" "why"              "ok N - name # SKIP why"
#   t_tmpdir                         prints a fresh directory, removed at exit
#   t_done                           prints the plan "1..N"; exits 1 if
#                                    anything failed.  Every script ends
#                                    with it: tests/run.sh counts a script
#                                    without its plan line as failed.
#
# A mail system instance in a temporary directory:
#   t_instance DIR [HOST]            create it (control/me is HOST)
#   t_maildir PATH                   a maildir (cur, new, tmp)
#   t_start DIR [DEFAULTDELIVERY]    start its daemons (log: DIR/send.log)
#   t_stop DIR                       stop them (also done at exit)
#   t_queue DIR SENDER RCPT... < msg queue a message with qmail-queue
#   t_wait_log DIR PATTERN [SECS]    wait for a line of this start's log
#   t_wait_mail MAILDIR [N] [SECS]   wait for N messages in MAILDIR/new
#   t_wait_grep FILE PATTERN [SECS]  wait for PATTERN in FILE
#   t_make ARG...                    run make without the job server
#
# Ports and processes (the port helpers need python3):
#   t_free_port                      prints a free TCP port on 127.0.0.1
#   t_wait_port PORT                 waits up to 10 s until something
#                                    accepts connections on 127.0.0.1:PORT
#   t_alive PID                      true when PID is a process, not a
#                                    zombie (an init slow to reap keeps them)
#   t_children PID                   prints PID's child processes, one a
#                                    line, zombies left out
#   t_stop_tree PID [CHILD...]       TERM PID, KILL it when it is still
#                                    there after 10 s, and reap it; then
#                                    KILL each CHILD still there after 5 s
#   t_dnsmasq PROBE ARG...           a private dnsmasq ($DNSMASQ, else
#                                    the one installed) on a free port of
#                                    127.0.0.1 (five tries), no upstream
#                                    server and no /etc/hosts, serving the
#                                    records in ARG... (--host-record=,
#                                    --mx-host=, --local=/test/ ...); up
#                                    once "dnsip PROBE" gets an answer
#                                    through it.  Sets T_DNSPORT (empty
#                                    when it did not come up; its errors
#                                    in $T_ROOT/dnsmasq.err) and puts its
#                                    pid on T_PIDS.
#
# Privileges.  Run as root, the suite still runs every instance as an
# unprivileged user, so the privilege split is exercised, not bypassed:
# t_instance gives the instance directory to $T_USER (default nobody;
# a name, or numeric uid:gid).  qmail-start, started by root, then
# switches every daemon to the roles it maps to that owner (see
# src/lib/instance.h), deliveries run as that owner, never as root, and
# qmail-queue run by root drops to it.  The temporary directories are
# traversable (mode 755) so that user reaches them.  What the test
# creates in the instance as root (maildirs, .qmail and control files)
# is given to the owner by t_start (files already owned by another
# non-root user are left alone), and by these, for later changes:
#   t_give DIR [PATH...]             give PATH (default DIR; recursive,
#                                    symlinks not followed, DIR/bin kept)
#                                    to the owner of instance DIR
#   t_as_owner DIR CMD ARG...        run CMD as the owner of instance DIR
#   t_owner DIR                      print that owner as uid:gid
# A new maildir (t_maildir) belongs to the owner of the directory it is
# made in.  Run by an ordinary user, all of this is that user and these
# helpers change nothing.  A test that needs a root-owned instance on
# purpose chowns DIR to root after t_instance; t_start then leaves the
# tree alone.
#
# Output is TAP, read by tests/run.sh.
#
# DNS: $DNSSERVER is 127.0.0.1:1 unless the caller set it, so no test
# reaches a real resolver (tests with dnsmasq set their own).

: "${TOP:?run through tests/run.sh}"
: "${QBIN:=$TOP/build/bin}"
# Tests never ask this machine's resolver: a mail system with
# qmail-remote installed would otherwise look up (and connect to) the
# domains of remote recipients.  Port 1 on loopback refuses at once, so
# every lookup fails temporarily unless a test names its own server.
: "${DNSSERVER:=127.0.0.1:1}"
export DNSSERVER
t_n=0
t_failed=0
t_dirs=

t_report() {
  t_n=$((t_n + 1))
  if [ "$1" = 0 ]; then
    echo "ok $t_n - $2"
  else
    echo "not ok $t_n - $2"
    t_failed=$((t_failed + 1))
  fi
}

t_ok() {
  t_name=$1; shift
  if "$@" > "${t_log:-/dev/null}" 2>&1; then t_report 0 "$t_name"
  else
    echo "# command failed: $*"
    t_report 1 "$t_name"
  fi
}

t_fail() {
  t_name=$1; shift
  if "$@" > "${t_log:-/dev/null}" 2>&1; then
    echo "# command unexpectedly succeeded: $*"
    t_report 1 "$t_name"
  else t_report 0 "$t_name"
  fi
}

t_check() {
  if [ "$2" = "$3" ]; then t_report 0 "$1"
  else
    printf '# got:  %s\n# want: %s\n' "$2" "$3" | head -40
    t_report 1 "$1"
  fi
}

t_match() {
  if printf '%s\n' "$2" | grep -Eq -- "$3"; then t_report 0 "$1"
  else
    printf '# no match for /%s/ in:\n' "$3"
    printf '%s\n' "$2" | sed 's/^/#   /' | head -40
    t_report 1 "$1"
  fi
}

t_skip() {
  t_n=$((t_n + 1))
  echo "ok $t_n - $1 # SKIP $2"
}

# Run the make that runs the tests (GNU make or bmake) with the same
# variable overrides (CC, CFLAGS of a sanitizer build, ...) but without
# the parent's job-server options, whose descriptors tests do not have.
t_make() {
  t_flags=$(printf '%s' "${MAKEFLAGS:-}" | sed -e 's/--jobserver-[a-z]*=[^ ]*//g' \
    -e 's/-J *[0-9][0-9]*,[0-9][0-9]*//g' -e 's/-j *[0-9]*//g')
  MAKEFLAGS=$t_flags ${MAKE:-make} "$@"
}

# Who runs instances.  As root: $T_USER (a name, or uid:gid), by
# default nobody, which every Debian system has, qmail users or not.
T_UID=$(id -u)
T_OWNER=
if [ "$T_UID" = 0 ]; then
  : "${T_USER:=nobody}"
  case $T_USER in
    *[!0-9:]*) T_OWNER=$(id -u "$T_USER" 2>/dev/null):$(id -g "$T_USER" 2>/dev/null) ;;
    *:*) T_OWNER=$T_USER ;;
    *) T_OWNER=$T_USER:$T_USER ;;
  esac
  case $T_OWNER in
    [0-9]*:[0-9]*) ;;
    *) echo "Bail out! T_USER=$T_USER: no such user"; exit 1 ;;
  esac
  if [ "${T_OWNER%%:*}" = 0 ]; then
    echo "Bail out! T_USER=$T_USER is root: instances must run unprivileged"
    exit 1
  fi
fi

# Every temporary directory lives under one root made per test script
# and removed when it exits, so runs never see each other's leftovers.
T_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/qmail-test.XXXXXX")
T_STARTED=
# servers a test started in the background (T_PIDS="$T_PIDS $!"): TERMed
# at exit
T_PIDS=
trap 'for t_d in $T_STARTED; do t_stop "$t_d"; done
      for t_p in $T_PIDS; do kill -TERM "$t_p" 2>/dev/null; done
      chmod -R u+rwx "$T_ROOT" 2>/dev/null; rm -rf "$T_ROOT"' EXIT
[ "$T_UID" = 0 ] && chmod 755 "$T_ROOT"

t_tmpdir() {
  t_tmp=$(mktemp -d "$T_ROOT/d.XXXXXX") || return 1
  [ "$T_UID" = 0 ] && chmod 755 "$t_tmp"
  echo "$t_tmp"
}

t_done() {
  echo "1..$t_n"
  [ "$t_failed" -eq 0 ]
}

# The owner of instance DIR as uid:gid.
t_owner() {
  stat -c %u:%g "$1"
}

# Give PATH... (default DIR itself, the whole instance) to the owner of
# instance DIR: everything root owns below them, without following
# symbolic links and without touching DIR/bin.  Only as root, and only
# when the instance is not root's own.
t_give() {
  [ "$T_UID" = 0 ] || return 0
  t_gd=$1; shift
  t_go=$(t_owner "$t_gd") || return 1
  [ "${t_go%%:*}" = 0 ] && return 0
  [ $# -gt 0 ] || set -- "$t_gd"
  find "$@" -path "$t_gd/bin" -prune -o -user 0 -exec chown -h "$t_go" {} + || return 1
}

# Run CMD ARG... as the owner of instance DIR (as itself when not root).
t_as_owner() {
  t_ad=$1; shift
  if [ "$T_UID" != 0 ]; then "$@"; return; fi
  t_ao=$(t_owner "$t_ad") || return 1
  if [ "${t_ao%%:*}" = 0 ]; then "$@"; return; fi
  if command -v setpriv > /dev/null 2>&1; then
    setpriv --reuid="${t_ao%%:*}" --regid="${t_ao#*:}" --clear-groups -- "$@"
  else
    su -s /bin/sh -c 'exec "$@"' "$(id -nu "${t_ao%%:*}")" -- x "$@"
  fi
}

# An instance of the mail system in DIR (created), whose control/me is
# HOST (default test.example), with bin/ pointing at the built programs.
# As root DIR goes to the test user first (unless it already belongs to
# some user other than root), so qmail-instcheck builds the queue for
# that user, and every directory from T_ROOT down to DIR is made
# traversable.
t_instance() {
  mkdir -p "$1" && chmod 755 "$1" || return 1
  if [ "$T_UID" = 0 ]; then
    if [ "$(stat -c %u "$1")" = 0 ]; then chown "$T_OWNER" "$1" || return 1; fi
    t_up=$(dirname "$1")
    while case $t_up in "$T_ROOT"/*) true ;; *) false ;; esac; do
      chmod o+x "$t_up"; t_up=$(dirname "$t_up")
    done
  fi
  QMAILHOME=$1 "$QBIN/qmail-instcheck" > /dev/null || return 1
  ln -s "$QBIN" "$1/bin"
  echo "${2:-test.example}" > "$1/control/me"
}

# t_instance for a test that, as root, wants the instance to belong to
# nobody rather than to the test user (nothing is delivered as root).
t_instance_nobody() {
  mkdir -p "$1" || return 1
  if [ "$T_UID" = 0 ]; then
    chown "nobody:$(id -g nobody)" "$1" || return 1
    chmod 755 "$T_ROOT" "$(dirname "$1")" || return 1
  fi
  t_instance "$@"
}

# A maildir at PATH.  As root, the directories it creates belong to the
# owner of the directory they are made in.
t_maildir() {
  if [ "$T_UID" != 0 ]; then
    mkdir -p "$1/cur" "$1/new" "$1/tmp"
    return
  fi
  if [ -e "$1" ]; then
    for t_s in cur new tmp; do
      [ -e "$1/$t_s" ] && continue
      mkdir "$1/$t_s" && chown "$(stat -c %u:%g "$1")" "$1/$t_s" || return 1
    done
    return 0
  fi
  t_top=$1
  while [ ! -e "$(dirname "$t_top")" ]; do t_top=$(dirname "$t_top"); done
  mkdir -p "$1/cur" "$1/new" "$1/tmp" \
    && chown -R "$(stat -c %u:%g "$(dirname "$t_top")")" "$t_top"
}

# Start the daemons of instance DIR; the log is appended to DIR/send.log
# and t_wait_log looks only at what this start logs.  As root, the
# instance tree is first given to its owner (t_give).
t_start() {
  t_give "$1" || { echo "# cannot give $1 to its owner"; return 1; }
  T_LOG_FROM=$(cat "$1/send.log" 2>/dev/null | wc -l)
  (cd "$1" && QMAILHOME=$1 exec "$QBIN/qmail-start" "${2:-./Maildir/}" \
     >> "$1/send.log" 2>&1) &
  echo $! > "$1/send.pid"
  T_STARTED="$T_STARTED $1"
  t_wait_log "$1" '^status: local' 10 && return 0
  echo "# qmail-start did not come up; its log ends:"
  tail -n 5 "$1/send.log" | sed 's/^/#   /'
  return 1
}

# Stop them: TERM, then wait (bounded) for qmail-send to exit.
t_stop() {
  [ -f "$1/send.pid" ] || return 0
  t_pid=$(cat "$1/send.pid")
  kill -TERM "$t_pid" 2>/dev/null
  t_i=0
  while kill -0 "$t_pid" 2>/dev/null && [ $t_i -lt 100 ]; do
    sleep 0.1; t_i=$((t_i + 1))
  done
  kill -KILL "$t_pid" 2>/dev/null
  rm -f "$1/send.pid"
}

# Wait up to SECONDS (default 10) for PATTERN (grep -E) in DIR/send.log.
t_wait_log() {
  t_i=0
  while [ $t_i -lt $((${3:-10} * 10)) ]; do
    tail -n +$((${T_LOG_FROM:-0} + 1)) "$1/send.log" 2>/dev/null | grep -Eq -- "$2" && return 0
    sleep 0.1; t_i=$((t_i + 1))
  done
  return 1
}

# Wait up to SECONDS (default 10) for COUNT files in maildir DIR/new.
t_wait_mail() {
  t_i=0
  while [ $t_i -lt $((${3:-10} * 10)) ]; do
    [ "$(ls "$1/new" 2>/dev/null | wc -l)" -ge "${2:-1}" ] && return 0
    sleep 0.1; t_i=$((t_i + 1))
  done
  return 1
}

# Queue a message with the real qmail-queue: t_queue DIR SENDER RCPT... < message
t_queue() {
  t_dir=$1 t_from=$2; shift 2
  t_env=$(mktemp "$T_ROOT/env.XXXXXX")
  { printf 'F%s\0' "$t_from"; for t_r in "$@"; do printf 'T%s\0' "$t_r"; done; printf '\0'; } > "$t_env"
  QMAILHOME=$t_dir "$QBIN/qmail-queue" 1< "$t_env"
}

# Wait up to SECONDS (default 10) for PATTERN (grep -E) in FILE.
t_wait_grep() {
  t_i=0
  while [ $t_i -lt $((${3:-10} * 10)) ]; do
    grep -Eq -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1; t_i=$((t_i + 1))
  done
  return 1
}

t_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

t_wait_port() {
  python3 - "$1" <<'PYEOF'
import socket, sys, time
for i in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PYEOF
}

t_alive() {
  t_state=$(sed 's/.*) //' "/proc/$1/stat" 2> /dev/null | cut -c1)
  [ -n "$t_state" ] && [ "$t_state" != Z ]
}

t_children() {
  for t_st in /proc/[0-9]*/stat; do
    sed 's/^.*) //' "$t_st" 2>/dev/null | {
      read -r t_state t_ppid _ && [ "$t_ppid" = "$1" ] && [ "$t_state" != Z ] &&
        echo "${t_st%/stat}" | sed 's|^/proc/||'
    }
  done
}

t_stop_tree() {
  t_pid=$1; shift
  kill -TERM "$t_pid" 2>/dev/null
  t_i=0
  while t_alive "$t_pid" && [ $t_i -lt 100 ]; do sleep 0.1; t_i=$((t_i + 1)); done
  kill -KILL "$t_pid" 2>/dev/null
  wait "$t_pid" 2>/dev/null
  for t_k in "$@"; do
    t_i=0
    while t_alive "$t_k" && [ $t_i -lt 50 ]; do sleep 0.1; t_i=$((t_i + 1)); done
    kill -KILL "$t_k" 2>/dev/null
  done
}

t_dnsmasq() {
  t_probe=$1; shift
  t_dm_prog=${DNSMASQ:-$(command -v dnsmasq || echo /usr/sbin/dnsmasq)}
  T_DNSPORT=
  for _ in 1 2 3 4 5; do
    t_port=$(t_free_port)
    "$t_dm_prog" -k --port="$t_port" --listen-address=127.0.0.1 --bind-interfaces \
      --no-resolv --no-hosts --conf-file=/dev/null --pid-file= --log-facility=- \
      "$@" 2> "$T_ROOT/dnsmasq.err" &
    t_dm=$!
    t_i=0
    while [ $t_i -lt 50 ] && kill -0 $t_dm 2>/dev/null; do
      if DNSSERVER=127.0.0.1:$t_port "$QBIN/dnsip" "$t_probe" > /dev/null 2>&1; then
        T_DNSPORT=$t_port; break
      fi
      sleep 0.1; t_i=$((t_i + 1))
    done
    if [ -n "$T_DNSPORT" ]; then T_PIDS="$T_PIDS $t_dm"; return 0; fi
    kill $t_dm 2>/dev/null; wait $t_dm 2>/dev/null
  done
  return 1
}
