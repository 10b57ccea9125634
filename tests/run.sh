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
#
# Up to TEST_JOBS tests (default 2) run at the same time.  A test's
# output goes to a file of its own and is printed whole, under its
# "# TEST" line, once it has ended, so the blocks never mix and come in
# the order the tests end.  TEST_JOBS=1 runs the tests one after the
# other in the order given, each "# TEST" line printed as it starts.
# With more than one job the order is:
#   1. programs (files not starting with "#!", the unit tests), one at
#      a time, in the order given;
#   2. scripts marked "alone", one at a time with nothing beside them;
#   3. the other scripts, TEST_JOBS at once: those marked "long" start
#      first, then the rest in the order given.
# A script is marked by a line in its header (the comment lines at its
# top) that reads
#   # run.sh: alone -- why
# ("long", or "alone long"; " -- why" is optional).  "alone" is for a
# script whose assertions a busy machine could break (it times what it
# checks or counts processes) or that would disturb the others; "long"
# for one that takes long enough to decide the wall time.
# The "# failing:" line names the failed tests in the order given.
TOP=$(pwd)
QBIN=$TOP/build/bin
export TOP QBIN QSTATIC
limit=${TEST_TIMEOUT:-600}
slots=${TEST_JOBS:-2}
case $slots in
  '' | *[!0-9]*) slots=0 ;;
esac
if [ "$slots" -lt 1 ]; then
  echo "run.sh: TEST_JOBS must be a positive number, not \"$TEST_JOBS\"" >&2
  exit 2
fi
have_timeout=
command -v timeout > /dev/null 2>&1 && have_timeout=yes

passed=0 failed=0 skipped=0
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
# a finished test's index arrives on fd 3; read-write so that opening
# the FIFO waits for nobody
mkfifo "$work/done" || exit 1
exec 3<> "$work/done"
running=
# Interrupted: stop the tests still running (timeout passes the signal
# on to its test, which cleans up after itself).
trap 'for i in $running; do
        [ -s "$work/$i.pid" ] && kill -TERM "$(cat "$work/$i.pid")" 2> /dev/null
      done; exit 130' INT TERM HUP

# start INDEX: run test INDEX in the background, its output in
# $work/INDEX.out, its exit status in $work/INDEX.rc and what the shell
# says about how it ended in $work/INDEX.err; INDEX is written to fd 3
# when it has ended.
start() {
  eval "st_test=\$test_$1"
  (
    if [ -n "$have_timeout" ]; then
      timeout "$limit" "$st_test" > "$work/$1.out" 2>&1 < /dev/null 3>&- &
    else
      "$st_test" > "$work/$1.out" 2>&1 < /dev/null 3>&- &
    fi
    echo $! > "$work/$1.pid"
    wait $!
    echo $? > "$work/$1.rc"
    echo "$1" >&3
  ) 2> "$work/$1.err" &
  running="$running $1"
}

# finish [header]: wait for a test to end, print its output (after its
# "# TEST" line when asked to) and count its results.
finish() {
  read -r fi_i <&3 || exit 1
  running=$(for i in $running; do [ "$i" = "$fi_i" ] || printf ' %s' "$i"; done)
  eval "t=\$test_$fi_i"
  [ -z "$1" ] || echo "# $t"
  out=$work/$fi_i.out
  rc=$(cat "$work/$fi_i.rc")
  # the shell's word on how it ended ("Segmentation fault") last, as
  # when the test's own output and the shell's went to one file
  cat "$out" "$work/$fi_i.err"
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
  [ "$f" -eq 0 ] || eval "failed_$fi_i=yes"
  rm -f "$out" "$work/$fi_i.err"
}

# one_by_one INDEX...: each test alone, its "# TEST" line first.
one_by_one() {
  for i in "$@"; do
    eval "echo \"# \$test_$i\""
    start "$i"
    finish
  done
}

seq_to() {   # N: 1 to N, one a line
  st_i=1
  while [ $st_i -le "$1" ]; do echo $st_i; st_i=$((st_i + 1)); done
}

ntests=0 programs= alone= long= rest=
for t in "$@"; do
  case $t in
    */*) ;;
    *) t=./$t ;;
  esac
  ntests=$((ntests + 1))
  eval "test_$ntests=\$t"
  if ! head -n 1 "$t" 2> /dev/null | grep -q '^#!'; then
    programs="$programs $ntests"
    continue
  fi
  marks=$(sed -n -e '/^#/!q' -e '/^# run\.sh:/{s/^# run\.sh://;s/ --.*//;s/.*/ & /;p;}' "$t" \
    | tr '\t\n' '  ')
  case $marks in
    *" alone "*) alone="$alone $ntests" ;;
    *" long "*) long="$long $ntests" ;;
    *) rest="$rest $ntests" ;;
  esac
done

if [ "$slots" -eq 1 ]; then
  one_by_one $(seq_to $ntests)
else
  one_by_one $programs $alone
  for i in $long $rest; do
    set -- $running
    [ $# -lt "$slots" ] || finish header
    start "$i"
  done
  while [ -n "$running" ]; do
    finish header
  done
fi

failures=
for i in $(seq_to $ntests); do
  eval "[ -z \"\${failed_$i:-}\" ] || failures=\"\$failures \$test_$i\""
done
[ -z "$failures" ] || echo "# failing:$failures"
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
