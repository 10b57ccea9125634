# smtpd-lib.sh -- an SMTP service for integration tests (sourced after
# tests/lib.sh).
#
#   s_instance DIR [HOST]
#       t_instance DIR HOST (default test.example) with control/rcpthosts
#       and control/locals naming HOST, and alias/.qmail-default so that
#       every local recipient lands in the maildir DIR/alias/Maildir.
#   s_listen NAME DIR [VAR=VALUE ...] [-- QMAIL-SMTPD-ARGS ...]
#       Our tcpserver on 127.0.0.1, a free port, running qmail-smtpd for
#       instance DIR (as the instance's owner when run as root: -u/-g),
#       with the VAR=VALUE pairs in its environment (RELAYCLIENT=,
#       DATABYTES=, SMTPS=1, ...).  Sets S_PORT; the listener's and the
#       sessions' log lines go to DIR/NAME.log; pid in DIR/NAME.pid.
#       Returns non-zero (after printing the log) when it does not come
#       up within 10 seconds.
#   s_stop NAME DIR
#       TERM the listener (also done at exit for every s_listen, through
#       lib.sh's T_PIDS).
#   s_ca DIR [CN]
#       A test CA (DIR/ca.pem, its key DIR/ca.key; its name CN, default
#       "Test CA") and a certificate for mail.test signed by it
#       (DIR/server.pem, its key DIR/server.key, mode 600); openssl's
#       output in DIR/certs.log.  Needs openssl (returns 1 without, or
#       when openssl fails).
#   s_certs DIR
#       s_ca DIR, and the certificate with its key in
#       DIR/control/servercert.pem, readable only by the instance's
#       owner.
#   s_session DIR < SCRIPT
#       Run qmail-smtpd directly (no network) for instance DIR, as its
#       owner, with TCPREMOTEIP=127.0.0.1: the client's bytes come from
#       standard input, the replies go to standard output, the log to
#       DIR/session.log.  Extra environment: S_ENV="VAR=VALUE ...".

s_instance() {
  t_instance "$1" "${2:-test.example}" || return 1
  echo "${2:-test.example}" > "$1/control/rcpthosts"
  echo "${2:-test.example}" > "$1/control/locals"
  t_maildir "$1/alias/Maildir" || return 1
  echo ./Maildir/ > "$1/alias/.qmail-default"
}

# s_start_listener TCPSERVER [TCPSERVER-ARGS...] -- NAME DIR [VAR=VALUE ...]
#   [-- QMAIL-SMTPD-ARGS ...]: the common part of s_listen and
#   s_listen_ucspi.
s_start_listener() {
  s_server=
  while [ "$1" != -- ]; do s_server="$s_server $1"; shift; done
  shift
  s_name=$1 s_dir=$2
  shift 2
  s_env=
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    s_env="$s_env $1"
    shift
  done
  [ "${1:-}" = -- ] && shift
  s_ids=
  if [ "$(id -u)" = 0 ]; then
    s_owner=$(t_owner "$s_dir")
    s_ids="-u ${s_owner%%:*} -g ${s_owner#*:}"
  fi
  t_give "$s_dir"
  rm -f "$s_dir/$s_name.port" "$s_dir/$s_name.pid"
  # shellcheck disable=SC2086
  ( exec env QMAILHOME="$s_dir" $s_env $s_server -1 -v -R -H $s_ids \
      127.0.0.1 0 "$QBIN/qmail-smtpd" "$@" \
      > "$s_dir/$s_name.port" 2>> "$s_dir/$s_name.log" ) &
  echo $! > "$s_dir/$s_name.pid"
  T_PIDS="$T_PIDS $!"
  s_i=0
  while ! grep -q '^[0-9]' "$s_dir/$s_name.port" 2>/dev/null && [ $s_i -lt 100 ]; do
    sleep 0.1; s_i=$((s_i + 1))
  done
  S_PORT=$(head -n 1 "$s_dir/$s_name.port" 2>/dev/null)
  [ -n "$S_PORT" ] && return 0
  echo "# the listener $s_name did not come up; its log:"
  sed 's/^/#   /' "$s_dir/$s_name.log" 2>/dev/null | tail -n 10
  return 1
}

s_listen() {
  s_start_listener "$QBIN/tcpserver" -- "$@"
}

s_stop() {
  [ -f "$2/$1.pid" ] || return 0
  kill -TERM "$(cat "$2/$1.pid")" 2>/dev/null
  rm -f "$2/$1.pid"
}

s_ca() {
  command -v openssl > /dev/null 2>&1 || return 1
  ( cd "$1" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
      -days 2 -subj "/CN=${2:-Test CA}" \
      -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign || exit 1
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
      -subj "/CN=mail.test" || exit 1
    printf 'subjectAltName=DNS:mail.test\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 \
      -days 2 -extfile server.ext -out server.pem || exit 1
    chmod 600 server.key; chmod 644 ca.pem ) > "$1/certs.log" 2>&1
}

s_certs() {
  s_ca "$1" || return 1
  ( cd "$1" || exit 1
    cat server.pem server.key > control/servercert.pem
    chmod 600 control/servercert.pem ) >> "$1/certs.log" 2>&1 || return 1
  t_give "$1" "$1/control/servercert.pem"
}

s_session() {
  # shellcheck disable=SC2086
  t_as_owner "$1" env QMAILHOME="$1" TCPREMOTEIP=127.0.0.1 \
    TCPLOCALIP=127.0.0.1 ${S_ENV:-} "$QBIN/qmail-smtpd" 2>> "$1/session.log"
}

# s_listen_ucspi NAME DIR [VAR=VALUE ...] [-- QMAIL-SMTPD-ARGS ...]
#     As s_listen, with ucspi-tcp's tcpserver ($UCSPI_TCPSERVER, default
#     /usr/bin/tcpserver) in place of ours, given -l mail.test so that
#     it asks no DNS server for the local name.  Returns 2 (saying
#     nothing) when that program is not installed.
s_listen_ucspi() {
  s_tcpserver=${UCSPI_TCPSERVER:-/usr/bin/tcpserver}
  [ -x "$s_tcpserver" ] || return 2
  s_start_listener "$s_tcpserver" -l mail.test -- "$@"
}
