#!/bin/sh
# openwrt.sh: porting/openwrt/qmail.init, the procd init script, run for
# real on a temporary install through a stand-in for OpenWrt's
# rc.common and procd (tests/openwrt-rc.common), under busybox sh when
# it is there (the router's shell): start runs the queue and the SMTP
# listener with the commands procd would run, their log reaches logd, a
# message sent through SMTP is delivered, reload makes qmail-send reread
# control/locals, stop leaves nothing behind.  procd itself (ubus,
# respawn) is not available off a router and is not imitated.
. "$TOP/tests/lib.sh"
. "$TOP/tests/smtpd-lib.sh"

W=$(t_tmpdir)
S=$TOP/porting/openwrt/qmail.init
C="python3 $TOP/tests/integration/inetdclient.py"

t_ok "qmail.init: sh -n" sh -n "$S"
t_check "qmail.init: run by rc.common" "$(head -n 1 "$S")" '#!/bin/sh /etc/rc.common'
t_match "qmail.init: a procd script with start and stop order" \
  "$(grep -E '^(START|STOP|USE_PROCD)=' "$S" | tr '\n' ' ')" \
  '^START=[0-9]+ STOP=[0-9]+ USE_PROCD=1 $'
t_fail "qmail.init: no UCI" grep -E 'config_load|uci ' "$S"

SH=sh
if command -v busybox > /dev/null 2>&1 && busybox sh -c 'exit 0' 2> /dev/null; then
  SH="busybox sh"
  t_ok "qmail.init: busybox sh -n" busybox sh -n "$S"
else
  t_skip "busybox sh" "busybox is not installed: the scripts run under sh"
fi

I=$W/inst
s_instance "$I"
t_maildir "$I/Maildir"
echo ./Maildir/ > "$I/control/defaultdelivery"
echo 7 > "$I/control/concurrencyincoming"
t_give "$I"
own=$(t_owner "$I")
UN=$(id -nu "${own%%:*}")
P=$($C ports 1)
# the temporary install: only the settings at the top differ
sed -e "s|^home=/var/qmail\$|home=$I|" -e "s|^smtp_host=0\$|smtp_host=127.0.0.1|" \
    -e "s|^smtp_port=25\$|smtp_port=$P|" -e "s|^smtp_user=qmaild\$|smtp_user=$UN|" \
    "$S" > "$W/qmail"
t_check "the test's copy differs in four settings" \
  "$(diff "$S" "$W/qmail" | grep -c '^>')" 4
R="$TOP/tests/openwrt-rc.common"
D=$W/procd

rc() { PROCD_STANDIN=$D $SH "$R" "$W/qmail" "$1"; }

t_ok "start" rc start
t_ok "the queue instance runs" kill -0 "$(cat "$D/send.pid" 2> /dev/null)"
t_ok "the smtpd instance runs" kill -0 "$(cat "$D/smtpd.pid" 2> /dev/null)"
t_check "the queue: qmail-start with control/defaultdelivery" \
  "$(tr '\n' ' ' < "$D/send.cmd")" "$I/bin/qmail-start ./Maildir/ "
t_match "the listener: -c from control/concurrencyincoming" \
  "$(tr '\n' ' ' < "$D/smtpd.cmd")" \
  "^$I/bin/tcpserver -v -R -X -x $I/control/tcp.smtp.cdb -c 7 .*127\.0\.0\.1 $P $I/bin/qmail-smtpd \$"
t_match "both forward their output to logd" \
  "$(cat "$D/send.params" "$D/smtpd.params" | tr '\n' ' ')" \
  '^( [a-z_]+)* stdout stderr.* ( [a-z_]+)* stdout stderr'
t_ok "qmail-send's status reaches logd" t_wait_grep "$D/logd" '^status: local' 10
t_match "the queue instance is qmail-send itself" \
  "$(cat /proc/"$(cat "$D/send.pid")"/comm 2> /dev/null)" '^qmail-send$'
t_check "the listener listens" "$($C wait "$P")" up

out=$(python3 "$TOP/tests/integration/smtpclient.py" "$P" \
  --to someone@test.example --mark openwrt-mark 2>&1)
t_match "a message through SMTP is accepted" "$out" '^data 250 ok'
t_ok "it is delivered" t_wait_mail "$I/alias/Maildir" 1
t_match "it is the message sent" "$(cat "$I"/alias/Maildir/new/* 2> /dev/null)" 'body openwrt-mark'
t_ok "qmail-smtpd's accept line reaches logd" \
  t_wait_grep "$D/logd" 'qmail-smtpd [0-9]+: accept ip=127\.0\.0\.1' 10
t_ok "qmail-send's delivery line reaches logd" \
  t_wait_grep "$D/logd" 'delivery [0-9]+: success' 10

printf 'To: someone@test.example\nSubject: cron\n\nbody sendmail-mark\n' \
  | QMAILHOME=$I "$QBIN/sendmail" -ti
t_ok "a message through sendmail -ti is delivered" t_wait_mail "$I/alias/Maildir" 2
t_match "it is the message sent" \
  "$(grep -l sendmail-mark "$I"/alias/Maildir/new/* 2> /dev/null | wc -l)" '^1$'

echo other.example >> "$I/control/locals"
echo other.example >> "$I/control/rcpthosts"
t_give "$I" "$I/control/locals" "$I/control/rcpthosts"
t_ok "reload" rc reload
t_ok "reload: qmail-send rereads locals" t_wait_grep "$D/logd" 'status: reread locals' 10
out=$(python3 "$TOP/tests/integration/smtpclient.py" "$P" \
  --to someone@other.example --mark after-reload 2>&1)
t_match "after the reload: mail for the new domain is accepted" "$out" '^data 250 ok'
t_ok "after the reload: it is delivered locally" t_wait_mail "$I/alias/Maildir" 3

sp=$(cat "$D/send.pid") lp=$(cat "$D/smtpd.pid")
t_ok "stop" rc stop
t_fail "stop: qmail-send is gone" kill -0 "$sp"
t_fail "stop: the listener is gone" kill -0 "$lp"
t_match "stop: qmail-send said it was exiting" "$(cat "$D/logd")" 'exiting'
left=
i=0
while [ $i -lt 50 ]; do
  left=$(grep -lz "^QMAILHOME=$I\$" /proc/[0-9]*/environ 2> /dev/null | tr '\n' ' ')
  [ -z "$left" ] && break
  sleep 0.1; i=$((i + 1))
done
t_check "stop: nothing of ours is left" "$left" ""
t_done
