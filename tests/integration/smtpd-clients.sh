#!/bin/sh
# qmail-smtpd under real SMTP clients: Python's smtplib, swaks, curl,
# openssl s_client, Postfix relaying through it and Postfix's
# smtp-source with 2,000 messages.  Everything runs under our
# tcpserver; the key cases run a second time under ucspi-tcp's
# tcpserver.  What is checked is what a user sees: reply codes, the
# clients' exit codes and transcripts, the delivered messages (the
# Received line with the protocol, the TLS suite and the authenticated
# user) and the log lines; and that no password reaches any log.
. "$TOP/tests/lib.sh"
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
      "$(received "$f")" '^Received: from [^ ]+ \(HELO client\.example\) \(127\.0\.0\.1\) +by [^ ]+ with ESMTP; '
    t_match "$label: plain: the dot-stuffed line arrives with one dot" "$(cat "$f")" \
      '^\.a line that starts with a dot$'
  else
    t_report 1 "$label: the plain smtplib message was delivered"
  fi
  qp=$(printf '%s\n' "$out" | sed -n 's/^data 250 ok [0-9]* qp //p')
  t_match "$label: plain: log accept line with the same qp, no tls=" "$(cat "$log")" \
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
  t_match "$label: STARTTLS: log accept line with tls=$cipher" "$(cat "$log")" \
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
  t_match "$label: AUTH: log accept line with tls= and auth=$USER_OK" "$(cat "$log")" \
    "accept ip=127\\.0\\.0\\.1 from=<a@b\\.example> rcpts=2 bytes=[0-9]+ helo=client\\.example tls=[A-Z0-9-]+ auth=$USER_OK qp [0-9]+\$"
  t_match "$label: AUTH: the refused relay attempt is logged as 553" "$(cat "$log")" \
    'refuse ip=127\.0\.0\.1 553 .*from=<a@b\.example> rcpt=<bob@remote\.example>'
  t_match "$label: AUTH: logged as auth ok user=$USER_OK" "$(cat "$log")" \
    "auth ip=127\\.0\\.0\\.1 ok user=$USER_OK\$"

  out=$($PY "$TOP/tests/integration/smtpclient.py" "$P_SMTP" --tls "$CA" \
        --auth PLAIN "$USER_OK" wrong-password --to bob@remote.example 2>&1)
  t_match "$label: smtplib: a wrong password gets 535" "$out" '^auth 535$'
  t_match "$label: the failure is logged with the user" "$(cat "$log")" \
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

# --- the passes ----------------------------------------------------------
run_pass() {
  py_cases "$1"
}

if s_listen ours-smtp "$I" -- "$CP" /bin/true; then P_SMTP=$S_PORT; else P_SMTP=; fi
if s_listen ours-smtps "$I" -- -s "$CP" /bin/true; then P_SMTPS=$S_PORT; else P_SMTPS=; fi
if [ -n "$P_SMTP" ] && [ -n "$P_SMTPS" ]; then
  run_pass ours
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
    run_pass ucspi
  else
    t_report 1 "ucspi-tcp's tcpserver with qmail-smtpd came up"
  fi
fi

# no password, plain or in base64 (AUTH PLAIN's and LOGIN's), in any log
b64p=$(printf '\0%s\0%s' "$USER_OK" "$PASS_OK" | base64)
b64l=$(printf '%s' "$PASS_OK" | base64)
t_fail "no password in any log (plain or base64)" \
  grep -rlF -e "$PASS_OK" -e "$b64p" -e "$b64l" -e wrong-password "$I"/*.log

t_done
