#!/bin/sh
# remote-peers.sh -- qmail-remote against real receiving servers.
#
# 1. Postfix's own smtpd, a private instance (its own config_directory,
#    queue_directory and log in a temporary directory; root only) on a
#    free loopback port, with a certificate from a test CA made here,
#    smtpd_tls_security_level=may, AUTH through Cyrus SASL with a sasldb
#    (PLAIN LOGIN), smtpd_tls_auth_only=yes and relaying only for
#    authenticated clients; a second smtpd of the same Postfix offers no
#    STARTTLS.  What it accepts goes to a maildir (Postfix's virtual).
#    qmail-remote is run directly, with control files of its own
#    (QMAILHOME), the relay names resolved by dnsmasq to 127.0.0.1:
#    verified TLS plus AUTH delivers (the report, the maildir, Postfix's
#    log of the TLS session and the SASL login); a wrong CA, a
#    certificate for another name and a server without STARTTLS under
#    "require" each give Z with the reason; under "may" without TLS the
#    password is not sent (Z, and Postfix's log shows no AUTH).
# 2. Our own qmail-smtpd receiving through the whole queue: a sending
#    instance routes three domains (control/smtproutes) to a receiving
#    instance's qmail-smtpd (RELAYCLIENT); one message to 50 recipients
#    arrives in 3 transactions (the receiver's accept lines, rcpts=
#    summing to 50), every recipient exactly once (Delivered-To), and
#    the sender's qmail-send logs 50 successes.
. "$TOP/tests/lib.sh"
. "$TOP/tests/postfix-lib.sh"
. "$TOP/tests/smtpd-lib.sh"

D=$(t_tmpdir)
PY=$(command -v python3 || true)

# ===========================================================================
# 1. Postfix's smtpd with TLS from a test CA and AUTH required
# ===========================================================================
postfix_peer() {
  why=$(pf_missing)
  if [ -n "$why" ]; then
    t_skip "qmail-remote against Postfix's smtpd" "$why"; return
  fi
  if [ -z "$PY" ]; then
    t_skip "qmail-remote against Postfix's smtpd" "python3 is not installed"; return
  fi
  if ! command -v openssl > /dev/null 2>&1; then
    t_skip "qmail-remote against Postfix's smtpd" "openssl is not installed (the test CA)"; return
  fi
  DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
  if [ ! -x "$DNSMASQ" ]; then
    t_skip "qmail-remote against Postfix's smtpd" "dnsmasq is not installed (dnsmasq-base): the relay names"; return
  fi

  # --- DNS: the relay names, all 127.0.0.1 ---------------------------------
  t_dnsmasq mail.test \
    --local=/test/ --host-record=mail.test,127.0.0.1 \
    --host-record=wrong.test,127.0.0.1 --host-record=plain.test,127.0.0.1
  dnsport=$T_DNSPORT
  if [ -z "$dnsport" ]; then
    t_skip "qmail-remote against Postfix's smtpd" "dnsmasq did not start"; return
  fi
  DNSSERVER=127.0.0.1:$dnsport
  export DNSSERVER

  # --- a test CA, a certificate for mail.test, and another CA -------------
  C=$D/certs
  mkdir -p "$C"
  if ! s_ca "$C" "Peer Test CA" || ! openssl req -x509 -newkey rsa:2048 -nodes \
      -keyout "$C/other.key" -out "$C/other.pem" -days 2 -subj "/CN=Other CA" \
      -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign >> "$C/certs.log" 2>&1; then
    t_report 1 "openssl makes the test CA and certificates"
    sed 's/^/#   /' "$C/certs.log" | tail -n 5
    return
  fi

  # --- the private Postfix ----------------------------------------------------
  PF=$D/postfix
  PASS='Pf.s3cret-9'
  if ! pf_instance "$PF" "$C" peer.test joe "$PASS"; then
    t_report 1 "saslpasswd2 creates the sasldb"; return
  fi
  P1=$(t_free_port)
  P2=$(t_free_port)
  while [ "$P2" = "$P1" ]; do P2=$(t_free_port); done
  echo "smtpd_banner = \$myhostname ESMTP peer" >> "$PF/conf/main.cf"
  { printf '127.0.0.1:%s inet n -  n  -  -  smtpd\n' "$P1"
    printf '127.0.0.1:%s inet n -  n  -  -  smtpd -o syslog_name=postfix/plain -o smtpd_tls_security_level=none\n' "$P2"
    pf_services; } > "$PF/conf/master.cf"
  if ! pf_listen "$PF" "$P1" "$P2"; then
    t_report 1 "a private Postfix starts, listening on 127.0.0.1:$P1 and :$P2"; return
  fi
  t_report 0 "a private Postfix starts, listening on 127.0.0.1:$P1 (STARTTLS) and :$P2 (none)"

  # --- qmail-remote's own control files -----------------------------------
  H=$D/home
  mkdir -p "$H/control"
  echo sender.test > "$H/control/me"
  printf '%s\n' "peer.test:mail.test:$P1" "wrong.example:wrong.test:$P1" \
    "plain.example:plain.test:$P2" > "$H/control/smtproutes"
  echo "$C/ca.pem" > "$H/control/tlscafile"
  printf '%s\n' "mail.test:joe:$PASS" "wrong.test:joe:$PASS" "plain.test:joe:$PASS" \
    > "$H/control/smtpauth"
  chmod 400 "$H/control/smtpauth"
  echo 10 > "$H/control/timeoutconnect"
  echo 30 > "$H/control/timeoutremote"
  QMAILHOME=$H
  export QMAILHOME

  # remote HOST RCPT MARK: run qmail-remote with a message carrying MARK;
  # the report (each NUL made a newline) in $out, the letters in $lets
  remote() {
    printf 'Subject: %s\n\nsent by qmail-remote (%s)\n.a line with a dot\n' "$3" "$3" \
      | "$QBIN/qmail-remote" "$1" sender@sender.test "$2" > "$D/report" 2> "$D/report.err"
    rc=$?
    out=$(tr '\0' '\n' < "$D/report")
    lets=$(printf '%s\n' "$out" | cut -c1 | tr -d '\n')
  }
  # mails MARK: how many messages in Postfix's maildir carry MARK
  mails() {
    grep -l -F "Subject: $1" "$PF"/mail/box/new/* 2>/dev/null | wc -l | tr -d ' '
  }
  # plog: Postfix's log so far
  plog() { cat "$PF/maillog" 2>/dev/null; }

  # verified TLS and AUTH: delivered
  echo "mail.test:verify" > "$H/control/tlspolicy"
  remote peer.test user1@peer.test verified-auth
  t_check "verify + AUTH: exit 0, r K" "$rc $lets" "0 rK"
  t_match "the K line: verified TLS to mail.test, Postfix's 250 queued" "$out" \
    '^KDelivered to mail\.test \[127\.0\.0\.1\] \(TLS=TLSv1\.[23] [A-Z0-9_-]+ verified\)\. Remote host said: 250 2\.0\.0 Ok: queued as [0-9A-Za-z]+$'
  qid=$(printf '%s\n' "$out" | sed -n 's/^K.*queued as \([0-9A-Za-z]*\)$/\1/p')
  i=0
  while [ "$(mails verified-auth)" -lt 1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  t_check "the message arrives in Postfix's maildir, once" "$(mails verified-auth)" 1
  f=$(grep -l -F "Subject: verified-auth" "$PF"/mail/box/new/* 2>/dev/null | head -n 1)
  t_match "with the envelope sender and recipient" \
    "$(sed -n '1,/^$/p' "${f:-/dev/null}" | tr '\n' ' ')" \
    'Return-Path: <sender@sender\.test> .*Delivered-To: user1@peer\.test '
  t_match "the dot-stuffed line arrives with one dot" "$(cat "${f:-/dev/null}")" '^\.a line with a dot$'
  t_match "Postfix's Received line says ESMTPSA (TLS and AUTH)" \
    "$(sed -n '/^Received: from/,/^[^ 	]/p' "${f:-/dev/null}" | tr -d '\n')" \
    'with ESMTPSA id '"${qid:-none}"
  t_wait_grep "$PF/maillog" "${qid:-none}: .*status=sent" 10
  t_match "Postfix's log: a TLS session from 127.0.0.1" "$(plog)" \
    'postfix/smtpd\[[0-9]+\]: Anonymous TLS connection established from [^ ]*\[127\.0\.0\.1\]: TLSv1\.[23] with cipher'
  t_match "Postfix's log: the SASL login of joe, by PLAIN" "$(plog)" \
    "postfix/smtpd\\[[0-9]+\\]: ${qid:-none}: client=[^ ]*\\[127\\.0\\.0\\.1\\], sasl_method=PLAIN, sasl_username=joe(@peer\\.test)?\$"
  t_match "Postfix's log: delivered to the maildir" "$(plog)" \
    "${qid:-none}: to=<user1@peer\\.test>, relay=virtual, .*status=sent \\(delivered to maildir\\)"

  # a wrong password over verified TLS: Z with Postfix's 535
  printf '%s\n' "mail.test:joe:not-the-password" > "$H/control/smtpauth"
  remote peer.test user1@peer.test wrong-password
  t_match "a wrong password: Z, with Postfix's 535, #4.7.8" "$rc $out" \
    '^0 ZConnected to mail\.test \[127\.0\.0\.1\] \(TLS=[^)]* verified\) but could not log in with the credentials in control/smtpauth: 535 5\.7\.8 .*\(#4\.7\.8\)$'
  t_wait_grep "$PF/maillog" 'SASL PLAIN authentication failed' 10
  t_match "Postfix's log: the failed login" "$(plog)" \
    'postfix/smtpd\[[0-9]+\]: warning: [^ ]*\[127\.0\.0\.1\]: SASL PLAIN authentication failed'
  printf '%s\n' "mail.test:joe:$PASS" "wrong.test:joe:$PASS" "plain.test:joe:$PASS" \
    > "$H/control/smtpauth"

  # a wrong CA: the chain does not verify
  echo "$C/other.pem" > "$H/control/tlscafile"
  remote peer.test user1@peer.test wrong-ca
  t_match "verify against another CA: Z with the verification error, #4.7.5" "$rc $out" \
    '^0 ZConnected to mail\.test \[127\.0\.0\.1\] \(no TLS\) but TLS could not be set up: .*BR_ERR_X509_NOT_TRUSTED.*\(#4\.7\.5\)$'
  echo "$C/ca.pem" > "$H/control/tlscafile"

  # the right CA, but the certificate names mail.test, not wrong.test
  echo "wrong.test:verify" > "$H/control/tlspolicy"
  remote wrong.example user1@peer.test wrong-name
  t_match "verify, certificate for another name: Z, #4.7.5" "$rc $out" \
    '^0 ZConnected to wrong\.test \[127\.0\.0\.1\] \(no TLS\) but TLS could not be set up: .*BAD_SERVER_NAME.*\(#4\.7\.5\)$'
  t_check "nothing arrived after a wrong password, a wrong CA or a wrong name" \
    "$(mails wrong-password)$(mails wrong-ca)$(mails wrong-name)" 000
  t_check "and Postfix logged no successful login but the first" \
    "$(plog | grep -c ': client=[^ ]*, sasl_method=')" 1

  # the smtpd without STARTTLS
  echo "plain.test:require" > "$H/control/tlspolicy"
  remote plain.example user1@peer.test plain-require
  t_match "require, no STARTTLS offered: Z, #4.7.5" "$rc $out" \
    '^0 ZConnected to plain\.test \[127\.0\.0\.1\] \(no TLS\) but it does not offer STARTTLS, and control/tlspolicy says require for this destination\. \(#4\.7\.5\)$'
  echo "plain.test:may" > "$H/control/tlspolicy"
  remote plain.example user1@peer.test plain-may
  t_match "may, no STARTTLS, credentials without plaintext: Z, password not sent" "$rc $out" \
    '^0 ZConnected to plain\.test \[127\.0\.0\.1\] \(no TLS\) but could not log in with the credentials in control/smtpauth: the connection is not encrypted, and the line does not say plaintext\. \(#4\.7\.8\)$'
  printf '%s\n' "plain.test:joe:$PASS:plaintext" > "$H/control/smtpauth"
  remote plain.example user1@peer.test plain-plaintext
  t_match "may, plaintext allowed, but Postfix offers no AUTH without TLS: Z" "$rc $out" \
    '^0 ZConnected to plain\.test \[127\.0\.0\.1\] \(no TLS\) but could not log in with the credentials in control/smtpauth: the server does not offer AUTH\. \(#4\.7\.8\)$'
  rm "$H/control/smtpauth"
  remote plain.example user1@peer.test plain-noauth
  t_match "may, no credentials: plain text up to RCPT, Postfix refuses to relay: h D" \
    "$lets $(printf '%s\n' "$out" | sed -n 1p)" \
    '^hD hConnected to plain\.test \[127\.0\.0\.1\] \(no TLS\) but the recipient was rejected\. Remote host said: 554 5\.7\.1 '
  sleep 1
  t_check "nothing arrived from the plain-text smtpd" \
    "$(mails plain-require)$(mails plain-may)$(mails plain-plaintext)$(mails plain-noauth)" 0000
  # Postfix's per-session command counts ("disconnect from ... ehlo=1
  # quit=1 commands=2"): four sessions at the plain smtpd, each with
  # EHLO, none with STARTTLS or AUTH
  t_wait_grep "$PF/maillog" 'postfix/plain/smtpd\[[0-9]+\]: disconnect from .* mail=1 rcpt=0/1 ' 10
  disc=$(plog | grep -E 'postfix/plain/smtpd\[[0-9]+\]: disconnect from [^ ]*\[127\.0\.0\.1\] ')
  t_check "Postfix's log: four sessions at the plain smtpd, each with one EHLO" \
    "$(printf '%s\n' "$disc" | grep -c ' ehlo=1 ')" 4
  t_check "not one of them sent STARTTLS or AUTH" \
    "$(printf '%s\n' "$disc" | grep -Ec ' (starttls|auth)=')" 0
  t_check "only the session without credentials got to MAIL and RCPT" \
    "$(printf '%s\n' "$disc" | grep -c ' mail=1 rcpt=0/1 ')" 1

  postfix -c "$PF/conf" stop > /dev/null 2>&1
  pf_i=0
  while kill -0 "$pf_pid" 2>/dev/null && [ $pf_i -lt 100 ]; do
    sleep 0.1; pf_i=$((pf_i + 1))
  done
  unset QMAILHOME
  DNSSERVER=127.0.0.1:1
}

# ===========================================================================
# 2. Our qmail-smtpd receiving through the whole queue: 50 recipients,
#    3 domains, 3 transactions
# ===========================================================================
queue_to_smtpd() {
  R=$D/recv
  s_instance "$R" d1.example || { t_report 1 "the receiving instance is made"; return; }
  printf '%s\n' d1.example d2.example d3.example > "$R/control/locals"
  printf '%s\n' d1.example d2.example d3.example > "$R/control/rcpthosts"
  if ! t_start "$R"; then t_report 1 "the receiving instance starts"; return; fi
  if ! s_listen smtpd "$R" RELAYCLIENT=; then
    t_report 1 "qmail-smtpd listens for the receiving instance"; return
  fi
  RP=$S_PORT

  S=$D/send
  t_instance "$S" sender.test || { t_report 1 "the sending instance is made"; return; }
  printf '%s\n' "d1.example:[127.0.0.1]:$RP" "d2.example:[127.0.0.1]:$RP" \
    "d3.example:[127.0.0.1]:$RP" > "$S/control/smtproutes"
  echo 5 > "$S/control/timeoutconnect"
  if ! t_start "$S"; then t_report 1 "the sending instance starts"; return; fi

  rcpts=
  for n in $(seq 1 17); do rcpts="$rcpts u$n@d1.example"; done
  for n in $(seq 18 34); do rcpts="$rcpts u$n@d2.example"; done
  for n in $(seq 35 50); do rcpts="$rcpts u$n@d3.example"; done
  # shellcheck disable=SC2086
  printf 'Subject: fifty through qmail-smtpd\n\nhello, fifty\n' \
    | t_queue "$S" owner@sender.test $rcpts
  t_check "the message with 50 recipients is queued" "$?" 0
  i=0
  while [ "$(tail -n +$((T_LOG_FROM + 1)) "$S/send.log" | grep -Ec '^delivery [0-9]+: (success|failure|deferral)')" -lt 50 ] \
        && [ $i -lt 600 ]; do
    sleep 0.1; i=$((i + 1))
  done
  slog=$(tail -n +$((T_LOG_FROM + 1)) "$S/send.log")
  t_check "the sender's qmail-send logs 50 successes" \
    "$(printf '%s\n' "$slog" | grep -Ec '^delivery [0-9]+: success: Delivered_to_\[127\.0\.0\.1\]_\(no_TLS\)\._Remote_host_said:_250_ok_')" 50
  t_check "and no failure or deferral" \
    "$(printf '%s\n' "$slog" | grep -Ec '^delivery [0-9]+: (failure|deferral)')" 0

  t_wait_mail "$R/alias/Maildir" 50 30
  sleep 1
  acc=$(grep -E 'qmail-smtpd [0-9]+: accept ip=127\.0\.0\.1 from=<owner@sender\.test> rcpts=[0-9]+ ' "$R/smtpd.log")
  t_check "the receiver logs exactly 3 accepted transactions" \
    "$(printf '%s\n' "$acc" | grep -c .)" 3
  t_check "whose rcpts= are 16, 17 and 17" \
    "$(printf '%s\n' "$acc" | sed 's/.* rcpts=\([0-9]*\) .*/\1/' | sort -n | tr '\n' ' ')" "16 17 17 "
  t_check "the receiver refused nothing" "$(grep -c ' refuse ' "$R/smtpd.log")" 0
  t_check "50 messages in the receiver's maildir" \
    "$(ls "$R/alias/Maildir/new" | wc -l | tr -d ' ')" 50
  for n in $(seq 1 17); do echo "u$n@d1.example"; done > "$D/want"
  for n in $(seq 18 34); do echo "u$n@d2.example"; done >> "$D/want"
  for n in $(seq 35 50); do echo "u$n@d3.example"; done >> "$D/want"
  sort "$D/want" > "$D/want.sorted"
  # the first Delivered-To of each message, the alias- prefix (if any) taken off
  for f in "$R"/alias/Maildir/new/*; do
    sed -n 's/^Delivered-To: //p' "$f" | head -n 1
  done | sed 's/^alias-//' | sort > "$D/got"
  t_ok "every recipient arrived exactly once (Delivered-To)" cmp "$D/want.sorted" "$D/got"
  t_check "every message has the body" \
    "$(grep -l -x 'hello, fifty' "$R"/alias/Maildir/new/* | wc -l | tr -d ' ')" 50
  t_check "and the sender's envelope address" \
    "$(grep -l -x 'Return-Path: <owner@sender.test>' "$R"/alias/Maildir/new/* | wc -l | tr -d ' ')" 50
  s_stop smtpd "$R"
  t_stop "$S"
  t_stop "$R"
}

postfix_peer
queue_to_smtpd

t_done
