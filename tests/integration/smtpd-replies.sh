#!/bin/sh
# qmail-smtpd's replies, one test at least for each reply it can give:
# the greeting, HELO/EHLO and the small commands, the ordering errors
# (503), relay control (553 rcpthosts, ".suffix" entries,
# morercpthosts.cdb), badmailfrom, databytes and SIZE= (552), parameter
# errors (555), the hop count (554), a bare LF (451 and the connection
# closed), the timeout (451), unreadable controls (421), an overlong
# line (500), RELAYCLIENT, [IP] literals, the Received line, the queue
# program's exit codes, and the bytes that land in a maildir.
#
# Most sessions run qmail-smtpd directly on a script of client bytes
# (s_session: no network).  The envelope and message it hands to the
# queue are captured by a small queue program ($QMAILQUEUE); the maildir
# tests go through the real queue of a running instance.
. "$TOP/tests/lib.sh"
. "$TOP/tests/smtpd-lib.sh"

W=$(t_tmpdir)
PY=$(command -v python3)

# sess DIR FORMAT [ARG...]: one session for instance DIR, fed what
# printf FORMAT ARG... writes.  R: the replies without CRs, the time and
# pid in "250 ok TIME qp PID" replaced by those words; S_RC: the exit
# code; DIR/session.log holds this session's log lines only.
sess() {
  r_dir=$1; shift
  # shellcheck disable=SC2059
  printf "$@" > "$W/in"
  sess_file "$r_dir"
}
sess_file() {
  : > "$1/session.log"
  s_session "$1" < "$W/in" > "$W/out"
  S_RC=$?
  R=$(tr -d '\r' < "$W/out" | sed -E 's/^250 ok [0-9]+ qp [0-9]+$/250 ok TIME qp PID/')
  S_ENV=   # "S_ENV=... sess" may outlive the call in some shells
}

# The queue program for sessions with S_ENV="QMAILQUEUE=$W/qq ...": the
# message goes to $QQ_DIR/msg.PID, the envelope to $QQ_DIR/env.PID (PID
# is the qp of the 250 reply); a message without an envelope (given up)
# is kept as $QQ_DIR/abort.PID; exit code $QQ_EXIT (default 0).
cat > "$W/qq" << 'EOF'
#!/bin/sh
cat > "$QQ_DIR/msg.$$" || exit 54
cat <&1 > "$QQ_DIR/env.$$" || exit 54
if [ ! -s "$QQ_DIR/env.$$" ]; then
  mv "$QQ_DIR/msg.$$" "$QQ_DIR/abort.$$"; rm -f "$QQ_DIR/env.$$"; exit 54
fi
exit "${QQ_EXIT:-0}"
EOF
chmod 755 "$W/qq"
QQ=$W/qqdir
mkdir "$QQ"
qq_clear() { rm -f "$QQ"/*; }
# the envelope of the only queued message, NULs shown as |
qq_env() { tr '\0' '|' < "$(ls "$QQ"/env.* | head -n 1)"; }
qq_count() {
  q_n=0
  for q_f in "$QQ/$1".*; do [ -e "$q_f" ] && q_n=$((q_n + 1)); done
  echo $q_n
}

A=$(t_tmpdir)/a
s_instance "$A" || { echo "Bail out! no instance"; exit 1; }
[ "$T_UID" = 0 ] && chown "$(t_owner "$A")" "$QQ"
QENV="QMAILQUEUE=$W/qq QQ_DIR=$QQ"

# --- greeting, HELO, EHLO, small commands -------------------------------

sess "$A" 'HELO client.example\r\nNOOP\r\nQUIT\r\n'
t_check "greeting from control/me with ESMTP, HELO 250, NOOP, QUIT 221" "$R" \
"220 test.example ESMTP
250 test.example
250 ok
221 test.example"
t_check "exit code 0 after QUIT" "$S_RC" 0
t_match "the session's last log line" "$(cat "$A/session.log")" \
  '^qmail-smtpd [0-9]+: end ip=127\.0\.0\.1 helo=client\.example messages=0: quit$'
t_check "every reply line ends with CR LF" \
  "$(tr -cd '\n' < "$W/out" | wc -c)" "$(grep -c "$(printf '\r')\$" "$W/out")"

echo 'mx.example says hello' > "$A/control/smtpgreeting"
sess "$A" 'HELO x\r\nQUIT\r\n'
t_check "control/smtpgreeting in the 220, the HELO 250 and the 221" "$R" \
"220 mx.example says hello ESMTP
250 mx.example says hello
221 mx.example says hello"
rm -f "$A/control/smtpgreeting"

sess "$A" 'QUIT\r\nNOOP\r\n'
t_check "nothing is read after QUIT" "$R" "220 test.example ESMTP
221 test.example"

sess "$A" 'EHLO client.example\r\nQUIT\r\n'
t_check "EHLO: PIPELINING, 8BITMIME, SIZE; no STARTTLS without a certificate" "$R" \
"220 test.example ESMTP
250-test.example
250-PIPELINING
250-8BITMIME
250 SIZE
221 test.example"
t_match "a warning says why STARTTLS is not offered" "$(cat "$A/session.log")" \
  '^qmail-smtpd [0-9]+: warning ip=127\.0\.0\.1 STARTTLS not offered: control/servercert\.pem: No such file or directory$'

sess "$A" 'EHLO x\r\nSTARTTLS\r\nNOOP\r\n'
t_check "STARTTLS without a certificate: 454, the session goes on" "$R" \
"220 test.example ESMTP
250-test.example
250-PIPELINING
250-8BITMIME
250 SIZE
454 4.7.0 TLS not available (#4.7.0)
250 ok"

echo 1000 > "$A/control/databytes"
sess "$A" 'EHLO x\r\n'
t_match "EHLO: SIZE from control/databytes" "$R" '^250 SIZE 1000$'
S_ENV="DATABYTES=2500" sess "$A" 'EHLO x\r\n'
t_match "EHLO: \$DATABYTES overrides control/databytes" "$R" '^250 SIZE 2500$'
rm -f "$A/control/databytes"

sess "$A" 'HELP\r\nVRFY someone\r\nEXPN list\r\nFOO bar\r\nRSET\r\nQUIT\r\n'
t_check "HELP 214, VRFY 252, EXPN and unknown 502, RSET 250 flushed" "$(printf '%s\n' "$R" | sed 1d)" \
"214 qmail-smtpd: see the qmail-smtpd(8) manual page
252 send some mail, i'll try my best
502 unimplemented (#5.5.1)
502 unimplemented (#5.5.1)
250 flushed
221 test.example"

i=0; : > "$W/in"
while [ $i -lt 25 ]; do printf 'XYZZY\r\n' >> "$W/in"; i=$((i + 1)); done
sess_file "$A"
t_check "20 unknown commands in a row: 20 times 502, then 421 and the end" \
  "$(printf '%s\n' "$R" | sort | uniq -c | sed 's/^ *//')" \
"1 220 test.example ESMTP
1 421 too many unrecognized commands, closing (#4.7.0)
20 502 unimplemented (#5.5.1)"

# --- ordering ---------------------------------------------------------

sess "$A" 'HELO x\r\nRCPT TO:<u@test.example>\r\nDATA\r\nMAIL FROM:<s@x.example>\r\nDATA\r\nRCPT TO:<u@test.example>\r\nRSET\r\nRCPT TO:<u@test.example>\r\nQUIT\r\n'
t_check "503 MAIL first (RCPT, DATA), 503 RCPT first, RSET ends the transaction" "$R" \
"220 test.example ESMTP
250 test.example
503 MAIL first (#5.5.1)
503 MAIL first (#5.5.1)
250 ok
503 RCPT first (#5.5.1)
250 ok
250 flushed
503 MAIL first (#5.5.1)
221 test.example"

sess "$A" 'MAIL FROM:<>\r\nRCPT TO:<u@test.example>\r\nRCPT TO:<postmaster>\r\nQUIT\r\n'
t_check "the null sender and a recipient without @ are taken (no HELO needed)" "$R" \
"220 test.example ESMTP
250 ok
250 ok
250 ok
221 test.example"

sess "$A" 'MAIL FROM:<s@x.example\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<>\r\nQUIT\r\n'
t_check "555 syntax error for a broken path and for RCPT TO:<>" "$R" \
"220 test.example ESMTP
555 syntax error (#5.5.4)
250 ok
555 syntax error (#5.5.4)
221 test.example"

{ printf 'MAIL FROM:<s@x.example>\r\n'
  i=0
  while [ $i -lt 1002 ]; do printf 'RCPT TO:<r%d@test.example>\r\n' $i; i=$((i + 1)); done
  printf 'DATA\r\nx\r\n.\r\n'
} > "$W/in"
qq_clear
S_ENV=$QENV sess_file "$A"
t_check "recipient 1001 and after: 452, the transaction goes on" \
  "$(printf '%s\n' "$R" | sed 1d | sort | uniq -c | sed 's/^ *//')" \
"1001 250 ok
1 250 ok TIME qp PID
1 354 go ahead
2 452 4.5.3 too many recipients, send the rest in another transaction"
t_check "... and the first 1000 are queued" \
  "$(qq_env | tr '|' '\n' | grep -c '^T') $(qq_env | tr '|' '\n' | grep '^T' | tail -n 1)" \
  "1000 Tr999@test.example"

# --- relay control -----------------------------------------------------

RCPTHOSTS_553='553 sorry, that domain isn'"'"'t in my list of allowed rcpthosts (#5.7.1)'
printf 'test.example\n.sub.example\n' > "$A/control/rcpthosts"
sess "$A" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@evil.example>\r\nRCPT TO:<u@TEST.Example>\r\nRCPT TO:<u@a.sub.example>\r\nRCPT TO:<u@b.a.SUB.example>\r\nRCPT TO:<u@sub.example>\r\nRCPT TO:<u@xsub.example>\r\nRCPT TO:<u@test.example.evil.example>\r\nRCPT TO:<u@x.test.example>\r\n'
t_check "553 outside rcpthosts; case ignored; .sub.example covers subdomains only" "$R" \
"220 test.example ESMTP
250 ok
$RCPTHOSTS_553
250 ok
250 ok
250 ok
$RCPTHOSTS_553
$RCPTHOSTS_553
$RCPTHOSTS_553
$RCPTHOSTS_553"
t_match "a refused recipient is logged" "$(cat "$A/session.log")" \
  '^qmail-smtpd [0-9]+: refuse ip=127\.0\.0\.1 553 rcpthosts from=<s@x\.example> rcpt=<u@evil\.example>$'

# morercpthosts.cdb, built by qmail-newmrh (which lowercases the domains)
printf 'More.Example\n.cdbsub.example\n' > "$A/control/morercpthosts"
t_ok "qmail-newmrh builds control/morercpthosts.cdb" env QMAILHOME="$A" "$QBIN/qmail-newmrh"
if [ -f "$A/control/morercpthosts.cdb" ]; then
  sess "$A" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@more.example>\r\nRCPT TO:<u@MORE.Example>\r\nRCPT TO:<u@x.more.example>\r\nRCPT TO:<u@a.cdbsub.example>\r\nRCPT TO:<u@cdbsub.example>\r\nRCPT TO:<u@more.example.evil.example>\r\n'
  t_check "morercpthosts.cdb: exact keys, .suffix keys, case" "$R" \
"220 test.example ESMTP
250 ok
250 ok
250 ok
$RCPTHOSTS_553
250 ok
$RCPTHOSTS_553
$RCPTHOSTS_553"
  rm -f "$A/control/morercpthosts.cdb" "$A/control/morercpthosts"
else
  t_skip "morercpthosts.cdb" "qmail-newmrh did not build it"
fi

qq_clear
S_ENV=$QENV sess "$A" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@[127.0.0.1]>\r\nRCPT TO:<v@[IPv6:2001:db8::1]>\r\nDATA\r\nx\r\n.\r\n'
t_check "without control/localiphost [IP] recipients are taken at control/me" \
  "$(qq_env)" "Fs@x.example|Tu@test.example|Tv@test.example||"
printf 'lip.example\n' > "$A/control/localiphost"
S_ENV=$QENV sess "$A" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@[127.0.0.1]>\r\nQUIT\r\n'
t_check "[IP] becomes control/localiphost, checked against rcpthosts after" "$R" \
"220 test.example ESMTP
250 ok
$RCPTHOSTS_553
221 test.example"
printf 'test.example\nlip.example\n' > "$A/control/rcpthosts"
qq_clear
S_ENV=$QENV sess "$A" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@[127.0.0.1]>\r\nRCPT TO:<v@[192.0.2.1]>\r\nDATA\r\nx\r\n.\r\n'
t_check "[IP] recipients in localiphost are taken" "$R" \
"220 test.example ESMTP
250 ok
250 ok
250 ok
354 go ahead
250 ok TIME qp PID"
t_check "... and queued at control/localiphost" "$(qq_env)" \
  "Fs@x.example|Tu@lip.example|Tv@lip.example||"
rm -f "$A/control/localiphost"
printf 'test.example\n' > "$A/control/rcpthosts"
qq_clear
S_ENV="$QENV RELAYCLIENT=+ext" sess "$A" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@evil.example>\r\nRCPT TO:<v@test.example>\r\nRCPT TO:<w>\r\nDATA\r\nx\r\n.\r\n'
t_check "RELAYCLIENT: any domain is taken" "$R" \
"220 test.example ESMTP
250 ok
250 ok
250 ok
250 ok
354 go ahead
250 ok TIME qp PID"
t_check "RELAYCLIENT's value is appended to every recipient" "$(qq_env)" \
  "Fs@x.example|Tu@evil.example+ext|Tv@test.example+ext|Tw+ext||"

B=$(t_tmpdir)/b
s_instance "$B"
rm -f "$B/control/rcpthosts"
printf 'test.example\nother.example\n' > "$B/control/locals"
sess "$B" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@other.example>\r\nRCPT TO:<u@evil.example>\r\n'
t_check "no control/rcpthosts: the locals are accepted, nothing else" "$R" \
"220 test.example ESMTP
250 ok
250 ok
$RCPTHOSTS_553"
t_match "... with a warning in the log" "$(cat "$B/session.log")" \
  'warning ip=127\.0\.0\.1 control/rcpthosts is missing'

# --- badmailfrom -------------------------------------------------------

BMF_553='553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)'
printf 'Bad@Spam.Example\n@junk.example\n' > "$A/control/badmailfrom"
sess "$A" 'HELO x\r\nMAIL FROM:<bad@spam.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nMAIL FROM:<x@JUNK.Example>\r\nRCPT TO:<u@test.example>\r\nMAIL FROM:<good@spam.example>\r\nRCPT TO:<u@test.example>\r\nMAIL FROM:<x@a.junk.example>\r\nRCPT TO:<u@test.example>\r\nQUIT\r\n'
t_check "badmailfrom: address and @domain, any case, refused at RCPT; the session goes on" "$R" \
"220 test.example ESMTP
250 test.example
250 ok
$BMF_553
503 RCPT first (#5.5.1)
250 ok
$BMF_553
250 ok
250 ok
250 ok
250 ok
221 test.example"
t_match "a badmailfrom refusal is logged" "$(cat "$A/session.log")" \
  'refuse ip=127\.0\.0\.1 553 badmailfrom from=<bad@spam\.example> rcpt=<u@test\.example>$'
rm -f "$A/control/badmailfrom"

# --- MAIL parameters ---------------------------------------------------

SIZE_552='552 sorry, that message size exceeds my databytes limit (#5.3.4)'
echo 100 > "$A/control/databytes"
sess "$A" 'EHLO x\r\nMAIL FROM:<s@x.example> SIZE=101\r\nRCPT TO:<u@test.example>\r\nMAIL FROM:<s@x.example> SIZE=100 BODY=8BITMIME\r\nRCPT TO:<u@test.example>\r\n'
t_check "552 at MAIL for SIZE= over databytes (no transaction), SIZE= at the limit ok" \
  "$(printf '%s\n' "$R" | sed '1,5d')" \
"$SIZE_552
503 MAIL first (#5.5.1)
250 ok
250 ok"
S_ENV=DATABYTES=50 sess "$A" 'MAIL FROM:<s@x.example> SIZE=51\r\n'
t_check "552 at MAIL: \$DATABYTES" "$(printf '%s\n' "$R" | sed 1d)" "$SIZE_552"
rm -f "$A/control/databytes"
sess "$A" 'MAIL FROM:<s@x.example> SIZE=99999999999\r\nMAIL FROM:<s@x.example> FOO=bar\r\nMAIL FROM:<s@x.example> SIZE=12x\r\nMAIL FROM:<s@x.example> SIZE=\r\nMAIL FROM:<s@x.example> BODY=9BIT\r\n'
t_check "no databytes: any SIZE=; 555 for an unknown parameter and malformed ones" \
  "$(printf '%s\n' "$R" | sed 1d)" \
"250 ok
555 5.5.4 unsupported parameter FOO (#5.5.4)
555 5.5.4 syntax error in a parameter (#5.5.4)
555 5.5.4 syntax error in a parameter (#5.5.4)
555 5.5.4 syntax error in a parameter (#5.5.4)"

# --- DATA: size, hops, queue, Received line -----------------------------

x99=$(printf '%99s' '' | tr ' ' x)
echo 100 > "$A/control/databytes"
qq_clear
S_ENV=$QENV sess "$A" "MAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\n${x99}x\r\n.\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\n${x99}\r\n.\r\nQUIT\r\n"
t_check "databytes 100: 101 bytes get 552 after the dot, 100 bytes are queued" \
  "$(printf '%s\n' "$R" | sed 1d)" \
"250 ok
250 ok
354 go ahead
$SIZE_552
250 ok
250 ok
354 go ahead
250 ok TIME qp PID
221 test.example"
qq_clear
S_ENV="$QENV" sess "$A" "MAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\n${x99}x\r\n.\r\nQUIT\r\n"
t_check "the message over databytes is not queued" "$(qq_count env) $(qq_count abort)" "0 1"
rm -f "$A/control/databytes"
S_ENV="$QENV DATABYTES=10" sess "$A" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\n0123456789\r\n.\r\nDATA\r\n'
t_check "\$DATABYTES 10: an 11-byte message gets 552" "$(printf '%s\n' "$R" | sed -n 5p)" "$SIZE_552"

hops() {  # hops COUNT: header lines alternating Received/Delivered-To
  h_i=0
  while [ $h_i -lt "$1" ]; do
    if [ $((h_i % 2)) = 0 ]; then printf 'Received: from hop%d\r\n' $h_i
    else printf 'DELIVERED-TO: hop%d@test.example\r\n' $h_i; fi
    h_i=$((h_i + 1))
  done
}
{ printf 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\n'
  hops 100; printf 'Subject: loop\r\n\r\nbody\r\n.\r\n'
  printf 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\n'
  hops 99; printf 'Subject: almost\r\n\r\nbody\r\n.\r\n'
  printf 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\n'
  printf 'Subject: body hops\r\n\r\n'; hops 150; printf '.\r\n'
} > "$W/in"
qq_clear
S_ENV=$QENV sess_file "$A"
t_check "554 for 100 Received/Delivered-To lines; 99 pass, and so do lines in the body" \
  "$(printf '%s\n' "$R" | grep -v -e '^250 ok$' -e '^354' -e '^220')" \
"554 too many hops, this message is looping (#5.4.6)
250 ok TIME qp PID
250 ok TIME qp PID"
t_check "... the looping message is not queued" "$(qq_count env) $(qq_count abort)" "2 1"

qq_clear
S_ENV="$QENV QQ_EXIT=31" sess "$A" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nx\r\n.\r\nNOOP\r\n'
t_check "queue program exit 31: 554" "$(printf '%s\n' "$R" | sed 1,4d)" \
"554 mail server permanently rejected message (#5.3.0)
250 ok"
S_ENV="$QENV QQ_EXIT=71" sess "$A" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nx\r\n.\r\nNOOP\r\n'
t_check "queue program exit 71: 451" "$(printf '%s\n' "$R" | sed 1,4d)" \
"451 mail server temporarily rejected message (#4.3.0)
250 ok"
S_ENV="$QENV QQ_EXIT=11" sess "$A" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nx\r\n.\r\n'
t_check "queue program exit 11: 554" "$(printf '%s\n' "$R" | sed 1,4d)" \
  "554 envelope address too long for qq (#5.1.3)"
S_ENV="QMAILQUEUE=$W/no-such-program" sess "$A" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nx\r\n.\r\n'
t_check "a queue program that cannot run: 451" "$(printf '%s\n' "$R" | sed 1,4d)" \
  "451 unable to run or qq crashed (#4.3.0)"
t_match "... logged as a refusal, with no qp: no queue process ran" "$(cat "$A/session.log")" \
  'refuse ip=127\.0\.0\.1 451 queue from=<s@x\.example> rcpts=1 bytes=2 helo=-$'

qq_clear
S_ENV="$QENV TCPREMOTEHOST=client.example TCPREMOTEINFO=alice TCPLOCALHOST=mx.test.example" \
  sess "$A" 'HELO h.example\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nSubject: r\r\n\r\nx\r\n.\r\n'
qp=$(sed -n 's/^250 ok [0-9]* qp \([0-9]*\)\r$/\1/p' "$W/out")
t_ok "250 ok TIME qp PID names the queue program's pid" test -n "$qp" -a -f "$QQ/msg.$qp"
DATE='[A-Z][a-z][a-z], [0-9]{1,2} [A-Z][a-z][a-z] [0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] \+0000'
t_match "Received: from TCPREMOTEHOST (HELO) (TCPREMOTEINFO@IP) by TCPLOCALHOST with SMTP" \
  "$(head -n 2 "$QQ/msg.$qp" | tr '\n' '~')" \
  "^Received: from client\.example \(HELO h\.example\) \(alice@127\.0\.0\.1\)~  by mx\.test\.example with SMTP; $DATE~\$"
t_check "... then the message, CR LF made LF" "$(sed 1,2d "$QQ/msg.$qp" | od -An -c | tr -s ' ')" \
  "$(printf 'Subject: r\n\nx\n' | od -An -c | tr -s ' ')"
t_match "the accept log line" "$(cat "$A/session.log")" \
  "^qmail-smtpd [0-9]+: accept ip=127\.0\.0\.1 from=<s@x\.example> rcpts=1 bytes=14 helo=h\.example qp $qp\$"
qq_clear
S_ENV="$QENV TCPLOCALIP=127.0.0.2" sess "$A" 'EHLO a(b) c\\d\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nx\r\n.\r\n'
t_match "Received: unknown host, no info, EHLO (made safe) gives ESMTP, by TCPLOCALIP" \
  "$(head -n 2 "$QQ"/msg.* | tr '\n' '~')" \
  "^Received: from unknown \(HELO a\?b\?\?c\?d\) \(127\.0\.0\.1\)~  by 127\.0\.0\.2 with ESMTP; $DATE~\$"
qq_clear
S_ENV="$QENV" sess "$A" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nx\r\n.\r\n'
t_match "Received: without HELO, no (HELO) part" "$(head -n 1 "$QQ"/msg.*)" \
  '^Received: from unknown \(127\.0\.0\.1\)$'

# --- line too long, bare LF -------------------------------------------

{ printf 'NOOP '; head -c 1048576 /dev/zero | tr '\0' a; printf '\r\nNOOP\r\n'
  printf 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n'
} > "$W/in"
S_ENV=$QENV sess_file "$A"
t_check "a 1 MB command line: 500, then the session works" "$R" \
"220 test.example ESMTP
500 5.5.2 line too long (#5.5.2)
250 ok
250 ok
250 ok
354 go ahead
250 ok TIME qp PID
221 test.example"

qq_clear
S_ENV=$QENV sess "$A" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nline one\r\nline two\nline three\r\n.\r\nNOOP\r\nQUIT\r\n'
t_check "a bare LF in DATA: 451 and nothing more" "$(printf '%s\n' "$R" | sed 1,4d)" \
  "451 bare LF in the message: SMTP lines end with CR LF (RFC 5321 section 2.3.8) (#4.6.0)"
t_check "... the session ends with exit code 1" "$S_RC" 1
t_check "... nothing is queued" "$(qq_count env) $(qq_count abort)" "0 1"

# --- unreadable control files -----------------------------------------

for f in me smtpgreeting localiphost timeoutsmtpd databytes badmailfrom \
         rcpthosts morercpthosts.cdb rcptcheck; do
  [ -e "$A/control/$f" ] || { echo 0 > "$A/control/$f"; made=1; }
  chmod 000 "$A/control/$f"
  sess "$A" 'HELO x\r\nQUIT\r\n'
  t_check "control/$f unreadable: 421 unable to read controls, exit 111" "$R $S_RC" \
    "421 unable to read controls (#4.3.0) 111"
  t_match "... logged with the file and the reason" "$(cat "$A/session.log")" \
    "end ip=127\.0\.0\.1 helo=- messages=0: cannot read control/$f: Permission denied\$"
  chmod 644 "$A/control/$f"
  [ "${made:-}" = 1 ] && rm -f "$A/control/$f"
  made=
done
mkdir "$A/control/badmailfrom"
sess "$A" 'HELO x\r\nQUIT\r\n'
t_check "control/badmailfrom a directory: 421" "$R $S_RC" \
  "421 unable to read controls (#4.3.0) 111"
rmdir "$A/control/badmailfrom"
rm -f "$A/control/rcpthosts"; chmod 000 "$A/control/locals"
sess "$A" 'HELO x\r\nQUIT\r\n'
t_check "no rcpthosts and control/locals unreadable: 421" "$R $S_RC" \
  "421 unable to read controls (#4.3.0) 111"
chmod 644 "$A/control/locals"; echo test.example > "$A/control/rcpthosts"

# --- TLS ----------------------------------------------------------------

C=$(t_tmpdir)/c
s_instance "$C"
echo garbage > "$C/control/servercert.pem"
sess "$C" 'EHLO x\r\nQUIT\r\n'
t_check "an unusable certificate: no STARTTLS" "$(printf '%s\n' "$R" | grep -c STARTTLS)" 0
t_match "... and the warning says why" "$(cat "$C/session.log")" \
  'warning ip=127\.0\.0\.1 STARTTLS not offered: control/servercert\.pem: .'
rm -f "$C/control/servercert.pem"
if s_certs "$C"; then
  sess "$C" 'EHLO x\r\nSTARTTLS\r\n'
  t_check "with a certificate: EHLO offers STARTTLS, STARTTLS gets 220" "$R" \
"220 test.example ESMTP
250-test.example
250-PIPELINING
250-8BITMIME
250-STARTTLS
250 SIZE
220 2.0.0 ready to start TLS"
  t_fail "... and no warning about STARTTLS" grep -q 'STARTTLS not offered' "$C/session.log"
  chmod 000 "$C/control/servercert.pem"
  sess "$C" 'EHLO x\r\nQUIT\r\n'
  t_check "a certificate qmaild cannot read: no STARTTLS, the session goes on" \
    "$(printf '%s\n' "$R" | grep -c STARTTLS) $(printf '%s\n' "$R" | tail -n 1)" "0 221 test.example"
  t_match "... and the warning says why" "$(cat "$C/session.log")" \
    'STARTTLS not offered: control/servercert\.pem: Permission denied$'
else
  t_skip "STARTTLS with a certificate" "openssl could not make one"
fi

# --- the 451 timeout, through a listener ------------------------------

T=$(t_tmpdir)/t
s_instance "$T"
echo 2 > "$T/control/timeoutsmtpd"
if [ -n "$PY" ] && s_listen smtpd "$T"; then
  out=$("$PY" "$TOP/tests/integration/smtpd-oneshot.py" silent "$S_PORT" 'HELO x\r\n' --timeout 15 | tr -d '\r')
  t_check "timeoutsmtpd 2: a silent client gets 451 timeout, closed after about 2 s" \
    "$(printf '%s\n' "$out" | sed -E 's/^closed after (1\.9|[2-5]\.[0-9]) s$/closed/')" \
"250 test.example
451 timeout (#4.4.2)
closed"
  out=$("$PY" "$TOP/tests/integration/smtpd-oneshot.py" silent "$S_PORT" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\npart of a message\r\n' --timeout 15 | tr -d '\r')
  t_check "silent in DATA: 451 timeout, closed after about 2 s" \
    "$(printf '%s\n' "$out" | sed -E 's/^closed after (1\.9|[2-5]\.[0-9]) s$/closed/')" \
"250 ok
250 ok
354 go ahead
451 timeout (#4.4.2)
closed"
  s_stop smtpd "$T"
else
  t_skip "451 timeout" "no python3 or no listener"
fi

# --- through the real queue into a maildir ------------------------------

D=$(t_tmpdir)/d
s_instance "$D"
if t_start "$D"; then
  S_ENV="TCPREMOTEHOST=client.example TCPREMOTEINFO=alice TCPLOCALHOST=mx.test.example" \
    sess "$D" 'EHLO h.example\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nSubject: bytes\r\n\r\n..x\r\n..\r\n.y\r\na\r.\rb\r\n\r.\r\n\200\201\376\377\r\n\000nul\r\ntail\r\n.\r\nQUIT\r\n'
  t_match "queued" "$R" '^250 ok TIME qp PID$'
  qp=$(sed -n 's/^250 ok [0-9]* qp \([0-9]*\)\r$/\1/p' "$W/out")
  t_ok "delivered to the maildir" t_wait_mail "$D/alias/Maildir" 1
  m=$(ls "$D/alias/Maildir/new/"* 2>/dev/null | head -n 1)
  t_match "qmail-queue's Received line names the qp of the 250 reply" \
    "$(grep -a '^Received: (qmail' "$m")" "^Received: \\(qmail $qp invoked "
  t_match "the Received line in the maildir, exactly" \
    "$(grep -a -A1 '^Received: from' "$m" | tr '\n' '~')" \
    "^Received: from client\.example \(HELO h\.example\) \(alice@127\.0\.0\.1\)~  by mx\.test\.example with ESMTP; $DATE~\$"
  sed '1,/^  by /d' "$m" > "$W/got"
  printf 'Subject: bytes\n\n.x\n.\ny\na\r.\rb\n\r.\n\200\201\376\377\n\000nul\ntail\n' > "$W/want"
  t_ok "the bytes in the maildir: dots unstuffed, CR.CR kept, 8-bit and NUL intact" \
    cmp "$W/got" "$W/want"
  cmp "$W/got" "$W/want" > /dev/null 2>&1 || od -c "$W/got" | sed 's/^/# /'

  x99=$(printf '%99s' '' | tr ' ' x)
  S_ENV=DATABYTES=100 sess "$D" "MAIL FROM:<s@x.example>\r\nRCPT TO:<big@test.example>\r\nDATA\r\n${x99}xx\r\n.\r\nQUIT\r\n"
  t_check "over databytes: 552" "$(printf '%s\n' "$R" | sed -n 5p)" "$SIZE_552"
  sess "$D" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<barelf@test.example>\r\nDATA\r\nSubject: x\r\n\nbody\r\n.\r\n'
  t_match "bare LF: 451" "$R" '^451 bare LF'
  sess "$D" 'MAIL FROM:<s@x.example>\r\nRCPT TO:<last@test.example>\r\nDATA\r\nlast\r\n.\r\nQUIT\r\n'
  t_ok "the last message arrives" t_wait_mail "$D/alias/Maildir" 2
  i=0
  while [ -n "$(find "$D/queue/mess" -type f)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  t_check "the queue is empty, the 552 and 451 messages were never in it: 2 delivered" \
    "$(find "$D/queue/mess" -type f | wc -l) $(ls "$D/alias/Maildir/new" | wc -l) $(cat "$D/alias/Maildir/new/"* | grep -ac -e '^Delivered-To: .*big@' -e '^Delivered-To: .*barelf@')" \
    "0 2 0"
else
  t_skip "delivery to the maildir" "the instance did not start"
fi

t_done
