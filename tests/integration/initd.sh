#!/bin/sh
# initd.sh: the LSB init scripts of init.d/ run a temporary instance for
# real, once with Debian's start-stop-daemon and once under busybox sh
# without it: start the queue and the SMTP listener (the control files
# defaultdelivery and concurrencyincoming on their command lines), mail
# through SMTP and through sendmail reaches the maildir, the log lines
# reach a private syslog with timestamps, reload (HUP) makes a new
# control/locals take effect, status exits 0/1/3, and stop leaves no
# process and no pidfile behind.  Submission (-a) and SMTPS (-s) start
# and answer as such.
# run.sh: alone -- starts daemons on ports and counts the processes left
. "$TOP/tests/lib.sh"
. "$TOP/tests/syslog-lib.sh"
. "$TOP/tests/smtpd-lib.sh"
. "$TOP/tests/service-lib.sh"

# the LSB header block insserv and systemd-sysv-generator read
for f in qmail qmail-smtpd qmail-submission qmail-smtps; do
  t_ok "sh -n init.d/$f" sh -n "$TOP/init.d/$f"
  hdr=$(sed -n '/^### BEGIN INIT INFO$/,/^### END INIT INFO$/p' "$TOP/init.d/$f")
  for k in Provides Required-Start Required-Stop Default-Start Default-Stop Short-Description; do
    t_match "init.d/$f: LSB header has $k" "$hdr" "^# $k: +[^ ]"
  done
  t_match "init.d/$f: provides its own name" "$hdr" "^# Provides: +$f( |$)"
  t_match "init.d/$f: starts in 2 3 4 5, stops in 0 1 6" "$hdr" \
    '^# Default-Start: +2 3 4 5$'
  [ "$f" = qmail ] || t_match "init.d/$f: after the queue" "$hdr" '^# Required-Start: .* qmail$'
done

if ! sl_ok; then
  t_skip "init.d scripts" "no private mount namespace here (unshare), so no private syslog"
  t_done
  exit
fi

# variant NAME SHELL USE-SSD: the whole round with the scripts run by
# SHELL ("sh" or "busybox sh"); USE-SSD yes when Debian's
# start-stop-daemon is to be found.
variant() {
  v=$1 vsh=$2 use_ssd=$3
  D=$(t_tmpdir)
  I=$D/inst
  s_instance "$I"
  echo ./Maildir/ > "$I/control/defaultdelivery"
  echo 7 > "$I/control/concurrencyincoming"
  L=$D/log
  sl_start "$L" || { t_report 1 "$v: the syslog collector starts"; return; }
  chmod 755 "$L"
  port=$(t_free_port)
  # the shipped example (all commented out) with the test's settings
  cp "$TOP/init.d/default-qmail" "$D/defaults"
  cat >> "$D/defaults" <<EOD
QMAILHOME=$I
QMAIL_PIDDIR=$D/run
QMAIL_SMTPD_USER=nobody
QMAIL_SMTPD_ADDRESS=127.0.0.1
QMAIL_SMTPD_PORT=$port
QMAIL_ENV="DNSSERVER=127.0.0.1:1"
QMAIL_STOP_TIMEOUT=20
QMAIL_SMTPD_FLAGS="-b 7"
EOD
  [ "$T_UID" = 0 ] && sed -i "s/^QMAIL_SMTPD_USER=.*/QMAIL_SMTPD_USER=$(id -nu "${T_OWNER%%:*}")/" "$D/defaults"
  # a start-stop-daemon that notes each call: with Debian's it is on
  # PATH, under busybox sh it is, but the script must not take it
  mkdir "$D/shim"
  cat > "$D/shim/start-stop-daemon" <<EOS
#!/bin/sh
echo "\$*" >> "$D/ssd.calls"
exec /sbin/start-stop-daemon "\$@"
EOS
  chmod 755 "$D/shim/start-stop-daemon"
  if [ "$use_ssd" = yes ]; then
    vpath=$D/shim:/usr/sbin:/usr/bin:/sbin:/bin
  else
    vpath=$D/shim:$D/nothing
  fi
  t_give "$I"

  # rc SCRIPT ACTION: run init.d/SCRIPT ACTION as init would, with the
  # private /dev/log; its exit code in $rc, its output in $D/out
  rc() {
    # shellcheck disable=SC2086
    sl_run "$L" env - PATH="$vpath" QMAIL_DEFAULTS="$D/defaults" \
      $vsh "$TOP/init.d/$1" "$2" > "$D/out" 2>&1 < /dev/null
    rc=$?
    # whatever a start left running is stopped at exit, should a test
    # fail before its stop
    case $2 in
      *start | force-reload) track_pids "$D/run" ;;
    esac
  }

  rc qmail status
  t_check "$v: status before start: 3 (not running)" "$rc" 3
  rc qmail reload
  t_check "$v: reload before start: 7 (not running)" "$rc" 7
  rc qmail start
  t_check "$v: qmail start: 0" "$rc" 0
  rc qmail-smtpd start
  t_check "$v: qmail-smtpd start: 0" "$rc" 0
  rc qmail status
  t_check "$v: qmail status: 0 (running)" "$rc" 0
  t_match "$v: ... says so" "$(cat "$D/out")" 'is running, pid [0-9]+'
  rc qmail-smtpd status
  t_check "$v: qmail-smtpd status: 0 (running)" "$rc" 0

  send_pid=$(cat "$D/run/qmail-send.pid" 2> /dev/null)
  smtpd_pid=$(cat "$D/run/qmail-smtpd.pid" 2> /dev/null)
  t_match "$v: the queue's pidfile names qmail-send" "$(argv "$send_pid")" "^$I/bin/qmail-send $"
  t_match "$v: the listener's pidfile names tcpserver" "$(argv "$smtpd_pid")" "^$I/bin/tcpserver "
  t_match "$v: control/concurrencyincoming is the listener's -c" "$(argv "$smtpd_pid")" " -c 7 "
  t_match "$v: QMAIL_SMTPD_FLAGS reach tcpserver" "$(argv "$smtpd_pid")" " -b 7 "
  t_match "$v: the listener runs qmail-smtpd on the configured port" \
    "$(argv "$smtpd_pid")" " 127\.0\.0\.1 $port $I/bin/qmail-smtpd $"
  if [ "$T_UID" = 0 ]; then
    t_match "$v: as root the listener gets -u/-g of QMAIL_SMTPD_USER" \
      "$(argv "$smtpd_pid")" " -u ${T_OWNER%%:*} -g ${T_OWNER#*:} "
  fi
  t_match "$v: control/defaultdelivery reaches qmail-lspawn" \
    "$(child_argv "$send_pid" qmail-lspawn)" "qmail-lspawn \./Maildir/ $"
  if [ "$use_ssd" = yes ]; then
    t_match "$v: start-stop-daemon started it" "$(cat "$D/ssd.calls" 2> /dev/null)" '--start'
  else
    t_check "$v: no start-stop-daemon was called" "$(grep -c -- --start "$D/ssd.calls" 2> /dev/null || echo 0)" 0
  fi

  rc qmail start
  t_check "$v: start when running: 0" "$rc" 0
  t_check "$v: ... and the same qmail-send" "$(cat "$D/run/qmail-send.pid")" "$send_pid"

  M=$I/alias/Maildir
  smtp "$port" sender@client.test someone@test.example "mark-smtp-$v" > "$D/smtp.out" 2>&1
  t_check "$v: a message through SMTP is accepted" "$?" 0
  t_wait_mail "$M" 1 20
  t_match "$v: ... and delivered into the maildir" "$(cat "$M/new/"* 2> /dev/null)" "^mark-smtp-$v$"
  printf 'To: other@test.example\nSubject: s\n\nmark-sendmail-%s\n' "$v" |
    QMAILHOME=$I USER=tester "$QBIN/sendmail" -t
  t_check "$v: sendmail -t queues" "$?" 0
  t_wait_mail "$M" 2 20
  t_match "$v: ... and it is delivered" "$(cat "$M/new/"* 2> /dev/null)" "^mark-sendmail-$v$"

  sl_wait "$L" 'qmail: [0-9.]+ delivery [0-9]+: success' 10
  sl_wait "$L" 'smtpd: [0-9.]+ tcpserver: ' 10
  log=$(cat "$L/syslog")
  t_match "$v: qmail-send's lines in syslog, tag qmail, mail.info, timestamped" \
    "$log" '^<22>[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} qmail: [0-9]+\.[0-9]{6} delivery [0-9]+: success'
  t_match "$v: the listener's lines in syslog under the tag smtpd" \
    "$log" '^<22>.* smtpd: [0-9]+\.[0-9]{6} tcpserver: '

  # reload: a new local domain counts only after HUP
  printf 'To: a@new.example\n\nbefore\n' | QMAILHOME=$I USER=tester "$QBIN/sendmail" -t
  sl_wait "$L" 'to remote a@new\.example' 10
  t_match "$v: before reload new.example is remote" "$(cat "$L/syslog")" 'msg [0-9]+ to remote a@new\.example'
  echo new.example >> "$I/control/locals"
  t_give "$I" "$I/control/locals"
  rc qmail reload
  t_check "$v: qmail reload: 0" "$rc" 0
  sleep 1
  printf 'To: b@new.example\n\nmark-reload-%s\n' "$v" | QMAILHOME=$I USER=tester "$QBIN/sendmail" -t
  sl_wait "$L" 'to local .*b@new\.example' 10
  t_match "$v: after reload new.example is local" "$(cat "$L/syslog")" 'msg [0-9]+ to local .*b@new\.example'
  t_wait_mail "$M" 3 20
  t_match "$v: ... and the message is delivered" "$(cat "$M/new/"* 2> /dev/null)" "^mark-reload-$v$"
  rc qmail-smtpd reload
  t_check "$v: qmail-smtpd reload: 3 (not implemented)" "$rc" 3
  echo 9 > "$I/control/concurrencyincoming"
  rc qmail-smtpd force-reload
  t_check "$v: qmail-smtpd force-reload: 0" "$rc" 0
  new_pid=$(cat "$D/run/qmail-smtpd.pid" 2> /dev/null)
  t_match "$v: ... restarts it with the new -c" "$(argv "$new_pid")" " -c 9 "
  t_fail "$v: ... the old listener is gone" t_alive "$smtpd_pid"
  smtp "$port" sender@client.test someone@test.example "mark-again-$v" > "$D/smtp.out" 2>&1
  t_check "$v: ... and accepts mail" "$?" 0

  rc qmail stop
  t_check "$v: qmail stop: 0" "$rc" 0
  rc qmail-smtpd stop
  t_check "$v: qmail-smtpd stop: 0" "$rc" 0
  sl_wait "$L" 'qmail: [0-9.]+ .*exiting' 10
  t_match "$v: qmail-send logged its exit" "$(cat "$L/syslog")" 'qmail: [0-9.]+ .*exiting'
  rc qmail status
  t_check "$v: qmail status after stop: 3" "$rc" 3
  rc qmail-smtpd status
  t_check "$v: qmail-smtpd status after stop: 3" "$rc" 3
  rc qmail stop
  t_check "$v: stop when stopped: 0" "$rc" 0
  t_check "$v: no pidfile left" "$(ls "$D/run")" ""
  none_left "$v: no process of ours left" "$D"

  # a pidfile left by a crash: status 1; one naming another program too
  echo 999999999 > "$D/run/qmail-send.pid"
  rc qmail status
  t_check "$v: status with a dead pidfile: 1" "$rc" 1
  echo $$ > "$D/run/qmail-send.pid"
  rc qmail status
  t_check "$v: status with a pidfile naming another program: 1" "$rc" 1
  rc qmail start
  t_check "$v: start over a stale pidfile: 0" "$rc" 0
  rc qmail status
  t_check "$v: ... running" "$rc" 0
  rc qmail restart
  t_check "$v: restart: 0" "$rc" 0
  t_fail "$v: ... a new qmail-send" test "$(cat "$D/run/qmail-send.pid")" = "$send_pid"

  # qmail-send killed: status says dead, mail queued meanwhile waits,
  # start brings it back and it is delivered
  kpid=$(cat "$D/run/qmail-send.pid")
  kill -KILL "$kpid"
  k_i=0
  while t_alive "$kpid" && [ $k_i -lt 50 ]; do sleep 0.1; k_i=$((k_i + 1)); done
  rc qmail status
  t_check "$v: status after kill -9: 1 (dead, pidfile left)" "$rc" 1
  n=$(ls "$M/new" | wc -l)
  printf 'To: killed@test.example\n\nmark-killed-%s\n' "$v" | QMAILHOME=$I USER=tester "$QBIN/sendmail" -t
  t_check "$v: sendmail queues while qmail-send is down" "$?" 0
  sleep 1
  t_check "$v: ... nothing delivered meanwhile" "$(ls "$M/new" | wc -l)" "$n"
  rc qmail start
  t_check "$v: start after kill -9: 0" "$rc" 0
  t_wait_mail "$M" $((n + 1)) 20
  t_match "$v: ... the queued message is delivered" "$(cat "$M/new/"* 2> /dev/null)" "^mark-killed-$v$"

  # submission (-a): MAIL before AUTH is refused
  sport=$(t_free_port)
  echo "QMAIL_SUBMISSION_PORT=$sport" >> "$D/defaults"
  rc qmail-submission start
  t_check "$v: qmail-submission without a checkpassword: 6 (not configured)" "$rc" 6
  t_match "$v: ... and says what to set" "$(cat "$D/out")" 'set QMAIL_SUBMISSION_CHECKPASSWORD'
  t_check "$v: ... nothing started" "$(ls "$D/run")" "qmail-send.pid"
  echo "QMAIL_SUBMISSION_CHECKPASSWORD=/bin/false" >> "$D/defaults"
  # on a port another program holds: tcpserver cannot bind and exits
  timeout 60 python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(60)' > "$D/holder.port" &
  holder=$!
  T_PIDS="$T_PIDS $holder"
  t_wait_grep "$D/holder.port" '^[0-9]+$' 10
  echo "QMAIL_SUBMISSION_PORT=$(cat "$D/holder.port")" >> "$D/defaults"
  rc qmail-submission start
  kill -TERM "$holder" 2> /dev/null
  t_check "$v: a listener whose port is taken: start 1" "$rc" 1
  t_match "$v: ... says so" "$(cat "$D/out")" 'did not start|exited at once'
  t_check "$v: ... and leaves no pidfile" "$(ls "$D/run")" "qmail-send.pid"
  sl_wait "$L" 'submission: [0-9.]+ tcpserver: .*unable to bind' 5
  t_match "$v: ... the reason is in syslog" "$(cat "$L/syslog")" 'submission: [0-9.]+ tcpserver: .*unable to bind'
  echo "QMAIL_SUBMISSION_PORT=$sport" >> "$D/defaults"
  rc qmail-submission start
  t_check "$v: qmail-submission start: 0" "$rc" 0
  t_match "$v: ... tcpserver runs qmail-smtpd -a" \
    "$(argv "$(cat "$D/run/qmail-submission.pid")")" " $sport $I/bin/qmail-smtpd -a /bin/false $"
  t_check "$v: ... MAIL before AUTH: 530" "$(mail_code "$sport" 2>&1)" 530
  rc qmail-submission status
  t_check "$v: ... status 0" "$rc" 0
  rc qmail-submission stop
  t_check "$v: ... stop: 0" "$rc" 0

  # SMTPS (-s): TLS from the first byte
  tport=$(t_free_port)
  echo "QMAIL_SMTPS_PORT=$tport" >> "$D/defaults"
  rc qmail-smtps start
  t_check "$v: qmail-smtps without a certificate: 6 (not configured)" "$rc" 6
  if s_certs "$I"; then
    rc qmail-smtps start
    t_check "$v: qmail-smtps start: 0" "$rc" 0
    t_match "$v: ... a TLS connection gets the greeting" "$(tls_greeting "$tport" 2>&1)" '^220 '
    rc qmail-smtps stop
    t_check "$v: ... stop: 0" "$rc" 0
  else
    t_skip "$v: SMTPS" "no openssl to make a certificate"
  fi

  rc qmail stop
  t_check "$v: the final stop: 0" "$rc" 0
  t_check "$v: no pidfile left at the end" "$(ls "$D/run")" ""
  none_left "$v: no process of ours left at the end" "$D"
  kill -TERM "$SL_PID" 2> /dev/null
}

if [ -x /sbin/start-stop-daemon ] && /sbin/start-stop-daemon --version > /dev/null 2>&1; then
  variant ssd sh yes
else
  t_skip "with start-stop-daemon" "Debian's start-stop-daemon is not installed"
fi
if command -v busybox > /dev/null 2>&1; then
  variant busybox "$(command -v busybox) sh" no
else
  t_skip "under busybox sh" "busybox is not installed (Debian: busybox-static)"
fi
t_done
