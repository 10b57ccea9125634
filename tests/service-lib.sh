# service-lib.sh -- looking at services started by boot scripts (init.d,
# rc.d) from outside, for tests (sourced after lib.sh; free ports and
# live processes are lib.sh's t_free_port and t_alive).
#
#   smtp PORT FROM TO MARK      send one message (Python's smtplib), the
#                               Subject and body MARK
#   mail_code PORT              EHLO, then the reply code to MAIL
#   tls_greeting PORT           the greeting on an SMTPS connection
#   argv PID                    its command line, words and blanks
#   child_argv PID NAME         the command line of PID's child NAME
#   ours TEXT                   the live processes with =TEXT... in
#                               their environment (the test directory:
#                               the scripts put it there through
#                               QMAILHOME or their settings file)
#   wait_none TEXT              wait up to 10 seconds until ours is empty
#   none_left NAME TEXT         wait_none TEXT, then the test NAME: no
#                               process of ours is left (the command
#                               lines of those left are shown)
#   track_pids DIR              put the pids in DIR/*.pid on lib.sh's
#                               T_PIDS, so that what a boot script
#                               started is stopped at exit even when a
#                               test fails before its stop

# smtp PORT FROM TO MARK: send one message with smtplib.
smtp() {
  timeout 60 python3 - "$@" <<'EOP'
import smtplib, sys
port, sender, rcpt, mark = sys.argv[1:5]
with smtplib.SMTP("127.0.0.1", int(port), timeout=30) as s:
    s.sendmail(sender, [rcpt], "Subject: %s\n\n%s\n" % (mark, mark))
EOP
}

# mail_code PORT: the reply code to MAIL on a new SMTP session.
mail_code() {
  timeout 60 python3 - "$@" <<'EOP'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30) as s:
    s.ehlo("client.test")
    print(s.mail("a@test.example")[0])
EOP
}

# tls_greeting PORT: the greeting on an SMTPS connection.
tls_greeting() {
  timeout 60 python3 - "$@" <<'EOP'
import socket, ssl, sys
c = ssl.create_default_context()
c.check_hostname = False
c.verify_mode = ssl.CERT_NONE
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30) as raw:
    with c.wrap_socket(raw) as s:
        print(s.recv(512).decode().split("\r\n")[0])
EOP
}

# Zombies, which an init that is slow to reap may keep, are gone.
ours() {
  for o_d in /proc/[0-9]*; do
    o_p=${o_d#/proc/}
    [ "$o_p" = $$ ] && continue
    tr '\0' '\n' 2> /dev/null < "$o_d/environ" | grep -q "=$1" || continue
    t_alive "$o_p" && echo "$o_p"
  done
}

# wait_none DIR: wait up to 10 seconds until no process of ours is left.
wait_none() {
  w_i=0
  while [ -n "$(ours "$1")" ] && [ $w_i -lt 100 ]; do
    sleep 0.1; w_i=$((w_i + 1))
  done
  [ -z "$(ours "$1")" ]
}

# none_left NAME DIR: the test that nothing of ours is left.
none_left() {
  wait_none "$2"
  t_check "$1" "$(ours "$2" | while read -r n_p; do argv "$n_p"; echo; done)" ""
}

# track_pids DIR: the pids in DIR's pidfiles go on T_PIDS.
track_pids() {
  for r_pid in "$1"/*.pid; do
    [ -f "$r_pid" ] && T_PIDS="$T_PIDS $(cat "$r_pid")"
  done
}

# argv PID: the command line of PID, words separated by blanks.
argv() {
  tr '\0' ' ' < "/proc/$1/cmdline" 2> /dev/null
}

# child_argv PID NAME: the command line of PID's child running NAME.
child_argv() {
  for c_d in /proc/[0-9]*; do
    [ "$(awk '/^PPid:/ { print $2 }' "$c_d/status" 2> /dev/null)" = "$1" ] || continue
    case $(argv "${c_d#/proc/}") in
      *"/$2 "*) argv "${c_d#/proc/}"; return 0 ;;
    esac
  done
  return 1
}

