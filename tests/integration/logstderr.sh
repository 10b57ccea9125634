#!/bin/sh
# logstderr: a program's standard error goes to syslog through splogger
# (a private /dev/log, tests/syslog-lib.sh), never to the descriptor 2
# it was given; the program keeps the process id and its exit code;
# failures exit 111 without writing to the client.
. "$TOP/tests/lib.sh"
. "$TOP/tests/syslog-lib.sh"

LS=$QBIN/logstderr
W=$(t_tmpdir)

"$LS" a b < /dev/null > "$W/out" 2> "$W/err"; rc=$?
t_check "too few arguments: exit 100" "$rc" 100
t_match "too few arguments: usage" "$(cat "$W/err")" 'usage: logstderr tag facility program'

# a home without bin/splogger: exit 111, the program is not run and
# nothing is written to descriptors 1 and 2 (the client)
mkdir -p "$W/nohome"
QMAILHOME=$W/nohome "$LS" tag mail sh -c ": > '$W/ran'" > "$W/out" 2> "$W/err"; rc=$?
t_check "no splogger: exit 111" "$rc" 111
t_check "no splogger: nothing to the client" "$(cat "$W/out" "$W/err")" ""
t_fail "no splogger: the program is not run" test -e "$W/ran"

if ! sl_ok; then
  t_skip "syslog records" "no private mount namespace here (unshare)"
  t_done; exit
fi
L=$W/log
sl_start "$L"
H=$W/home
mkdir -p "$H"
ln -s "$QBIN" "$H/bin"

sl_run "$L" env QMAILHOME="$H" sh -c 'echo $$ > "$0"; exec "$@"' "$W/pid" \
  "$LS" lstest mail sh -c 'echo "pid $$"; echo "to stdout"; echo "one on stderr" >&2;
    printf "two on stderr" >&2; exit 7' > "$W/out" 2> "$W/err"
rc=$?
t_check "the program's exit code" "$rc" 7
t_check "the program's standard output is left alone" \
  "$(sed -n 2p "$W/out")" "to stdout"
t_check "the program has logstderr's process id" \
  "$(sed -n 1p "$W/out")" "pid $(cat "$W/pid")"
t_check "nothing reaches the descriptor 2 it was given" "$(cat "$W/err")" ""
sl_wait "$L" 'two on stderr' 5
t_match "standard error is in syslog, tagged" "$(cat "$L/syslog")" \
  '^<22>.* lstest: [0-9]+\.[0-9]{6} one on stderr$'
t_match "the unterminated last line too" "$(cat "$L/syslog")" \
  'lstest: [0-9.]+ two on stderr$'

: > "$L/syslog"
sl_run "$L" env QMAILHOME="$H" "$LS" lstest local3 /nonexistent/program \
  > "$W/out" 2> "$W/err"
rc=$?
t_check "a program that cannot be run: exit 111" "$rc" 111
t_check "a program that cannot be run: nothing to the client" "$(cat "$W/out" "$W/err")" ""
sl_wait "$L" 'unable to run' 5
t_match "a program that cannot be run: said in syslog (local3)" "$(cat "$L/syslog")" \
  '^<15[0-9]>.* lstest: [0-9.]+ logstderr: fatal: unable to run /nonexistent/program'

# a superserver that leaves SIGCHLD ignored
: > "$L/syslog"
sl_run "$L" env QMAILHOME="$H" python3 -c '
import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])' "$LS" lstest mail sh -c 'echo ignored-chld >&2; exit 3' \
  > "$W/out" 2> "$W/err"
rc=$?
t_check "with SIGCHLD ignored: the program runs (exit 3)" "$rc" 3
sl_wait "$L" 'ignored-chld' 5
t_match "with SIGCHLD ignored: its line is in syslog" "$(cat "$L/syslog")" 'lstest: [0-9.]+ ignored-chld$'

# splogger ends with the program
left=
i=0
while [ $i -lt 50 ]; do
  left=$(grep -lz "^QMAILHOME=$H\$" /proc/[0-9]*/environ 2> /dev/null | tr '\n' ' ')
  [ -z "$left" ] && break
  sleep 0.1; i=$((i + 1))
done
t_check "no splogger is left after the programs ended" "$left" ""
t_done
