#!/bin/sh
# run.sh TEST... -- run the tests and summarise.
#
# Each TEST is a unit-test program or an integration script that prints
# TAP ("ok N - name", "not ok N - name", "ok N - name # SKIP why") and,
# when it has finished, its plan "1..N" (t_done in tests/lib.sh,
# unit_done() in tests/unit/unit.h).  A test that exits non-zero without
# reporting a failure, is killed by the time limit, stops before its plan
# line or reports a different number of tests than its plan says counts
# as one failure.  The last line is
# "N passed, N failed" (", N skipped" when any); the exit status is 1
# when anything failed.
#
# Integration scripts get TOP (the source tree), QBIN (the built
# programs) and QSTATIC (the static-link flag; empty in sanitizer builds).
TOP=$(pwd)
QBIN=$TOP/build/bin
export TOP QBIN QSTATIC
limit=${TEST_TIMEOUT:-600}

passed=0 failed=0 skipped=0
failures=
out=$(mktemp)
trap 'rm -f "$out"' EXIT

for t in "$@"; do
  case $t in
    */*) ;;
    *) t=./$t ;;
  esac
  echo "# $t"
  if command -v timeout >/dev/null 2>&1; then
    timeout "$limit" "$t" > "$out" 2>&1 < /dev/null
  else
    "$t" > "$out" 2>&1 < /dev/null
  fi
  rc=$?
  cat "$out"
  p=$(grep -a '^ok ' "$out" | grep -avc '# SKIP')
  s=$(grep -a '^ok ' "$out" | grep -ac '# SKIP')
  f=$(grep -ac '^not ok ' "$out")
  n=$((p + s + f))
  plans=$(grep -aEc '^1\.\.[0-9]+([^0-9]|$)' "$out")
  plan=$(grep -aE '^1\.\.[0-9]+([^0-9]|$)' "$out" | sed -n '1s/^1\.\.\([0-9]*\).*/\1/p')
  # a script that went wrong without saying so counts as one failure
  extra=0
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "not ok - $t exited with status $rc"
    extra=1
  fi
  if [ "$rc" -eq 0 ] && [ "$n" -eq 0 ]; then
    echo "not ok - $t ran no test"
    extra=1
  elif [ "$plans" -eq 0 ]; then
    echo "not ok - $t stopped before its plan line (after $n tests)"
    extra=1
  elif [ "$plans" -gt 1 ]; then
    echo "not ok - $t printed $plans plan lines"
    extra=1
  elif [ "$plan" -ne "$n" ]; then
    echo "not ok - $t planned $plan tests but reported $n"
    extra=1
  fi
  f=$((f + extra))
  passed=$((passed + p)) skipped=$((skipped + s)) failed=$((failed + f))
  [ "$f" -eq 0 ] || failures="$failures $t"
done

[ -z "$failures" ] || echo "# failing:$failures"
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
