# rc-subr-standin.sh -- a minimal stand-in for the BSDs' /etc/rc.subr,
# written for tests/integration/rcd.sh: enough of rc.subr(8) to run the
# rc.d scripts on Linux.  Not a copy of either system's file; it follows
# what rc.subr(8) documents for the parts the scripts use:
#
#   load_rc_config NAME     reads $RC_CONF (the test's rc.conf)
#   checkyesno VAR          YES/TRUE/ON/1 true, NO/FALSE/OFF/0 false
#   warn MESSAGE            "NAME: WARNING: MESSAGE" on standard error
#   check_pidfile FILE PROCNAME
#                           the PID in FILE when that process's argv[0]
#                           is PROCNAME
#   wait_for_pids PID...    until they are gone (here bounded: 30 s)
#   run_rc_command ARG      start, stop, restart, status, reload (when
#                           in extra_commands) and their one... forms;
#                           $rcvar must be YES except for one...;
#                           ${ARG}_precmd, ${ARG}_cmd, ${ARG}_postcmd;
#                           otherwise the default actions on $pidfile,
#                           $procname (default $command), sig_stop,
#                           sig_reload; rc_pid is set for every action
#
# Exit codes follow rc.subr: 0 done, 1 when the action could not be
# done (not enabled, not running, already running, a precmd failed).

load_rc_config() {
  [ -n "${RC_CONF:-}" ] && [ -r "$RC_CONF" ] && . "$RC_CONF"
  return 0
}

checkyesno() {
  eval "_cy_value=\${$1}"
  case $_cy_value in
    [Yy][Ee][Ss] | [Tt][Rr][Uu][Ee] | [Oo][Nn] | 1) return 0 ;;
    [Nn][Oo] | [Ff][Aa][Ll][Ss][Ee] | [Oo][Ff][Ff] | 0) return 1 ;;
    *) warn "\$$1 is not set properly"; return 1 ;;
  esac
}

warn() {
  echo "${name:-rc}: WARNING: $*" >&2
}

check_pidfile() {
  [ -r "$1" ] || return 0
  _cp_pid=$(head -n 1 "$1")
  case $_cp_pid in
    '' | *[!0-9]*) return 0 ;;
  esac
  _cp_argv0=$(tr '\0' '\n' 2> /dev/null < "/proc/$_cp_pid/cmdline" | head -n 1)
  [ "$_cp_argv0" = "$2" ] && echo "$_cp_pid"
  return 0
}

wait_for_pids() {
  _wp_i=0
  for _wp_pid in "$@"; do
    while [ -n "$(check_pidfile_pid "$_wp_pid")" ] && [ $_wp_i -lt 300 ]; do
      sleep 0.1
      _wp_i=$((_wp_i + 1))
    done
  done
}

# PID when it is still our process (a zombie has no argv[0])
check_pidfile_pid() {
  _cpp_argv0=$(tr '\0' '\n' 2> /dev/null < "/proc/$1/cmdline" | head -n 1)
  [ "$_cpp_argv0" = "$procname" ] && echo "$1"
}

_rc_hook() {
  eval "_rh_cmd=\${${1}_$2:-}"
  [ -z "$_rh_cmd" ] && return 0
  eval "$_rh_cmd"
}

run_rc_command() {
  rc_arg=$1
  _rc_one=
  case $rc_arg in
    one*) _rc_one=yes; rc_arg=${rc_arg#one} ;;
  esac
  : "${procname:=$command}"
  case " start stop restart status $extra_commands " in
    *" $rc_arg "*) ;;
    *) echo "Usage: $0 [one](start|stop|restart|status${extra_commands:+|$(echo $extra_commands | tr ' ' '|')})" >&2
       return 1 ;;
  esac
  if [ -n "${rcvar:-}" ] && [ -z "$_rc_one" ] && [ "$rc_arg" != status ] \
      && ! checkyesno "$rcvar"; then
    echo "Cannot '$rc_arg' $name. Set $rcvar to YES in /etc/rc.conf or use 'one$rc_arg' instead of '$rc_arg'." >&2
    return 1
  fi
  if [ "$rc_arg" = restart ]; then
    run_rc_command "${_rc_one:+one}stop"
    run_rc_command "${_rc_one:+one}start"
    return
  fi
  rc_pid=
  [ -n "${pidfile:-}" ] && rc_pid=$(check_pidfile "$pidfile" "$procname")
  _rc_hook "$rc_arg" precmd || return 1
  eval "_rc_cmd=\${${rc_arg}_cmd:-}"
  if [ -n "$_rc_cmd" ]; then
    eval "$_rc_cmd" || return 1
    _rc_hook "$rc_arg" postcmd
    return
  fi
  case $rc_arg in
    start)
      if [ -n "$rc_pid" ]; then
        echo "$name already running? (pid=$rc_pid)." >&2
        return 1
      fi
      echo "Starting $name."
      eval "$command ${command_args:-}" || return 1 ;;
    stop)
      if [ -z "$rc_pid" ]; then
        echo "$name not running? (check $pidfile)." >&2
        return 1
      fi
      echo "Stopping $name."
      kill -"${sig_stop:-TERM}" "$rc_pid" || return 1
      wait_for_pids "$rc_pid" ;;
    status)
      if [ -n "$rc_pid" ]; then
        echo "$name is running as pid $rc_pid."
      else
        echo "$name is not running."
        return 1
      fi ;;
    reload)
      if [ -z "$rc_pid" ]; then
        echo "$name not running? (check $pidfile)." >&2
        return 1
      fi
      echo "Reloading $name config files."
      kill -"${sig_reload:-HUP}" "$rc_pid" || return 1 ;;
    *)
      return 1 ;;
  esac
  _rc_hook "$rc_arg" postcmd
}
