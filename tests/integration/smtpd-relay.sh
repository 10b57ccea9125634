#!/bin/sh
# Relay control counted where it matters, and SMTP smuggling.
#
# An instance whose remote deliveries go to a sink: its bin/ holds the
# built programs except qmail-remote, a script that records
# "host sender recipient" for every delivery qmail-rspawn starts and
# reports success.  Messages reach the queue through a recorder
# ($QMAILQUEUE) that notes every envelope before it hands the message to
# the real qmail-queue.
#
# Relay: the classic tricks (%, !, quoted local parts, source routes,
# two @, [IP] literals, a trailing dot, case, a local domain as the
# prefix of a foreign one) are sent without RELAYCLIENT, each with a
# local recipient beside it so that its message is queued: every trick
# is answered as the table below says, no foreign recipient reaches the
# queue, and after the queue has emptied the sink has seen nothing.
# With RELAYCLIENT set, the sink sees exactly the foreign recipients.
#
# Smuggling: a message ended by LF.LF, CR.CR, LF.CRLF, CRLF.LF and
# friends, with a whole second transaction behind it in the same
# write.  At most one message is queued, with exact bytes; the bare-LF
# variants get 451 and the connection is closed.
. "$TOP/tests/lib.sh"
. "$TOP/tests/smtpd-lib.sh"

W=$(t_tmpdir)
R=$(t_tmpdir)/r
s_instance "$R" || { echo "Bail out! no instance"; exit 1; }
# rcpthosts in capitals: matching ignores case
echo TEST.EXAMPLE > "$R/control/rcpthosts"
for m in smug1 smug2; do echo ./Smug/ > "$R/alias/.qmail-$m"; done
t_maildir "$R/alias/Smug"

rm -f "$R/bin"
mkdir "$R/bin"
for p in "$QBIN"/*; do
  [ "${p##*/}" = qmail-remote ] || ln -s "$p" "$R/bin/${p##*/}"
done
cat > "$R/bin/qmail-remote" << EOF
#!/bin/sh
# the sink: qmail-rspawn runs "qmail-remote host sender recipient" with
# the message on fd 0; the report in qmail-remote's format (r for the
# recipient, K for the message, each text ending in a NUL byte) means
# delivered
cat > /dev/null || exit 111
printf '%s %s %s\n' "\$1" "\$2" "\$3" >> "$R/sink"
printf 'rsink.test accepted the recipient.\0Ksink.test accepted the message.\0'
exit 0
EOF
chmod 755 "$R/bin/qmail-remote"

cat > "$W/recorder" << EOF
#!/bin/sh
# note the envelope, NULs as |, then queue with the real qmail-queue
cat > "$R/rec/m.\$\$" || exit 54
cat <&1 > "$R/rec/e.\$\$" || exit 54
[ -s "$R/rec/e.\$\$" ] && { tr '\\0' '|' < "$R/rec/e.\$\$"; echo; } >> "$R/rec/envelopes"
exec "$R/bin/qmail-queue" < "$R/rec/m.\$\$" 1< "$R/rec/e.\$\$"
EOF
chmod 755 "$W/recorder"
mkdir "$R/rec"
: > "$R/rec/envelopes"

t_start "$R" || { echo "Bail out! the instance did not start"; exit 1; }

# Wait (at most 20 s) until qmail-send has finished every message.
queue_drained() {
  q_i=0
  while [ -n "$(find "$R/queue/mess" -type f)" ] && [ $q_i -lt 200 ]; do
    sleep 0.1; q_i=$((q_i + 1))
  done
  [ -z "$(find "$R/queue/mess" -type f)" ]
}
maildir_count() { ls "$1/new" | wc -l | tr -d ' '; }

# The reply code without RELAYCLIENT, the address as sent, and for a
# foreign recipient the host delivery uses and the recipient as queued
# ("-" for a local one).  A quoted "@" with no domain after it is a
# syntax error (address.h: the domain is never quoted), relay client or
# not.
cat > "$W/tricks" << 'EOF'
553 user@evil.example evil.example user@evil.example
250 user%evil.example@test.example - -
250 evil.example!user@test.example - -
250 "user@evil.example"@test.example - -
555 "user@evil.example" - -
553 @test.example:user@evil.example evil.example user@evil.example
250 @evil.example:user@test.example - -
250 user@evil.example@test.example - -
553 user@host@evil.example evil.example user@host@evil.example
553 user@test.example@evil.example evil.example user@test.example@evil.example
250 user@[192.0.2.1] - -
250 user@[IPv6:2001:db8::1] - -
250 user@[evil.example] - -
553 user@evil.example. evil.example. user@evil.example.
553 user@test.example. test.example. user@test.example.
553 USER@EVIL.EXAMPLE EVIL.EXAMPLE USER@EVIL.EXAMPLE
250 user@Test.Example - -
553 user@test.example.evil.example test.example.evil.example user@test.example.evil.example
250 user%evil.example - -
250 evil.example!user - -
EOF
ntricks=$(wc -l < "$W/tricks" | tr -d ' ')

# One session: each trick in a transaction of its own, with the local
# recipient mark<N> beside it.
trick_session() {
  n=0
  { printf 'EHLO client.example\r\n'
    while read -r _ addr _; do
      n=$((n + 1))
      printf 'MAIL FROM:<s@x.example>\r\nRCPT TO:<%s>\r\nRCPT TO:<mark%d@test.example>\r\nDATA\r\nSubject: trick %d\r\n\r\n%s\r\n.\r\n' \
        "$addr" $n $n "$addr"
    done < "$W/tricks"
    printf 'QUIT\r\n'
  } > "$W/in"
  : > "$R/session.log"
  s_session "$R" < "$W/in" | tr -d '\r' > "$W/out"
  S_ENV=   # "S_ENV=... trick_session" may outlive the call in some shells
}
# The reply to each trick's RCPT: the second line of each transaction
# (after the 220 and the EHLO lines, five replies per transaction).
trick_replies() {
  sed -n '/^250 SIZE/,$p' "$W/out" | sed 1d | awk 'NR % 5 == 2'
}

S_ENV="QMAILQUEUE=$W/recorder" trick_session
t_check "without RELAYCLIENT every trick is answered as the table says" \
  "$(trick_replies | cut -c1-3)" "$(cut -d' ' -f1 "$W/tricks")"
t_check "... with the rcpthosts text" \
  "$(trick_replies | sort -u)" "250 ok
553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)
555 syntax error (#5.5.4)"
t_check "... and every transaction is queued" \
  "$(grep -c '^250 ok [0-9]* qp [0-9]*$' "$W/out")" "$ntricks"
foreign=$(tr '|' '\n' < "$R/rec/envelopes" | sed -n 's/^T//p' \
  | awk -F@ 'NF > 1 && tolower($NF) != "test.example"')
t_check "no foreign recipient reaches the queue" "$foreign" ""
t_check "the recorder saw one envelope per transaction" \
  "$(wc -l < "$R/rec/envelopes" | tr -d ' ')" "$ntricks"
nlocal=$(grep -c '^250 ' "$W/tricks")
nsyntax=$(grep -c '^555 ' "$W/tricks")
t_ok "the queue empties" queue_drained
t_check "every accepted recipient was delivered locally" \
  "$(maildir_count "$R/alias/Maildir")" $((ntricks + nlocal))
t_check "the sink saw nothing" "$(cat "$R/sink" 2>/dev/null)" ""

: > "$R/rec/envelopes"
S_ENV="QMAILQUEUE=$W/recorder RELAYCLIENT=" trick_session
t_check "with RELAYCLIENT every trick but the syntax error is taken" \
  "$(trick_replies | cut -c1-3)" "$(cut -d' ' -f1 "$W/tricks" | sed 's/^553/250/')"
t_ok "the queue empties" queue_drained
# (domains compared ignoring case: qmail-send may lowercase them)
t_check "the sink saw exactly the foreign recipients, at the hosts delivery uses" \
  "$(tr A-Z a-z < "$R/sink" 2>/dev/null | sort)" \
  "$(awk '$3 != "-" { print $3, "s@x.example", $4 }' "$W/tricks" | tr A-Z a-z | sort)"
t_check "the local ones were delivered locally" \
  "$(maildir_count "$R/alias/Maildir")" $((2 * (ntricks + nlocal)))
t_check "... and the queue saw every recipient but the syntax errors" \
  "$(tr '|' '\n' < "$R/rec/envelopes" | grep -c '^T')" $((2 * ntricks - nsyntax))

# --- smuggling ----------------------------------------------------------

PY=$(command -v python3)
if [ -z "$PY" ] || ! s_listen smtpd "$R" "QMAILQUEUE=$W/recorder"; then
  t_skip "smuggling" "no python3 or no listener"
  t_done
  exit
fi

FIRST='Subject: one\r\n\r\nfirst'
SECOND='MAIL FROM:<s@x.example>\r\nRCPT TO:<smug2@test.example>\r\nDATA\r\nSubject: two\r\n\r\nsecond\r\n.\r\n'
BARE_LF='451 bare LF in the message: SMTP lines end with CR LF (RFC 5321 section 2.3.8) (#4.6.0)'

# smuggle NAME END QUEUED [WANT]: message one ends with END (printf
# escapes) and the second transaction follows in the same write.  QUEUED
# messages must be delivered; with one, WANT (printf escapes) is its
# text below the Received lines.
smuggle() {
  : > "$R/rec/envelopes"
  ls "$R/alias/Smug/new" > "$W/before"
  printf "EHLO c\\r\\nMAIL FROM:<s@x.example>\\r\\nRCPT TO:<smug1@test.example>\\r\\nDATA\\r\\n$FIRST$2${SECOND}QUIT\\r\\n" > "$W/blob"
  "$PY" "$TOP/tests/integration/smtpd-oneshot.py" oneshot "$S_PORT" "$W/blob" \
    | tr -d '\r' | sed -E -e 's/^250 ok [0-9]+ qp [0-9]+$/250 ok TIME qp PID/' \
      -e 's/^reset$/closed/' > "$W/out"
  queue_drained
  ls "$R/alias/Smug/new" > "$W/after"
  new=$(comm -13 "$W/before" "$W/after")
  t_check "$1: queued and delivered $3" \
    "$(wc -l < "$R/rec/envelopes" | tr -d ' ') $(printf '%s' "$new" | grep -c .)" "$3 $3"
  if [ "$3" = 1 ]; then
    sed '1,/^  by /d' "$R/alias/Smug/new/$new" > "$W/got"
    # shellcheck disable=SC2059
    printf "$4" > "$W/want"
    t_ok "$1: the one message, byte for byte" cmp "$W/got" "$W/want"
    cmp "$W/got" "$W/want" > /dev/null 2>&1 || od -c "$W/got" | sed 's/^/# /' | head -20
  fi
}
ehlo='220 test.example ESMTP
250-test.example
250-PIPELINING
250-8BITMIME
250 SIZE'
one_message="$ehlo
250 ok
250 ok
354 go ahead
250 ok TIME qp PID
221 test.example
closed"
refused="$ehlo
250 ok
250 ok
354 go ahead
$BARE_LF
closed"

smuggle "CRLF.CRLF (the real end)" '\r\n.\r\n' 2
t_check "CRLF.CRLF: two transactions, two 250s" "$(cat "$W/out")" "$ehlo
250 ok
250 ok
354 go ahead
250 ok TIME qp PID
250 ok
250 ok
354 go ahead
250 ok TIME qp PID
221 test.example
closed"

for v in 'LF.LF \n.\n' 'LF.CRLF \n.\r\n' 'CRLF.LF \r\n.\n' 'LF.CR \n.\r' \
         'CRLF.LF(2) \r\n\n.\n' 'CR.LF \r.\n'; do
  smuggle "${v%% *}" "${v#* }" 0
  t_check "${v%% *}: 451, no reply to anything after it, the connection closed" \
    "$(cat "$W/out")" "$refused"
done

smuggle "CR.CR" '\r.\r' 1 \
  'Subject: one\n\nfirst\r.\rMAIL FROM:<s@x.example>\nRCPT TO:<smug2@test.example>\nDATA\nSubject: two\n\nsecond\n'
t_check "CR.CR: part of the message, one 250" "$(cat "$W/out")" "$one_message"

smuggle "CR.CRLF" '\r.\r\n' 1 \
  'Subject: one\n\nfirst\r.\nMAIL FROM:<s@x.example>\nRCPT TO:<smug2@test.example>\nDATA\nSubject: two\n\nsecond\n'
t_check "CR.CRLF: part of the message, one 250" "$(cat "$W/out")" "$one_message"

smuggle "CRLF.CR" '\r\n.\r' 1 \
  'Subject: one\n\nfirst\n\rMAIL FROM:<s@x.example>\nRCPT TO:<smug2@test.example>\nDATA\nSubject: two\n\nsecond\n'
t_check "CRLF.CR: part of the message, one 250" "$(cat "$W/out")" "$one_message"

smuggle "CRLF.CRCRLF" '\r\n.\r\r\n' 1 \
  'Subject: one\n\nfirst\n\r\nMAIL FROM:<s@x.example>\nRCPT TO:<smug2@test.example>\nDATA\nSubject: two\n\nsecond\n'
t_check "CRLF.CRCRLF: part of the message, one 250" "$(cat "$W/out")" "$one_message"

t_done
