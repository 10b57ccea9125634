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
trap 'chmod -R u+rwx "$T_ROOT" 2>/dev/null; rm -rf "$T_ROOT"' EXIT

t_tmpdir() {
  mktemp -d "$T_ROOT/d.XXXXXX"
}

t_done() {
  echo "1..$t_n"
  [ "$t_failed" -eq 0 ]
}
