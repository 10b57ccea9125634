#!/bin/sh
# setlock: runs the program holding an flock(2) lock on the file, waits
# for (-N) or gives up on (-n) a lock held elsewhere, is quiet with -x,
# passes the program's exit code on, and says why when it cannot lock.
. "$TOP/tests/lib.sh"

S=$QBIN/setlock
W=$(t_tmpdir)
F=$W/lock

"$S" 2> "$W/err"; rc=$?
t_check "no arguments: exit 100" "$rc" 100
t_match "no arguments: usage" "$(cat "$W/err")" "usage: setlock"
"$S" "$F" 2> /dev/null; rc=$?
t_check "no program: exit 100" "$rc" 100
"$S" -q "$F" true 2> /dev/null; rc=$?
t_check "an unknown option: exit 100" "$rc" 100

out=$("$S" "$F" echo ran); rc=$?
t_check "the program runs" "$out" ran
t_check "its exit code 0 is passed on" "$rc" 0
t_check "the lock file is created mode 600" "$(stat -c %a "$F")" 600
"$S" "$F" sh -c 'exit 7'; rc=$?
t_check "exit code 7 is passed on" "$rc" 7
"$S" -- "$F" true; rc=$?
t_check "-- ends the options" "$rc" 0

if command -v flock > /dev/null 2>&1; then
  "$S" "$F" sh -c "flock -n '$F' true"; rc=$?
  t_check "the program holds the lock (flock -n fails inside)" "$rc" 1
  flock -n "$F" true; rc=$?
  t_check "the lock is gone once the program exits" "$rc" 0
else
  t_skip "the program holds the lock" "flock(1) not installed"
  t_skip "the lock is gone once the program exits" "flock(1) not installed"
fi

# a holder keeps the lock for a while; its children inherit it
: > "$W/order"
"$S" "$F" sh -c "touch '$W/held'; sleep 1.5; echo first >> '$W/order'" &
hp=$!
i=0; while [ ! -e "$W/held" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
t_ok "the holder is running" test -e "$W/held"

"$S" -n "$F" sh -c "echo nowait >> '$W/order'" 2> "$W/err"; rc=$?
t_check "-n while held: exit 111" "$rc" 111
t_match "-n while held: says so" "$(cat "$W/err")" \
  "setlock: fatal: unable to lock .*: held by another process"
out=$("$S" -nx "$F" sh -c "echo nowait >> '$W/order'" 2>&1); rc=$?
t_check "-nx while held: exit 0" "$rc" 0
t_check "-nx while held: silent" "$out" ""

start=$(date +%s.%N)
"$S" "$F" sh -c "echo second >> '$W/order'"; rc=$?
end=$(date +%s.%N)
t_check "-N (default) waits, then runs" "$rc" 0
t_check "the waiting program ran after the holder, the refused ones never" \
  "$(cat "$W/order" | tr '\n' ' ')" "first second "
t_ok "the wait lasted until the holder let go" \
  awk -v s="$start" -v e="$end" 'BEGIN { exit !(e - s > 0.5) }'
wait $hp

# cannot open the lock file
"$S" "$W/none/lock" true 2> "$W/err"; rc=$?
t_check "missing directory: exit 111" "$rc" 111
t_match "missing directory: the reason" "$(cat "$W/err")" \
  "unable to open .*/none/lock: .*No such file"
out=$("$S" -x "$W/none/lock" sh -c 'echo should-not-run' 2>&1); rc=$?
t_check "-x missing directory: exit 0" "$rc" 0
t_check "-x missing directory: silent, program not run" "$out" ""

"$S" "$F" "$W/no-such-program" 2> "$W/err"; rc=$?
t_check "a program that cannot be run: exit 111" "$rc" 111
t_match "a program that cannot be run: named" "$(cat "$W/err")" \
  "unable to run .*no-such-program"

# an I/O error on open is not "missing": it is reported, program not run
# (only setlock is traced: the program it would run is not)
if command -v strace > /dev/null 2>&1; then
  out=$(strace -o /dev/null -P "$F" -e trace=open,openat -e inject=open,openat:error=EIO \
    "$S" "$F" sh -c 'echo should-not-run' 2>&1); rc=$?
  t_check "EIO on open: exit 111" "$rc" 111
  t_match "EIO on open: the error is named" "$out" "unable to open .*(I/O|Input/output) error"
  t_fail "EIO on open: the program does not run" \
    sh -c "printf '%s' '$out' | grep -q should-not-run"
  out=$(strace -o /dev/null -P "$F" -e trace=flock -e inject=flock:error=EIO \
    "$S" "$F" sh -c 'echo should-not-run' 2>&1); rc=$?
  t_check "EIO on flock: exit 111" "$rc" 111
  t_match "EIO on flock: the error is named" "$out" "unable to lock .*(I/O|Input/output) error"
else
  t_skip "EIO on open" "strace not installed"
fi
t_done
