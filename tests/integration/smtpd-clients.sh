#!/bin/sh
# qmail-smtpd under real SMTP clients: Python's smtplib, swaks, curl,
# openssl s_client, Postfix relaying through it and Postfix's
# smtp-source with 2,000 messages.  Everything runs under our
# tcpserver; the key cases run a second time under ucspi-tcp's
# tcpserver.  Also a 3 MB 8-bit message through STARTTLS, the size
# limit as curl and swaks meet it, a TLS 1.3-only client and ten TLS
# sessions with AUTH at once.  What is checked is what a user sees:
# reply codes, the clients' exit codes and transcripts, the delivered
# messages (the Received line with the protocol, the TLS suite and the
# authenticated user) and the log lines; and that no password reaches
# any log.  Postfix needs root (skipped otherwise); a missing client is
# skipped, saying which.
# run.sh: long -- 2,000 messages by smtp-source, Postfix, TLS sessions
. "$TOP/tests/lib.sh"
. "$TOP/tests/postfix-lib.sh"
. "$TOP/tests/smtpd-lib.sh"

D=$(t_tmpdir)
I=$D/inst
A=$I/alias
USER_OK=joe
PASS_OK='Pw7.q-Zx3!kv'

if ! command -v openssl > /dev/null 2>&1; then
  t_skip "SMTP clients" "openssl not installed (the test certificates)"
  t_done
  exit
fi
s_instance "$I" || { echo "Bail out! no instance"; exit 1; }
s_certs "$I" || { echo "Bail out! s_certs failed"; sed 's/^/#   /' "$I/certs.log"; exit 1; }
CA=$I/ca.pem
# remote.example is not ours: mail relayed to it (after AUTH) lands in
# alias/Relayed through virtualdomains, so the relay is seen to work;
# anything else remote waits in alias/Outgoing, no DNS asked
printf 'remote.example:alias-relayed\n:alias-outgoing\n' > "$I/control/virtualdomains"
t_maildir "$A/Relayed"
t_maildir "$A/Outgoing"
t_maildir "$A/Bulk"
echo ./Relayed/ > "$A/.qmail-relayed-default"
echo ./Outgoing/ > "$A/.qmail-outgoing-default"
echo ./Bulk/ > "$A/.qmail-bulk"

# A checkpassword program that knows one user, joe; the user tempfail
# gets 111 (a temporary failure).  It logs nothing.
CP=$D/checkpassword
cat > "$CP" <<EOF
#!/bin/sh
input=\$(head -c 1024 <&3 | tr '\\000' '\\n') || exit 111
user=\$(printf '%s\\n' "\$input" | sed -n 1p)
pass=\$(printf '%s\\n' "\$input" | sed -n 2p)
[ "\$user" = tempfail ] && exit 111
[ "\$user" = '$USER_OK' ] && [ "\$pass" = '$PASS_OK' ] || exit 1
[ \$# -gt 0 ] && exec "\$@"
exit 0
EOF
chmod 755 "$CP"

t_start "$I" || { echo "Bail out! the instance did not start"; exit 1; }

if command -v python3 > /dev/null 2>&1; then PY=python3; else PY=; fi

# wait_mark MAILDIR MARK [N]: wait (20 s at most) until N (default 1)
# messages in MAILDIR/new carry MARK; print the first one's name.
wait_mark() {
  w_i=0
  while [ $w_i -lt 200 ]; do
    w_n=$(grep -l -F -- "$2" "$1"/new/* 2>/dev/null | wc -l)
    [ "$w_n" -ge "${3:-1}" ] && break
    sleep 0.1; w_i=$((w_i + 1))
  done
  grep -l -F -- "$2" "$1"/new/* 2>/dev/null | head -n 1
}

# log_has NAME FILE PATTERN: PATTERN (grep -E) turns up in the log FILE
# within 10 seconds (a session logs its end after its last reply)
log_has() {
  t_wait_grep "$2" "$3" 10
  t_match "$1" "$(cat "$2")" "$3"
}

# received FILE: the message's first Received line, unfolded
received() {
  sed -n '/^Received: from/{N;s/\n//;p;q;}' "$1"
}

# The listeners of one pass: LABEL (ours / ucspi) and the ports of a
# STARTTLS listener (P_SMTP) and an SMTPS one (P_SMTPS), both with the
# checkpassword program; their logs are $I/LABEL-smtp.log and
# $I/LABEL-smtps.log.

# --- Python smtplib ------------------------------------------------------
py_cases() {
  label=$1
  if [ -z "$PY" ]; then
    t_skip "$label: smtplib" "python3 not installed"
    return
  fi
  log=$I/$label-smtp.log
  out=$($PY "$TOP/tests/integration/smtpclient.py" "$P_SMTP" \
        --to joe@test.example --mark "py-plain-$label" 2>&1)
  t_match "$label: smtplib EHLO offers STARTTLS, PIPELINING, 8BITMIME, SIZE" "$out" \
    '^ehlo 250 8bitmime pipelining size starttls$'
  t_match "$label: smtplib plain send: 250 ok TIME qp PID" "$out" '^data 250 ok [0-9]+ qp [0-9]+$'
  t_match "$label: smtplib QUIT: 221" "$out" '^quit 221$'
  f=$(wait_mark "$A/Maildir" "py-plain-$label")
  if [ -n "$f" ]; then
    t_match "$label: plain: Received says ESMTP, from 127.0.0.1, HELO client.example" \
      "$(received "$f")" "^Received: from [^ ]+ \\(HELO client\\.example\\) \\(127\\.0\\.0\\.1\\) +by $BY with ESMTP; "
    t_match "$label: plain: the dot-stuffed line arrives with one dot" "$(cat "$f")" \
      '^\.a line that starts with a dot$'
  else
    t_report 1 "$label: the plain smtplib message was delivered"
  fi
  qp=$(printf '%s\n' "$out" | sed -n 's/^data 250 ok [0-9]* qp //p')
  log_has "$label: plain: log accept line with the same qp, no tls=" "$log" \
    "^qmail-smtpd [0-9]+: accept ip=127\.0\.0\.1 from=<a@b\.example> rcpts=1 bytes=[0-9]+ helo=client\.example qp $qp\$"

  out=$($PY "$TOP/tests/integration/smtpclient.py" "$P_SMTP" --tls "$CA" \
        --to joe@test.example --mark "py-tls-$label" 2>&1)
  t_match "$label: smtplib STARTTLS: 220, certificate verified for mail.test" "$out" '^starttls 220$'
  t_match "$label: smtplib: after TLS, EHLO has AUTH and no STARTTLS" "$out" \
    '^ehlo-tls 250 8bitmime auth pipelining size$'
  t_match "$label: smtplib: AUTH PLAIN LOGIN offered" "$out" '^auth-offered PLAIN LOGIN$'
  t_match "$label: smtplib: sent over TLS" "$out" '^data 250 ok [0-9]+ qp [0-9]+$'
  cipher=$(printf '%s\n' "$out" | sed -n 's/^tls [^ ]* //p')
  version=$(printf '%s\n' "$out" | sed -n 's/^tls \([^ ]*\) .*/\1/p')
  f=$(wait_mark "$A/Maildir" "py-tls-$label")
  if [ -n "$f" ] && [ -n "$cipher" ]; then
    t_match "$label: STARTTLS: Received says ESMTPS ($version $cipher)" "$(received "$f")" \
      "by [^ ]+ with ESMTPS \\($version $cipher\\); "
  else
    t_report 1 "$label: the smtplib TLS message was delivered (cipher '$cipher')"
  fi
  log_has "$label: STARTTLS: log accept line with tls=$cipher" "$log" \
    "accept ip=127\\.0\\.0\\.1 from=<a@b\\.example> rcpts=1 bytes=[0-9]+ helo=client\\.example tls=$cipher qp [0-9]+\$"

  for mech in PLAIN LOGIN; do
    for how in initial no-initial; do
      flag=
      [ $how = no-initial ] && flag=--no-initial
      mark=py-auth-$mech-$how-$label
      out=$($PY "$TOP/tests/integration/smtpclient.py" "$P_SMTP" --tls "$CA" \
            --norelay bob@remote.example --auth "$mech" "$USER_OK" "$PASS_OK" $flag \
            --to bob@remote.example --to joe@test.example --mark "$mark" 2>&1)
      t_match "$label: smtplib $mech ($how): a remote recipient before AUTH gets 553" "$out" \
        '^norelay 553$'
      t_match "$label: smtplib $mech ($how): 235" "$out" '^auth 235$'
      t_match "$label: smtplib $mech ($how): after AUTH the remote recipient is taken" "$out" \
        '^rcpt bob@remote\.example 250$'
      t_match "$label: smtplib $mech ($how): the message is accepted" "$out" '^data 250 ok '
      f=
      case $out in
        *"rcpt bob@remote.example 250"*) f=$(wait_mark "$A/Relayed" "$mark") ;;
      esac
      if [ -n "$f" ]; then
        t_match "$label: $mech ($how): relayed, Received says ESMTPSA with the user" \
          "$(received "$f")" "with ESMTPSA \\(TLSv1\\.[23] [A-Z0-9-]+, authenticated user $USER_OK\\); "
      else
        t_report 1 "$label: $mech ($how): the relayed message arrived for bob@remote.example"
      fi
    done
  done
  log_has "$label: AUTH: log accept line with tls= and auth=$USER_OK" "$log" \
    "accept ip=127\\.0\\.0\\.1 from=<a@b\\.example> rcpts=2 bytes=[0-9]+ helo=client\\.example tls=[A-Z0-9-]+ auth=$USER_OK qp [0-9]+\$"
  log_has "$label: AUTH: the refused relay attempt is logged as 553" "$log" \
    'refuse ip=127\.0\.0\.1 553 .*from=<a@b\.example> rcpt=<bob@remote\.example>'
  log_has "$label: AUTH: logged as auth ok user=$USER_OK" "$log" \
    "auth ip=127\\.0\\.0\\.1 ok user=$USER_OK\$"

  out=$($PY "$TOP/tests/integration/smtpclient.py" "$P_SMTP" --tls "$CA" \
        --auth PLAIN "$USER_OK" wrong-password --to bob@remote.example 2>&1)
  t_match "$label: smtplib: a wrong password gets 535" "$out" '^auth 535$'
  log_has "$label: the failure is logged with the user" "$log" \
    "refuse ip=127\\.0\\.0\\.1 535 auth failed user=$USER_OK\$"
  t_match "$label: smtplib: and the remote recipient stays refused (553)" "$out" \
    '^rcpt bob@remote\.example 553$'
  out=$($PY "$TOP/tests/integration/smtpclient.py" "$P_SMTP" --tls "$CA" \
        --auth LOGIN tempfail whatever 2>&1)
  t_match "$label: smtplib: checkpassword's 111 gets 454" "$out" '^auth 454$'
  out=$($PY "$TOP/tests/integration/smtpclient.py" "$P_SMTP" \
        --auth PLAIN "$USER_OK" "$PASS_OK" 2>&1)
  t_match "$label: smtplib: AUTH before STARTTLS (not offered) gets 538" "$out" \
    '^auth 538$'
}

# --- swaks ---------------------------------------------------------------
# joined TEXT: the lines of TEXT joined with '|', for a pattern that
# spans lines (an order of commands and replies)
joined() {
  printf '%s\n' "$1" | tr -d '\r' | tr '\n' '|'
}

swaks_cases() {
  label=$1
  if ! command -v swaks > /dev/null 2>&1; then
    t_skip "$label: swaks" "swaks not installed"
    return
  fi
  log=$I/$label-smtp.log
  sw="swaks --server 127.0.0.1 --helo client.example --from a@b.example --timeout 30"

  out=$($sw --port "$P_SMTP" --to joe@test.example --tls --tls-verify \
        --tls-ca-path "$CA" --header "Subject: swaks-tls-$label" 2>&1)
  t_check "$label: swaks --tls: exit 0" "$?" 0
  t_match "$label: swaks --tls: STARTTLS answered 220" "$out" '^<-  220 2\.0\.0 ready to start TLS'
  t_match "$label: swaks --tls: TLS started, certificate verified" "$out" \
    '^=== TLS started with cipher TLSv1\.[23]:[A-Z0-9-]+:[0-9]+$'
  t_check "$label: swaks --tls: EHLO before TLS offers STARTTLS, not AUTH" \
    "$(joined "$(printf '%s\n' "$out" | grep '^<-  250')")" \
    '<-  250-test.example|<-  250-PIPELINING|<-  250-8BITMIME|<-  250-STARTTLS|<-  250 SIZE|'
  t_check "$label: swaks --tls: EHLO inside TLS offers AUTH PLAIN LOGIN, not STARTTLS" \
    "$(joined "$(printf '%s\n' "$out" | grep '^<~  250[- ][0-9A-Zt]')")" \
    '<~  250-test.example|<~  250-PIPELINING|<~  250-8BITMIME|<~  250-AUTH PLAIN LOGIN|<~  250 SIZE|'
  t_match "$label: swaks --tls: the message is taken: 250 ok TIME qp PID" "$out" \
    '^<~  250 ok [0-9]+ qp [0-9]+$'
  t_match "$label: swaks --tls: QUIT answered 221" "$out" '^<~  221 test\.example$'
  f=$(wait_mark "$A/Maildir" "swaks-tls-$label")
  t_match "$label: swaks --tls: delivered with ESMTPS" "$(received "${f:-/dev/null}")" \
    "with ESMTPS \\(TLSv1\\.[23] [A-Z0-9-]+\\); "

  for mech in PLAIN LOGIN; do
    out=$($sw --port "$P_SMTP" --to bob@remote.example --tls --auth "$mech" \
          --auth-user "$USER_OK" --auth-password "$PASS_OK" \
          --header "Subject: swaks-$mech-$label" 2>&1)
    t_check "$label: swaks --auth $mech: exit 0" "$?" 0
    t_match "$label: swaks --auth $mech: 235" "$out" '^<~  235 2\.7\.0 authentication successful$'
    t_match "$label: swaks --auth $mech: the remote recipient is taken" "$(joined "$out")" \
      '~> RCPT TO:<bob@remote\.example>\|<~  250 ok\|'
    f=$(wait_mark "$A/Relayed" "swaks-$mech-$label")
    t_match "$label: swaks --auth $mech: relayed with ESMTPSA and the user" \
      "$(received "${f:-/dev/null}")" "with ESMTPSA \\([^)]*, authenticated user $USER_OK\\); "
  done
  t_match "$label: swaks AUTH LOGIN: the server asked for user name and password" "$out" \
    '^<~  334 UGFzc3dvcmQ6$'

  out=$($sw --port "$P_SMTP" --to bob@remote.example --tls --auth LOGIN \
        --auth-user "$USER_OK" --auth-password wrong-password 2>&1)
  t_check "$label: swaks, wrong password: exit 28 (AUTH failed)" "$?" 28
  t_match "$label: swaks, wrong password: 535" "$out" '^<~\* 535 5\.7\.8 '

  out=$($sw --port "$P_SMTP" --to bob@remote.example --auth PLAIN \
        --auth-user "$USER_OK" --auth-password "$PASS_OK" 2>&1)
  t_check "$label: swaks --auth without TLS: exit 28 (AUTH not offered in the clear)" "$?" 28

  # pipelining: MAIL, both RCPTs and DATA go out together, the replies
  # come together, in order
  out=$($sw --port "$P_SMTP" --to joe@test.example,bob@test.example --tls \
        --auth LOGIN --auth-user "$USER_OK" --auth-password "$PASS_OK" \
        --pipeline --header "Subject: swaks-pipe-$label" 2>&1)
  t_check "$label: swaks --pipeline: exit 0" "$?" 0
  t_match "$label: swaks --pipeline: commands sent in one group, then the replies in order" \
    "$(joined "$out")" \
    '~> MAIL FROM:<a@b\.example>\| ~> RCPT TO:<joe@test\.example>\| ~> RCPT TO:<bob@test\.example>\| ~> DATA\|<~  250 ok\|<~  250 ok\|<~  250 ok\|<~  354 go ahead\|'
  f=$(wait_mark "$A/Maildir" "swaks-pipe-$label" 2)
  t_check "$label: swaks --pipeline: both recipients got the message" \
    "$(grep -l -F "swaks-pipe-$label" "$A"/Maildir/new/* 2>/dev/null | wc -l | tr -d ' ')" 2
  log_has "$label: swaks --pipeline: logged with rcpts=2, tls= and auth=" "$log" \
    "accept ip=127\\.0\\.0\\.1 from=<a@b\\.example> rcpts=2 bytes=[0-9]+ helo=client\\.example tls=[A-Z0-9-]+ auth=$USER_OK qp [0-9]+\$"

  out=$($sw --port "$P_SMTPS" --to bob@remote.example --tls-on-connect \
        --auth PLAIN --auth-user "$USER_OK" --auth-password "$PASS_OK" \
        --header "Subject: swaks-smtps-$label" 2>&1)
  t_check "$label: swaks --tls-on-connect (SMTPS) with AUTH PLAIN: exit 0" "$?" 0
  t_match "$label: swaks SMTPS: TLS before the greeting" "$(joined "$out")" \
    '=== TLS started with cipher [^|]*\|.*<~  220 test\.example ESMTP\|'
  f=$(wait_mark "$A/Relayed" "swaks-smtps-$label")
  t_match "$label: swaks SMTPS: relayed with ESMTPSA" "$(received "${f:-/dev/null}")" \
    "with ESMTPSA \\(TLSv1\\.[23] [A-Z0-9-]+, authenticated user $USER_OK\\); "
}

# --- curl ----------------------------------------------------------------
curl_cases() {
  label=$1
  if ! command -v curl > /dev/null 2>&1; then
    t_skip "$label: curl" "curl not installed"
    return
  fi
  if ! curl --version 2>/dev/null | grep -q '^Protocols:.* smtps'; then
    t_skip "$label: curl" "this curl has no SMTP/SMTPS support"
    return
  fi
  log=$I/$label-smtp.log
  logs=$I/$label-smtps.log
  mk() { printf 'From: a@b.example\r\nTo: joe@test.example\r\nSubject: %s\r\n\r\nbody\r\n.a line that starts with a dot\r\n' "$1" > "$D/$1.eml"; }
  cu="curl -sS --max-time 30 --mail-from a@b.example"

  mk "curl-starttls-$label"
  out=$($cu --ssl-reqd --cacert "$CA" --resolve "mail.test:$P_SMTP:127.0.0.1" \
        "smtp://mail.test:$P_SMTP/client.example" --mail-rcpt joe@test.example \
        --upload-file "$D/curl-starttls-$label.eml" 2>&1)
  t_check "$label: curl smtp:// --ssl-reqd (STARTTLS, verified for mail.test): exit 0" "$?" 0
  f=$(wait_mark "$A/Maildir" "curl-starttls-$label")
  t_match "$label: curl STARTTLS: delivered, Received says ESMTPS and HELO client.example" \
    "$(received "${f:-/dev/null}")" "\\(HELO client\\.example\\) .* with ESMTPS \\(TLSv1\\.[23] [A-Z0-9-]+\\); "
  t_match "$label: curl STARTTLS: the dot-stuffed line arrives with one dot" \
    "$(cat "${f:-/dev/null}")" '^\.a line that starts with a dot$'

  mk "curl-smtps-$label"
  out=$($cu --cacert "$CA" --resolve "mail.test:$P_SMTPS:127.0.0.1" \
        "smtps://mail.test:$P_SMTPS/client.example" --mail-rcpt joe@test.example \
        --upload-file "$D/curl-smtps-$label.eml" 2>&1)
  t_check "$label: curl smtps:// (SMTPS listener, -s): exit 0" "$?" 0
  f=$(wait_mark "$A/Maildir" "curl-smtps-$label")
  t_match "$label: curl SMTPS: delivered with ESMTPS" "$(received "${f:-/dev/null}")" \
    "with ESMTPS \\(TLSv1\\.[23] [A-Z0-9-]+\\); "
  log_has "$label: curl SMTPS: the SMTPS listener logs the accept with tls=" "$logs" \
    'accept ip=127\.0\.0\.1 from=<a@b\.example> rcpts=1 bytes=[0-9]+ helo=client\.example tls=[A-Z0-9-]+ qp [0-9]+$'

  for mech in PLAIN LOGIN; do
    mk "curl-auth-$mech-$label"
    out=$($cu -k --user "$USER_OK:$PASS_OK" --login-options "AUTH=$mech" \
          "smtps://127.0.0.1:$P_SMTPS/client.example" --mail-rcpt bob@remote.example \
          --upload-file "$D/curl-auth-$mech-$label.eml" 2>&1)
    t_check "$label: curl smtps:// -k --user, AUTH=$mech, to a remote domain: exit 0" "$?" 0
    f=$(wait_mark "$A/Relayed" "curl-auth-$mech-$label")
    t_match "$label: curl AUTH=$mech: relayed with ESMTPSA and the user" \
      "$(received "${f:-/dev/null}")" "with ESMTPSA \\(TLSv1\\.[23] [A-Z0-9-]+, authenticated user $USER_OK\\); "
  done

  $cu -k --user "$USER_OK:wrong-password" "smtps://127.0.0.1:$P_SMTPS/client.example" \
    --mail-rcpt bob@remote.example --upload-file "$D/curl-smtps-$label.eml" > /dev/null 2>&1
  t_check "$label: curl, wrong password: exit 67 (login denied)" "$?" 67
  $cu -k "smtps://127.0.0.1:$P_SMTPS/client.example" --mail-rcpt bob@remote.example \
    --upload-file "$D/curl-smtps-$label.eml" > /dev/null 2>&1
  t_check "$label: curl, no login, remote recipient: exit 55 (RCPT refused)" "$?" 55
  log_has "$label: curl, no login: the 553 is logged" "$logs" \
    'refuse ip=127\.0\.0\.1 553 .*rcpt=<bob@remote\.example>'

  # a file with LF line ends: with --crlf curl sends CR LF and all is
  # well; without it every line ends in a bare LF, answered 451 and the
  # session closed (the manual's DATA section), nothing queued
  printf 'Subject: curl-lf-%s\n\nbody\n' "$label" > "$D/lf.eml"
  $cu --crlf --ssl-reqd -k "smtp://127.0.0.1:$P_SMTP/client.example" \
    --mail-rcpt joe@test.example --upload-file "$D/lf.eml" > /dev/null 2>&1
  t_check "$label: curl --crlf with an LF-only file: exit 0" "$?" 0
  t_ok "$label: curl --crlf: delivered" test -n "$(wait_mark "$A/Maildir" "curl-lf-$label")"
  $cu --ssl-reqd -k "smtp://127.0.0.1:$P_SMTP/client.example" \
    --mail-rcpt joe@test.example --upload-file "$D/lf.eml" > /dev/null 2>&1
  c_rc=$?
  t_match "$label: curl without --crlf, bare LFs: curl fails (exit $c_rc)" "$c_rc" '^[1-9][0-9]*$'
  log_has "$label: bare LF: logged as refused, 451, session closed" "$log" \
    'refuse ip=127\.0\.0\.1 451 bare LF, session closed from=<a@b\.example> rcpts=1 '
}

# --- openssl s_client ----------------------------------------------------
openssl_cases() {
  label=$1
  log=$I/$label-smtp.log
  o=$D/s_client-$label.out
  printf 'EHLO client.example\r\nQUIT\r\n' | timeout 30 openssl s_client -ign_eof \
    -starttls smtp -name client.example -connect "127.0.0.1:$P_SMTP" \
    -servername mail.test -verify_hostname mail.test -CAfile "$CA" \
    -verify_return_error > "$o" 2>&1
  t_check "$label: openssl s_client -starttls smtp: exit 0" "$?" 0
  out=$(cat "$o")
  t_match "$label: s_client: the chain verifies for mail.test" "$out" '^Verified peername: mail\.test$'
  t_match "$label: s_client: verify return code 0" "$out" 'Verify return code: 0 \(ok\)'
  t_match "$label: s_client: TLS 1.2 with an ECDHE AEAD suite" "$out" \
    '^New, TLSv1\.2, Cipher is ECDHE-(RSA|ECDSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$'
  cipher=$(sed -n 's/^New, TLSv1\.[0-9], Cipher is //p' "$o")
  # what the server said after the handshake: after the last "---"
  after=$(awk '/^---$/ { s = ""; next } { s = s $0 "\n" } END { printf "%s", s }' "$o" | tr -d '\r')
  t_match "$label: s_client: EHLO inside TLS offers AUTH PLAIN LOGIN" "$after" '^250-AUTH PLAIN LOGIN$'
  t_check "$label: s_client: and no STARTTLS" "$(printf '%s\n' "$after" | grep -c STARTTLS)" 0
  t_match "$label: s_client: QUIT answered 221" "$after" '^221 test\.example$'
  log_has "$label: s_client: the session's end is logged with tls=$cipher" "$log" \
    "end ip=127\\.0\\.0\\.1 helo=client\\.example tls=$cipher messages=0: quit\$"

  printf 'EHLO client.example\r\nQUIT\r\n' | timeout 30 openssl s_client -ign_eof \
    -connect "127.0.0.1:$P_SMTPS" -servername mail.test -verify_hostname mail.test \
    -CAfile "$CA" -verify_return_error > "$o" 2>&1
  t_check "$label: openssl s_client on the SMTPS listener: exit 0" "$?" 0
  after=$(awk '/^---$/ { s = ""; next } { s = s $0 "\n" } END { printf "%s", s }' "$o" | tr -d '\r')
  t_match "$label: s_client SMTPS: the greeting comes inside TLS" "$after" '^220 test\.example ESMTP$'
  t_match "$label: s_client SMTPS: EHLO offers AUTH, no STARTTLS" "$(joined "$after")" \
    '250-8BITMIME\|250-AUTH PLAIN LOGIN\|250 SIZE\|221 test\.example'
}

# --- Postfix as a relay client -------------------------------------------
# A private Postfix: its own configuration and queue under $PF, no
# network listener of its own, relayhost our STARTTLS listener, the
# certificate verified for mail.test; mail goes in through its sendmail
# -C.  Mail from sender@ goes without AUTH (to a local recipient);
# mail from authuser@ logs in first (sender-dependent SASL credentials,
# when Cyrus SASL's PLAIN module is there) and goes to a remote domain,
# relayed only because Postfix logged in.
postfix_cases() {
  if [ "$T_UID" != 0 ]; then
    t_skip "Postfix as a relay client" "needs root (postfix start)"
    return
  fi
  if ! command -v postfix > /dev/null 2>&1 || ! command -v postconf > /dev/null 2>&1; then
    t_skip "Postfix as a relay client" "postfix not installed"
    return
  fi
  if ! id postfix > /dev/null 2>&1 || ! getent group postdrop > /dev/null 2>&1; then
    t_skip "Postfix as a relay client" "no postfix user or postdrop group"
    return
  fi
  PF=$D/postfix
  mkdir -p "$PF/conf" "$PF/queue" "$PF/data"
  chown postfix "$PF/data"
  pf_daemons=$(postconf -d -h daemon_directory 2>/dev/null)
  pf_sendmail=$(postconf -d -h sendmail_path 2>/dev/null)
  cat > "$PF/conf/main.cf" <<PFEOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
daemon_directory = $pf_daemons
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
myhostname = relay-client.example
mydomain = relay-client.example
myorigin = relay-client.example
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
relayhost = [127.0.0.1]:$P_SMTP
smtp_helo_name = relay-client.example
alias_maps =
alias_database =
local_recipient_maps =
smtputf8_enable = no
biff = no
smtp_tls_security_level = verify
smtp_tls_verify_cert_match = mail.test
smtp_tls_CAfile = $CA
smtp_tls_loglevel = 1
PFEOF
  pf_sasl=
  if pf_sasl_module plain; then
    pf_sasl=yes
    printf 'authuser@relay-client.example %s:%s\n' "$USER_OK" "$PASS_OK" \
      > "$PF/conf/sasl_passwd"
    chmod 600 "$PF/conf/sasl_passwd"
    cat >> "$PF/conf/main.cf" <<PFEOF
smtp_sasl_auth_enable = yes
smtp_sender_dependent_authentication = yes
smtp_sasl_password_maps = texthash:$PF/conf/sasl_passwd
smtp_sasl_security_options = noanonymous
PFEOF
  fi
  # no inet service: Postfix listens nowhere; nothing runs chrooted
  pf_services > "$PF/conf/master.cf"
  if ! pf_start "$PF"; then
    t_report 1 "a private Postfix starts (postfix -c $PF/conf start)"
    sed 's/^/#   /' "$PF/start.out" "$PF/maillog" 2>/dev/null | tail -n 10
    return
  fi
  T_PIDS="$T_PIDS $pf_pid"
  t_report 0 "a private Postfix starts, with no listener of its own"

  printf 'Subject: postfix-plain\n\nrelayed by Postfix\n' \
    | "$pf_sendmail" -C "$PF/conf" -f sender@relay-client.example joe@test.example
  t_check "Postfix's sendmail -C takes the message" "$?" 0
  f=$(wait_mark "$A/Maildir" postfix-plain)
  if [ -n "$f" ]; then
    t_match "Postfix relayed it over verified STARTTLS: ESMTPS, HELO relay-client.example" \
      "$(received "$f")" '\(HELO relay-client\.example\) \(127\.0\.0\.1\) +by [^ ]+ with ESMTPS \(TLSv1\.[23] [A-Z0-9-]+\); '
    t_check "the envelope sender arrives" "$(sed -n 1p "$f")" "Return-Path: <sender@relay-client.example>"
  else
    t_report 1 "the message Postfix relayed arrived"
    sed 's/^/#   /' "$PF/maillog" | tail -n 10
  fi
  t_wait_grep "$PF/maillog" 'status=sent' 10
  t_match "Postfix's log: verified TLS connection to our server" "$(cat "$PF/maillog")" \
    "Verified TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:$P_SMTP: TLSv1\\.[23] with cipher"
  t_match "Postfix's log: status=sent with our 250 ok TIME qp PID" "$(cat "$PF/maillog")" \
    "to=<joe@test\\.example>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:$P_SMTP, .* status=sent \\(250 ok [0-9]+ qp [0-9]+\\)"
  log_has "our log: accepted from Postfix over TLS, no auth=" "$I/ours-smtp.log" \
    'accept ip=127\.0\.0\.1 from=<sender@relay-client\.example> rcpts=1 bytes=[0-9]+ helo=relay-client\.example tls=[A-Z0-9-]+ qp [0-9]+$'

  if [ -z "$pf_sasl" ]; then
    t_skip "Postfix with SASL AUTH" "Cyrus SASL's PLAIN module (libsasl2-modules) not installed"
  else
    printf 'Subject: postfix-sasl\n\nrelayed by Postfix after AUTH\n' \
      | "$pf_sendmail" -C "$PF/conf" -f authuser@relay-client.example bob@remote.example
    f=$(wait_mark "$A/Relayed" postfix-sasl)
    if [ -n "$f" ]; then
      t_match "Postfix with SASL: relayed to a remote domain, ESMTPSA with the user" \
        "$(received "$f")" "with ESMTPSA \\(TLSv1\\.[23] [A-Z0-9-]+, authenticated user $USER_OK\\); "
    else
      t_report 1 "Postfix with SASL: the message for bob@remote.example arrived"
      sed 's/^/#   /' "$PF/maillog" | tail -n 10
    fi
    log_has "Postfix with SASL: our log says auth=$USER_OK, helo=relay-client.example" \
      "$I/ours-smtp.log" "accept ip=127\\.0\\.0\\.1 from=<authuser@relay-client\\.example> rcpts=1 bytes=[0-9]+ helo=relay-client\\.example tls=[A-Z0-9-]+ auth=$USER_OK qp [0-9]+\$"
  fi

  postfix -c "$PF/conf" stop > /dev/null 2>&1
  pf_i=0
  while kill -0 "$pf_pid" 2>/dev/null && [ $pf_i -lt 100 ]; do
    sleep 0.1; pf_i=$((pf_i + 1))
  done
  t_fail "postfix -c DIR stop: its master is gone" kill -0 "$pf_pid"
}

# --- smtp-source: 2,000 messages, 10 sessions at once --------------------
bulk_case() {
  if ! command -v smtp-source > /dev/null 2>&1; then
    t_skip "smtp-source, 2000 messages" "smtp-source (postfix) not installed"
    return
  fi
  if ! s_listen bulk "$I"; then
    t_report 1 "a listener for smtp-source came up"
    return
  fi
  # the bound: 170 s, or 400 s for the sanitizer build (tests/sanitize.sh
  # sets QSTATIC empty), whose qmail-smtpd and qmail-queue run several
  # times slower; on a machine where starting a program is dear that
  # build took about 160 s for the 2,000
  b_limit=170
  [ "${QSTATIC+set}" = set ] && [ -z "$QSTATIC" ] && b_limit=400
  b_start=$(date +%s)
  timeout "$b_limit" smtp-source -s 10 -m 2000 -l 2048 -f a@b.example \
    -t bulk@test.example "127.0.0.1:$S_PORT" > "$D/smtp-source.out" 2>&1
  t_check "smtp-source -s 10 -m 2000 -l 2048: exit 0" "$?" 0
  b_sent=$(date +%s)
  b_i=0 b_n=0
  while [ $b_i -lt "$b_limit" ] && [ $(( $(date +%s) - b_start )) -lt "$b_limit" ]; do
    b_n=$(ls "$A/Bulk/new" | wc -l)
    [ "$b_n" -ge 2000 ] && break
    sleep 1; b_i=$((b_i + 1))
  done
  b_end=$(date +%s)
  echo "# smtp-source: sent in $((b_sent - b_start)) s, all delivered after $((b_end - b_start)) s"
  sleep 1
  t_check "exactly 2000 messages in the maildir" "$(ls "$A/Bulk/new" | wc -l | tr -d ' ')" 2000
  t_check "2000 different Message-Ids (none twice)" \
    "$(cat "$A"/Bulk/new/* | grep -i '^Message-Id:' | sort -u | wc -l | tr -d ' ')" 2000
  # smtp-source's payload is 2048 bytes on the wire, lines ending in
  # CR LF, the last without: as stored, each line has an LF only
  t_check "every one has smtp-source's 2048-byte payload" \
    "$(awk 'FNR == 1 { if (NR > 1) print n - 2; n = 0; body = 0 }
            body { n += length($0) + 2 }
            !body && $0 == "" { body = 1 }
            END { print n - 2 }' "$A"/Bulk/new/* | sort -u)" 2048
  t_check "the bulk listener logged 2000 accept lines" \
    "$(grep -c 'accept ip=127\.0\.0\.1 from=<a@b\.example> rcpts=1 ' "$I/bulk.log")" 2000
  s_stop bulk "$I"
}

# --- more, under our tcpserver only --------------------------------------
# A 3 MB message of 8-bit text with dot lines through STARTTLS, byte for
# byte; the size limit as clients meet it; a TLS 1.3-only client told
# why it failed; ten TLS sessions with AUTH at once.
extra_cases() {
  if [ -n "$PY" ] && command -v curl > /dev/null 2>&1; then
    $PY - "$D/big.eml" <<'PYEOF'
import random, sys
r = random.Random(7)
chars = list(range(32, 127)) + list(range(0xa0, 0x100))
table = bytes(chars[i % len(chars)] for i in range(256))
lines = []
for i in range(30000):
    line = r.randbytes(r.randint(0, 200)).translate(table)
    if i % 97 == 0:
        line = b"." + line
    if i % 1001 == 0:
        line = b"."
    lines.append(line)
with open(sys.argv[1], "wb") as f:
    f.write(b"Subject: big-8bit\r\n\r\n" + b"\r\n".join(lines) + b"\r\n")
PYEOF
    curl -sS --max-time 60 --ssl-reqd -k "smtp://127.0.0.1:$P_SMTP/client.example" \
      --mail-from a@b.example --mail-rcpt joe@test.example --upload-file "$D/big.eml"
    t_check "curl STARTTLS, a 3 MB 8-bit message with dot lines: exit 0" "$?" 0
    f=$(wait_mark "$A/Maildir" "Subject: big-8bit")
    tr -d '\r' < "$D/big.eml" | sed '1,/^$/d' > "$D/big.want"
    sed '1,/^$/d' "${f:-/dev/null}" > "$D/big.got"
    t_ok "the 3 MB message arrives byte for byte (CR LF as LF, dots unstuffed)" \
      cmp "$D/big.want" "$D/big.got"
  else
    t_skip "a 3 MB 8-bit message through STARTTLS" "needs python3 and curl"
  fi

  if s_listen ours-limit "$I" DATABYTES=4000; then
    head -c 6000 /dev/zero | tr '\0' x | fold -w 70 | sed 's/$/\r/' > "$D/6k.txt"
    if command -v swaks > /dev/null 2>&1; then
      out=$(swaks --server 127.0.0.1 --port "$S_PORT" --helo client.example \
            --from a@b.example --to joe@test.example --body "@$D/6k.txt" --timeout 30 2>&1)
      t_check "DATABYTES=4000: swaks with 6 kB: exit 26 (refused after the data)" "$?" 26
      t_match "DATABYTES=4000: EHLO says SIZE 4000" "$out" '^<-  250 SIZE 4000$'
      t_match "DATABYTES=4000: 552 after the final dot" "$out" \
        '^<\*\* 552 sorry, that message size exceeds my databytes limit \(#5\.3\.4\)$'
      log_has "DATABYTES=4000: logged as refused, 552 databytes, with sender and size" \
        "$I/ours-limit.log" 'refuse ip=127\.0\.0\.1 552 databytes from=<a@b\.example> rcpts=1 bytes=6[0-9]{3} '
    else
      t_skip "DATABYTES with swaks" "swaks not installed"
    fi
    if command -v curl > /dev/null 2>&1; then
      { printf 'Subject: too-big\r\n\r\n'; cat "$D/6k.txt"; } > "$D/6k.eml"
      curl -sS --max-time 30 "smtp://127.0.0.1:$S_PORT/client.example" \
        --mail-from a@b.example --mail-rcpt joe@test.example \
        --upload-file "$D/6k.eml" > "$D/curl-size.out" 2>&1
      t_check "DATABYTES=4000: curl announces SIZE=, refused at MAIL: exit 55" "$?" 55
      t_match "DATABYTES=4000: curl shows the 552" "$(cat "$D/curl-size.out")" 'MAIL failed: 552'
      log_has "DATABYTES=4000: the SIZE refusal is logged with the sender" \
        "$I/ours-limit.log" 'refuse ip=127\.0\.0\.1 552 SIZE from=<a@b\.example>$'
    else
      t_skip "DATABYTES with curl" "curl not installed"
    fi
    s_stop ours-limit "$I"
  else
    t_report 1 "a listener with DATABYTES=4000 came up"
  fi

  printf 'QUIT\r\n' | timeout 30 openssl s_client -tls1_3 -ign_eof -starttls smtp \
    -connect "127.0.0.1:$P_SMTP" > "$D/tls13.out" 2>&1
  t_fail "openssl s_client -tls1_3 (this server speaks TLS 1.2): the handshake fails" \
    test "$?" = 0
  log_has "the log says why: TLS handshake failed, alert sent" "$I/ours-smtp.log" \
    'end ip=127\.0\.0\.1 helo=[^ ]+ messages=0: TLS handshake failed: .*alert'

  if [ -n "$PY" ]; then
    pids=
    for n in 1 2 3 4 5 6 7 8 9 10; do
      $PY "$TOP/tests/integration/smtpclient.py" "$P_SMTP" --tls "$CA" \
        --auth PLAIN "$USER_OK" "$PASS_OK" --to "p$n@remote.example" \
        --mark "parallel-$n-" > "$D/parallel-$n.out" 2>&1 &
      pids="$pids $!"
    done
    # shellcheck disable=SC2086
    wait $pids
    t_check "ten TLS+AUTH sessions at once: every message accepted" \
      "$(cat "$D"/parallel-*.out | grep -c '^data 250 ok ')" 10
    wait_mark "$A/Relayed" "parallel-" 10 > /dev/null
    t_check "all ten relayed, each with ESMTPSA and the user" \
      "$(grep -l "^Subject: parallel-" "$A"/Relayed/new/* 2>/dev/null \
         | while read -r f; do received "$f"; done \
         | grep -c "with ESMTPSA ([^)]*, authenticated user $USER_OK); ")" 10
  else
    t_skip "ten TLS+AUTH sessions at once" "python3 not installed"
  fi
}

# --- the passes ----------------------------------------------------------
run_pass() {
  py_cases "$1"
  swaks_cases "$1"
  curl_cases "$1"
  openssl_cases "$1"
}

if s_listen ours-smtp "$I" -- "$CP" /bin/true; then P_SMTP=$S_PORT; else P_SMTP=; fi
if s_listen ours-smtps "$I" -- -s "$CP" /bin/true; then P_SMTPS=$S_PORT; else P_SMTPS=; fi
if [ -n "$P_SMTP" ] && [ -n "$P_SMTPS" ]; then
  BY='127\.0\.0\.1'
  run_pass ours
  extra_cases
  postfix_cases
  bulk_case
else
  t_report 1 "our tcpserver with qmail-smtpd came up"
fi

s_listen_ucspi ucspi-smtp "$I" -- "$CP" /bin/true
rc=$?
if [ $rc = 2 ]; then
  t_skip "under ucspi-tcp's tcpserver" "${UCSPI_TCPSERVER:-/usr/bin/tcpserver} not installed"
else
  P_SMTP=$S_PORT
  if [ $rc = 0 ] && s_listen_ucspi ucspi-smtps "$I" -- -s "$CP" /bin/true; then
    P_SMTPS=$S_PORT
    # ucspi-tcp's tcpserver -l mail.test sets TCPLOCALHOST
    BY='mail\.test'
    run_pass ucspi
  else
    t_report 1 "ucspi-tcp's tcpserver with qmail-smtpd came up"
  fi
fi

# no password, plain or in base64 (AUTH PLAIN's and LOGIN's), in any
# log or delivered message (grep exits 1: nothing found, and no error)
b64p=$(printf '\0%s\0%s' "$USER_OK" "$PASS_OK" | base64)
b64l=$(printf '%s' "$PASS_OK" | base64)
# shellcheck disable=SC2046
found=$(grep -rlF -e "$PASS_OK" -e "$b64p" -e "$b64l" -e wrong-password \
        "$I"/*.log $(ls "$D/postfix/maillog" 2>/dev/null))
t_check "no password in any log (plain or base64)" "$?:$found" "1:"
found=$(grep -rlF -e "$PASS_OK" -e "$b64p" -e "$b64l" "$A/Maildir" "$A/Relayed")
t_check "no password in any delivered message" "$?:$found" "1:"
# every message went where it was meant to: nothing to an unknown remote
# domain, no bounce
t_check "nothing was queued for anywhere else (alias/Outgoing is empty)" \
  "$(find "$A/Outgoing/new" -type f | wc -l | tr -d ' ')" 0

t_done
