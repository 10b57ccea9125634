#!/bin/sh
# splogger: lines of standard input become syslog records on /dev/log
# (a private one, tests/syslog-lib.sh) with the tag, facility, severity
# and a microsecond timestamp; nothing is lost when syslog is missing;
# and qmail-start's log lines reach syslog through it.
. "$TOP/tests/lib.sh"
. "$TOP/tests/syslog-lib.sh"

S=$QBIN/splogger
W=$(t_tmpdir)

# usage errors need no syslog
"$S" a b c < /dev/null 2> "$W/err"; rc=$?
t_check "three arguments: exit 100" "$rc" 100
t_match "three arguments: usage" "$(cat "$W/err")" "usage: splogger"
"$S" 'bad tag' < /dev/null 2> "$W/err"; rc=$?
t_check "a tag with a blank: exit 100" "$rc" 100
"$S" qmail nosuch < /dev/null 2> "$W/err"; rc=$?
t_check "an unknown facility: exit 100" "$rc" 100
t_match "an unknown facility is named" "$(cat "$W/err")" "bad facility nosuch"
"$S" qmail 24 < /dev/null 2> /dev/null; rc=$?
t_check "facility 24 is out of range: exit 100" "$rc" 100

if ! sl_ok; then
  t_skip "syslog records" "no private mount namespace here (unshare)"
  t_done
fi

# with no syslog daemon: no line is lost, each goes to standard error
mkdir -p "$W/nolog/dev"
printf 'one\ntwo\n' | sl_run "$W/nolog" "$S" qmail > /dev/null 2> "$W/err"
rc=$?
t_check "without /dev/log: exit 0" "$rc" 0
t_match "without /dev/log: one warning" "$(grep -c 'unable to send' "$W/err")" '^1$'
t_match "without /dev/log: line one on stderr" "$(cat "$W/err")" \
  '^qmail: [0-9]+\.[0-9]{6} one$'
t_match "without /dev/log: line two on stderr" "$(cat "$W/err")" \
  '^qmail: [0-9]+\.[0-9]{6} two$'

L=$W/log
t_ok "the collector starts" sl_start "$L"
ctl=$(printf 'ctl\001x')
long=$(head -c 2000 /dev/zero | tr '\0' 'a')
before=$(date +%s)
{
  echo "status: local 0/10 remote 0/20"
  echo "warning: trouble with something"
  echo "alert: cannot start: hath the daemon spawn no fire?"
  echo "  - indented, dash kept"
  echo "$ctl"
  echo "$long"
  printf 'no newline at the end'
} | sl_run "$L" "$S" qmail mail 2> "$W/err"
rc=$?
after=$(date +%s)
t_check "with /dev/log: exit 0" "$rc" 0
t_check "with /dev/log: nothing on stderr" "$(cat "$W/err")" ""
sl_wait "$L" 'no newline at the end' 5
recs=$(cat "$L/syslog")
# mail is facility 2: info 22, warning 20, alert 17
t_match "an ordinary line: mail.info, tag, timestamp" "$recs" \
  '^<22>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} qmail: [0-9]+\.[0-9]{6} status: local 0/10 remote 0/20$'
t_match "warning: is mail.warning" "$recs" '^<20>.* qmail: [0-9.]+ warning: trouble with something$'
t_match "alert: is mail.alert" "$recs" '^<17>.* qmail: [0-9.]+ alert: cannot start'
t_match "leading blanks and dash kept" "$recs" 'qmail: [0-9.]+   - indented, dash kept$'
t_match "a control character becomes ?" "$recs" 'qmail: [0-9.]+ ctl\?x$'
t_match "the unterminated last line is sent" "$recs" 'qmail: [0-9.]+ no newline at the end$'
n=$(grep -c 'qmail: [0-9.]* a*$' "$L/syslog")
t_check "a 2000-byte line goes as three records" "$n" 3
t=$(grep 'status: local' "$L/syslog" | sed 's/.* qmail: \([0-9]*\)\..*/\1/')
t_ok "the timestamp is the time of the run" \
  test "$t" -ge "$before" -a "$t" -le "$after"
total=$(grep -o 'qmail: [0-9.]* a*$' "$L/syslog" | sed 's/qmail: [0-9.]* //' | tr -d '\n' | wc -c)
t_check "the long line arrives whole" "$total" 2000

: > "$L/syslog"
echo hello | sl_run "$L" "$S" smtpd local3 2> /dev/null
echo hello | sl_run "$L" "$S" 2> /dev/null
sl_wait "$L" 'splogger:' 5
t_match "facility by name (local3 info = 158)" "$(cat "$L/syslog")" '^<158>.* smtpd: [0-9.]+ hello$'
t_match "default tag splogger, facility mail" "$(cat "$L/syslog")" '^<22>.* splogger: [0-9.]+ hello$'

# the syslog daemon restarts: the next line reconnects, nothing lost
: > "$L/syslog"
{
  echo before-restart
  sleep 1
  echo after-restart
} | sl_run "$L" "$S" qmail 2> "$W/err" &
sp=$!
sl_wait "$L" 'before-restart' 5
kill -TERM "$SL_PID" 2> /dev/null
sleep 0.2
rm -f "$L/dev/log"
cp "$L/syslog" "$W/first"
sl_start "$L"
wait $sp
sl_wait "$L" 'after-restart' 5
got=$(cat "$L/syslog" "$W/first" "$W/err")
t_match "after a syslog restart the next line still arrives" "$got" 'after-restart'

# qmail-start's log lines reach syslog through splogger
I=$W/inst
t_instance "$I"
t_maildir "$I/Maildir"
own=$(t_owner "$I")
chown -R "$own" "$L" 2> /dev/null
cat > "$W/boot" <<EOB
#!/bin/sh
echo \$\$ > "$W/boot.pid"
exec env - PATH="$QBIN:/usr/bin:/bin" QMAILHOME="$I" \
  "$QBIN/qmail-start" ./Maildir/ "$QBIN/splogger" qmail
EOB
chmod 755 "$W/boot"
t_give "$I"
sl_run "$L" "$W/boot" &
bp=$!
sl_wait "$L" 'qmail: [0-9.]+ status: ' 10
t_match "qmail-send's status line arrives through splogger" "$(cat "$L/syslog")" \
  '^<22>.* qmail: [0-9]+\.[0-9]{6} status: '
kill -TERM "$(cat "$W/boot.pid")" 2> /dev/null
sl_wait "$L" 'exiting' 10
t_match "qmail-send's exit is logged" "$(cat "$L/syslog")" 'qmail: [0-9.]+ .*exiting'
wait $bp 2> /dev/null
t_done
