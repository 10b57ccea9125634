#!/bin/sh
# smtpd-rcptcheck.sh -- qmail-smtpd's recipient check: off by default;
# on (control/rcptcheck or $RCPTCHECK), a recipient in a local domain
# that local delivery would refuse gets 550 at RCPT, and what the check
# cannot read is accepted; with it on, relay tricks aimed at local
# domains are refused in the dialogue and leave no bounce behind.
. "$TOP/tests/lib.sh"
. "$TOP/tests/smtpd-lib.sh"

D=$(t_tmpdir)
I=$D/q
t_instance "$I" test.example
echo test.example > "$I/control/rcpthosts"
echo virt.example >> "$I/control/rcpthosts"
echo test.example > "$I/control/locals"
echo virt.example:v > "$I/control/virtualdomains"
A=$I/alias
t_maildir "$A/Maildir"
t_maildir "$A/sender/Maildir"
echo ./Maildir/ > "$A/.qmail-joe"
echo ./Maildir/ > "$A/.qmail-list-default"
echo ./Maildir/ > "$A/.qmail-v-info"
echo ./sender/Maildir/ > "$A/.qmail-sender"
echo ./Maildir/ > "$A/.qmail-postmaster"
# a qmail-users assignment whose home the check cannot read
mkdir -p "$D/private"
owner=$(t_owner "$I")
printf '=private:u:%s:%s:%s:::\n+private-:u:%s:%s:%s:-::\n.\n' \
  "${owner%%:*}" "${owner#*:}" "$D/private" "${owner%%:*}" "${owner#*:}" "$D/private" \
  > "$I/users/assign"
t_as_owner "$I" env QMAILHOME="$I" "$QBIN/qmail-newu" > /dev/null 2>&1 \
  || (cd "$I/users" && QMAILHOME="$I" "$QBIN/qmail-newu")
t_start "$I"
t_give "$I"
chmod 000 "$D/private"

# rcpts ENV... : one session with RCPT lines for the addresses in $R;
# prints the reply code of each RCPT, one a line
rcpts() {
  script="EHLO c\r\nMAIL FROM:<sender@test.example>\r\n"
  for r in $R; do script="${script}RCPT TO:<$r>\r\n"; done
  # shellcheck disable=SC2059
  printf "${script}QUIT\r\n" | t_as_owner "$I" env QMAILHOME="$I" \
    TCPREMOTEIP=192.0.2.9 "$@" "$QBIN/qmail-smtpd" 2>> "$I/session.log" \
    | tr -d '\r' | sed -n '/^250 ok$/p;/^5[0-9][0-9] /p;/^4[0-9][0-9] /p' \
    | tail -n +2 | cut -c1-3 | tr '\n' ' '
}

R="joe@test.example nosuch@test.example"
t_check "off by default: an unknown local user is accepted" "$(rcpts)" "250 250 "
t_check "RCPTCHECK=1: the unknown user gets 550" "$(rcpts RCPTCHECK=1)" "250 550 "
echo 1 > "$I/control/rcptcheck"
t_give "$I" "$I/control/rcptcheck"
t_check "control/rcptcheck 1: the same" "$(rcpts)" "250 550 "
t_check "RCPTCHECK=0 overrides the control file" "$(rcpts RCPTCHECK=0)" "250 250 "
t_match "the refusal is logged with the recipient and why" "$(cat "$I/session.log")" \
  'refuse ip=192\.0\.2\.9 550 .*rcpt=<nosuch@test\.example>'

R="JOE@TEST.EXAMPLE list-x@test.example list@test.example postmaster@test.example"
t_check "case, -default extensions, postmaster" "$(rcpts)" "250 250 550 250 "
R="info@virt.example other@virt.example"
t_check "a virtual domain: its alias .qmail decides" "$(rcpts)" "250 550 "
R="private@test.example private-ext@test.example"
t_check "a home the check cannot read is accepted, never guessed" "$(rcpts)" "250 250 "
chmod 755 "$D/private"
chown "$owner" "$D/private" 2>/dev/null
t_check "the same home readable: the extension without a .qmail gets 550" "$(rcpts)" "250 550 "
chown 0 "$D/private" 2>/dev/null
chmod 000 "$D/private"
R="someone@remote.example"
t_check "a remote recipient from a relay client is not checked" "$(rcpts RELAYCLIENT=)" "250 "

# relay tricks at local domains: refused now, so nothing is queued and
# no bounce goes to anybody
R='user%evil.example@test.example evil.example!user@test.example user@[192.0.2.1] nosuch@virt.example'
t_check "relay tricks aimed at local domains: 550 each" "$(rcpts RCPTCHECK=1)" "550 550 550 550 "
before=$(ls "$A/sender/Maildir/new" | wc -l)
out=$(printf 'HELO c\r\nMAIL FROM:<sender@test.example>\r\nRCPT TO:<user%%evil.example@test.example>\r\nDATA\r\nQUIT\r\n' \
  | t_as_owner "$I" env QMAILHOME="$I" TCPREMOTEIP=192.0.2.9 "$QBIN/qmail-smtpd" 2>/dev/null | tr -d '\r')
t_match "DATA then is 503: there is no recipient" "$out" '^503 RCPT first'
t_check "the queue is empty" "$(find "$I/queue/mess" -type f | wc -l)" 0
sleep 1
t_check "no bounce reached the sender" "$(ls "$A/sender/Maildir/new" | wc -l)" "$before"

# an accepted recipient still arrives
out=$(printf 'HELO c\r\nMAIL FROM:<sender@test.example>\r\nRCPT TO:<joe@test.example>\r\nDATA\r\nSubject: checked\r\n\r\nhi\r\n.\r\nQUIT\r\n' \
  | t_as_owner "$I" env QMAILHOME="$I" TCPREMOTEIP=192.0.2.9 "$QBIN/qmail-smtpd" 2>/dev/null | tr -d '\r')
t_match "a known user's message is accepted" "$out" '^250 ok [0-9]+ qp'
t_ok "and delivered" t_wait_mail "$A/Maildir" 1

# an unreadable control file of the check: 421, never an open door
chmod 000 "$I/control/virtualdomains"
if t_as_owner "$I" test -r "$I/control/virtualdomains"; then
  t_skip "unreadable virtualdomains: 421" "the instance owner can read a mode 000 file"
else
  out=$(printf 'HELO c\r\nQUIT\r\n' | t_as_owner "$I" env QMAILHOME="$I" TCPREMOTEIP=192.0.2.9 \
    "$QBIN/qmail-smtpd" 2>/dev/null | tr -d '\r')
  t_match "unreadable virtualdomains: 421 unable to read controls" "$out" '^421 unable to read controls'
fi
chmod 644 "$I/control/virtualdomains"
chmod 755 "$D/private"
t_done
