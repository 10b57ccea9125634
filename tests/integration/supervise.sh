#!/bin/sh
# supervise.sh -- the run directories of etc/supervise/ and qmailctl,
# started for real under each supervisor that is installed: daemontools
# (svscan), runit (runsvdir), s6 (s6-svscan) and busybox's runsvdir.
# Each runs an instance in a temporary directory: mail through SMTP and
# sendmail is delivered, the loggers write timestamped lines into their
# directories, a HUP through qmailctl makes a new control/locals count,
# qmail-send killed with SIGKILL comes back and delivers what was
# queued, and once stopped no process of the supervisor's is left.
# Under the first of them every qmailctl command is exercised.
#
# run.sh: alone -- starts whole supervision trees and counts their processes
. "$TOP/tests/lib.sh"
. "$TOP/tests/smtpd-lib.sh"

SMTPCLIENT="python3 $TOP/tests/integration/smtpclient.py"
RUNDIRS=$TOP/etc/supervise
# what each logger puts before a line: TAI64N (multilog), UTC with an
# underscore (svlogd -tt) or a space (s6-log T) between date and time
stamp_of() {
  case $1 in
    multilog) echo '^@4000[0-9a-f]{20} ' ;;
    svlogd) echo '^[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+ ' ;;
    s6-log) echo '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+ +' ;;
  esac
}

# The processes of the supervision tree started last: those in the
# scanner's session (SV_SID), and, since a supervisor may start its
# services in sessions of their own (s6-supervise does), every process
# whose working directory or command line is inside SV_BASE, the
# directory that holds the instance, the run directories and the logs.
# Zombies are not counted: this machine's init may be slow to reap what
# it inherits.
tree_procs() {
  [ -n "${SV_SID:-}" ] || return 0
  ps -eo pid=,sid=,stat=,args= | while read -r tp_pid tp_sid tp_stat tp_args; do
    case $tp_stat in Z*) continue ;; esac
    tp_cwd=$(readlink "/proc/$tp_pid/cwd" 2> /dev/null)
    if [ "$tp_sid" = "$SV_SID" ]; then
      echo "$tp_pid $tp_args"
    else
      case "$tp_cwd $tp_args" in
        *"$SV_BASE"*) echo "$tp_pid $tp_args" ;;
      esac
    fi
  done
}

# Kill what is left of the tree (after a failure).
tree_kill() {
  [ -n "${SV_SID:-}" ] || return 0
  kill -KILL -- "-$SV_SID" 2> /dev/null
  for pid in $(tree_procs | cut -d' ' -f1); do
    kill -KILL "$pid" 2> /dev/null
  done
  SV_SID=
}
# lib.sh's EXIT trap, with the session's processes killed first
trap 'tree_kill; for t_p in $T_PIDS; do kill -TERM "$t_p" 2>/dev/null; done
      chmod -R u+rwx "$T_ROOT" 2>/dev/null; rm -rf "$T_ROOT"' EXIT

# wait_count FILE PATTERN N [SECS]: wait for N lines matching PATTERN
wait_count() {
  wc_i=0
  while [ $wc_i -lt $((${4:-10} * 10)) ]; do
    [ "$(grep -Ec -- "$2" "$1" 2> /dev/null)" -ge "$3" ] && return 0
    sleep 0.1; wc_i=$((wc_i + 1))
  done
  return 1
}

# qmailctl with the scanner's PATH: busybox's sv for busybox's runsvdir
ctl() {
  PATH=${SV_PATH:-$PATH} QMAILHOME=$INST QMAIL_SERVICE_DIR=$SVC "$QBIN/qmailctl" "$@"
}

# the pid qmailctl stat shows for SERVICE (empty when down)
ctl_pid() {
  ctl stat 2> /dev/null | sed -n "s/^$1: up (pid \([0-9]*\)).*/\1/p"
}

# wait_pid SERVICE OLDPID: wait (10 s) for SERVICE up with another pid
wait_pid() {
  wp_i=0
  while [ $wp_i -lt 100 ]; do
    wp_pid=$(ctl_pid "$1")
    [ -n "$wp_pid" ] && [ "$wp_pid" != "$2" ] && return 0
    sleep 0.1; wp_i=$((wp_i + 1))
  done
  return 1
}

queue_mail() {   # RCPT MARK: through sendmail
  printf 'Subject: %s\n\nbody %s\n' "$2" "$2" \
    | QMAILHOME=$INST "$QBIN/sendmail" -f sender@test.example "$1"
}

# smtps_send PORT CAFILE: a message over SMTPS, the chain verified
# against CAFILE (the certificate names mail.test, not the address)
smtps_send() {
  python3 - "$1" "$2" <<'EOF'
import smtplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
ctx.check_hostname = False
s = smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), context=ctx, timeout=30)
s.ehlo("client.example")
s.sendmail("a@b.example", ["joe@test.example"],
           "Subject: smtps\r\n\r\nover TLS\r\n")
print("sent", s.sock.version(), s.sock.cipher()[0])
s.quit()
EOF
}

# setup NAME: an instance, run directories and log directory for one
# supervisor, in a fresh directory: INST, SVC, LOGS, PORT.
setup() {
  base=$(t_tmpdir)
  INST=$base/qmail SVC=$base/service LOGS=$base/log
  s_instance "$INST" || return 1
  # nothing leaves the machine, whatever a test does wrong
  echo ':127.0.0.1:1' > "$INST/control/smtproutes"
  # what the run scripts read: the default delivery, the session limit
  echo ./Maildir/ > "$INST/control/defaultdelivery"
  echo 7 > "$INST/control/concurrencyincoming"
  mkdir -p "$SVC" "$LOGS" && chmod 755 "$LOGS" || return 1
  cp -R "$RUNDIRS/qmail-send" "$RUNDIRS/qmail-smtpd" "$SVC/" || return 1
  PORT=$(t_free_port)
  mkdir "$SVC/qmail-smtpd/env"
  echo 127.0.0.1 > "$SVC/qmail-smtpd/env/IP"
  echo "$PORT" > "$SVC/qmail-smtpd/env/PORT"
  t_give "$INST"
}

# start_scanner KIND: the scanner in a session of its own (SV_SID).
start_scanner() {
  case $1 in
    daemontools) set -- svscan "$SVC" ;;
    runit) set -- runsvdir "$SVC" ;;
    s6) set -- s6-svscan "$SVC" ;;
    busybox) set -- "$BUSYBOX_BIN/runsvdir" "$SVC" ;;
  esac
  SV_PATH=$PATH
  [ "$1" = "${BUSYBOX_BIN:-}/runsvdir" ] && SV_PATH=$BUSYBOX_BIN:$PATH
  PATH=$SV_PATH QMAILHOME=$INST QMAIL_LOGDIR=$LOGS DNSSERVER=127.0.0.1:1 \
    setsid "$@" > "$SVC.out" 2>&1 < /dev/null &
  SV_PID=$!
  SV_SID=$SV_PID SV_BASE=$base
  T_PIDS="$T_PIDS $SV_PID"
}

# stop_scanner KIND: services and loggers down, then the scanner.
stop_scanner() {
  case $1 in
    daemontools)
      # svscan first: it would start a supervise that exits again
      kill -TERM "$SV_PID"
      svc -dx "$SVC"/* "$SVC"/*/log 2> /dev/null ;;
    runit | busybox) kill -HUP "$SV_PID" ;;
    s6) kill -TERM "$SV_PID" ;;
  esac
  i=0
  while [ -n "$(tree_procs)" ] && [ $i -lt 150 ]; do
    sleep 0.1; i=$((i + 1))
  done
}

# A busybox with the runit applets, as symbolic links in BUSYBOX_BIN.
BUSYBOX_BIN=
find_busybox() {
  for bb in ${BUSYBOX:-} "$TOP/build/busybox-runit/busybox" busybox; do
    command -v "$bb" > /dev/null 2>&1 || continue
    bb=$(command -v "$bb")
    for applet in runsvdir runsv svlogd sv; do
      "$bb" --list 2> /dev/null | grep -qx "$applet" || continue 2
    done
    BUSYBOX_BIN=$(t_tmpdir)/bb
    mkdir "$BUSYBOX_BIN"
    for applet in runsvdir runsv svlogd sv chpst; do
      ln -s "$bb" "$BUSYBOX_BIN/$applet"
    done
    return 0
  done
  return 1
}

# run_one KIND LOGGER: the checks every supervisor gets.
run_one() {
  kind=$1 logger=$2
  STAMP=$(stamp_of "$logger")
  setup "$kind" || { t_fail "$kind: set up" true; return; }
  # qmail-send's logger is named, qmail-smtpd's is chosen by log/run
  # itself: the supervisor's own
  mkdir -p "$SVC/qmail-send/log/env"
  echo "$logger" > "$SVC/qmail-send/log/env/QMAIL_LOGGER"
  start_scanner "$kind"

  t_ok "$kind: qmail-send logs its start, timestamped, in its log directory" \
    wait_count "$LOGS/qmail-send/current" "${STAMP}status: local 0/" 1 15
  if [ "$T_UID" = 0 ]; then
    t_check "$kind: the log directory belongs to the log user (the instance's owner)" \
      "$(stat -c %u:%g "$LOGS/qmail-send")" "$(t_owner "$INST")"
  else
    t_check "$kind: the log directory belongs to the log user (the invoking user)" \
      "$(stat -c %u "$LOGS/qmail-send")" "$T_UID"
  fi
  t_match "$kind: qmail-start got control/defaultdelivery" \
    "$(tree_procs)" 'qmail-lspawn \./Maildir/$'
  i=0
  while ! $SMTPCLIENT "$PORT" > /dev/null 2>&1 && [ $i -lt 50 ]; do
    sleep 0.2; i=$((i + 1))
  done
  t_ok "$kind: the listener's limit is control/concurrencyincoming" \
    wait_count "$LOGS/qmail-smtpd/current" 'tcpserver: status: [0-9]+/7$' 1

  got=$($SMTPCLIENT "$PORT" --to joe@test.example --mark "smtp-$kind" 2>&1)
  t_match "$kind: qmail-smtpd accepts a message" "$got" '^data 250 '
  t_ok "$kind: ... and it is delivered" t_wait_mail "$INST/alias/Maildir" 1 15
  t_ok "$kind: the listener's log (the supervisor's own logger) has the session, timestamped" \
    wait_count "$LOGS/qmail-smtpd/current" "${STAMP}qmail-smtpd [0-9]+: accept ip=127.0.0.1 " 1
  t_ok "$kind: ... and tcpserver's connection line" \
    wait_count "$LOGS/qmail-smtpd/current" "${STAMP}tcpserver: ok [0-9]+ " 1
  t_ok "$kind: a message through sendmail is queued" queue_mail joe@test.example "sendmail-$kind"
  t_ok "$kind: ... and delivered" t_wait_mail "$INST/alias/Maildir" 2 15
  t_ok "$kind: qmail-send logs both deliveries" \
    wait_count "$LOGS/qmail-send/current" "${STAMP}delivery [0-9]+: success" 2

  # HUP: a domain added to locals is local from then on
  echo other.example >> "$INST/control/locals"
  t_give "$INST" "$INST/control/locals"
  t_ok "$kind: qmailctl hup" ctl hup
  t_ok "$kind: ... qmail-send rereads its controls" \
    wait_count "$LOGS/qmail-send/current" "status: reread locals" 1
  queue_mail x@other.example "hup-$kind"
  t_ok "$kind: ... and mail to the new local domain goes to local delivery" \
    wait_count "$LOGS/qmail-send/current" "starting delivery [0-9]+: msg [0-9]+ to local other.example-x@other.example|to local x@other.example" 1
  t_ok "$kind: ... and is delivered" t_wait_mail "$INST/alias/Maildir" 3 15

  # SIGKILL: the supervisor starts it again, and it delivers
  old=$(ctl_pid qmail-send)
  if [ -n "$old" ]; then
    kill -KILL "$old"
    queue_mail joe@test.example "killed-$kind"
    t_ok "$kind: qmail-send killed with SIGKILL comes back" wait_pid qmail-send "$old"
    t_ok "$kind: ... and delivers what was queued" t_wait_mail "$INST/alias/Maildir" 4 15
    t_ok "$kind: ... and logs its new start" \
      wait_count "$LOGS/qmail-send/current" "status: local 0/" 2
  else
    t_fail "$kind: qmailctl stat shows qmail-send's pid" true
  fi

  t_ok "$kind: qmailctl stop" ctl stop
  got=$(ctl stat 2>&1)
  t_match "$kind: ... qmailctl stat shows qmail-send down" "$got" '^qmail-send: down [0-9]+ seconds'
  t_match "$kind: ... and qmail-smtpd down" "$got" '^qmail-smtpd: down [0-9]+ seconds'
  t_fail "$kind: ... and nothing listens any more" $SMTPCLIENT "$PORT"
  stop_scanner "$kind"
  left=$(tree_procs)
  t_check "$kind: no process of the supervision tree is left" "$left" ""
  t_fail "$kind: no sanitizer report in any log" grep -rqs 'Sanitizer' "$LOGS"
  tree_kill
}

# every_command: qmailctl's commands, one by one, under the supervisor
# started last (still running).
every_command() {
  kind=$1
  got=$(ctl help 2>&1)
  t_match "qmailctl help lists the commands" "$got" 'doqueue, alrm .*ALRM'
  t_fail "qmailctl with an unknown command fails" ctl frobnicate
  ctl frobnicate > /dev/null 2>&1
  t_check "... with exit code 100" "$?" 100

  got=$(ctl stat 2>&1)
  t_match "qmailctl stat: qmail-send up with its pid and time" "$got" '^qmail-send: up \(pid [0-9]+\) [0-9]+ seconds(, normally up)?$'
  t_match "qmailctl stat: its logger up" "$got" '^qmail-send/log: up \(pid [0-9]+\) [0-9]+ seconds'
  t_match "qmailctl stat: qmail-smtpd up" "$got" '^qmail-smtpd: up \(pid [0-9]+\) [0-9]+ seconds'
  t_match "qmailctl stat: qmail-submission up" "$got" '^qmail-submission: up \(pid [0-9]+\) [0-9]+ seconds'
  [ -z "$SPORT" ] \
    || t_match "qmailctl stat: qmail-smtps up" "$got" '^qmail-smtps: up \(pid [0-9]+\) [0-9]+ seconds'
  t_match "qmailctl stat: the queue" "$got" '^messages in queue: 0$'

  # submission: AUTH required (a trusted listener, so without TLS)
  got=$($SMTPCLIENT "$SUBPORT" --to joe@test.example 2>&1)
  t_match "submission: MAIL before AUTH is refused" "$got" '^mail 530'
  got=$($SMTPCLIENT "$SUBPORT" --auth PLAIN joe secret --to joe@test.example --mark sub 2>&1)
  t_match "submission: after AUTH the message is accepted" "$got" '^data 250 '
  t_ok "submission: ... and delivered" t_wait_mail "$INST/alias/Maildir" 1 15
  n=1

  # smtps: TLS from the first byte, with the instance's certificate
  if [ -n "$SPORT" ]; then
    got=$(smtps_send "$SPORT" "$INST/ca.pem" 2>&1)
    t_match "smtps: a message over TLS from the first byte is accepted" "$got" '^sent TLSv1\.[23] '
    t_ok "smtps: ... and delivered" t_wait_mail "$INST/alias/Maildir" 2 15
    t_ok "smtps: ... and its log has the session with its cipher" \
      wait_count "$LOGS/qmail-smtps/current" 'qmail-smtpd [0-9]+: accept .* tls=' 1
    n=2
  else
    t_skip "smtps" "no openssl to make a test certificate"
  fi

  # pause and cont
  t_ok "qmailctl pause" ctl pause
  t_match "... qmailctl stat shows qmail-send paused" "$(ctl stat 2>&1)" '^qmail-send: up .*paused'
  queue_mail joe@test.example paused
  sleep 2
  t_check "... a paused qmail-send delivers nothing" \
    "$(ls "$INST/alias/Maildir/new" | wc -l)" "$n"
  t_ok "qmailctl cont" ctl cont
  t_ok "... and the message is delivered" t_wait_mail "$INST/alias/Maildir" $((n + 1)) 15
  n=$((n + 1))
  t_check "... qmailctl stat shows nothing paused" "$(ctl stat 2>&1 | grep -c paused)" 0

  # doqueue, alrm, flush: each retries a deferred message at once
  printf '|exit 111\n' > "$INST/alias/.qmail-retry"
  t_give "$INST" "$INST/alias/.qmail-retry"
  queue_mail retry@test.example retry
  log=$LOGS/qmail-send/current
  t_ok "a delivery is deferred" wait_count "$log" 'delivery [0-9]+: deferral' 1
  t_ok "qmailctl doqueue" ctl doqueue
  t_ok "... it is tried again at once" wait_count "$log" 'delivery [0-9]+: deferral' 2
  t_ok "qmailctl alrm" ctl alrm
  t_ok "... it is tried again at once" wait_count "$log" 'delivery [0-9]+: deferral' 3
  t_ok "qmailctl flush" ctl flush
  t_ok "... it is tried again at once" wait_count "$log" 'delivery [0-9]+: deferral' 4

  got=$(ctl queue 2>&1)
  t_match "qmailctl queue counts it" "$got" '^messages in queue: 1$'
  t_match "qmailctl queue lists it" "$got" 'retry@test.example'

  # reload, the other name of hup
  echo third.example >> "$INST/control/locals"
  t_give "$INST" "$INST/control/locals"
  t_ok "qmailctl reload" ctl reload
  t_ok "... qmail-send rereads its controls" wait_count "$log" "status: reread locals" 1

  # cdb: the rules, morercpthosts and users/assign
  printf '127.0.0.1:deny\n' > "$INST/control/tcp.smtp"
  echo more.example > "$INST/control/morercpthosts"
  owner=$(t_owner "$INST")
  printf '=other:other:%s:%s:%s:::\n.\n' "${owner%%:*}" "${owner#*:}" "$INST/alias" \
    > "$INST/users/assign"
  t_give "$INST"
  t_ok "qmailctl cdb" ctl cdb
  t_fail "... the listener now denies 127.0.0.1" $SMTPCLIENT "$PORT"
  t_ok "... morercpthosts.cdb is made" test -s "$INST/control/morercpthosts.cdb"
  t_ok "... users/cdb is made" test -s "$INST/users/cdb"
  printf ':allow\n' > "$INST/control/tcp.smtp"
  t_ok "qmailctl cdb again" ctl cdb
  t_ok "... and the listener allows it again" $SMTPCLIENT "$PORT"
  printf 'bad line without a colon\n' > "$INST/control/tcp.smtp"
  t_fail "qmailctl cdb with a broken tcp.smtp fails" ctl cdb
  t_ok "... and keeps the rules in force" $SMTPCLIENT "$PORT"

  # restart: new processes for both
  send=$(ctl_pid qmail-send) smtpd=$(ctl_pid qmail-smtpd)
  t_ok "qmailctl restart" ctl restart
  t_ok "... qmail-send runs with a new pid" wait_pid qmail-send "$send"
  t_ok "... qmail-smtpd runs with a new pid" wait_pid qmail-smtpd "$smtpd"

  t_ok "qmailctl stop" ctl stop
  t_match "... everything down" "$(ctl stat 2>&1)" '^qmail-submission: down'
  t_match "qmailctl hup with qmail-send down says so" "$(ctl hup 2>&1)" 'qmail-send is not running \(down '
  ctl doqueue > /dev/null 2>&1
  t_check "... and qmailctl doqueue fails with 111" "$?" 111
  t_ok "qmailctl start" ctl start
  got=$(ctl stat 2>&1)
  t_match "... qmail-send up" "$got" '^qmail-send: up '
  t_match "... qmail-smtpd up" "$got" '^qmail-smtpd: up '
  i=0
  while ! $SMTPCLIENT "$PORT" > /dev/null 2>&1 && [ $i -lt 50 ]; do
    sleep 0.2; i=$((i + 1))
  done
  got=$($SMTPCLIENT "$PORT" --to joe@test.example --mark after-start 2>&1)
  t_match "... and mail flows again" "$got" '^data 250 '
  t_ok "... and is delivered" t_wait_mail "$INST/alias/Maildir" $((n + 1)) 15
}

# full KIND LOGGER: every qmailctl command, with the submission
# listener beside the others.
full() {
  kind=$1 logger=$2
  setup "$kind" || { t_fail "$kind: set up" true; return; }
  cp -R "$RUNDIRS/qmail-submission" "$SVC/" || return 1
  SUBPORT=$(t_free_port)
  mkdir "$SVC/qmail-submission/env"
  echo 127.0.0.1 > "$SVC/qmail-submission/env/IP"
  echo "$SUBPORT" > "$SVC/qmail-submission/env/PORT"
  echo 1 > "$SVC/qmail-submission/env/SMTPD_TRUSTED"
  cat > "$base/checkpassword" <<'EOF'
#!/bin/sh
# accepts joe with the password secret (checkpassword's interface)
creds=$(tr '\0' '\n' <&3 | head -n 2 | tr '\n' ' ')
[ "$creds" = "joe secret " ] || exit 1
exec "$@"
EOF
  chmod 755 "$base/checkpassword"
  echo "$base/checkpassword /bin/true" > "$SVC/qmail-submission/env/CHECKPASSWORD"
  SPORT=
  if s_certs "$INST"; then
    cp -R "$RUNDIRS/qmail-smtps" "$SVC/" || return 1
    SPORT=$(t_free_port)
    mkdir "$SVC/qmail-smtps/env"
    echo 127.0.0.1 > "$SVC/qmail-smtps/env/IP"
    echo "$SPORT" > "$SVC/qmail-smtps/env/PORT"
  fi
  for s in qmail-send qmail-smtpd qmail-submission; do
    mkdir -p "$SVC/$s/log/env"
    echo "$logger" > "$SVC/$s/log/env/QMAIL_LOGGER"
  done
  start_scanner "$kind"
  t_ok "$kind (all commands): qmail-send is up" \
    wait_count "$LOGS/qmail-send/current" "status: local 0/" 1 15
  i=0
  while ! $SMTPCLIENT "$SUBPORT" > /dev/null 2>&1 && [ $i -lt 50 ]; do
    sleep 0.2; i=$((i + 1))
  done
  every_command "$kind"
  stop_scanner "$kind"
  t_check "$kind (all commands): no process of the supervision tree is left" "$(tree_procs)" ""
  tree_kill
}

t_ok "the four log/run scripts are one file" sh -c \
  "cd '$RUNDIRS' && cmp qmail-send/log/run qmail-smtpd/log/run && cmp qmail-send/log/run qmail-submission/log/run && cmp qmail-send/log/run qmail-smtps/log/run"
for f in "$RUNDIRS"/*/run "$RUNDIRS"/*/log/run "$TOP/src/admin/qmailctl.sh"; do
  t_ok "sh -n ${f#"$TOP"/}" sh -n "$f"
done

if ! command -v setsid > /dev/null 2>&1; then
  t_skip "supervisors" "no setsid (util-linux) to hold each supervision tree in a session"
  t_done
  exit
fi

# SUPERVISE_ONLY="runit s6" limits the run to those supervisors;
# SUPERVISE_FULL=KIND runs qmailctl's every command under that one
# (default: the first of them installed), SUPERVISE_FULL=none under none.
only=" ${SUPERVISE_ONLY:-daemontools runit s6 busybox} "
first=
for kind in daemontools runit s6 busybox; do
  case $only in *" $kind "*) ;; *) continue ;; esac
  case $kind in
    daemontools) tools="svscan multilog svc svstat" logger=multilog ;;
    runit) tools="runsvdir svlogd sv" logger=svlogd ;;
    s6) tools="s6-svscan s6-log s6-svc s6-svstat" logger=s6-log ;;
    busybox) tools= logger=svlogd ;;
  esac
  missing=
  for tool in $tools; do
    command -v "$tool" > /dev/null 2>&1 || missing="$missing $tool"
  done
  if [ "$kind" = busybox ] && ! find_busybox; then
    t_skip "busybox runsvdir" "no busybox with the runit applets (runsvdir, runsv, svlogd, sv): Debian's busybox and busybox-static are built without them; porting/busybox-runit.sh build/busybox-runit makes one (.ci/run does), or BUSYBOX=/path/to/busybox names one"
    continue
  fi
  if [ -n "$missing" ]; then
    t_skip "$kind" "not installed:$missing"
    continue
  fi
  run_one "$kind" "$logger"
  [ -n "$first" ] || first="$kind $logger"
done

case ${SUPERVISE_FULL:-} in
  '') ;;
  none) first= ;;
  daemontools) first="daemontools multilog" ;;
  runit) first="runit svlogd" ;;
  s6) first="s6 s6-log" ;;
  busybox) find_busybox && first="busybox svlogd" ;;
esac
if [ -n "$first" ]; then
  # shellcheck disable=SC2086
  full $first
else
  t_skip "qmailctl commands" "no supervisor installed"
fi
t_done
