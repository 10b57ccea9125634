#!/bin/sh
# rcd.sh: the rc.subr(8) scripts of rc.d/ (FreeBSD, NetBSD) pass sh -n,
# and, run on Linux with a minimal rc.subr stand-in
# (tests/rc-subr-standin.sh) in place of /etc/rc.subr, run a temporary
# instance for real: the rcvar knobs (qmail_enable, qmail_smtpd_enable,
# qmail_smtpd_flags, ...), the listener's -c from
# control/concurrencyincoming and the default delivery from
# control/defaultdelivery, mail through SMTP and sendmail delivered,
# the log in a private syslog, reload (HUP) taking a new control/locals,
# status, stop with no process and no pidfile left.  What the stand-in
# cannot show (the real rc.subr, rcorder, /etc/rc at boot, daemon
# users of a BSD) is listed in rc.d/README.md.
# run.sh: alone -- starts daemons on ports and counts the processes left
. "$TOP/tests/lib.sh"
. "$TOP/tests/syslog-lib.sh"
. "$TOP/tests/smtpd-lib.sh"
. "$TOP/tests/service-lib.sh"

for f in qmailsend qmailsmtpd qmailsubmission qmailsmtps; do
  t_ok "sh -n rc.d/$f" sh -n "$TOP/rc.d/$f"
  if command -v busybox > /dev/null 2>&1; then
    t_ok "busybox sh -n rc.d/$f" busybox sh -n "$TOP/rc.d/$f"
  fi
  t_match "rc.d/$f: PROVIDE, REQUIRE and KEYWORD lines for rcorder" \
    "$(grep -c '^# \(PROVIDE\|REQUIRE\|KEYWORD\): ' "$TOP/rc.d/$f")" '^3$'
  t_match "rc.d/$f: sources /etc/rc.subr" "$(cat "$TOP/rc.d/$f" "$TOP/rc.d/qmailsmtpd")" '^\. /etc/rc\.subr$'
done

if ! sl_ok; then
  t_skip "rc.d scripts run" "no private mount namespace here (unshare), so no private syslog"
  t_done
  exit
fi

D=$(t_tmpdir)
I=$D/inst
s_instance "$I"
echo ./Maildir/ > "$I/control/defaultdelivery"
echo 5 > "$I/control/concurrencyincoming"
L=$D/log
sl_start "$L"
chmod 755 "$L"
# the scripts as installed, but with the stand-in for /etc/rc.subr
mkdir "$D/rc.d"
for f in qmailsend qmailsmtpd qmailsubmission qmailsmtps; do
  sed "s|^\. /etc/rc\.subr$|. $TOP/tests/rc-subr-standin.sh|" "$TOP/rc.d/$f" > "$D/rc.d/$f"
  chmod 755 "$D/rc.d/$f"
done
port=$(t_free_port)
smtpd_user=$(id -nu)
[ "$T_UID" = 0 ] && smtpd_user=$(id -nu "${T_OWNER%%:*}")
cat > "$D/rc.conf" <<EOC
qmail_enable="NO"
qmail_home="$I"
qmail_piddir="$D/run"
qmail_env="DNSSERVER=127.0.0.1:1"
qmail_smtpd_enable="YES"
qmail_smtpd_address="127.0.0.1"
qmail_smtpd_port="$port"
qmail_smtpd_user="$smtpd_user"
qmail_smtpd_flags="-b 7"
EOC
t_give "$I"

# rc SCRIPT ARG: run the script as service(8) would; exit code in $rc,
# output in $D/out
rc() {
  sl_run "$L" env - PATH=/usr/sbin:/usr/bin:/sbin:/bin RC_CONF="$D/rc.conf" \
    sh "$D/rc.d/$1" "$2" > "$D/out" 2>&1 < /dev/null
  rc=$?
  # whatever a start left running is stopped at exit, should a test fail
  # before its stop
  case $2 in
    *start) track_pids "$D/run" ;;
  esac
}

rc qmailsend start
t_check "qmail_enable=NO: start refused (1)" "$rc" 1
t_match "... saying which knob" "$(cat "$D/out")" 'Set qmail_enable to YES'
t_check "... nothing started" "$(ls "$D/run" 2> /dev/null)" ""
rc qmailsend status
t_check "status before start: 1 (not running)" "$rc" 1
sed -i 's/^qmail_enable="NO"/qmail_enable="YES"/' "$D/rc.conf"
rc qmailsend start
t_check "qmailsend start: 0" "$rc" 0
rc qmailsmtpd start
t_check "qmailsmtpd start: 0" "$rc" 0
rc qmailsend status
t_check "qmailsend status: 0" "$rc" 0
t_match "... is running as pid" "$(cat "$D/out")" '^qmailsend is running as pid [0-9]+\.$'
rc qmailsmtpd status
t_check "qmailsmtpd status: 0" "$rc" 0
rc qmailsend start
t_check "start when running: 1, as rc.subr does" "$rc" 1
t_match "... already running" "$(cat "$D/out")" 'already running'

send_pid=$(cat "$D/run/qmail-send.pid" 2> /dev/null)
smtpd_pid=$(cat "$D/run/qmail-smtpd.pid" 2> /dev/null)
t_match "the queue's pidfile names qmail-send" "$(argv "$send_pid")" "^$I/bin/qmail-send $"
t_match "the listener's pidfile names tcpserver" "$(argv "$smtpd_pid")" "^$I/bin/tcpserver "
t_match "control/concurrencyincoming is the listener's -c" "$(argv "$smtpd_pid")" " -c 5 "
t_match "qmail_smtpd_flags reach tcpserver" "$(argv "$smtpd_pid")" " -b 7 "
t_match "qmail_smtpd_address and _port" "$(argv "$smtpd_pid")" " 127\.0\.0\.1 $port $I/bin/qmail-smtpd $"
if [ "$T_UID" = 0 ]; then
  t_match "as root, -u/-g of qmail_smtpd_user" "$(argv "$smtpd_pid")" " -u ${T_OWNER%%:*} -g ${T_OWNER#*:} "
fi
t_match "control/defaultdelivery reaches qmail-lspawn" \
  "$(child_argv "$send_pid" qmail-lspawn)" "qmail-lspawn \./Maildir/ $"

M=$I/alias/Maildir
smtp "$port" sender@client.test someone@test.example mark-smtp > "$D/smtp.out" 2>&1
t_check "a message through SMTP is accepted" "$?" 0
t_wait_mail "$M" 1 20
t_match "... and delivered" "$(cat "$M/new/"* 2> /dev/null)" '^mark-smtp$'
printf 'To: other@test.example\n\nmark-sendmail\n' | QMAILHOME=$I USER=tester "$QBIN/sendmail" -t
t_wait_mail "$M" 2 20
t_match "a message through sendmail is delivered" "$(cat "$M/new/"* 2> /dev/null)" '^mark-sendmail$'
sl_wait "$L" 'qmail: [0-9.]+ delivery [0-9]+: success' 10
sl_wait "$L" 'smtpd: [0-9.]+ tcpserver: ' 10
log=$(cat "$L/syslog")
t_match "qmail-send's lines in syslog with timestamps" "$log" \
  '^<22>[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} qmail: [0-9]+\.[0-9]{6} delivery [0-9]+: success'
t_match "the listener's lines in syslog (tag smtpd)" "$log" '^<22>.* smtpd: [0-9]+\.[0-9]{6} tcpserver: '

printf 'To: a@new.example\n\nbefore\n' | QMAILHOME=$I USER=tester "$QBIN/sendmail" -t
sl_wait "$L" 'to remote a@new\.example' 10
t_match "before reload new.example is remote" "$(cat "$L/syslog")" 'to remote a@new\.example'
echo new.example >> "$I/control/locals"
rc qmailsend reload
t_check "qmailsend reload: 0" "$rc" 0
sleep 1
printf 'To: b@new.example\n\nmark-reload\n' | QMAILHOME=$I USER=tester "$QBIN/sendmail" -t
sl_wait "$L" 'to local .*b@new\.example' 10
t_match "after reload new.example is local" "$(cat "$L/syslog")" 'to local .*b@new\.example'
t_wait_mail "$M" 3 20
t_match "... and delivered" "$(cat "$M/new/"* 2> /dev/null)" '^mark-reload$'
rc qmailsmtpd reload
t_check "qmailsmtpd has no reload: 1" "$rc" 1
echo 8 > "$I/control/concurrencyincoming"
rc qmailsmtpd restart
t_check "qmailsmtpd restart: 0" "$rc" 0
new_pid=$(cat "$D/run/qmail-smtpd.pid" 2> /dev/null)
t_match "... with the new -c" "$(argv "$new_pid")" " -c 8 "
t_fail "... the old listener is gone" t_alive "$smtpd_pid"

# submission and SMTPS
sport=$(t_free_port)
printf 'qmail_submission_enable="YES"\nqmail_submission_address="127.0.0.1"\nqmail_submission_port="%s"\nqmail_submission_user="%s"\n' \
  "$sport" "$smtpd_user" >> "$D/rc.conf"
rc qmailsubmission start
t_check "qmailsubmission without a checkpassword: 1" "$rc" 1
t_match "... says which knob" "$(cat "$D/out")" 'set qmail_submission_checkpassword'
echo 'qmail_submission_checkpassword="/bin/false"' >> "$D/rc.conf"
# the SMTP listener's port is taken: tcpserver cannot bind and exits
echo "qmail_submission_port=\"$port\"" >> "$D/rc.conf"
rc qmailsubmission start
t_check "qmailsubmission on a taken port: 1" "$rc" 1
t_match "... says so" "$(cat "$D/out")" 'qmailsubmission (did not start|exited at once)'
t_check "... and leaves no pidfile" "$(ls "$D/run" | grep -c submission)" 0
sl_wait "$L" 'submission: [0-9.]+ tcpserver: .*unable to bind' 5
t_match "... the reason is in syslog" "$(cat "$L/syslog")" 'submission: [0-9.]+ tcpserver: .*unable to bind'
echo "qmail_submission_port=\"$sport\"" >> "$D/rc.conf"
rc qmailsubmission start
t_check "qmailsubmission start: 0" "$rc" 0
t_match "... qmail-smtpd -a CHECKPASSWORD" \
  "$(argv "$(cat "$D/run/qmail-submission.pid")")" " $sport $I/bin/qmail-smtpd -a /bin/false $"
t_check "... MAIL before AUTH: 530" "$(mail_code "$sport" 2>&1)" 530
rc qmailsubmission stop
t_check "qmailsubmission stop: 0" "$rc" 0
tport=$(t_free_port)
printf 'qmail_smtps_enable="YES"\nqmail_smtps_address="127.0.0.1"\nqmail_smtps_port="%s"\nqmail_smtps_user="%s"\n' \
  "$tport" "$smtpd_user" >> "$D/rc.conf"
rc qmailsmtps start
t_check "qmailsmtps without a certificate: 1" "$rc" 1
if s_certs "$I"; then
  rc qmailsmtps start
  t_check "qmailsmtps start: 0" "$rc" 0
  t_match "... a TLS connection gets the greeting" "$(tls_greeting "$tport" 2>&1)" '^220 '
  rc qmailsmtps stop
  t_check "qmailsmtps stop: 0" "$rc" 0
else
  t_skip "SMTPS" "no openssl to make a certificate"
fi

rc qmailsmtpd stop
t_check "qmailsmtpd stop: 0" "$rc" 0
rc qmailsend stop
t_check "qmailsend stop: 0" "$rc" 0
sl_wait "$L" 'qmail: [0-9.]+ .*exiting' 10
t_match "qmail-send logged its exit" "$(cat "$L/syslog")" 'qmail: [0-9.]+ .*exiting'
rc qmailsend status
t_check "status after stop: 1 (not running)" "$rc" 1
rc qmailsend stop
t_check "stop when stopped: 1, as rc.subr does" "$rc" 1
t_check "no pidfile left" "$(ls "$D/run")" ""
none_left "no process of ours left" "$D"
sed -i 's/^qmail_enable="YES"/qmail_enable="NO"/' "$D/rc.conf"
rc qmailsend onestart
t_check "onestart with qmail_enable=NO: 0" "$rc" 0
rc qmailsend onestop
t_check "onestop: 0" "$rc" 0
none_left "no process of ours left at the end" "$D"
t_done
