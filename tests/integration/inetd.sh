#!/bin/sh
# inetd.sh: the shipped xinetd.d/ entries and etc/inetd.conf lines, run
# by private xinetd and openbsd-inetd instances against a temporary mail
# system.  The files are rewritten only where a test must differ from a
# real system (port, loopback, /var/qmail, the user, the checkpassword
# program, "disable"/"#"); mail sent through SMTP, submission and SMTPS
# is delivered, qmail-smtpd's log lines reach syslog (a private
# /dev/log) and never the client, the instance limit turns a client
# away, and stopping the superserver by its PID leaves nothing behind.
. "$TOP/tests/lib.sh"
. "$TOP/tests/syslog-lib.sh"
. "$TOP/tests/smtpd-lib.sh"

W=$(t_tmpdir)
X=$TOP/xinetd.d
C="python3 $TOP/tests/integration/inetdclient.py"

# --- the shipped files themselves ---------------------------------------
for f in qmail-smtp qmail-submission qmail-smtps qmail-pop3 qmail-pop3s \
         qmail-qmtp qmail-qmqp; do
  t_ok "xinetd.d/$f exists" test -f "$X/$f"
done
for f in "$X"/qmail-*; do
  n=$(basename "$f")
  t_match "$n: logstderr first, then tcp-env" \
    "$(grep -E '^\s*server(_args)?\s*=' "$f" | tr '\n' ' ')" \
    'server\s*= /var/qmail/bin/logstderr\s+server_args\s*= [a-z0-9]+ mail /var/qmail/bin/tcp-env -R /var/qmail/bin/qmail-'
  t_match "$n: instances and per_source" "$(cat "$f")" 'per_source\s*= [0-9]+'
  case $n in
    qmail-pop3*) want=root ;;
    *) want=qmaild ;;
  esac
  t_match "$n: runs as $want" "$(grep -E '^\s*user\s*=' "$f")" "= $want\$"
  case $n in
    qmail-pop3*|qmail-qmtp|qmail-qmqp)
      t_match "$n: marked WAITING and disabled" \
        "$(grep -c WAITING "$f") $(grep -E '^\s*disable' "$f")" '^[1-9].*= yes$' ;;
  esac
done
t_match "xinetd.d/README.md: the queue is not an inetd service" \
  "$(tr '\n' ' ' < "$X/README.md")" 'queue itself .*is not an inetd\s+service'
t_match "etc/inetd.conf: the same seven services" \
  "$(sed -n 's/^#\{0,1\}\([0-9.]*:\)\{0,1\}\([a-z0-9]*\)[[:space:]][[:space:]]*stream.*/\2/p' \
      "$TOP/etc/inetd.conf" | tr '\n' ' ')" \
  '^smtp submission submissions pop3 pop3s qmtp qmqp $'
t_match "etc/inetd.conf: pop3 as root, the rest as qmaild" \
  "$(awk '/stream/ { print $1, $5 }' "$TOP/etc/inetd.conf" | tr '\n' ' ')" \
  '^smtp qmaild #submission qmaild #submissions qmaild #pop3 root #pop3s root #qmtp qmaild #127.0.0.1:qmqp qmaild $'

if ! sl_ok; then
  t_skip "xinetd and inetd runs" "no private mount namespace here (unshare)"
  t_done; exit
fi
if ! command -v openssl > /dev/null 2>&1; then
  t_skip "xinetd and inetd runs" "openssl is not installed"
  t_done; exit
fi

# --- a mail system to serve ---------------------------------------------
I=$W/inst
s_instance "$I"
t_ok "a test certificate" s_certs "$I"
# a checkpassword for the test: user "test", password "secret"
cat > "$W/checkpw" <<'EOF'
#!/bin/sh
in=$(head -c 600 <&3 | tr '\0' '\n')
[ "$(printf '%s\n' "$in" | sed -n 1p)" = test ] || exit 1
[ "$(printf '%s\n' "$in" | sed -n 2p)" = secret ] || exit 1
exec "$@"
EOF
chmod 755 "$W/checkpw"
t_ok "the queue starts" t_start "$I"
own=$(t_owner "$I")
UN=$(id -nu "${own%%:*}")
GN=$(getent group "${own#*:}" | cut -d: -f1)
L=$W/log
sl_start "$L"
chown -R "$own" "$L" 2> /dev/null
mkdir -p "$W/run"

# Processes of ours: everything started for instance I has QMAILHOME=I
# in its environment (the queue, the superserver, its servers, splogger).
ours() {
  grep -lz "^QMAILHOME=$I\$" /proc/[0-9]*/environ 2> /dev/null \
    | sed 's|/proc/\([0-9]*\)/environ|\1|' | tr '\n' ' '
}

# stop PID by TERM, wait (bounded) until it is gone
stop_pid() {
  kill -TERM "$1" 2> /dev/null
  i=0
  while kill -0 "$1" 2> /dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  ! kill -0 "$1" 2> /dev/null
}

# wait (bounded) until no process other than the queue's is ours
settle() {
  i=0
  while [ $i -lt 50 ]; do
    left=
    for p in $(ours); do
      case " $QUEUE_PIDS ${1:-} " in *" $p "*) ;; *) left="$left $p" ;; esac
    done
    [ -z "$left" ] && return 0
    sleep 0.1; i=$((i + 1))
  done
  echo "# left:"; for p in $left; do ps -o pid=,args= -p "$p" | sed 's/^/#   /'; done
  return 1
}
QUEUE_PIDS=$(ours)

# --- xinetd --------------------------------------------------------------
if ! command -v xinetd > /dev/null 2>&1; then
  t_skip "xinetd" "xinetd is not installed"
else
  set -- $($C ports 3)
  P_SMTP=$1 P_SUB=$2 P_SMTPS=$3
  mkdir -p "$W/xinetd.d"
  # the rewrite: port, loopback, the instance for /var/qmail, the test's
  # checkpassword, the instance's owner for qmaild, and enabled
  rewrite_xinetd() {
    sed -e "s|^\([[:space:]]*port[[:space:]]*=\).*|\1 $2|" \
        -e "s|^{|{\n\tbind\t\t= 127.0.0.1|" \
        -e "s|/var/qmail|$I|g" \
        -e "s|/usr/local/bin/checkpassword|$W/checkpw|" \
        -e "s|^\([[:space:]]*user[[:space:]]*=\).*|\1 $UN|" \
        -e "s|^\([[:space:]]*group[[:space:]]*=\).*|\1 $GN|" \
        -e "s|^\([[:space:]]*disable[[:space:]]*=\).*|\1 no|" \
        "$X/$1" > "$W/xinetd.d/$1"
  }
  rewrite_xinetd qmail-smtp "$P_SMTP"
  rewrite_xinetd qmail-submission "$P_SUB"
  rewrite_xinetd qmail-smtps "$P_SMTPS"
  printf 'defaults\n{\n}\nincludedir %s\n' "$W/xinetd.d" > "$W/xinetd.conf"
  : > "$L/syslog"
  sl_run "$L" sh -c 'echo $$ > "$0"; exec "$@"' "$W/xinetd.started" \
    env QMAILHOME="$I" xinetd -dontfork -f "$W/xinetd.conf" \
    -pidfile "$W/xinetd.pid" > "$W/xinetd.out" 2>&1 &
  T_PIDS="$T_PIDS $!"
  sl_wait "$L" 'Started working' 10
  XPID=$(cat "$W/xinetd.started")
  T_PIDS="$T_PIDS $XPID"
  t_match "xinetd takes the three entries" "$(cat "$L/syslog")" \
    'Started working: 3 available services'
  t_check "xinetd listens" "$($C wait "$P_SMTP")" up

  out=$(python3 "$TOP/tests/integration/smtpclient.py" "$P_SMTP" \
    --to someone@test.example --mark xinetd-smtp-mark 2>&1)
  t_match "xinetd smtp: the message is accepted" "$out" '^data 250 ok'
  t_ok "xinetd smtp: it is delivered" t_wait_mail "$I/alias/Maildir" 1
  msg=$(cat "$I"/alias/Maildir/new/* 2> /dev/null)
  t_match "xinetd smtp: the body arrives" "$msg" 'body xinetd-smtp-mark'
  t_match "xinetd smtp: tcp-env gave the client's address" "$msg" \
    '^Received: from .*127\.0\.0\.1'
  sl_wait "$L" 'smtpd: [0-9.]+ qmail-smtpd [0-9]+: accept ip=127\.0\.0\.1' 10
  t_match "xinetd smtp: qmail-smtpd's accept line is in syslog" \
    "$(cat "$L/syslog")" \
    '^<22>.* smtpd: [0-9]+\.[0-9]{6} qmail-smtpd [0-9]+: accept ip=127\.0\.0\.1 from=<a@b\.example> rcpts=1'
  t_match "xinetd smtp: xinetd's own START line is in syslog" \
    "$(cat "$L/syslog")" 'xinetd.*START: smtp pid=[0-9]+ from=127\.0\.0\.1'

  # a control change reaches the next session: nothing to reload
  out=$(python3 "$TOP/tests/integration/smtpclient.py" "$P_SMTP" \
    --to someone@other.example 2>&1)
  t_match "xinetd smtp: other.example is not ours yet" "$out" '^rcpt someone@other\.example 553'
  echo other.example >> "$I/control/rcpthosts"
  t_give "$I" "$I/control/rcpthosts"
  out=$(python3 "$TOP/tests/integration/smtpclient.py" "$P_SMTP" \
    --to someone@other.example 2>&1)
  t_match "xinetd smtp: after adding it to rcpthosts, the next session takes it" \
    "$out" '^rcpt someone@other\.example 250'

  tr=$($C transcript "$P_SMTP" 2>&1)
  t_match "xinetd smtp: a foreign recipient is refused" "$tr" '^553 '
  t_match "xinetd smtp: the client gets replies only" \
    "$(printf '%s\n' "$tr" | grep -Ev '^[2-5][0-9][0-9][ -]' | tr -d '\n')" '^$'
  t_match "xinetd smtp: no log line reaches the client" \
    "$(printf '%s\n' "$tr" | grep -c -e qmail-smtpd -e 'refuse ip=')" '^0$'
  sl_wait "$L" 'smtpd: .* refuse ip=127\.0\.0\.1 553' 10
  t_match "xinetd smtp: the refusal is logged in syslog instead" \
    "$(cat "$L/syslog")" 'smtpd: [0-9.]+ qmail-smtpd [0-9]+: refuse ip=127\.0\.0\.1 553'

  # submission: AUTH required, offered after STARTTLS
  tr=$($C transcript "$P_SUB" 2>&1)
  t_match "xinetd submission: MAIL before AUTH gets 530" "$tr" '^530 '
  out=$(python3 "$TOP/tests/integration/smtpclient.py" "$P_SUB" \
    --tls "$I/ca.pem" --auth PLAIN test secret \
    --to someone@test.example --mark xinetd-sub-mark 2>&1)
  t_match "xinetd submission: AUTH after STARTTLS" "$out" '^auth 235'
  t_match "xinetd submission: the message is accepted" "$out" '^data 250 ok'
  t_ok "xinetd submission: it is delivered" t_wait_mail "$I/alias/Maildir" 2
  sl_wait "$L" 'submission: .* accept .*auth=test' 10
  t_match "xinetd submission: logged as submission with auth=test" \
    "$(cat "$L/syslog")" 'submission: [0-9.]+ qmail-smtpd [0-9]+: accept ip=127\.0\.0\.1 .*auth=test'

  out=$($C smtps "$P_SMTPS" "$I/ca.pem" xinetd-smtps-mark someone@test.example 2>&1)
  t_match "xinetd smtps: TLS from the first byte" "$out" '^tls TLSv1\.2 '
  t_match "xinetd smtps: the message is accepted" "$out" '^data 250'
  t_ok "xinetd smtps: it is delivered" t_wait_mail "$I/alias/Maildir" 3
  sl_wait "$L" 'smtps: .* accept .*tls=' 10
  t_match "xinetd smtps: logged as smtps with tls=" "$(cat "$L/syslog")" \
    'smtps: [0-9.]+ qmail-smtpd [0-9]+: accept ip=127\.0\.0\.1 .*tls='

  # the shipped per_source limit: that many sessions, and one more
  ps_limit=$(sed -n 's/^[[:space:]]*per_source[[:space:]]*=[[:space:]]*//p' "$X/qmail-smtp")
  out=$($C hold "$P_SMTP" "$ps_limit" 2>&1)
  t_match "xinetd per_source $ps_limit: that many sessions are greeted" \
    "$out" "^greeted $ps_limit\$"
  t_match "xinetd per_source $ps_limit: one more is turned away" "$out" \
    '^extra (closed|refused)$'
  sl_wait "$L" 'FAIL: smtp per_source_limit' 10
  t_match "xinetd per_source: xinetd logs the refusal" "$(cat "$L/syslog")" \
    'FAIL: smtp per_source_limit from=127\.0\.0\.1'

  t_ok "xinetd: its servers end after their clients" settle "$XPID"
  xp=$(cat "$W/xinetd.pid" 2> /dev/null)
  t_check "xinetd: its pidfile names it" "$xp" "$XPID"
  t_ok "xinetd: TERM stops it" stop_pid "$XPID"
  wait "$XPID" 2> /dev/null
  t_check "xinetd: the port is closed" "$($C burst "$P_SMTP" 1)" "1 refused"
  t_ok "xinetd: nothing of ours is left" settle
fi

# --- openbsd-inetd -------------------------------------------------------
INETD=${OPENBSD_INETD:-}
[ -z "$INETD" ] && [ -x "$TOP/build/openbsd-inetd/usr/sbin/inetd" ] \
  && INETD=$TOP/build/openbsd-inetd/usr/sbin/inetd
[ -z "$INETD" ] && [ -x /usr/sbin/inetd ] \
  && [ "$(dpkg-query -W -f='${Status}' openbsd-inetd 2> /dev/null)" = "install ok installed" ] \
  && INETD=/usr/sbin/inetd
if [ -z "$INETD" ]; then
  t_skip "openbsd-inetd" "neither installed nor unpacked into build/openbsd-inetd (.ci/run)"
else
  set -- $($C ports 2)
  P_SMTP=$1 P_SMTPS=$2
  # the rewrite: loopback and port for the service name, the instance
  # for /var/qmail, the owner for qmaild, smtps enabled, and (for the
  # limit check) a rate of 4 starts a minute for smtp
  sed -n -e "s|/var/qmail|$I|g" -e "s|/usr/local/bin/checkpassword|$W/checkpw|" \
      -e "s|^smtp\([[:space:]].*\)nowait\.[0-9]*[[:space:]]*qmaild|127.0.0.1:$P_SMTP\1nowait.6\t$UN|p" \
      -e "s|^#submissions\([[:space:]].*\)qmaild|127.0.0.1:$P_SMTPS\1$UN|p" \
      "$TOP/etc/inetd.conf" > "$W/inetd.conf"
  t_match "inetd.conf: two entries taken for the test" \
    "$(grep -c stream "$W/inetd.conf")" '^2$'
  : > "$L/syslog"
  # openbsd-inetd writes /run/inetd.pid: as root a private /run (in the
  # test's mount namespace) keeps the machine's own untouched
  if [ "$T_UID" = 0 ]; then
    sl_run "$L" sh -c 'mount --bind "$1" /run && echo $$ > "$2" && shift 2 &&
      exec "$@"' sh "$W/run" "$W/inetd.started" \
      env QMAILHOME="$I" "$INETD" -i -E "$W/inetd.conf" > "$W/inetd.out" 2>&1 &
  else
    sl_run "$L" sh -c 'echo $$ > "$0"; exec "$@"' "$W/inetd.started" \
      env QMAILHOME="$I" "$INETD" -i -E "$W/inetd.conf" > "$W/inetd.out" 2>&1 &
  fi
  T_PIDS="$T_PIDS $!"
  t_check "inetd listens" "$($C wait "$P_SMTP")" up
  IPID=$(cat "$W/inetd.started")
  T_PIDS="$T_PIDS $IPID"
  [ "$T_UID" = 0 ] && t_check "inetd: its pidfile is in the private /run" \
    "$(cat "$W/run/inetd.pid" 2> /dev/null)" "$IPID"

  out=$(python3 "$TOP/tests/integration/smtpclient.py" "$P_SMTP" \
    --to someone@test.example --mark obsd-inetd-smtp-mark 2>&1)
  t_match "inetd smtp: the message is accepted" "$out" '^data 250 ok'
  t_ok "inetd smtp: it is delivered" t_wait_mail "$I/alias/Maildir" 4
  t_match "inetd smtp: the body arrives" \
    "$(grep -l obsd-inetd-smtp-mark "$I"/alias/Maildir/new/* 2> /dev/null | wc -l)" '^1$'
  sl_wait "$L" 'smtpd: .* accept ip=127\.0\.0\.1' 10
  t_match "inetd smtp: qmail-smtpd's accept line is in syslog" \
    "$(cat "$L/syslog")" \
    '^<22>.* smtpd: [0-9]+\.[0-9]{6} qmail-smtpd [0-9]+: accept ip=127\.0\.0\.1 from=<a@b\.example> rcpts=1'
  tr=$($C transcript "$P_SMTP" 2>&1)
  t_match "inetd smtp: the client gets replies only" \
    "$(printf '%s\n' "$tr" | grep -Ev '^[2-5][0-9][0-9][ -]' | tr -d '\n')" '^$'
  t_match "inetd smtp: a refusal is not sent to the client" \
    "$(printf '%s\n' "$tr" | grep -c -e qmail-smtpd -e 'refuse ip=')" '^0$'
  sl_wait "$L" 'smtpd: .* refuse ip=127\.0\.0\.1 553' 10
  t_match "inetd smtp: the refusal is logged in syslog" "$(cat "$L/syslog")" \
    'smtpd: [0-9.]+ qmail-smtpd [0-9]+: refuse ip=127\.0\.0\.1 553'

  out=$($C smtps "$P_SMTPS" "$I/ca.pem" obsd-inetd-smtps-mark someone@test.example 2>&1)
  t_match "inetd smtps: the message is accepted over TLS" "$out" '^data 250'
  t_ok "inetd smtps: it is delivered" t_wait_mail "$I/alias/Maildir" 5
  sl_wait "$L" 'smtps: .* accept .*tls=' 10
  t_match "inetd smtps: logged as smtps" "$(cat "$L/syslog")" \
    'smtps: [0-9.]+ qmail-smtpd [0-9]+: accept ip=127\.0\.0\.1 .*tls='

  # the rate limit (rewritten to nowait.6): three starts so far this
  # minute (the wait above, the message, the transcript), so the burst
  # gets two more greetings; beyond the rate inetd accepts and closes
  # at once (this inetd logs nothing for it)
  out=$($C burst "$P_SMTP" 6 2>&1)
  t_match "inetd nowait.6: served up to the rate" "$out" '^1 220'
  t_match "inetd nowait.6: beyond the rate a client gets no server" "$out" \
    '^6 (closed|refused)$'
  t_match "inetd nowait.6: and no greeting after the first refusal" \
    "$(printf '%s\n' "$out" | sed -n '/closed\|refused/,$p' | grep -c 220)" '^0$'

  t_ok "inetd: its servers end after their clients" settle "$IPID"
  t_ok "inetd: TERM stops it" stop_pid "$IPID"
  wait "$IPID" 2> /dev/null
  t_ok "inetd: nothing of ours is left" settle
fi

t_stop "$I"
t_match "the queue stopped: no process of ours at all" "$(ours)" '^$'
t_done
