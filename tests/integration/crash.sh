#!/bin/sh
# Crash safety: inject messages while SIGKILLing qmail-queue, qmail-send
# and qmail-local at random moments; every message whose injection
# exited 0 must be delivered at least once, and the queue must be
# consistent afterwards.  Bounded: ROUNDS injections, 120 s to drain.
. "$TOP/tests/lib.sh"

ROUNDS=${CRASH_ROUNDS:-60}
I=$(t_tmpdir)/inst
t_instance "$I" test.example
A=$I/alias
t_maildir "$A/inbox/Maildir"
echo ./inbox/Maildir/ > "$A/.qmail-default"
t_start "$I"

kill_locals() {
  for p in $(pgrep -x qmail-local 2>/dev/null); do
    [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$A" ] && kill -KILL "$p" 2>/dev/null
  done
}
rand() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }

expected=$(t_tmpdir)/expected
: > "$expected"
sends_killed=0 queues_killed=0
i=0
while [ $i -lt $ROUNDS ]; do
  i=$((i + 1))
  r=$(rand)
  env=$(t_tmpdir)
  printf 'Fsender@test.example\0Tuser%s@test.example\0\0' "$i" > "$env/e"
  printf 'Subject: crash-%s\n\nround %s\n' "$i" "$i" > "$env/m"
  QMAILHOME=$I "$QBIN/qmail-queue" < "$env/m" 1< "$env/e" &
  qpid=$!
  if [ $((r % 3)) -eq 0 ]; then
    # kill qmail-queue somewhere in its work
    sleep "0.00$((r % 9))"
    kill -KILL "$qpid" 2>/dev/null && queues_killed=$((queues_killed + 1))
  fi
  wait "$qpid" && echo "crash-$i" >> "$expected"
  if [ $((r % 7)) -eq 0 ]; then
    kill -KILL "$(cat "$I/send.pid")" 2>/dev/null
    sends_killed=$((sends_killed + 1))
    sleep 0.2
    t_start "$I"
  fi
  [ $((r % 5)) -eq 0 ] && kill_locals
done
echo "# $ROUNDS injections, $(wc -l < "$expected") accepted, qmail-queue killed $queues_killed times, qmail-send $sends_killed times"

# drain: retry deferred deliveries until nothing is left (bounded)
drained=no
j=0
while [ $j -lt 120 ]; do
  left=$(find "$I/queue/info" "$I/queue/todo" -type f | wc -l)
  [ "$left" -eq 0 ] && { drained=yes; break; }
  kill -ALRM "$(cat "$I/send.pid")" 2>/dev/null
  sleep 1; j=$((j + 1))
done
t_check "the queue drains" "$drained" yes

missing=
for s in $(cat "$expected"); do
  grep -lq "^Subject: $s\$" "$A"/inbox/Maildir/new/* 2>/dev/null || missing="$missing $s"
done
t_check "every accepted message was delivered" "$missing" ""
t_ok "at least one message was accepted" test -s "$expected"
t_stop "$I"
out=$(QMAILHOME=$I "$QBIN/qmail-instcheck" -n 2>&1)
t_check "qmail-instcheck finds the tree consistent" "$?" 0
t_match "no inconsistent queue entries" "$out" '^problems: 0,'
t_done
