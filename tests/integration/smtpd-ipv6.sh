#!/bin/sh
# smtpd-ipv6.sh -- qmail-smtpd over IPv6 through our tcpserver: the
# session works, the Received line and the log carry the IPv6 address,
# and an IPv6 address literal recipient is taken as control/localiphost.
. "$TOP/tests/lib.sh"
. "$TOP/tests/smtpd-lib.sh"

if ! python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' \
    > /dev/null 2>&1; then
  t_skip "SMTP over IPv6" "no IPv6 loopback here"
  t_done
  exit
fi

D=$(t_tmpdir)
I=$D/q
s_instance "$I"
t_start "$I"
ids=
if [ "$(id -u)" = 0 ]; then
  o=$(t_owner "$I")
  ids="-u ${o%%:*} -g ${o#*:}"
fi
# shellcheck disable=SC2086
( exec env QMAILHOME="$I" "$QBIN/tcpserver" -1 -v -R -H $ids ::1 0 \
    "$QBIN/qmail-smtpd" > "$D/port" 2> "$D/smtp.log" ) &
T_PIDS="$T_PIDS $!"
i=0
while ! grep -q '^[0-9]' "$D/port" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(head -n 1 "$D/port")
t_ok "the listener is up on ::1" test -n "$port"

out=$(python3 - "$port" <<'PY'
import smtplib, sys
s = smtplib.SMTP("::1", int(sys.argv[1]), timeout=20)
s.ehlo("v6client")
print(s.sendmail("a@b.example", ["joe@[IPv6:::1]"], "Subject: six\r\n\r\nover ipv6\r\n"))
s.quit()
PY
)
t_check "smtplib over IPv6: no recipient refused" "$out" "{}"
t_ok "the message is delivered" t_wait_mail "$I/alias/Maildir" 1
m=$(cat "$I"/alias/Maildir/new/* 2>/dev/null)
t_match "Received names the IPv6 client" "$m" '^Received: from unknown \(HELO v6client\) \(::1\)$'
t_match "the literal recipient became the local host" "$m" '^Delivered-To: .*joe@test\.example$'
t_match "the log line has ip=::1" "$(cat "$D/smtp.log")" 'accept ip=::1 from=<a@b\.example> rcpts=1 '
t_done
