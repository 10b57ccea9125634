#!/bin/sh
# qmail-lspawn starts every delivery itself and watches them all in one
# loop: 40 deliveries that each take a second run side by side (more
# than the loop's first table of 16), every result reaches qmail-send,
# and 20 more leave qmail-lspawn with no more descriptors and no
# children; a delivery still running when qmail-send is
# told to stop is finished and logged, not cut off.  Then the protocol
# with qmail-send spoken directly: bad requests, end of input.
. "$TOP/tests/lib.sh"

W=$(t_tmpdir)
I=$W/inst
# nothing is delivered as root: as root, nobody owns the instance
t_instance_nobody "$I" test.example
A=$I/alias
t_maildir "$A/slow/Maildir"
printf '|sleep 1\n./slow/Maildir/\n' > "$A/.qmail-slow"
t_maildir "$A/last/Maildir"
printf '|sleep 3\n./last/Maildir/\n' > "$A/.qmail-last"
echo 40 > "$I/control/concurrencylocal"
[ "$(id -u)" = 0 ] && chown -R "nobody:$(id -g nobody)" "$A"

# 40 messages queued before qmail-send starts, so that all 40 are due
# at once (queued one by one with qmail-send running, a slow machine
# would let the first ones finish before the last ones start)
i=0
while [ $i -lt 40 ]; do
  printf 'Subject: slow %s\n\nx\n' "$i" | t_queue "$I" sender@test.example slow@test.example
  i=$((i + 1))
done
t_start "$I"
start=$(date +%s)
send=$(cat "$I/send.pid")
lspawn=$(ps -eo pid=,ppid=,comm= | awk -v p="$send" '$2 == p && $3 == "qmail-lspawn" { print $1 }')
t_ok "qmail-lspawn found" test -n "$lspawn"
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l | tr -d ' '; }
kids() { ps -eo ppid= | awk -v p="$1" '$1 == p' | wc -l | tr -d ' '; }

t_ok "all 40 slow deliveries arrive" t_wait_mail "$A/slow/Maildir" 40 30
end=$(date +%s)
# one after the other they would take 40 seconds
t_ok "side by side: within 20 seconds (took $((end - start)))" test $((end - start)) -lt 20
busiest=$(sed -n 's|^status: local \([0-9]*\)/40 .*|\1|p' "$I/send.log" | sort -n | tail -n 1)
t_ok "more than 16 ran at once (at most $busiest)" test "${busiest:-0}" -gt 16
t_check "40 successes logged" "$(grep -c '^delivery [0-9]*: success: ' "$I/send.log")" 40
t_match "each says what qmail-local did" "$(grep '^delivery [0-9]*: success: ' "$I/send.log" | sort -u -t: -k3 | sed 's/^delivery [0-9]*: //')" \
  '^success: did_1\+0\+1/$'
t_fail "no delivery deferred or failed" grep -Eq '^delivery [0-9]+: (deferral|failure): ' "$I/send.log"
t_ok "every slot is free again" \
  sh -c 'i=0; while [ $i -lt 50 ]; do
           grep "^status: " "$1/send.log" | tail -n 1 | grep -q "^status: local 0/40 " && exit 0
           sleep 0.1; i=$((i + 1)); done; exit 1' x "$I"
t_check "qmail-lspawn has no children left" "$(kids "$lspawn")" 0
# 20 more, queued while it runs: nothing is left behind per delivery
fds1=$(fds "$lspawn")
i=0
while [ $i -lt 20 ]; do
  printf 'Subject: more %s\n\nx\n' "$i" | t_queue "$I" sender@test.example slow@test.example
  i=$((i + 1))
done
t_ok "20 more arrive" t_wait_mail "$A/slow/Maildir" 60 30
t_ok "and their slots are free again" \
  sh -c 'i=0; while [ $i -lt 50 ]; do
           grep "^status: " "$1/send.log" | tail -n 1 | grep -q "^status: local 0/40 " && exit 0
           sleep 0.1; i=$((i + 1)); done; exit 1' x "$I"
t_check "qmail-lspawn holds as many descriptors as after the first 40" "$(fds "$lspawn")" "$fds1"
t_check "and has no children left" "$(kids "$lspawn")" 0

# a delivery that is running when qmail-send is told to stop
printf 'Subject: last\n\nx\n' | t_queue "$I" sender@test.example last@test.example
t_ok "the last delivery starts" t_wait_log "$I" '^starting delivery [0-9]+: msg [0-9]+ to local last@test.example$'
kill -TERM "$send"
i=0
while kill -0 "$send" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
t_fail "qmail-send has exited" kill -0 "$send"
i=0
while kill -0 "$lspawn" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
t_fail "so has qmail-lspawn" kill -0 "$lspawn"
t_ok "the running delivery was finished" t_wait_mail "$A/last/Maildir" 1 1
n=$(sed -n 's/^starting delivery \([0-9]*\): msg [0-9]* to local last@test.example$/\1/p' "$I/send.log")
t_match "and its result logged" "$(cat "$I/send.log")" "^delivery $n: success: "
t_stop "$I"

# the protocol with qmail-send, spoken directly: a request that is no
# request is skipped, one for a message that is not in the queue is
# answered Z, and end of input ends it (exit 0) after the last result
req() {   # req SLOT ID SENDER RCPT: one request netstring
  python3 -c 'import sys; b = "\0".join(sys.argv[1:]).encode(); sys.stdout.buffer.write(b"%d:%s," % (len(b), b))' "$@"
}
{ printf '5:hello,'; req 7 999999999 a@test.example joe@test.example; } > "$W/requests"
t_as_owner "$I" env QMAILHOME="$I" "$QBIN/qmail-lspawn" ./Maildir/ < "$W/requests" > "$W/results" 2> "$W/err"
t_check "end of input: exit 0" "$?" 0
t_match "the bad request is reported and skipped" "$(cat "$W/err")" 'malformed request from qmail-send: ignored'
t_check "the other is answered Z for its slot" "$(tr '\0' '|' < "$W/results")" \
  "57:7|ZUnable to open the message file in the queue. (#4.3.0),"
# a stream that is not netstrings: no more requests, exit 111
printf 'garbage' | t_as_owner "$I" env QMAILHOME="$I" "$QBIN/qmail-lspawn" ./Maildir/ > "$W/results" 2> "$W/err"
t_check "a broken request stream: exit 111" "$?" 111
t_match "and says so" "$(cat "$W/err")" 'malformed request stream from qmail-send'
t_done
