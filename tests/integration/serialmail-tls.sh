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

# --- DNS: mail.test and wrong.test are 127.0.0.1 -------------------------------
t_dnsmasq mail.test \
  --local=/test/ --host-record=mail.test,127.0.0.1 --host-record=wrong.test,127.0.0.1
dnsport=$T_DNSPORT
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
  SINK=$(t_free_port)
  sink_user=
  [ "$(id -u)" = 0 ] && sink_user="-u nobody"
  mkdir -p "$D/sink"
  chmod 777 "$D/sink"
  ( cd "$D" && exec /usr/sbin/smtp-sink $sink_user -d "$D/sink/%M." 127.0.0.1:$SINK 10 ) > "$D/sink.log" 2>&1 &
  T_PIDS="$T_PIDS $!"
  t_wait_port "$SINK"
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
  why=$(pf_missing)
  if [ -n "$why" ]; then
    t_skip "maildirsmtp against Postfix" "$why"; return
  fi
  C=$D/certs
  mkdir -p "$C"
  if ! s_ca "$C" "Smarthost Test CA"; then
    t_report 1 "openssl makes the test CA"; return
  fi
  PF=$D/postfix
  PASS='Pf.s3cret-9'
  if ! pf_instance "$PF" "$C" far.example joe "$PASS"; then
    t_report 1 "saslpasswd2 creates the sasldb"; return
  fi
  P1=$(t_free_port)
  P3=$(t_free_port)
  while [ "$P3" = "$P1" ]; do P3=$(t_free_port); done
  { printf '127.0.0.1:%s inet n -  n  -  -  smtpd\n' "$P1"
    printf '127.0.0.1:%s inet n -  n  -  -  smtpd -o syslog_name=postfix/smtps -o smtpd_tls_wrappermode=yes\n' "$P3"
    pf_services; } > "$PF/conf/master.cf"
  if ! pf_listen "$PF" "$P1" "$P3"; then
    t_report 1 "a private Postfix starts on 127.0.0.1:$P1 and :$P3"; return
  fi
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
