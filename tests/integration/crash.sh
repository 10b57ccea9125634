#!/bin/sh
# Crash safety: inject messages while SIGKILLing qmail-queue, qmail-send
# and qmail-local at random moments; every message whose injection
# exited 0 must be delivered at least once, a message is delivered more
# than once only when a kill caught its delivery in flight, and the
# queue must be consistent afterwards.  Bounded: ROUNDS injections,
# 120 s to drain.
. "$TOP/tests/lib.sh"

ROUNDS=${CRASH_ROUNDS:-60}
I=$(t_tmpdir)/inst
t_instance "$I" test.example
A=$I/alias
t_maildir "$A/inbox/Maildir"
# pauses around the maildir delivery keep qmail-local alive long enough
# to be killed, before or after it has written the message
printf '|sleep 0.05\n./inbox/Maildir/\n|sleep 0.05\n' > "$A/.qmail-default"
t_start "$I"

# SIGKILL this instance's qmail-local processes, waiting up to 0.2 s
# for one to appear (a delivery takes a few milliseconds).
locals_killed=0
kill_locals() {
  k=0
  while [ $k -lt 10 ]; do
    for p in $(pgrep -x qmail-local 2>/dev/null); do
      [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$A" ] && kill -KILL "$p" 2>/dev/null \
        && locals_killed=$((locals_killed + 1)) && k=10
    done
    [ $k -lt 10 ] && sleep 0.02
    k=$((k + 1))
  done
}

# How many deliveries a SIGKILL of qmail-send can make happen twice.
# Its successor starts over every recipient not marked done in local/,
# so what may be repeated is each delivery that was handed to
# qmail-lspawn but not yet marked done when it died: the orphaned
# qmail-local goes on and delivers, and the new qmail-send delivers
# again.  Each of those holds a delivery slot (or is the one being
# handed over to a free slot), so there are at most concurrencylocal
# of them.  The log says which: qmail-send writes it unbuffered and
# alone, so once it is dead the log since its start is complete, and
# the deliveries in flight are the "starting delivery N" lines without
# a "delivery N:" result line, plus at most one the log cannot show (a
# request is written to qmail-lspawn just before "starting delivery" is
# logged, and a result is logged just before it is marked done; killed
# at one point, the process is inside at most one of these windows).
# Each kill adds the smaller of the two bounds.
segment=$(t_tmpdir)/log.segment
conc=$(cat "$I/control/concurrencylocal" 2>/dev/null || echo 10)
in_flight=0
count_in_flight() {
  tail -n +$((T_LOG_FROM + 1)) "$I/send.log" > "$segment"
  n=$(sed -n 's/^starting delivery \([0-9]*\): .*/\1/p' "$segment" | sort -u | while read -r d; do
        grep -q "^delivery $d: " "$segment" || echo "$d"
      done | wc -l)
  n=$((n + 1))
  [ "$n" -gt "$conc" ] && n=$conc
  in_flight=$((in_flight + n))
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
    spid=$(cat "$I/send.pid")
    kill -KILL "$spid" 2>/dev/null
    sends_killed=$((sends_killed + 1))
    wait "$spid" 2>/dev/null      # dead: its log is complete
    count_in_flight
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

# Duplicates: each message has its own Subject crash-N.
dups=$(cat "$A"/inbox/Maildir/new/* 2>/dev/null | grep '^Subject: crash-[0-9]*$' | sort | uniq -c \
  | awk '$1 > 1 { d += $1 - 1 } END { print d + 0 }')
bound=$((in_flight + locals_killed))
echo "# duplicates: $dups (after $sends_killed qmail-send kills, $locals_killed qmail-local kills)"
echo "# in flight at the qmail-send kills: at most $in_flight; qmail-local processes killed: $locals_killed"
# Each qmail-local killed may already have put the message into new/;
# its delivery is then retried: at most one more copy per process.
t_ok "duplicates ($dups) do not exceed the deliveries in flight at the kills ($bound)" \
  test "$dups" -le "$bound"
t_ok "at least one message was accepted" test -s "$expected"
t_stop "$I"
out=$(QMAILHOME=$I "$QBIN/qmail-instcheck" -n 2>&1)
t_check "qmail-instcheck finds the tree consistent" "$?" 0
t_match "no inconsistent queue entries" "$out" '^problems: 0,'
t_done
