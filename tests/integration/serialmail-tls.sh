#!/bin/sh
# serialmail-tls.sh -- maildirsmtp with TLS and AUTH: against our own
# qmail-smtpd (STARTTLS and SMTPS with a test CA, AUTH through a
# checkpassword script), and, as root, against a private Postfix with a
# test CA on free ports, AUTH required (Cyrus sasldb), STARTTLS and
# implicit TLS (wrapper mode, as on port 465).  Names resolve through a
# private dnsmasq so that the certificate can be verified.
# run.sh: long -- TLS handshakes, a private Postfix
. "$TOP/tests/lib.sh"
. "$TOP/tests/smtpd-lib.sh"
. "$TOP/tests/postfix-lib.sh"

PY=$(command -v python3 || true)
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
if [ -z "$PY" ] || ! command -v openssl > /dev/null 2>&1 || [ ! -x "$DNSMASQ" ]; then
  t_skip "maildirsmtp with TLS and AUTH" "needs python3, openssl and dnsmasq (dnsmasq-base)"
  t_done; exit
fi
D=$(t_tmpdir)
free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {
  "$PY" - "$1" <<'PYEOF'
import socket, sys, time
for i in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PYEOF
}

# --- DNS: mail.test and wrong.test are 127.0.0.1 -------------------------------
dnsport=
for _ in 1 2 3 4 5; do
  p=$(free_port)
  "$DNSMASQ" -k --port="$p" --listen-address=127.0.0.1 --bind-interfaces \
    --no-resolv --no-hosts --conf-file=/dev/null --pid-file= --log-facility=- \
    --local=/test/ --host-record=mail.test,127.0.0.1 --host-record=wrong.test,127.0.0.1 \
    2> "$D/dnsmasq.err" &
  dm=$!
  j=0
  while [ $j -lt 50 ] && kill -0 $dm 2>/dev/null; do
    if DNSSERVER=127.0.0.1:$p "$QBIN/dnsip" mail.test > /dev/null 2>&1; then
      dnsport=$p; break
    fi
    sleep 0.1; j=$((j + 1))
  done
  if [ -n "$dnsport" ]; then T_PIDS="$T_PIDS $dm"; break; fi
  kill $dm 2>/dev/null; wait $dm 2>/dev/null
done
if [ -z "$dnsport" ]; then
  t_skip "maildirsmtp with TLS and AUTH" "dnsmasq did not start"
  t_done; exit
fi
DNSSERVER=127.0.0.1:$dnsport
export DNSSERVER

# --- the gateway's spool (no daemons needed: files as qmail-local writes) ------
I=$D/gw
t_instance "$I" gw.test
SPOOL=$I/alias/spool
t_maildir "$SPOOL"
# spool N MARK RCPT...: one file per recipient, as qmail-local writes them
spool() {
  s_n=$1 s_mark=$2; shift 2
  for s_r in "$@"; do
    printf 'Return-Path: <alice@gw.test>\nDelivered-To: alias-outgoing-%s\nSubject: %s\n\n%s for %s\n.dot\n' \
      "$s_r" "$s_mark" "$s_mark" "$s_r" > "$SPOOL/new/$s_n.$s_r.gw"
    s_n=$((s_n + 1))
  done
  t_give "$I" "$SPOOL"
}
spooled() { ls "$SPOOL/new" "$SPOOL/cur" 2>/dev/null | grep -vc '^$\|:$'; }
flush() {
  t_as_owner "$I" env QMAILHOME="$I" "$QBIN/maildirsmtp" "$@" > "$D/flush.out" 2> "$D/flush.log"
  rc=$?
  log=$(cat "$D/flush.log")
}
# the credentials file: the spool owner's, mode 600
AUTHF=$I/alias/smtp-auth
creds() { printf '%s\n' "$1" > "$AUTHF"; chmod 600 "$AUTHF"; t_give "$I" "$AUTHF"; }

# ===========================================================================
# 1. our own qmail-smtpd: STARTTLS, SMTPS, AUTH
# ===========================================================================
R=$D/isp
s_instance "$R" far.example
if s_certs "$R"; then
  t_start "$R"
  cat > "$D/checkpw" <<'CPEOF'
#!/bin/sh
creds=$(tr '\0' '\n' <&3)
[ "$(printf '%s\n' "$creds" | sed -n 1p)" = joe ] && \
  [ "$(printf '%s\n' "$creds" | sed -n 2p)" = "s3cret: pass" ] && exec "$@"
exit 1
CPEOF
  chmod 755 "$D/checkpw"
  s_listen smtpd "$R" -- "$D/checkpw" true
  SP=$S_PORT
  s_listen smtps "$R" SMTPS=1 -- "$D/checkpw" true
  SPS=$S_PORT
  cp "$R/ca.pem" "$D/ca.pem"
  chmod 644 "$D/ca.pem"

  spool 100 starttls-auth joe@far.example x1@elsewhere.example
  creds 'joe:s3cret: pass'
  flush -p "$SP" -t verify -c "$D/ca.pem" -a "$AUTHF" "$SPOOL" alias-outgoing- mail.test gw.test
  t_check "qmail-smtpd, verify + AUTH: exit 0, spool empty" "$rc $(spooled)" "0 0"
  t_match "the flush line names the verified cipher" "$log" \
    'flush: 2 delivered, 0 deferred, 0 bounced, 0 left unsent, 0 unusable; TLS=TLSv1\.2 [A-Z0-9-]+ verified$'
  t_match "qmail-smtpd logged the login" "$(cat "$R/smtpd.log")" 'auth ip=127\.0\.0\.1 ok user=joe'
  t_ok "joe's arrives at the ISP" t_wait_mail "$R/alias/Maildir" 1

  spool 110 wrong-password joe@far.example
  creds 'joe:not it'
  cp -p "$SPOOL/new/110.joe@far.example.gw" "$D/before"
  flush -p "$SP" -t verify -c "$D/ca.pem" -a "$AUTHF" "$SPOOL" alias-outgoing- mail.test gw.test
  t_match "a wrong password: exit 111 and a clear line with the 535" "$rc $log" \
    '^111 serialsmtp: fatal: mail\.test: the server refused the login: 535 .*\(TLS=TLSv1\.2 [A-Z0-9-]+ verified\)\. \(#4\.7\.8\)'
  t_match "the summary: left unsent" "$log" 'flush: 0 delivered, 0 deferred, 0 bounced, 1 left unsent, 0 unusable; no result from the client$'
  t_ok "the spool is untouched" cmp "$SPOOL/new/110.joe@far.example.gw" "$D/before"

  creds 'joe:s3cret: pass'
  chmod 644 "$AUTHF"
  flush -p "$SP" -a "$AUTHF" "$SPOOL" alias-outgoing- mail.test gw.test
  t_match "a credentials file others can read is refused" "$rc $log" \
    '^111 serialsmtp: fatal: mail\.test: the credentials file must be a plain file that neither group nor others may read'
  chmod 600 "$AUTHF"
  flush -p "$SP" -t none -a "$AUTHF" "$SPOOL" alias-outgoing- mail.test gw.test
  t_match "no password over plain text" "$rc $log" \
    '^111 serialsmtp: fatal: mail\.test: not sending the password over an unencrypted connection'
  t_check "the spool is still untouched" "$(spooled)" 1

  flush -p "$SP" -t verify -c "$D/ca.pem" -a "$AUTHF" "$SPOOL" alias-outgoing- wrong.test gw.test
  t_match "verify, certificate for another name: exit 111, #4.7.5" "$rc $log" \
    '^111 serialsmtp: fatal: wrong\.test: TLS could not be set up: .*BAD_SERVER_NAME.*\(#4\.7\.5\)'
  flush -p "$SP" -t verify -c "$D/checkpw" -a "$AUTHF" "$SPOOL" alias-outgoing- mail.test gw.test
  t_match "verify without trust anchors: exit 111" "$rc $log" \
    '^111 serialsmtp: fatal: mail\.test: TLS must be verified, but the trust anchors cannot be loaded'

  flush -p "$SPS" -s -t verify -c "$D/ca.pem" -a "$AUTHF" "$SPOOL" alias-outgoing- mail.test gw.test
  t_check "SMTPS (-s, TLS from the first byte) + AUTH: exit 0, spool empty" "$rc $(spooled)" "0 0"
  t_match "with the verified cipher in the flush line" "$log" 'flush: 1 delivered, .*; TLS=TLSv1\.2 [A-Z0-9-]+ verified$'
  t_ok "both for joe have arrived (the other one was relayed on)" t_wait_mail "$R/alias/Maildir" 2
  t_check "each once" "$(cat "$R"/alias/Maildir/new/* | grep -c '^Subject: ')" 2
else
  t_skip "maildirsmtp against qmail-smtpd with TLS" "the test CA could not be made"
fi

# a server without STARTTLS (smtp-sink): require refuses, may goes plain
if [ -x /usr/sbin/smtp-sink ]; then
  SINK=$(free_port)
  sink_user=
  [ "$(id -u)" = 0 ] && sink_user="-u nobody"
  mkdir -p "$D/sink"
  chmod 777 "$D/sink"
  ( cd "$D" && exec /usr/sbin/smtp-sink $sink_user -d "$D/sink/%M." 127.0.0.1:$SINK 10 ) > "$D/sink.log" 2>&1 &
  T_PIDS="$T_PIDS $!"
  wait_port "$SINK"
  spool 120 plain sam@far.example
  flush -p "$SINK" -t require "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
  t_match "require, no STARTTLS: exit 111, kept" "$rc $(spooled) $log" \
    '^111 1 serialsmtp: fatal: 127\.0\.0\.1: the server does not offer STARTTLS, and the policy says: require \(no TLS\)\. \(#4\.7\.5\)'
  flush -p "$SINK" "$SPOOL" alias-outgoing- 127.0.0.1 gw.test
  t_check "may: delivered in plain text" "$rc $(spooled)" "0 0"
  t_match "and the flush line says so" "$log" 'flush: 1 delivered.*; no TLS$'
else
  t_skip "require and may against a server without STARTTLS" "smtp-sink is not installed"
fi

# ===========================================================================
# 2. a private Postfix: test CA, AUTH required, STARTTLS and wrapper mode
# ===========================================================================
postfix_peer() {
  if [ "$(id -u)" != 0 ]; then
    t_skip "maildirsmtp against Postfix" "needs root (postfix start)"; return
  fi
  if ! command -v postfix > /dev/null 2>&1 || ! command -v postconf > /dev/null 2>&1 \
     || ! id postfix > /dev/null 2>&1 || ! getent group postdrop > /dev/null 2>&1; then
    t_skip "maildirsmtp against Postfix" "postfix is not installed"; return
  fi
  if ! command -v saslpasswd2 > /dev/null 2>&1; then
    t_skip "maildirsmtp against Postfix" "saslpasswd2 is not installed (sasl2-bin)"; return
  fi
  sasl_module() {
    ls /usr/lib/*/sasl2/lib"$1".so* > /dev/null 2>&1 || ls /usr/lib/sasl2/lib"$1".so* > /dev/null 2>&1
  }
  if ! sasl_module sasldb || ! sasl_module plain || ! sasl_module login; then
    t_skip "maildirsmtp against Postfix" "Cyrus SASL's sasldb, PLAIN and LOGIN modules are not installed"; return
  fi
  C=$D/certs
  mkdir -p "$C"
  if ! ( cd "$C" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
      -days 2 -subj "/CN=Smarthost Test CA" \
      -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign || exit 1
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
      -subj "/CN=mail.test" || exit 1
    printf 'subjectAltName=DNS:mail.test\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 \
      -days 2 -extfile server.ext -out server.pem || exit 1
    chmod 600 server.key; chmod 644 ca.pem ) > "$D/certs.log" 2>&1; then
    t_report 1 "openssl makes the test CA"; return
  fi
  PF=$D/postfix
  mkdir -p "$PF/conf/sasl" "$PF/queue" "$PF/data" "$PF/sasl" "$PF/mail"
  chown postfix "$PF/data" "$PF/sasl" "$PF/mail"
  PASS='Pf.s3cret-9'
  printf '%s' "$PASS" | saslpasswd2 -c -p -f "$PF/sasl/sasldb2" -u peer.test joe > "$D/saslpasswd2.out" 2>&1
  chown postfix "$PF/sasl/sasldb2"
  chmod 600 "$PF/sasl/sasldb2"
  cat > "$PF/conf/sasl/smtpd.conf" <<PFEOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $PF/sasl/sasldb2
PFEOF
  P1=$(free_port)
  P3=$(free_port)
  while [ "$P3" = "$P1" ]; do P3=$(free_port); done
  cat > "$PF/conf/main.cf" <<PFEOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
daemon_directory = $(postconf -d -h daemon_directory 2>/dev/null)
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
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
virtual_mailbox_domains = far.example
virtual_mailbox_base = $PF/mail
virtual_mailbox_maps = static:box/
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
virtual_minimum_uid = 1
smtpd_tls_cert_file = $C/server.pem
smtpd_tls_key_file = $C/server.key
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $PF/conf/sasl
smtpd_sasl_local_domain = peer.test
smtpd_sasl_security_options = noanonymous
smtpd_tls_auth_only = yes
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions =
PFEOF
  { printf '127.0.0.1:%s inet n -  n  -  -  smtpd\n' "$P1"
    printf '127.0.0.1:%s inet n -  n  -  -  smtpd -o syslog_name=postfix/smtps -o smtpd_tls_wrappermode=yes\n' "$P3"
    pf_services; } > "$PF/conf/master.cf"
  if ! pf_start "$PF" || ! wait_port "$P1" || ! wait_port "$P3"; then
    t_report 1 "a private Postfix starts on 127.0.0.1:$P1 and :$P3"
    sed 's/^/#   /' "$PF/start.out" "$PF/maillog" 2>/dev/null | tail -n 10
    [ -n "$pf_pid" ] && T_PIDS="$T_PIDS $pf_pid"
    return
  fi
  T_PIDS="$T_PIDS $pf_pid"
  t_report 0 "a private Postfix starts, AUTH required, on 127.0.0.1:$P1 (STARTTLS) and :$P3 (TLS wrapper)"
  mails() { grep -l -F "Subject: $1" "$PF"/mail/box/new/* 2>/dev/null | wc -l | tr -d ' '; }
  waitmails() {
    w_i=0
    while [ "$(mails "$1")" -lt "$2" ] && [ $w_i -lt 100 ]; do sleep 0.1; w_i=$((w_i + 1)); done
    mails "$1"
  }

  # a wrong password first: nothing moves
  rm -f "$SPOOL"/new/*
  spool 200 postfix-batch p1@far.example p2@far.example p3@far.example
  creds "joe@peer.test:wrong"
  flush -p "$P1" -t verify -c "$C/ca.pem" -a "$AUTHF" "$SPOOL" alias-outgoing- mail.test gw.test
  t_match "Postfix, a wrong password: exit 111, a clear line with Postfix's 535" "$rc $log" \
    '^111 serialsmtp: fatal: mail\.test: the server refused the login: 535 5\.7\.8 .*\(#4\.7\.8\)'
  t_check "the spool is untouched: three messages" "$(spooled)" 3
  t_match "the flush line" "$log" 'flush: 0 delivered, 0 deferred, 0 bounced, 3 left unsent'

  creds "joe@peer.test:$PASS"
  flush -p "$P1" -t verify -c "$C/ca.pem" -a "$AUTHF" "$SPOOL" alias-outgoing- mail.test gw.test
  t_check "Postfix with STARTTLS (verify) and AUTH: exit 0, spool empty" "$rc $(spooled)" "0 0"
  t_match "the flush line: three delivered, the verified cipher" "$log" \
    'flush: 3 delivered, 0 deferred, 0 bounced, 0 left unsent, 0 unusable; TLS=TLSv1\.2 [A-Z0-9-]+ verified$'
  t_check "the batch arrives in Postfix's maildir, each once" "$(waitmails postfix-batch 3)" 3
  f=$(grep -l -F "p2@far.example" "$PF"/mail/box/new/* 2>/dev/null | head -n 1)
  t_match "with the envelope sender and the recipient without the prefix" \
    "$(sed -n '1,/^$/p' "${f:-/dev/null}" | tr '\n' ' ')" \
    'Return-Path: <alice@gw\.test> .*Delivered-To: p2@far\.example '
  t_match "and the dotted line intact" "$(cat "${f:-/dev/null}")" '^\.dot$'
  t_match "three messages under the login of joe" \
    "$(grep -c 'sasl_method=PLAIN, sasl_username=joe@peer.test' "$PF/maillog")" '^3$'
  t_check "over one TLS session (and one for the wrong password)" "$(grep -c 'TLS connection established from' "$PF/maillog")" 2

  spool 210 postfix-smtps p4@far.example
  flush -p "$P3" -s -t verify -c "$C/ca.pem" -a "$AUTHF" "$SPOOL" alias-outgoing- mail.test gw.test
  t_check "Postfix in wrapper mode (implicit TLS, -s): exit 0, spool empty" "$rc $(spooled)" "0 0"
  t_check "the message arrives" "$(waitmails postfix-smtps 1)" 1
}
postfix_peer

t_done
