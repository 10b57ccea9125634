#!/bin/sh
# systemd.sh: the units in etc/systemd/ pass `systemd-analyze verify`
# (with /var/qmail rewritten to a temporary instance, whose bin/ holds
# the programs they name), and their commands do what the units promise
# when run as systemd would run them: the queue's ExecStart logs to
# standard output (the journal), the listener's ExecStart serves SMTP in
# the foreground, ExecReload's HUP makes qmail-send reread control/locals,
# and TERM to the main process (KillMode=mixed) stops everything.
# A run under systemd itself needs systemd as PID 1, which a container
# or CI job does not have: that part is skipped, saying so.
. "$TOP/tests/lib.sh"
. "$TOP/tests/smtpd-lib.sh"

W=$(t_tmpdir)
U=$TOP/etc/systemd
C="python3 $TOP/tests/integration/inetdclient.py"

for f in qmail-send.service qmail-smtpd.service qmail-submission.service \
         qmail-smtps.service qmail-smtpd.socket qmail-smtpd@.service; do
  t_ok "etc/systemd/$f exists" test -f "$U/$f"
done
t_match "qmail-send.service: Type=simple, HUP to reload, TERM to qmail-send only" \
  "$(grep -E '^(Type|ExecReload|KillMode)=' "$U/qmail-send.service" | tr '\n' ' ')" \
  '^Type=simple ExecReload=/bin/kill -HUP \$MAINPID KillMode=mixed $'
t_match "qmail-smtpd.socket: Accept=yes with per-source limit" \
  "$(grep -E '^(Accept|MaxConnectionsPerSource)=' "$U/qmail-smtpd.socket" | tr '\n' ' ')" \
  '^Accept=yes MaxConnectionsPerSource=[0-9]+ $'
t_match "qmail-smtpd@.service: the session as qmaild, its log to the journal" \
  "$(grep -E '^(User|StandardOutput|StandardError)=' "$U/qmail-smtpd@.service" | tr '\n' ' ')" \
  '^User=qmaild StandardOutput=socket StandardError=journal $'

t_match "the journal tags: qmail for the queue, smtpd for SMTP (README: journalctl -t)" \
  "$(cat "$U/qmail-send.service" "$U/qmail-smtpd.service" "$U/qmail-smtpd@.service" \
     | sed -n 's/^SyslogIdentifier=//p' | tr '\n' ' ')" '^qmail smtpd smtpd $'

I=$W/inst
s_instance "$I"
mkdir -p "$W/units"
for f in "$U"/*; do
  sed "s|/var/qmail|$I|g" "$f" > "$W/units/$(basename "$f")"
done

# --- systemd-analyze verify -----------------------------------------------
if ! command -v systemd-analyze > /dev/null 2>&1; then
  t_skip "systemd-analyze verify" "systemd-analyze is not installed (Debian: systemd)"
else
  out=$(cd "$W/units" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no \
    ./*.service ./*.socket 2>&1); rc=$?
  t_check "systemd-analyze verify: exit 0" "$rc" 0
  t_check "systemd-analyze verify: no complaint" "$out" ""
  # the check can fail: a unit naming a missing program, a bad setting
  mkdir -p "$W/broken"
  sed "s|$I/bin/tcp-env|$I/bin/no-such-program|" "$W/units/qmail-smtpd@.service" \
    > "$W/broken/qmail-smtpd@.service"
  sed 's/^Type=simple/Type=bogus/' "$W/units/qmail-send.service" \
    > "$W/broken/qmail-send.service"
  out=$(cd "$W/broken" && systemd-analyze verify --man=no ./qmail-smtpd@.service 2>&1); rc=$?
  t_match "systemd-analyze verify: a missing program is an error" \
    "$rc $(printf '%s\n' "$out" | grep -c 'no-such-program.*not executable')" '^[1-9][0-9]* 1$'
  out=$(cd "$W/broken" && systemd-analyze verify --man=no ./qmail-send.service 2>&1)
  t_match "systemd-analyze verify: a bad Type is reported" "$out" 'bogus'
fi

# --- under systemd ----------------------------------------------------------
if [ "$(cat /proc/1/comm 2> /dev/null)" = systemd ] && [ -d /run/systemd/system ]; then
  t_skip "units under systemd" "systemd runs this machine, but the test does not install units into it"
else
  t_skip "units under systemd" "systemd is not PID 1 here ($(cat /proc/1/comm 2> /dev/null)): no real systemd run"
fi

# --- the units' commands, run as systemd runs them ------------------------
# ExecStart=CMD: systemd turns $$ into $ and runs CMD without a shell
# (here each CMD is /bin/sh -c '...', which sh's eval splits the same way)
unit_cmd() {
  sed -n "s/^$2=//p" "$1" | sed 's/\$\$/$/g'
}
own=$(t_owner "$I")
UN=$(id -nu "${own%%:*}")
echo ./Maildir/ > "$I/control/defaultdelivery"
t_maildir "$I/Maildir"
t_give "$I"
cmd=$(unit_cmd "$W/units/qmail-send.service" ExecStart)
(cd "$I" && export QMAILHOME="$I" && eval "exec $cmd" > "$W/journal-send" 2>&1) &
SUBSHELL=$!
T_PIDS="$T_PIDS $SUBSHELL"
t_ok "qmail-send.service: qmail-send logs to standard output" \
  t_wait_grep "$W/journal-send" '^status: local' 10
# the subshell execs sh, which execs qmail-start, which becomes qmail-send
SEND=$SUBSHELL
t_match "qmail-send.service: the main process is qmail-send" \
  "$(cat /proc/"$SEND"/comm 2> /dev/null)" '^qmail-send$'

P=$($C ports 1)
cmd=$(unit_cmd "$W/units/qmail-smtpd.service" ExecStart \
  | sed -e "s/ qmaild)/ $UN)/g" -e "s/ 0 25 / 127.0.0.1 $P /")
[ "$T_UID" = 0 ] || cmd=$(printf '%s' "$cmd" | sed 's/-u "$(id -u [^)]*)" -g "$(id -g [^)]*)" //')
(export QMAILHOME="$I" && eval "exec $cmd" > "$W/journal-smtpd" 2>&1) &
LISTENER=$!
T_PIDS="$T_PIDS $LISTENER"
t_check "qmail-smtpd.service: the listener stays in the foreground and listens" \
  "$($C wait "$P")" up
t_match "qmail-smtpd.service: the main process is tcpserver" \
  "$(cat /proc/"$LISTENER"/comm 2> /dev/null)" '^tcpserver$'
out=$(python3 "$TOP/tests/integration/smtpclient.py" "$P" \
  --to someone@test.example --mark systemd-mark 2>&1)
t_match "qmail-smtpd.service: a message is accepted" "$out" '^data 250 ok'
t_ok "qmail-smtpd.service: it is delivered" t_wait_mail "$I/alias/Maildir" 1
t_ok "qmail-smtpd.service: qmail-smtpd's log is in the journal" \
  t_wait_grep "$W/journal-smtpd" 'qmail-smtpd [0-9]+: accept ip=127\.0\.0\.1' 10
t_ok "qmail-send.service: the delivery is in the journal" \
  t_wait_grep "$W/journal-send" 'delivery [0-9]+: success' 10

printf 'To: someone@test.example\nSubject: cron\n\nbody sendmail-mark\n' \
  | QMAILHOME=$I "$QBIN/sendmail" -ti
t_ok "a message through sendmail -ti is delivered" t_wait_mail "$I/alias/Maildir" 2
t_match "it is the message sent" \
  "$(grep -l sendmail-mark "$I"/alias/Maildir/new/* 2> /dev/null | wc -l)" '^1$'

# reload: a new local domain takes effect after ExecReload's HUP
echo other.example >> "$I/control/locals"
echo other.example >> "$I/control/rcpthosts"
t_give "$I" "$I/control/locals" "$I/control/rcpthosts"
reload=$(unit_cmd "$W/units/qmail-send.service" ExecReload | sed "s/\$MAINPID/$SEND/")
t_ok "qmail-send.service: ExecReload runs" sh -c "$reload"
t_ok "qmail-send.service: qmail-send rereads locals" \
  t_wait_grep "$W/journal-send" 'status: reread locals' 10
out=$(python3 "$TOP/tests/integration/smtpclient.py" "$P" \
  --to someone@other.example --mark after-reload 2>&1)
t_match "after the reload: mail for the new domain is accepted" "$out" '^data 250 ok'
t_ok "after the reload: it is delivered locally" t_wait_mail "$I/alias/Maildir" 3

# socket activation: qmail-smtpd@.service's command once per connection
# with the socket on standard input and output (Accept=yes;
# systemd-socket-activate --inetd does what the .socket unit asks of
# systemd), as the unit's user, standard error apart (the journal)
if ! command -v systemd-socket-activate > /dev/null 2>&1; then
  t_skip "qmail-smtpd.socket and qmail-smtpd@.service" \
    "systemd-socket-activate is not installed (Debian: systemd)"
else
  PA=$($C ports 1)
  cmd=$(unit_cmd "$W/units/qmail-smtpd@.service" ExecStart)
  # shellcheck disable=SC2086
  (export QMAILHOME="$I" && t_as_owner "$I" sh -c 'echo $$ > "$0"; exec "$@"' \
     "$I/activate.pid" systemd-socket-activate --inetd -a -l "127.0.0.1:$PA" \
     -E QMAILHOME $cmd > /dev/null 2> "$W/journal-socket") &
  T_PIDS="$T_PIDS $!"
  t_check "qmail-smtpd.socket: listening" "$($C wait "$PA")" up
  ACT=$(cat "$I/activate.pid")
  T_PIDS="$T_PIDS $ACT"
  out=$(python3 "$TOP/tests/integration/smtpclient.py" "$PA" \
    --to someone@test.example --mark socket-mark 2>&1)
  t_match "qmail-smtpd@.service: a message is accepted" "$out" '^data 250 ok'
  t_ok "qmail-smtpd@.service: it is delivered" t_wait_mail "$I/alias/Maildir" 4
  t_ok "qmail-smtpd@.service: qmail-smtpd's log is on standard error (the journal)" \
    t_wait_grep "$W/journal-socket" 'qmail-smtpd [0-9]+: accept ip=127\.0\.0\.1' 10
  tr=$($C transcript "$PA" 2>&1)
  t_match "qmail-smtpd@.service: the client gets replies only" \
    "$(printf '%s\n' "$tr" | grep -Ev '^[2-5][0-9][0-9][ -]' | tr -d '\n')" '^$'
  t_match "qmail-smtpd@.service: tcp-env gave the client's address" \
    "$(grep -l socket-mark "$I"/alias/Maildir/new/* | xargs grep -h '^Received: from')" \
    '127\.0\.0\.1'
  kill -TERM "$ACT" 2> /dev/null
  i=0; while kill -0 "$ACT" 2> /dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fi

# stop: systemd TERMs the listener's control group, and only the main
# process of the queue (KillMode=mixed)
kill -TERM "$LISTENER"
i=0; while kill -0 "$LISTENER" 2> /dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
t_fail "qmail-smtpd.service: TERM stops the listener" kill -0 "$LISTENER"
kill -TERM "$SEND"
i=0; while kill -0 "$SEND" 2> /dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
t_fail "qmail-send.service: TERM to the main process stops the queue" kill -0 "$SEND"
t_match "qmail-send.service: its exit is in the journal" "$(cat "$W/journal-send")" 'exiting'
left=$(grep -lz "^QMAILHOME=$I\$" /proc/[0-9]*/environ 2> /dev/null | tr '\n' ' ')
t_check "nothing of ours is left (the spawners ended with qmail-send)" "$left" ""
t_done
