#!/bin/sh
# A delivery ends when qmail-local ends: a .qmail program line that
# leaves a background process behind ("|sleep 1000 &"), which keeps the
# report pipe open, neither holds the delivery slot nor delays other
# mail; what qmail-local reported before it exited is still logged.
# run.sh: alone -- times the deliveries, counts its processes
. "$TOP/tests/lib.sh"

W=$(t_tmpdir)
I=$W/inst
# nothing is delivered as root: as root, nobody owns the instance
t_instance_nobody "$I" test.example
A=$I/alias
# a unique argument finds our sleeps, and only ours, at the end
nap=1000.$$
echo "|sleep $nap &" > "$A/.qmail-bg"
echo "|sleep $nap > /dev/null 2>&1 &" > "$A/.qmail-bgquiet"
printf '|echo early report; sleep %s &\n' "$nap" > "$A/.qmail-bgtalk"
# one that never stops writing to the pipe: it must not keep the
# delivery going either, and it dies of SIGPIPE once the pipe is closed
echo "|yes chatty-$nap &" > "$A/.qmail-bgchatty"
t_maildir "$A/joe/Maildir"
echo ./joe/Maildir/ > "$A/.qmail-joe"
echo 2 > "$I/control/concurrencylocal"
[ "$(id -u)" = 0 ] && chown -R "nobody:$(id -g nobody)" "$A"

ours() {   # pids of the background sleeps this test started
  ps -eo pid=,args= | awk -v a="sleep $nap" '{ p = $1; $1 = ""; sub(/^ /, "") } $0 == a { print p }'
}

t_start "$I"
start=$(date +%s)
# more background deliveries than slots: with the old behaviour they
# held both local slots for 1000 seconds
for i in 1 2 3; do
  printf 'Subject: bg %s\n\nx\n' "$i" | t_queue "$I" sender@test.example bg@test.example
done
printf 'Subject: quiet\n\nx\n' | t_queue "$I" sender@test.example bgquiet@test.example
printf 'Subject: talk\n\nx\n' | t_queue "$I" sender@test.example bgtalk@test.example
printf 'Subject: chatty\n\nx\n' | t_queue "$I" sender@test.example bgchatty@test.example
for i in 1 2 3; do
  printf 'Subject: plain %s\n\nx\n' "$i" | t_queue "$I" sender@test.example joe@test.example
done
t_ok "ordinary mail behind them is delivered within 10 seconds" t_wait_mail "$A/joe/Maildir" 3 10
t_ok "every delivery is logged as a success (6 background, 3 maildir)" \
  sh -c 'i=0; while [ $i -lt 100 ]; do
           [ "$(grep -c "^delivery [0-9]*: success: " "$1/send.log")" -ge 9 ] && exit 0
           sleep 0.1; i=$((i + 1)); done; exit 1' x "$I"
end=$(date +%s)
t_ok "all of it took less than 15 seconds" test $((end - start)) -lt 15
log=$(cat "$I/send.log")
t_match "the report written before qmail-local exited is kept" "$log" \
  '^delivery [0-9]+: success: early_report/did_0\+0\+1/$'
t_match "a background process holding the pipe: success" "$log" \
  '^delivery [0-9]+: success: did_0\+0\+1/$'
n=$(sed -n 's/^starting delivery \([0-9]*\): msg [0-9]* to local bgchatty@test.example$/\1/p' "$I/send.log")
line=$(grep "^delivery $n: success: " "$I/send.log")
t_match "the endless writer's delivery is a success" "$line" '^delivery [0-9]+: success: '
t_ok "its report stays within the 1000-byte limit" test "${#line}" -le 1030
t_fail "no delivery was deferred" sh -c 'grep -q "deferral" "$1/send.log"' x "$I"
t_ok "no local slot stays busy (the last status line says 0/2)" \
  sh -c 'i=0; while [ $i -lt 50 ]; do
           grep "^status: " "$1/send.log" | tail -n 1 | grep -q "^status: local 0/2 " && exit 0
           sleep 0.1; i=$((i + 1)); done; exit 1' x "$I"
# the test means something only if the sleeps really outlived qmail-local
n=$(ours | wc -l | tr -d ' ')
t_ok "the background processes are still running (found $n, want 5)" test "$n" -eq 5

t_stop "$I"
for p in $(ours); do kill "$p" 2>/dev/null; done
i=0
while [ -n "$(ours)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
t_check "the background processes are cleaned up" "$(ours)" ""
chatty() { ps -eo pid=,args= | awk -v a="yes chatty-$nap" '{ p = $1; $1 = ""; sub(/^ /, "") } $0 == a { print p }'; }
t_check "the endless writer died when its pipe was closed" "$(chatty)" ""
for p in $(chatty); do kill "$p" 2>/dev/null; done
t_done
