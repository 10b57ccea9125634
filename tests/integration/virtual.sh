#!/bin/sh
# The seeds' virtual-domain examples end to end, VERP senders, program
# exit codes and a forwarding loop through the queue, and 20 concurrent
# deliveries into one mbox.
. "$TOP/tests/lib.sh"

I=$(t_tmpdir)/inst
t_instance "$I" test.example
A=$I/alias
t_maildir "$A/joe/Maildir"
echo ./joe/Maildir/ > "$A/.qmail-joe"
t_maildir "$A/vdom/Maildir"
t_maildir "$A/spool"
# virtual.example is delivered as vdom-USER; every subdomain of it as
# vdom-sub-USER, whose .qmail forwards to USER@test.example (EXT3);
# everything else remote goes to alias-outgoing-USER (the dial-up
# spool of the seeds: mail waits in a maildir for maildirsmtp)
cat > "$I/control/virtualdomains" <<EOT
virtual.example:vdom
.virtual.example:vdom-sub
:alias-outgoing
EOT
echo ./vdom/Maildir/ > "$A/.qmail-vdom-default"
echo "|$QBIN/forward \"\$EXT3\"@test.example" > "$A/.qmail-vdom-sub-default"
echo ./spool/ > "$A/.qmail-outgoing-default"
t_start "$I"

printf 'Subject: v1\n\nhello\n' | t_queue "$I" sender@test.example info@virtual.example
t_ok "info@virtual.example lands in the vdom maildir" t_wait_mail "$A/vdom/Maildir"
f=$(ls "$A"/vdom/Maildir/new/* 2>/dev/null | head -n 1)
t_check "Delivered-To names the prefixed local part" "$(sed -n 2p "$f")" "Delivered-To: vdom-info@virtual.example"
t_match "qmail-send logs the rewritten recipient" "$(cat "$I/send.log")" '^starting delivery [0-9]+: msg [0-9]+ to local vdom-info@virtual.example$'

printf 'Subject: v2\n\nvia the sub wildcard\n' | t_queue "$I" sender@test.example joe@gw.virtual.example
t_ok "joe@gw.virtual.example is forwarded to joe@test.example" t_wait_mail "$A/joe/Maildir"
f=$(ls "$A"/joe/Maildir/new/* 2>/dev/null | head -n 1)
t_match "the forwarded copy carries both Delivered-To lines" "$(cat "$f")" '^Delivered-To: vdom-sub-joe@gw.virtual.example$'
t_match "and arrives for joe" "$(sed -n 2p "$f")" '^Delivered-To: joe@test.example$'
t_check "the forward keeps the original sender" "$(sed -n 1p "$f")" "Return-Path: <sender@test.example>"

printf 'Subject: v3\n\nfor the spool\n' | t_queue "$I" sender@test.example bob@far.example
t_ok "remote mail waits in the outgoing spool" t_wait_mail "$A/spool"
f=$(ls "$A"/spool/new/* 2>/dev/null | head -n 1)
t_check "spooled with its envelope recipient" "$(sed -n 2p "$f")" "Delivered-To: alias-outgoing-bob@far.example"

# VERP: a sender ending in -@[] is expanded per recipient
printf 'Subject: verp\n\nper recipient\n' | t_queue "$I" list-@test.example-@[] joe@test.example
t_ok "the VERP message arrives" t_wait_mail "$A/joe/Maildir" 2
t_match "its Return-Path names the recipient" "$(cat "$A"/joe/Maildir/new/*)" '^Return-Path: <list-joe=test.example@test.example>$'

# program lines through the queue: 111 is retried, 100 bounces
t_maildir "$A/sender/Maildir"
echo ./sender/Maildir/ > "$A/.qmail-sender"
echo '|echo "try later"; exit 111' > "$A/.qmail-prog111"
echo '|echo "no such list here"; exit 100' > "$A/.qmail-prog100"
printf 'Subject: p111\n\nx\n' | t_queue "$I" sender@test.example prog111@test.example
t_ok "exit 111 is a deferral with the program's words" t_wait_log "$I" '^delivery [0-9]+: deferral: try_later/Program_on_line_1_of_.qmail-prog111_failed_temporarily'
echo './sender/Maildir/' > "$A/.qmail-prog111"
kill -ALRM "$(cat "$I/send.pid")"
i=0
while [ $i -lt 100 ] && ! grep -qs '^Subject: p111$' "$A"/sender/Maildir/new/*; do sleep 0.1; i=$((i + 1)); done
t_ok "fixed, it is retried on ALRM and delivered" sh -c "grep -qs '^Subject: p111\$' $A/sender/Maildir/new/*"
printf 'Subject: p100\n\nx\n' | t_queue "$I" sender@test.example prog100@test.example
t_ok "exit 100 is a failure" t_wait_log "$I" '^delivery [0-9]+: failure: no_such_list_here/Program_on_line_1_of_.qmail-prog100_failed_permanently'
i=0
while [ $i -lt 100 ] && ! grep -qs '^<prog100@test.example>:$' "$A"/sender/Maildir/new/*; do sleep 0.1; i=$((i + 1)); done
t_match "and bounces to the sender with the program's words" "$(cat "$A"/sender/Maildir/new/* 2>/dev/null)" '^no such list here$'

# a forwarding loop through the queue: loopa -> loopb -> loopa stops at
# the second visit to loopa, whose Delivered-To line is already there,
# and the sender gets a bounce saying so
echo '&loopb@test.example' > "$A/.qmail-loopa"
echo '&loopa@test.example' > "$A/.qmail-loopb"
printf 'Subject: round and round\n\nx\n' | t_queue "$I" sender@test.example loopa@test.example
t_ok "the loop ends in a failure for loopa" t_wait_log "$I" \
  '^delivery [0-9]+: failure: This_message_is_looping:_it_already_has_my_Delivered-To_line._\(#5.4.6\)'
i=0
while [ $i -lt 100 ] && ! grep -qs '^<loopa@test.example>:$' "$A"/sender/Maildir/new/*; do sleep 0.1; i=$((i + 1)); done
bounce=$(grep -ls '^<loopa@test.example>:$' "$A"/sender/Maildir/new/* | head -n 1)
t_match "the sender's bounce names loopa and the reason" "$(cat "$bounce" 2>/dev/null | tr '\n' '~')" \
  '~<loopa@test.example>:~This message is looping: it already has my Delivered-To line. \(#5.4.6\)~'
t_match "the bounce quotes the looping message with both Delivered-To lines" \
  "$(cat "$bounce" 2>/dev/null | tr '\n' '~')" '~Delivered-To: loopb@test.example~.*~Delivered-To: loopa@test.example~.*~Subject: round and round~'
t_check "three local deliveries, then no more" \
  "$(grep -cE '^starting delivery [0-9]+: msg [0-9]+ to local loop[ab]@test.example$' "$I/send.log")" 3

# 20 deliveries at once into one mbox: nothing lost, nothing interleaved
echo 30 > "$I/control/concurrencylocal"
t_stop "$I"; t_start "$I"
echo ./mbox/Mailbox > "$A/.qmail-many"
t_as_owner "$I" mkdir "$A/mbox"
env=$(t_tmpdir)
{ printf 'Fsender@test.example\0'; i=0; while [ $i -lt 20 ]; do printf 'Tmany@test.example\0'; i=$((i + 1)); done; printf '\0'; } > "$env/e"
{ printf 'Subject: concurrent\n\n'; i=0; while [ $i -lt 2000 ]; do echo "line $i of a body long enough to need several writes"; i=$((i + 1)); done; } > "$env/m"
QMAILHOME=$I "$QBIN/qmail-queue" < "$env/m" 1< "$env/e"
n=0
copies() { c=$(grep -c '^Subject: concurrent$' "$A/mbox/Mailbox" 2>/dev/null); echo "${c:-0}"; }
while [ $n -lt 300 ] && [ "$(copies)" -lt 20 ]; do
  sleep 0.1; n=$((n + 1))
done
t_check "20 copies in the mbox" "$(grep -c '^Subject: concurrent$' "$A/mbox/Mailbox")" 20
t_check "every copy whole (2000 body lines each)" "$(grep -c '^line [0-9]* of a body' "$A/mbox/Mailbox")" 40000
t_check "20 From_ lines" "$(grep -c '^From sender@test.example ' "$A/mbox/Mailbox")" 20
ok=yes
awk '/^From sender@test.example /{ if (n && n != 2000) bad=1; n=0; next } /^line /{ n++ } END { if (n != 2000 || bad) exit 1 }' "$A/mbox/Mailbox" || ok=no
t_check "no copy interleaved with another" "$ok" yes
t_match "the deliveries ran concurrently" "$(cat "$I/send.log")" '^status: local ([2-9]|[1-9][0-9])/30 '
if command -v s-nail >/dev/null 2>&1; then
  count=$(printf 'h\nq\n' | s-nail -N -R -f "$A/mbox/Mailbox" 2>/dev/null | grep -c 'concurrent')
  t_check "s-nail reads 20 messages" "$count" 20
else
  t_skip "s-nail reads the mbox" "s-nail not installed"
fi
t_done
