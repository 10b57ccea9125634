# postfix-lib.sh -- a private Postfix for integration tests (sourced after
# tests/lib.sh), with its own config_directory and queue_directory under
# DIR; root only.
#
#   pf_missing
#       Why a private Postfix with Cyrus SASL cannot run here, on one
#       line (not root; no postfix, postconf, postfix user or postdrop
#       group; no saslpasswd2; no sasldb, PLAIN or LOGIN module); nothing
#       when it can.
#   pf_sasl_module NAME
#       Cyrus SASL's plugin NAME (sasldb, plain, login) is installed.
#   pf_instance DIR CERTS DOMAIN USER PASSWORD
#       The directories of a private instance in DIR (conf, queue, and
#       data, sasl and mail belonging to postfix); a Cyrus sasldb
#       (DIR/sasl/sasldb2, postfix's, mode 600) holding USER, realm
#       peer.test, with PASSWORD; DIR/conf/sasl/smtpd.conf pointing
#       smtpd at it for PLAIN and LOGIN (Cyrus reads it from
#       cyrus_sasl_config_path, Debian's Postfix from
#       config_directory/sasl: this one directory is both); and
#       DIR/conf/main.cf: peer.test on 127.0.0.1 (IPv4) only, mail for
#       DOMAIN into the maildir DIR/mail/box/ (as postfix), STARTTLS
#       offered with CERTS/server.pem and CERTS/server.key, AUTH only
#       over TLS, relaying only for a client that logged in (a line
#       appended to it overrides its).  Returns 1 (with saslpasswd2's
#       output as TAP comments) when no sasldb was made.
#   pf_services
#       The unix-socket services of master.cf that a private instance
#       needs (no inet service, nothing chrooted); a test prints its own
#       inet lines first.
#   pf_start DIR
#       postfix -c DIR/conf start (output in DIR/start.out), then wait up
#       to 10 s for the master's pid in DIR/queue/pid/master.pid: sets
#       pf_pid and returns 0 when the master runs, 1 otherwise.
#   pf_listen DIR PORT...
#       pf_start DIR, then wait up to 10 s for each PORT on 127.0.0.1 to
#       accept connections (lib.sh's t_wait_port).  The master's pid goes
#       on T_PIDS, to be stopped at exit.  Returns 1 (with the end of
#       DIR/start.out and of Postfix's log as TAP comments) when the
#       master does not run or a port does not answer.

pf_missing() {
  if [ "$T_UID" != 0 ]; then
    echo "needs root (postfix start)"
  elif ! command -v postfix > /dev/null 2>&1 || ! command -v postconf > /dev/null 2>&1; then
    echo "postfix is not installed"
  elif ! id postfix > /dev/null 2>&1 || ! getent group postdrop > /dev/null 2>&1; then
    echo "no postfix user or postdrop group"
  elif ! command -v saslpasswd2 > /dev/null 2>&1; then
    echo "saslpasswd2 is not installed (sasl2-bin)"
  elif ! pf_sasl_module sasldb || ! pf_sasl_module plain || ! pf_sasl_module login; then
    echo "Cyrus SASL's sasldb, PLAIN and LOGIN modules are not installed (libsasl2-modules, libsasl2-modules-db)"
  fi
}

pf_sasl_module() {
  ls /usr/lib/*/sasl2/lib"$1".so* > /dev/null 2>&1 \
    || ls /usr/lib/sasl2/lib"$1".so* > /dev/null 2>&1
}

pf_services() {
  cat <<'PFEOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
PFEOF
}

pf_instance() {
  mkdir -p "$1/conf/sasl" "$1/queue" "$1/data" "$1/sasl" "$1/mail"
  chown postfix "$1/data" "$1/sasl" "$1/mail"
  printf '%s' "$5" | saslpasswd2 -c -p -f "$1/sasl/sasldb2" -u peer.test "$4" \
    > "$1/saslpasswd2.out" 2>&1
  if [ ! -s "$1/sasl/sasldb2" ]; then
    sed 's/^/#   /' "$1/saslpasswd2.out"
    return 1
  fi
  chown postfix "$1/sasl/sasldb2"
  chmod 600 "$1/sasl/sasldb2"
  cat > "$1/conf/sasl/smtpd.conf" <<PFEOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $1/sasl/sasldb2
PFEOF
  pf_main_cf "$1" "$2" "$3" > "$1/conf/main.cf"
}

# pf_main_cf DIR CERTS DOMAIN: pf_instance's main.cf.
pf_main_cf() {
  cat <<PFEOF
compatibility_level = 3.6
queue_directory = $1/queue
data_directory = $1/data
daemon_directory = $(postconf -d -h daemon_directory 2>/dev/null)
mail_owner = postfix
setgid_group = postdrop
maillog_file = $1/maillog
maillog_file_prefixes = $1
myhostname = peer.test
mydomain = peer.test
myorigin = peer.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks =
alias_maps =
alias_database =
smtputf8_enable = no
biff = no
virtual_mailbox_domains = $3
virtual_mailbox_base = $1/mail
virtual_mailbox_maps = static:box/
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
virtual_minimum_uid = 1
smtpd_tls_cert_file = $2/server.pem
smtpd_tls_key_file = $2/server.key
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $1/conf/sasl
smtpd_sasl_local_domain = peer.test
smtpd_sasl_security_options = noanonymous
smtpd_tls_auth_only = yes
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions =
PFEOF
}

pf_start() {
  postfix -c "$1/conf" start > "$1/start.out" 2>&1
  pf_i=0
  while [ ! -s "$1/queue/pid/master.pid" ] && [ $pf_i -lt 100 ]; do
    sleep 0.1; pf_i=$((pf_i + 1))
  done
  pf_pid=$(tr -d ' ' < "$1/queue/pid/master.pid" 2>/dev/null)
  [ -n "$pf_pid" ] && kill -0 "$pf_pid" 2>/dev/null
}

pf_listen() {
  pf_dir=$1; shift
  pf_up=yes
  if pf_start "$pf_dir"; then
    for pf_port in "$@"; do
      t_wait_port "$pf_port" || { pf_up=; break; }
    done
  else
    pf_up=
  fi
  [ -n "$pf_pid" ] && T_PIDS="$T_PIDS $pf_pid"
  [ -n "$pf_up" ] && return 0
  sed 's/^/#   /' "$pf_dir/start.out" "$pf_dir/maillog" 2>/dev/null | tail -n 10
  return 1
}
