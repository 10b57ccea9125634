#!/bin/sh
# qmailctl -- control the mail system's supervised services: the queue
# (qmail-send) and the listeners (qmail-smtpd, qmail-submission,
# qmail-smtps, ...) that a supervisor runs from the run directories in
# $QMAILHOME/supervise/ (see qmailctl(8)).  Works with daemontools
# (svc, svstat), runit or busybox's runit applets (sv) and s6 (s6-svc,
# s6-svstat), whichever holds the services.
#
# Run by root (or the user who owns the supervisor).  Exit codes: 0 done;
# 100 usage error; 111 a service directory, a supervisor or a tool could
# not be had, or a command failed (the message says which).

home=${QMAILHOME:-@QMAILHOME@}
prog=qmailctl
all_services=${QMAIL_SERVICES:-qmail-send qmail-smtpd qmail-submission qmail-smtps qmail-pop3d qmail-qmtpd qmail-qmqpd}
wait_limit=${QMAILCTL_WAIT:-60}

warn() {
  echo "$prog: $*" >&2
}

die() {
  warn "$*"
  exit 111
}

usage() {
  cat <<EOF
usage: qmailctl COMMAND
  start           start the services (queue and listeners)
  stop            stop them (their loggers keep running)
  restart         stop, then start them
  doqueue, alrm   make qmail-send try every queued message now (ALRM)
  flush           forget unreachable hosts (qmail-tcpok), then doqueue
  hup, reload     make qmail-send reread locals and virtualdomains (HUP)
  pause           suspend the services (STOP)
  cont            resume them (CONT)
  stat, status    the state of each service and its logger, and the queue
  queue           the queue: qmail-qstat and qmail-qread
  cdb             rebuild control/tcp.smtp.cdb (tcprules),
                  control/morercpthosts.cdb (qmail-newmrh) and users/cdb
                  (qmail-newu) from their sources, where present
  help            this text
EOF
  [ -z "${svdir:-}" ] \
    || echo "services:${services:- none} (in $svdir; supervisor: ${supervisor:-none})"
}

have() {
  command -v "$1" > /dev/null 2>&1
}

have_busybox() {   # APPLET: busybox has it
  have busybox && busybox --list 2> /dev/null | grep -qx "$1"
}

# The service directory: $QMAIL_SERVICE_DIR, $SVDIR, or the first of the
# usual places that holds qmail-send.
find_svdir() {
  for candidate in "${QMAIL_SERVICE_DIR:-}" "${SVDIR:-}" /service /etc/service \
                   /var/service /run/service /etc/s6/service; do
    [ -n "$candidate" ] || continue
    if [ -n "${QMAIL_SERVICE_DIR:-}" ] || [ -e "$candidate/qmail-send" ]; then
      svdir=$candidate
      return 0
    fi
  done
  return 1
}

# Which supervisor holds DIR: $QMAIL_SUPERVISOR, else what its files
# say (runsv writes supervise/stat, s6-supervise an event/ directory
# and supervise/death_tally, daemontools' supervise supervise/status
# only), else the one whose tools are installed.
find_supervisor() {
  if [ -n "${QMAIL_SUPERVISOR:-}" ]; then
    supervisor=$QMAIL_SUPERVISOR
  elif [ -e "$1/supervise/stat" ]; then
    supervisor=runit
  elif [ -d "$1/event" ] || [ -e "$1/supervise/death_tally" ]; then
    supervisor=s6
  elif [ -e "$1/supervise/status" ]; then
    supervisor=daemontools
  elif have svc; then
    supervisor=daemontools
  elif have sv || have_busybox sv; then
    supervisor=runit
  elif have s6-svc; then
    supervisor=s6
  else
    supervisor=none
  fi
  case $supervisor in
    daemontools) tool=svc ;;
    runit) if have sv; then tool=sv; else tool="busybox sv"; fi ;;
    s6) tool=s6-svc ;;
    none)
      [ "$command" = help ] && return 0
      die "no supervisor tools found (svc, sv, s6-svc): install daemontools, runit or s6" ;;
    *) warn "QMAIL_SUPERVISOR must be daemontools, runit or s6, not \"$supervisor\""; exit 100 ;;
  esac
}

# signal DIR ACTION: ACTION is up, down, alarm, hup, pause, cont, term.
signal() {
  case $supervisor in
    daemontools|s6)
      case $2 in
        up) flag=-u ;; down) flag=-d ;; alarm) flag=-a ;; hup) flag=-h ;;
        pause) flag=-p ;; cont) flag=-c ;; term) flag=-t ;;
      esac
      $tool "$flag" "$1" ;;
    runit)
      $tool "$2" "$1" > /dev/null ;;
  esac
}

# state DIR: one line in svstat's words, "up (pid N) S seconds" or
# "down S seconds", then ", paused", ", normally down" (up) or
# ", normally up" (down), ", want up" or ", want down" as they apply;
# "not running (REASON)" when no supervisor answers for DIR.
state() {
  case $supervisor in
    daemontools)
      line=$(svstat "$1" 2>&1)
      line=${line#"$1": }
      case $line in
        up\ * | down\ *) echo "$line" ;;
        *) echo "not running ($line)" ;;
      esac ;;
    runit)
      line=$($tool status "$1" 2>&1 | sed 's/; .*//')
      kind=${line%%:*}
      rest=${line#*: }
      rest=${rest#"$1": }
      rest=$(printf '%s\n' "$rest" | sed -e 's/\([0-9]\)s,/\1 seconds,/' -e 's/\([0-9]\)s$/\1 seconds/')
      case $kind in
        run) echo "up $rest" ;;
        down) echo "down $rest" ;;
        finish) echo "finishing $rest" ;;
        *) echo "not running ($line)" ;;
      esac ;;
    s6)
      if ! fields=$(s6-svstat -o up,pid,updownfor,paused,normallyup,wantedup "$1" 2>&1); then
        echo "not running ($fields)"
        return
      fi
      set -- $fields
      if [ "$1" = true ]; then
        line="up (pid $2) $3 seconds"
        [ "$4" = true ] && line="$line, paused"
        [ "$5" = false ] && line="$line, normally down"
        [ "$6" = false ] && line="$line, want down"
      else
        line="down $3 seconds"
        [ "$5" = true ] && line="$line, normally up"
        [ "$6" = true ] && line="$line, want up"
      fi
      echo "$line" ;;
  esac
}

# wait_for STATE DIR...: wait, at most $wait_limit seconds, until every
# DIR is STATE (up, down, paused or running, the last meaning up and not
# paused); exit 111 if one is not by then.  A supervisor may take a moment: a
# daemontools supervise that has just started a service reads its
# commands a second later.
wait_for() {
  want=$1
  shift
  i=0
  while [ "$i" -lt "$((wait_limit * 5))" ]; do
    pending=
    for dir in "$@"; do
      line=$(state "$dir")
      case $want:$line in
        up:up\ * | down:down\ * | paused:up\ *paused* ) ;;
        running:up\ *paused*) pending="$pending $dir" ;;
        running:up\ *) ;;
        *) pending="$pending $dir" ;;
      esac
    done
    [ -z "$pending" ] && return 0
    sleep 0.2 2> /dev/null || sleep 1
    i=$((i + 1))
  done
  die "still not $want after $wait_limit seconds:$pending"
}

do_start() {
  echo "Starting:$services"
  for name in $services; do
    [ -d "$svdir/$name/log" ] && signal "$svdir/$name/log" up
    signal "$svdir/$name" up || die "unable to start $name"
  done
  wait_for up $dirs
}

do_stop() {
  echo "Stopping:$services"
  # the listeners first, so no new mail arrives for a queue going down
  for name in $services; do
    [ "$name" = qmail-send ] && continue
    signal "$svdir/$name" down || die "unable to stop $name"
  done
  case " $services " in
    *" qmail-send "*) signal "$svdir/qmail-send" down || die "unable to stop qmail-send" ;;
  esac
  wait_for down $dirs
}

do_send_signal() {   # ACTION WHAT
  case " $services " in
    *" qmail-send "*) ;;
    *) die "qmail-send is not in $svdir" ;;
  esac
  line=$(state "$svdir/qmail-send")
  case $line in
    up*) ;;
    *) die "qmail-send is not running ($line); qmailctl start starts it" ;;
  esac
  signal "$svdir/qmail-send" "$1" || die "unable to send $2 to qmail-send"
  echo "Sent $2 to qmail-send."
}

do_stat() {
  status=0
  for name in $services; do
    line=$(state "$svdir/$name")
    echo "$name: $line"
    case $line in not*) status=111 ;; esac
    if [ -d "$svdir/$name/log" ]; then
      echo "$name/log: $(state "$svdir/$name/log")"
    fi
  done
  QMAILHOME=$home "$home/bin/qmail-qstat" || status=111
  return $status
}

do_cdb() {
  status=0
  control=$home/control
  if [ -e "$control/tcp.smtp" ]; then
    if "$home/bin/tcprules" "$control/tcp.smtp.cdb" "$control/tcp.smtp.tmp" \
         < "$control/tcp.smtp"; then
      echo "Rebuilt $control/tcp.smtp.cdb."
    else
      warn "unable to rebuild $control/tcp.smtp.cdb; the old one stays"
      status=111
    fi
  else
    echo "No $control/tcp.smtp: every client is allowed, none gets RELAYCLIENT."
  fi
  if [ -e "$control/morercpthosts" ]; then
    if QMAILHOME=$home "$home/bin/qmail-newmrh"; then
      echo "Rebuilt $control/morercpthosts.cdb."
    else
      warn "unable to rebuild $control/morercpthosts.cdb"
      status=111
    fi
  fi
  if [ -e "$home/users/assign" ]; then
    if QMAILHOME=$home "$home/bin/qmail-newu"; then
      echo "Rebuilt $home/users/cdb."
    else
      warn "unable to rebuild $home/users/cdb"
      status=111
    fi
  fi
  return $status
}

[ $# -eq 1 ] || { usage >&2; exit 100; }
command=$1

# these need no supervisor
case $command in
  queue)
    QMAILHOME=$home "$home/bin/qmail-qstat" || exit 111
    QMAILHOME=$home "$home/bin/qmail-qread" || exit 111
    exit 0 ;;
  cdb)
    do_cdb
    exit ;;
esac

if ! find_svdir; then
  case $command in
    help) svdir="(none found)" services= supervisor=; usage; exit 0 ;;
  esac
  die "no service directory holds qmail-send: set QMAIL_SERVICE_DIR, or link the run directories, e.g. ln -s $home/supervise/qmail-send /service/"
fi
services= dirs=
for name in $all_services; do
  if [ -d "$svdir/$name" ]; then
    services="$services $name"
    dirs="$dirs $svdir/$name"
  fi
done
first=${dirs# }
first=${first%% *}
if [ -z "$first" ]; then
  case $command in
    help) usage; exit 0 ;;
  esac
  die "no qmail service in $svdir; link the run directories, e.g. ln -s $home/supervise/qmail-send $svdir/"
fi
find_supervisor "$first"

case $command in
  start) do_start ;;
  stop) do_stop ;;
  restart) do_stop && do_start ;;
  doqueue | alrm) do_send_signal alarm ALRM ;;
  flush)
    QMAILHOME=$home "$home/bin/qmail-tcpok" || die "qmail-tcpok failed"
    do_send_signal alarm ALRM ;;
  hup | reload) do_send_signal hup HUP ;;
  pause)
    echo "Pausing:$services"
    for name in $services; do signal "$svdir/$name" pause || die "unable to pause $name"; done
    wait_for paused $dirs ;;
  cont)
    echo "Continuing:$services"
    for name in $services; do signal "$svdir/$name" cont || die "unable to continue $name"; done
    wait_for running $dirs ;;
  stat | status) do_stat ;;
  help) usage ;;
  *) usage >&2; exit 100 ;;
esac
