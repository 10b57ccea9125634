# lib.sh -- helpers for integration tests (sourced, POSIX sh).
#
#   . "$TOP/tests/lib.sh"
#   t_ok "name" command args...      passes when the command exits 0
#   t_fail "name" command args...    passes when the command exits non-zero
#   t_check "name" "$got" "$want"    passes when the strings are equal
#   t_match "name" "$text" PATTERN   passes when grep -E finds PATTERN
#   t_skip "name" "why"
#   t_tmpdir                         prints a fresh directory, removed at exit
#   t_done                           exits 1 if anything failed
#
# Output is TAP, read by tests/run.sh.

: "${TOP:?run through tests/run.sh}"
: "${QBIN:=$TOP/build/bin}"
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

# Every temporary directory lives under one root made per test script
# and removed when it exits, so runs never see each other's leftovers.
T_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/qmail-test.XXXXXX")
T_STARTED=
trap 'for t_d in $T_STARTED; do t_stop "$t_d"; done
      chmod -R u+rwx "$T_ROOT" 2>/dev/null; rm -rf "$T_ROOT"' EXIT

t_tmpdir() {
  mktemp -d "$T_ROOT/d.XXXXXX"
}

t_done() {
  echo "1..$t_n"
  [ "$t_failed" -eq 0 ]
}

# An instance of the mail system in DIR (created), whose control/me is
# HOST (default test.example), with bin/ pointing at the built programs.
t_instance() {
  mkdir -p "$1" && chmod 755 "$1" || return 1
  QMAILHOME=$1 "$QBIN/qmail-instcheck" > /dev/null || return 1
  ln -s "$QBIN" "$1/bin"
  echo "${2:-test.example}" > "$1/control/me"
}

# A maildir at PATH.
t_maildir() {
  mkdir -p "$1/cur" "$1/new" "$1/tmp"
}

# Start the daemons of instance DIR; the log is appended to DIR/send.log
# and t_wait_log looks only at what this start logs.
t_start() {
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
