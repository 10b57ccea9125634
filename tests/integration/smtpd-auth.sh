#!/bin/sh
# smtpd-auth.sh -- qmail-smtpd's AUTH PLAIN and LOGIN, through a
# checkpassword program: who may authenticate, what a success allows
# (relaying, ESMTPA in the Received line, auth= in the log), what a
# failure costs (535 after a delay, the session closed after three), and
# that no password ever reaches the log.  Sessions run on standard
# input and output (s_session); the real clients over TLS are in
# smtpd-clients.sh.
. "$TOP/tests/lib.sh"
. "$TOP/tests/smtpd-lib.sh"

D=$(t_tmpdir)
I=$D/q
s_instance "$I"
t_start "$I"

# A checkpassword program: accepts joe / "s3cret pass", exits 111 for
# the user "tempfail", records what it was given (user only) and that
# its stdin is not the connection.
CP=$D/checkpw
cat > "$CP" <<'CPEOF'
#!/bin/sh
creds=$(tr '\0' '\n' <&3)
user=$(printf '%s\n' "$creds" | sed -n 1p)
pass=$(printf '%s\n' "$creds" | sed -n 2p)
stamp=$(printf '%s\n' "$creds" | sed -n 3p)
echo "user=$user stamp=$stamp stdin=$(head -c 10 | wc -c)" >> "$(dirname "$0")/checkpw.log"
[ "$user" = tempfail ] && exit 111
[ "$user" = joe ] && [ "$pass" = "s3cret pass" ] && exec "$@"
exit 1
CPEOF
chmod 755 "$CP"
touch "$D/checkpw.log"
chmod 666 "$D/checkpw.log"

b64() { printf '%s' "$1" | base64 -w0; }
PLAIN_OK=$(printf '\0joe\0s3cret pass' | base64 -w0)
PLAIN_BAD=$(printf '\0joe\0wrong' | base64 -w0)
PLAIN_AUTHZ=$(printf 'root\0joe\0s3cret pass' | base64 -w0)
PLAIN_SELF=$(printf 'joe\0joe\0s3cret pass' | base64 -w0)

# session ARGS... < script: the replies, CRs removed
session() {
  # shellcheck disable=SC2086
  t_as_owner "$I" env QMAILHOME="$I" TCPREMOTEIP=192.0.2.7 \
    TCPLOCALIP=127.0.0.1 $S_ENV_EXTRA "$QBIN/qmail-smtpd" "$@" \
    2>> "$I/session.log" | tr -d '\r'
}
S_ENV_EXTRA=

# 1. AUTH is offered only with a checkpassword program, and without TLS
# only on a trusted listener
out=$(printf 'EHLO c\r\nQUIT\r\n' | session)
t_check "no checkpassword: no AUTH in EHLO" "$(echo "$out" | grep -c AUTH)" 0
out=$(printf 'AUTH PLAIN %s\r\nQUIT\r\n' "$PLAIN_OK" | session)
t_match "no checkpassword: AUTH is 502" "$out" '^502 '
out=$(printf 'EHLO c\r\nAUTH PLAIN %s\r\nQUIT\r\n' "$PLAIN_OK" | session "$CP" true)
t_check "untrusted plain text: no AUTH in EHLO" "$(echo "$out" | grep -c '^250.AUTH')" 0
t_match "untrusted plain text: AUTH is 538 encryption required" "$out" '^538 5\.7\.11 '
t_check "the checkpassword program was not run" "$(wc -l < "$D/checkpw.log")" 0
out=$(printf 'EHLO c\r\nQUIT\r\n' | session -t "$CP" true)
t_match "trusted listener (-t): EHLO offers AUTH PLAIN LOGIN" "$out" '^250-AUTH PLAIN LOGIN$'
out=$(printf 'EHLO c\r\nQUIT\r\n' | S_ENV_EXTRA=SMTPD_TRUSTED=1 session "$CP" true)
t_match "trusted listener (\$SMTPD_TRUSTED): EHLO offers AUTH" "$out" '^250-AUTH PLAIN LOGIN$'

# 2. PLAIN success: relaying allowed, ESMTPA and the user in Received,
# auth= in the log, no password anywhere
out=$(printf 'EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@remote.example>\r\nAUTH PLAIN %s\r\nRSET\r\nAUTH PLAIN %s\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<joe@test.example>\r\nDATA\r\nSubject: auth\r\n\r\nhello\r\n.\r\nQUIT\r\n' "$PLAIN_OK" "$PLAIN_OK" | session -t "$CP" true)
t_match "before AUTH a remote recipient is refused 553" "$out" '^553 '
t_match "AUTH inside a transaction is 503" "$out" '^503 5\.5\.1 AUTH is not allowed'
t_match "AUTH PLAIN with the right password: 235" "$out" '^235 2\.7\.0 '
t_match "the message is accepted" "$out" '^250 ok [0-9]+ qp [0-9]+$'
t_ok "it is delivered" t_wait_mail "$I/alias/Maildir" 1
m=$(cat "$I"/alias/Maildir/new/* 2>/dev/null)
t_match "Received says ESMTPA and the user" "$m" 'with ESMTPA \(authenticated user joe\);'
t_match "the log has auth ok with the user" "$(cat "$I/session.log")" 'auth ip=192\.0\.2\.7 ok user=joe$'
t_match "the accept line names the user" "$(cat "$I/session.log")" 'accept ip=192\.0\.2\.7 .* auth=joe qp [0-9]+$'
t_match "the checkpassword program got a timestamp" "$(cat "$D/checkpw.log")" 'user=joe stamp=<[0-9]+\.[0-9]+@test\.example>'
t_match "and an empty standard input, not the connection" "$(cat "$D/checkpw.log")" 'stdin=0$'

out=$(printf 'AUTH PLAIN %s\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@remote.example>\r\nAUTH PLAIN %s\r\nQUIT\r\n' "$PLAIN_SELF" "$PLAIN_OK" | session -t "$CP" true)
t_match "PLAIN with authzid = authcid is accepted" "$out" '^235 '
t_match "after AUTH a remote recipient is accepted (relay)" "$(echo "$out" | sed -n 3p)" '^250 ok$'
t_match "a second AUTH is 503" "$out" '^503 5\.5\.1 already authenticated'

# 3. PLAIN without an initial response, LOGIN with and without one
out=$(printf 'AUTH PLAIN\r\n%s\r\nQUIT\r\n' "$PLAIN_OK" | session -t "$CP" true)
t_match "PLAIN: an empty challenge, then the response: 235" "$out" '^334 $'
t_match "PLAIN in two steps succeeds" "$out" '^235 '
out=$(printf 'AUTH LOGIN\r\n%s\r\n%s\r\nQUIT\r\n' "$(b64 joe)" "$(b64 's3cret pass')" | session -t "$CP" true)
t_match "LOGIN asks for Username:" "$out" '^334 VXNlcm5hbWU6$'
t_match "LOGIN asks for Password:" "$out" '^334 UGFzc3dvcmQ6$'
t_match "LOGIN succeeds" "$out" '^235 '
out=$(printf 'AUTH LOGIN %s\r\n%s\r\nQUIT\r\n' "$(b64 joe)" "$(b64 's3cret pass')" | session -t "$CP" true)
t_match "LOGIN with the user on the AUTH line succeeds" "$out" '^235 '

# 4. failures
: > "$I/session.log"
start=$(date +%s)
out=$(printf 'AUTH PLAIN %s\r\nQUIT\r\n' "$PLAIN_BAD" | session -t "$CP" true)
took=$(( $(date +%s) - start ))
t_match "a wrong password: 535" "$out" '^535 5\.7\.8 authentication failed'
t_ok "the 535 came after a delay (${took}s)" test "$took" -ge 2
t_match "the failure is logged with the client and the user" "$(cat "$I/session.log")" 'refuse ip=192\.0\.2\.7 535 auth failed user=joe$'
t_fail "no password in the log" grep -q -e 'wrong' -e 's3cret' "$I/session.log"
out=$(printf 'AUTH PLAIN %s\r\nQUIT\r\n' "$PLAIN_AUTHZ" | session -t "$CP" true)
t_match "PLAIN with another authzid: 535" "$out" '^535 5\.7\.8 authorization identity'
out=$(printf 'AUTH PLAIN %s\r\nQUIT\r\n' "$(printf '\0tempfail\0x' | base64 -w0)" | session -t "$CP" true)
t_match "checkpassword exit 111: 454 temporary" "$out" '^454 4\.7\.0 '
out=$(printf 'AUTH PLAIN %s\r\nQUIT\r\n' "$PLAIN_OK" | session -t "$D/missing" true)
t_match "checkpassword missing: 454 temporary" "$out" '^454 4\.7\.0 '
out=$(printf 'AUTH CRAM-MD5\r\nQUIT\r\n' | session -t "$CP" true)
t_match "an unknown mechanism: 504" "$out" '^504 5\.5\.4 '
out=$(printf 'AUTH LOGIN\r\n*\r\nNOOP\r\nQUIT\r\n' | session -t "$CP" true)
t_match "a client's * cancels: 501" "$out" '^501 5\.0\.0 authentication cancelled'
t_match "the session goes on after a cancel" "$out" '^250 ok$'
out=$(printf 'AUTH PLAIN !!!notbase64\r\nNOOP\r\nQUIT\r\n' | session -t "$CP" true)
t_match "a response that is not base64: 501" "$out" '^501 5\.5\.2 '
out=$(printf 'AUTH PLAIN %s\r\n' "$(printf 'joe' | base64 -w0)" | session -t "$CP" true)
t_match "a PLAIN response without NULs: 501" "$out" '^501 5\.5\.2 malformed'
out=$(printf 'AUTH PLAIN %s\r\nAUTH PLAIN %s\r\nAUTH PLAIN %s\r\nNOOP\r\n' "$PLAIN_BAD" "$PLAIN_BAD" "$PLAIN_BAD" | session -t "$CP" true)
t_check "three failures: three 535" "$(echo "$out" | grep -c '^535 ')" 3
t_match "then 421 and the session ends" "$(echo "$out" | tail -n 1)" '^421 '

# 5. submission: -a requires AUTH before MAIL
out=$(printf 'MAIL FROM:<a@b.example>\r\nAUTH PLAIN %s\r\nMAIL FROM:<a@b.example>\r\nQUIT\r\n' "$PLAIN_OK" | session -t -a "$CP" true)
t_match "-a: MAIL before AUTH is 530" "$(echo "$out" | sed -n 2p)" '^530 5\.7\.0 '
t_match "-a: MAIL after AUTH is 250" "$(echo "$out" | sed -n 4p)" '^250 ok$'
out=$(printf 'MAIL FROM:<a@b.example>\r\nQUIT\r\n' | S_ENV_EXTRA=SMTPD_REQUIRE_AUTH=1 session -t "$CP" true)
t_match "\$SMTPD_REQUIRE_AUTH: MAIL before AUTH is 530" "$out" '^530 '
out=$(printf 'QUIT\r\n' | session -a 2>&1)
t_check "-a without a checkpassword program: no session" "$(echo "$out" | grep -c '^220')" 0

t_done
