#!/bin/sh
# run.sh TEST... -- run the tests and summarise.
#
# Each TEST is a unit-test program or an integration script that prints
# TAP ("ok N - name", "not ok N - name", "ok N - name # SKIP why").  A
# test that exits non-zero without reporting a failure, or is killed by
# the time limit, counts as one failure.  The last line is
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
  p=$(grep '^ok ' "$out" | grep -vc '# SKIP')
  s=$(grep '^ok ' "$out" | grep -c '# SKIP')
  f=$(grep -c '^not ok ' "$out")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "not ok - $t exited with status $rc"
    f=1
  fi
  if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$s" -eq 0 ] && [ "$f" -eq 0 ]; then
    echo "not ok - $t ran no test"
    f=1
  fi
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
