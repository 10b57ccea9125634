#!/bin/sh
# qmail-inject and sendmail: header completion, envelope, qualification,
# options, input normalisation, failures.  A recording script stands in
# for qmail-queue (QMAILQUEUE): it saves the message (fd 0) and the
# envelope (fd 1) and exits with $QQ_EXIT; the last tests use the real
# qmail-queue of an instance.
. "$TOP/tests/lib.sh"

D=$(t_tmpdir)
H=$D/home
R=$D/rec
mkdir -p "$H/control" "$R"
echo test.example > "$H/control/me"

cat > "$D/qq" <<'EOF'
#!/bin/sh
echo ran > "$QQ_REC/ran"
cat > "$QQ_REC/msg"
cat <&1 > "$QQ_REC/env"
echo done > "$QQ_REC/done"
exit "${QQ_EXIT:-0}"
EOF
chmod 755 "$D/qq"

# A known environment: no identity but USER=tester.
unset QMAILUSER MAILUSER LOGNAME QMAILHOST MAILHOST QMAILNAME MAILNAME NAME \
  QMAILSUSER QMAILSHOST QMAILINJECT QMAILQUEUE
USER=tester
export USER

# run PROGRAM ARG... < input: run build/bin/PROGRAM against the recorder;
# $D/rc, $D/out and $D/err hold the results.
run() {
  rm -f "$R"/*
  t_prog=$1; shift
  QMAILHOME=$H QMAILQUEUE=$D/qq QQ_REC=$R "$QBIN/$t_prog" "$@" > "$D/out" 2> "$D/err"
  echo $? > "$D/rc"
}
# The exit code of the last run (which may have been in a pipeline's
# subshell).
status() { cat "$D/rc"; }
inject() { run qmail-inject "$@"; }
sendmail() { run sendmail "$@"; }

# The envelope with NULs shown as '|'.
envelope() { tr '\0' '|' < "$R/env"; }
# The recorded message without the Date: and Message-ID: lines added
# by the injector (only use where the input has neither).
msg_wo_ids() { grep -v -e '^Date: ' -e '^Message-ID: ' "$R/msg"; }
# Pass when the recorded message equals FILE byte for byte.
same_msg() { cmp -s "$R/msg" "$1"; }

# 1. the basic path: recipients from To:, fields added
printf 'To: joe\nSubject: hello\n\nHi Joe.\n' | inject
t_check "qmail-inject exits 0" "$(status)" 0
t_check "envelope: default sender, qualified recipient" "$(envelope)" \
  "Ftester@test.example|Tjoe@test.example||"
t_match "Date: added in RFC 5322 form" "$(cat "$R/msg")" \
  '^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} \+0000$'
t_match "Message-ID: added as <TIME.PID.qmail@me>" "$(cat "$R/msg")" \
  '^Message-ID: <[0-9]{14}\.[0-9]+\.qmail@test\.example>$'
t_check "From: added; header kept, To: qualified; body intact" "$(msg_wo_ids)" \
  "From: tester@test.example
To: joe@test.example
Subject: hello

Hi Joe."
t_check "added fields come first: Date, Message-ID, From" \
  "$(sed -n '1s/:.*//p;2s/:.*//p;3s/:.*//p' "$R/msg" | tr '\n' ' ')" "Date Message-ID From "
t_check "no output on success" "$(cat "$D/out" "$D/err")" ""

# 2. present fields are kept, not duplicated
printf 'From: Boss <boss@corp.example>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <x@y>\nTo: joe@corp.example\n\nbody\n' > "$D/in"
inject < "$D/in"
t_ok "a complete header passes unchanged" same_msg "$D/in"
printf 'FROM: a@b.example\ndate: whenever\nMessage-Id: <x@y>\n\nb\n' > "$D/in"
inject joe < "$D/in"
t_ok "field names match in any case" same_msg "$D/in"

# 3. Bcc: goes, its addresses stay in the envelope
printf 'To: a@x.example\nCc: "B, b" <b@x.example>\nBcc: c@x.example, d@x.example\nSubject: s\n\nb\n' | inject
t_check "To, Cc and Bcc recipients" "$(envelope)" \
  "Ftester@test.example|Ta@x.example|Tb@x.example|Tc@x.example|Td@x.example||"
t_check "Bcc: removed" "$(grep -ci '^bcc' "$R/msg")" 0
t_match "Cc: kept" "$(cat "$R/msg")" '^Cc: "B, b" <b@x.example>$'
printf 'To: a@x.example\nBcc: c@x.example,\n  d@x.example\nSubject: s\n\nb\n' | inject
t_check "a folded Bcc: goes with all its lines" "$(msg_wo_ids)" \
  "From: tester@test.example
To: a@x.example
Subject: s

b"

# 4. Return-Path: removed, its address the sender
printf 'Return-Path: <bounce@lists.example>\nTo: a@x.example\n\nb\n' | inject
t_check "Return-Path: becomes the envelope sender" "$(envelope)" \
  "Fbounce@lists.example|Ta@x.example||"
t_check "Return-Path: removed" "$(grep -c '^Return-Path' "$R/msg")" 0
printf 'Return-Path: <>\nTo: a@x.example\n\nb\n' | inject
t_check "Return-Path: <> gives the null sender" "$(envelope)" "F|Ta@x.example||"
printf 'Return-Path: <bounce@lists.example>\nTo: a@x.example\n\nb\n' | inject -f me@here.example
t_check "-f beats Return-Path:" "$(envelope)" "Fme@here.example|Ta@x.example||"
printf 'Return-Path: <bounce@lists.example>\nTo: a@x.example\n\nb\n' | QMAILSUSER=su inject
t_check "QMAILSUSER beats Return-Path:" "$(envelope)" "Fsu@test.example|Ta@x.example||"
printf 'Return-Path: <bounce@lists.example>\nTo: a@x.example\n\nb\n' | QMAILSHOST=sh.example inject
t_check "QMAILSHOST beats Return-Path:" "$(envelope)" "Ftester@sh.example|Ta@x.example||"
t_check "Return-Path: removed even when not used" "$(grep -c '^Return-Path' "$R/msg")" 0
printf 'Return-Path: <a@x> <b@y>\nTo: a@x.example\n\nb\n' | inject
t_check "a broken Return-Path: is refused" "$(status)" 100
t_match "... saying where" "$(cat "$D/err")" '^qmail-inject: fatal: .*Return-Path: field.*\(#5\.1\.7\)$'

# 5. the envelope sender from -f and the environment
printf 'To: a@x.example\n\nb\n' | inject -f ''
t_check "-f '' is the null sender" "$(envelope)" "F|Ta@x.example||"
printf 'To: a@x.example\n\nb\n' | inject -fjoe
t_check "-fSENDER, qualified" "$(envelope)" "Fjoe@test.example|Ta@x.example||"
printf 'To: a@x.example\n\nb\n' | inject -f '<>'
t_check "-f '<>' is the null sender" "$(envelope)" "F|Ta@x.example||"
printf 'To: a@x.example\n\nb\n' | QMAILSUSER=su QMAILSHOST=sh.example inject
t_check "QMAILSUSER@QMAILSHOST" "$(envelope)" "Fsu@sh.example|Ta@x.example||"
printf 'To: a@x.example\n\nb\n' | QMAILUSER=qu MAILUSER=mu LOGNAME=ln QMAILHOST=qh.example inject
t_check "sender from QMAILUSER and QMAILHOST" "$(envelope)" "Fqu@qh.example|Ta@x.example||"
t_match "From: from QMAILUSER and QMAILHOST" "$(cat "$R/msg")" '^From: qu@qh\.example$'
printf 'To: a@x.example\n\nb\n' | MAILUSER=mu LOGNAME=ln MAILHOST=mh.example inject
t_match "MAILUSER and MAILHOST come next" "$(cat "$R/msg")" '^From: mu@mh\.example$'
printf 'To: a@x.example\n\nb\n' | env -u USER LOGNAME=ln QMAILHOME="$H" QMAILQUEUE="$D/qq" QQ_REC="$R" "$QBIN/qmail-inject"
t_match "then USER, then LOGNAME" "$(cat "$R/msg")" '^From: ln@test\.example$'
printf 'To: a@x.example\n\nb\n' | NAME='Joe Tester' inject
t_match "NAME is the display name" "$(cat "$R/msg")" '^From: Joe Tester <tester@test\.example>$'
printf 'To: a@x.example\n\nb\n' | QMAILNAME='Q. "the" Tester' MAILNAME=m NAME=n inject
t_match "QMAILNAME first; specials quoted" "$(cat "$R/msg")" '^From: "Q\. \\"the\\" Tester" <tester@test\.example>$'
printf 'To: a@x.example\n\nb\n' | MAILNAME="$(printf 'Evil\nBcc: x@y')" inject
t_match "a line end in the name cannot start a field" "$(cat "$R/msg")" '^From: "Evil Bcc: x@y" <tester@test\.example>$'
printf 'To: a@x.example\n\nb\n' | QMAILUSER='john doe' inject
t_match "a local part that needs quotes gets them" "$(cat "$R/msg")" '^From: "john doe"@test\.example$'

# 6. qualification with control/defaulthost, defaultdomain, plusdomain
inject -n joe joe@box 'joe@host+' 'joe@[192.0.2.1]' joe@a.example < /dev/null
t_check "-n exits 0" "$(status)" 0
echo dh.example > "$H/control/defaulthost"
echo dd.example > "$H/control/defaultdomain"
echo pd.example > "$H/control/plusdomain"
echo id.example > "$H/control/idhost"
printf 'Subject: q\n\nb\n' | inject joe joe@box 'joe@host+' 'joe@a.b+' 'joe@[192.0.2.1]' joe@a.example '"j d"'
t_check "qualification rules" "$(envelope)" \
  "Ftester@dh.example|Tjoe@dh.example|Tjoe@box.dd.example|Tjoe@host.pd.example|Tjoe@a.b.pd.example|Tjoe@[192.0.2.1]|Tjoe@a.example|Tj d@dh.example||"
t_match "From: uses control/defaulthost" "$(cat "$R/msg")" '^From: tester@dh\.example$'
t_match "Message-ID: uses control/idhost" "$(cat "$R/msg")" '^Message-ID: <[0-9]{14}\.[0-9]+\.qmail@id\.example>$'
printf 'To: box (comment), Team: Mary <mary@x>, "b c"@y ;, undisclosed:;\n\nb\n' | inject
t_check "header addresses: comments, groups, quotes, qualification" "$(envelope)" \
  "Ftester@dh.example|Tbox@dh.example|Tmary@x.dd.example|Tb c@y.dd.example||"
rm -f "$H/control/defaulthost" "$H/control/defaultdomain" "$H/control/plusdomain" "$H/control/idhost"
printf 'Subject: q\n\nb\n' | inject joe joe@box 'joe@host+'
t_check "without the control files control/me is used" "$(envelope)" \
  "Ftester@test.example|Tjoe@test.example|Tjoe@box.test.example|Tjoe@host.test.example||"

# 7. -a, -h, -A, -H, -n
printf 'To: h@x.example\n\nb\n' > "$D/in"
inject a@x.example < "$D/in"
t_check "-A (default): arguments when there are any" "$(envelope)" "Ftester@test.example|Ta@x.example||"
inject -a a@x.example < "$D/in"
t_check "-a: arguments only" "$(envelope)" "Ftester@test.example|Ta@x.example||"
inject -a < "$D/in"
t_check "-a without arguments: no recipients, exit 100" "$(status)" 100
inject -h a@x.example < "$D/in"
t_check "-h: header only" "$(envelope)" "Ftester@test.example|Th@x.example||"
inject -H a@x.example < "$D/in"
t_check "-H: both" "$(envelope)" "Ftester@test.example|Ta@x.example|Th@x.example||"
inject -H h@X.EXAMPLE < "$D/in"
t_check "duplicates are dropped (domains compare without case)" "$(envelope)" \
  "Ftester@test.example|Th@X.EXAMPLE||"
inject -aH a@x.example < "$D/in"
t_check "the last of -a/-h/-A/-H counts" "$(envelope)" "Ftester@test.example|Ta@x.example|Th@x.example||"
inject -n < "$D/in"
t_check "-n: exit 0" "$(status)" 0
t_check "-n: the queue is not run" "$(ls "$R")" ""
t_check "-n: the message on stdout" "$(grep -v -e '^Date: ' -e '^Message-ID: ' "$D/out")" \
  "From: tester@test.example
To: h@x.example

b"
inject -nN < "$D/in"
t_check "-N undoes -n" "$(cat "$R/ran" 2>/dev/null)" "ran"
inject -x < "$D/in"
t_check "unknown option: exit 100" "$(status)" 100
t_match "... with a usage line" "$(cat "$D/err")" '^qmail-inject: fatal: usage: qmail-inject'
inject -f < "$D/in"
t_check "-f without a value: exit 100" "$(status)" 100
inject -- -dash@x.example < "$D/in"
t_check "-- ends the options" "$(envelope)" "Ftester@test.example|T-dash@x.example||"

# 8. Resent- fields: only the Resent- recipients
printf 'To: orig@x.example\nResent-To: new@x.example\nResent-Bcc: hidden@x.example\n\nb\n' | inject
t_check "a resent message goes to the Resent- recipients" "$(envelope)" \
  "Ftester@test.example|Tnew@x.example|Thidden@x.example||"
t_check "Resent-Bcc: removed" "$(grep -c '^Resent-Bcc' "$R/msg")" 0
printf 'Apparently-To: app@x.example\n\nb\n' | inject
t_check "Apparently-To: names recipients" "$(envelope)" "Ftester@test.example|Tapp@x.example||"

# 9. bad addresses and no recipients: exit 100, nothing queued
printf 'To: Joe Doe\n\nb\n' | inject
t_check "an unparseable To: field: exit 100" "$(status)" 100
t_match "... naming the field" "$(cat "$D/err")" '^qmail-inject: fatal: invalid address syntax in the To: field\. \(#5\.1\.3\)$'
t_check "... and the queue is not run" "$(ls "$R")" ""
printf 'To: "unterminated@x.example\n\nb\n' | inject
t_check "an unterminated quote: exit 100" "$(status)" 100
printf 'To: a@x.example\n\nb\n' | inject 'Joe <a@x' 
t_check "a bad argument: exit 100" "$(status)" 100
t_match "... quoting it" "$(cat "$D/err")" 'the recipient argument "Joe <a@x"'
printf 'To: <>\n\nb\n' | inject
t_check "<> as a recipient: exit 100" "$(status)" 100
printf 'Subject: nobody\n\nb\n' | inject
t_check "no recipients: exit 100" "$(status)" 100
t_match "... with a clear message" "$(cat "$D/err")" '^qmail-inject: fatal: no recipients.*\(#5\.5\.1\)$'
t_check "... and the queue is not run" "$(ls "$R")" ""
printf 'To: undisclosed-recipients:;\n\nb\n' | inject
t_check "an empty group is no recipient" "$(status)" 100
long=$(printf "%01100d" 0)
printf 'Subject: x\n\nb\n' | inject "$long@x.example"
t_check "an address over 1000 bytes: exit 100" "$(status)" 100
t_match "... too long" "$(cat "$D/err")" 'address too long'

# 10. the queue's answer
printf 'To: a@x.example\n\nb\n' | QQ_EXIT=53 inject
t_check "qmail-queue exit 53: exit 111" "$(status)" 111
t_check "... with qmail-queue's reason" "$(cat "$D/err")" \
  "qmail-inject: fatal: qq write error or disk full (#4.3.0)"
printf 'To: a@x.example\n\nb\n' | QQ_EXIT=31 inject
t_check "qmail-queue exit 31: exit 100" "$(status)" 100
t_match "... permanent" "$(cat "$D/err")" 'permanently rejected.*\(#5\.3\.0\)'
printf 'To: a@x.example\n\nb\n' | QMAILHOME=$H QMAILQUEUE=$D/nonexistent "$QBIN/qmail-inject" 2> "$D/err"
t_check "no queue program: exit 111" "$?" 111
t_match "... unable to run it" "$(cat "$D/err")" 'unable to run.*\(#4\.3\.0\)'

# 11. input normalisation
printf 'To: a@x.example\r\nSubject: crlf\r\n  folded\r\n\r\nline 1\r\nbare\rcr\r\n\r\nend\r\n' | inject
printf 'From: tester@test.example\nTo: a@x.example\nSubject: crlf\n  folded\n\nline 1\nbare\rcr\n\nend\n' > "$D/want"
msg_wo_ids > "$D/got"
t_ok "CR LF becomes LF, a bare CR stays" cmp -s "$D/got" "$D/want"
printf 'To: a@x.example\n\nno newline at the end' | inject
t_check "a last line without a line end gets one" "$(tail -c 5 "$R/msg" | od -An -c | tr -d ' ')" 'end\n'
printf 'To: a@x.example\n\nends in CR\r' | inject
t_check "a final CR ends the line" "$(tail -c 5 "$R/msg" | od -An -c | tr -d ' ')" 'nCR\n'
printf 'To: a@x.example\nSubject: no body' | inject
t_check "a header without body or line end" "$(msg_wo_ids | od -An -c | tr -d ' \n')" \
  'From:tester@test.example\nTo:a@x.example\nSubject:nobody\n\n'
printf 'To: a@x.example\n\n' | inject
t_check "an empty body" "$(msg_wo_ids | od -An -c | tr -d ' \n')" \
  'From:tester@test.example\nTo:a@x.example\n\n'
: | inject a@x.example
t_check "empty input: the added fields and an empty line" "$(msg_wo_ids | od -An -c | tr -d ' \n')" \
  'From:tester@test.example\n\n'
printf 'Hello, this is no header.\nTo: not a field here\n' | inject a@x.example
t_check "a body without header: an empty line is put before it" "$(msg_wo_ids)" \
  "From: tester@test.example

Hello, this is no header.
To: not a field here"
printf ' leading blank\n' | inject a@x.example
t_check "a first line that continues nothing is body" "$(msg_wo_ids)" \
  "From: tester@test.example

 leading blank"
printf 'From joe Mon Jan  1 00:00:00 2024\nTo: a@x.example\n\nb\n' | inject a@x.example
t_match "an mbox From_ line starts the body" "$(msg_wo_ids | sed -n '2p')" '^$'
{ printf 'To: a@x.example\nX-Long: '; head -c 102400 /dev/zero | tr '\0' 'x'; printf '\n continued\nSubject: s\n\nb\n'; } > "$D/in"
inject < "$D/in"
{ printf 'From: tester@test.example\n'; cat "$D/in"; } > "$D/want"
msg_wo_ids > "$D/got"
t_ok "a 100 KB header field passes intact" cmp -s "$D/got" "$D/want"
t_check "... and its recipients are found" "$(envelope)" "Ftester@test.example|Ta@x.example||"
printf 'To: a@x.example\n\n\200\377\000\001 8-bit\n\303\244\n' > "$D/in"
inject < "$D/in"
tail -c 14 "$D/in" > "$D/want"
tail -c 14 "$R/msg" > "$D/got"
t_ok "8-bit and NUL bytes in the body pass untouched" cmp -s "$D/got" "$D/want"
{ printf 'To: a@x.example\n\n'; head -c 200000 /dev/zero | tr '\0' 'y'; printf '\r\nz\n'; } | inject
t_check "a 200 KB body line, CR LF across a piece boundary" "$(tail -c 4 "$R/msg" | od -An -c | tr -d ' ')" 'y\nz\n'
t_check "... no CR left" "$(tr -cd '\r' < "$R/msg" | wc -c)" 0
t_check "... 200000 bytes of it" "$(tr -cd y < "$R/msg" | wc -c)" 200000
printf 'To: a@x.example\n\nfirst\n.\nafter the dot\n' | inject
t_match "qmail-inject: a lone dot is just a line" "$(cat "$R/msg")" 'after the dot'

# 12. sendmail
printf 'To: h@x.example\nSubject: s\n\nb\n' > "$D/in"
sendmail a@x.example < "$D/in"
t_check "sendmail: exit 0" "$(status)" 0
t_check "sendmail without -t: only the arguments" "$(envelope)" "Ftester@test.example|Ta@x.example||"
sendmail < "$D/in"
t_check "sendmail without -t or arguments: exit 100" "$(status)" 100
t_check "... the queue is not run" "$(ls "$R")" ""
sendmail -t < "$D/in"
t_check "sendmail -t: recipients from the header" "$(envelope)" "Ftester@test.example|Th@x.example||"
printf 'To: h@x.example\nCc: c@x.example\nBcc: b@x.example\n\nb\n' | sendmail -t a@x.example
t_check "sendmail -t: the header's To/Cc/Bcc and the arguments" "$(envelope)" \
  "Ftester@test.example|Ta@x.example|Th@x.example|Tc@x.example|Tb@x.example||"
t_check "sendmail -t: Bcc: removed" "$(grep -c '^Bcc' "$R/msg")" 0
printf 'Subject: none\n\nb\n' | sendmail -t
t_check "sendmail -t without recipients: exit 100" "$(status)" 100
sendmail -f bounce@x.example a@x.example < "$D/in"
t_check "sendmail -f SENDER" "$(envelope)" "Fbounce@x.example|Ta@x.example||"
sendmail -fbounce a@x.example < "$D/in"
t_check "sendmail -fSENDER, qualified" "$(envelope)" "Fbounce@test.example|Ta@x.example||"
sendmail -r r@x.example a@x.example < "$D/in"
t_check "sendmail -r SENDER" "$(envelope)" "Fr@x.example|Ta@x.example||"
sendmail -F 'Cron Daemon' a@x.example < "$D/in"
t_match "sendmail -F NAME" "$(cat "$R/msg")" '^From: Cron Daemon <tester@test\.example>$'
printf 'Subject: s\n\nb\n' | NAME=env sendmail -FCronDaemon -i -odi -oem -oi -B8BITMIME -v -U -N never -R hdrs -V envid a@x.example
t_check "cron's and mutt's options are accepted" "$(status)" 0
t_match "... -Fname beats NAME" "$(cat "$R/msg")" '^From: CronDaemon <tester@test\.example>$'
t_check "... -ti and grouped flags" "$(printf 'To: h@x.example\n\nb\n.\nc\n' | { sendmail -ti; envelope; })" \
  "Ftester@test.example|Th@x.example||"
t_match "... -i in a group keeps the dot" "$(cat "$R/msg")" '^c$'
printf 'To: h@x.example\n\nline 1\n.\nafter\n' | sendmail a@x.example
t_check "sendmail: a lone dot ends the message" "$(tail -n 2 "$R/msg")" "
line 1"
t_check "... exit 0" "$(status)" 0
printf 'To: h@x.example\n\nline 1\r\n.\r\nafter\r\n' | sendmail a@x.example
t_check "... also as .CR LF" "$(tail -c 8 "$R/msg" | od -An -c | tr -d ' ')" '\nline1\n'
printf 'To: h@x.example\n\nline 1\n.' | sendmail a@x.example
t_check "... also at the end without line end" "$(tail -n 1 "$R/msg")" "line 1"
printf 'To: h@x.example\n\nline 1\n..\n.x\n .\n' | sendmail a@x.example
t_check "... but not .., .x or ' .', and dots are not unstuffed" "$(tail -n 4 "$R/msg")" "line 1
..
.x
 ."
printf 'To: h@x.example\n.\nb\n' | sendmail -t
t_check "... also in the header" "$(envelope)" "Ftester@test.example|Th@x.example||"
t_check "... which then has an empty body" "$(tail -c 2 "$R/msg" | od -An -c | tr -d ' ')" '\n\n'
printf 'To: h@x.example\n\nline 1\n.\nafter\n' | sendmail -i a@x.example
t_match "sendmail -i: the dot is a line" "$(cat "$R/msg")" '^after$'
printf 'To: h@x.example\n\nline 1\n.\nafter\n' | sendmail -oi a@x.example
t_match "sendmail -oi: the same" "$(cat "$R/msg")" '^after$'
printf 'To: h@x.example\n\nline 1\n.\nafter\n' | sendmail -o i a@x.example
t_match "sendmail -o i: the same" "$(cat "$R/msg")" '^after$'
sendmail -x a@x.example < "$D/in"
t_check "sendmail: unknown option: exit 64" "$(status)" 64
t_match "... named" "$(cat "$D/err")" '^sendmail: fatal: unknown option -x; usage: sendmail'
t_check "... the queue is not run" "$(ls "$R")" ""
sendmail -bx < /dev/null
t_check "sendmail -bx (unknown mode): exit 64" "$(status)" 64
t_match "... named" "$(cat "$D/err")" '^sendmail: fatal: the mode -bx is not supported'
sendmail -q30m < /dev/null
t_match "sendmail -q30m: nothing to do, exit 0" "$(status) $(cat "$D/err")" '^0 sendmail: -q30m: qmail-send retries by itself'
sendmail -bm a@x.example < "$D/in"
t_check "sendmail -bm is the default mode" "$(status)" 0
sendmail a@x.example -f < "$D/in"
t_check "options end at the first argument" "$(envelope)" "Ftester@test.example|Ta@x.example|T-f@test.example||"
sendmail -f < "$D/in"
t_check "sendmail -f without a value: exit 64" "$(status)" 64
printf 'To: a@x.example\n\nb\n' | QQ_EXIT=53 sendmail a@x.example
t_check "sendmail: queue exit 53: exit 111" "$(status) $(cat "$D/err")" \
  "111 sendmail: fatal: qq write error or disk full (#4.3.0)"

# 13. a failure after the queue program started: it gets no envelope
if command -v python3 > /dev/null 2>&1; then
  # Standard input is a non-blocking pipe holding the header and part of
  # the body; the next read fails with EAGAIN.
  stuck_input() {
    python3 - "$@" <<'EOF'
import os, subprocess, sys
r, w = os.pipe()
os.write(w, b"To: a@x.example\n\nthe first part of the body\n")
os.set_blocking(r, False)
child = subprocess.Popen(sys.argv[1:], stdin=r)
os.close(r)
code = child.wait()
os.close(w)
sys.exit(code)
EOF
  }
  rm -f "$R"/*
  QMAILHOME=$H QMAILQUEUE=$D/qq QQ_REC=$R stuck_input "$QBIN/qmail-inject" 2> "$D/err"
  t_check "a read error in the body: exit 111" "$?" 111
  t_match "... saying nothing was queued" "$(cat "$D/err")" \
    '^qmail-inject: fatal: unable to read the message; nothing was queued\. \(#4\.3\.0\): '
  t_check "... the queue program ran" "$(cat "$R/done" 2>/dev/null)" "done"
  t_check "... and got no envelope" "$(envelope)" ""
else
  t_skip "a read error in the body" "python3 not installed"
fi

# qmail-inject killed in the middle of the body: no envelope either
rm -f "$R"/*
mkfifo "$D/fifo"
QMAILHOME=$H QMAILQUEUE=$D/qq QQ_REC=$R "$QBIN/qmail-inject" < "$D/fifo" 2> /dev/null &
pid=$!
exec 3> "$D/fifo"
printf 'To: a@x.example\n\npart of the body\n' >&3
i=0
while [ ! -f "$R/ran" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM $pid
{ wait $pid; } 2> /dev/null
exec 3>&-
i=0
while [ ! -f "$R/done" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
t_check "killed mid-body: the queue program finished" "$(cat "$R/done" 2>/dev/null)" "done"
t_check "... without an envelope" "$(envelope)" ""

# 14. the real qmail-queue
I=$D/inst
t_instance "$I" real.example
printf 'To: joe\nSubject: real\n\nbody\n' | QMAILHOME=$I "$QBIN/qmail-inject"
t_check "into a real queue: exit 0" "$?" 0
todo=$(ls "$I"/queue/todo/*/* 2>/dev/null)
t_check "one message in todo/" "$(echo "$todo" | grep -c .)" 1
t_match "its envelope" "$(tr '\0' '|' < "$todo")" '^u[0-9]+\|p[0-9]+\|Ftester@real\.example\|Tjoe@real\.example\|$'
mess=$(ls "$I"/queue/mess/*/* 2>/dev/null)
t_match "the message with qmail-queue's Received line" "$(cat "$mess")" '^Received: \(qmail [0-9]+ invoked by uid [0-9]+\);'
t_match "... and the injected fields" "$(cat "$mess")" '^From: tester@real\.example$'
if command -v python3 > /dev/null 2>&1; then
  before=$(cd "$I/queue" && find . -type f | sort)
  QMAILHOME=$I stuck_input "$QBIN/qmail-inject" 2> /dev/null
  t_check "a read error with the real qmail-queue: exit 111" "$?" 111
  t_check "... leaves no file behind in the queue" "$(cd "$I/queue" && find . -type f | sort)" "$before"
  t_check "... nor in pid/" "$(ls "$I"/queue/pid | grep -c .)" 0
else
  t_skip "a read error with the real qmail-queue" "python3 not installed"
fi
printf 'To: joe\n\nbody\n' | QMAILHOME=$I "$QBIN/sendmail" -t -f '' 
t_check "sendmail into the real queue" "$?" 0
t_check "... two messages queued now" "$(ls "$I"/queue/todo/*/* | grep -c .)" 2

# 15. header rewriting: the addresses in the header are qualified like
# the envelope's, one rule per test; display names, comments, groups
# and folding stay as written.
echo dh.example > "$H/control/defaulthost"
echo dd.example > "$H/control/defaultdomain"
echo pd.example > "$H/control/plusdomain"
hdr() { printf '%s\n\nbody\n' "$1" | inject -a x@y.example; grep -v -e '^Date: ' -e '^Message-ID: ' "$R/msg" | sed -n "${2:-2}p"; }
t_check "rewrite: no @ gets @defaulthost" "$(hdr 'To: joe')" "To: joe@dh.example"
t_check "rewrite: a host without a dot gets .defaultdomain" "$(hdr 'Cc: Joe <joe@box>')" "Cc: Joe <joe@box.dd.example>"
t_check "rewrite: a final + becomes .plusdomain" "$(hdr 'Reply-To: joe@host+')" "Reply-To: joe@host.pd.example"
t_check "rewrite: display name and comment kept" "$(hdr 'From: "Joe Q" <joe> (work)' 1)" 'From: "Joe Q" <joe@dh.example> (work)'
t_check "rewrite: Sender: too" "$(hdr 'Sender: list-owner')" "Sender: list-owner@dh.example"
t_check "rewrite: Resent-From: too" "$(hdr 'Resent-From: ops' 3)" "Resent-From: ops@dh.example"
t_check "rewrite: Mail-Followup-To: too" "$(hdr 'Mail-Followup-To: l@lists')" "Mail-Followup-To: l@lists.dd.example"
t_check "rewrite: groups and several addresses" "$(hdr 'To: Team: a, b@c.example;, d')" "To: Team: a@dh.example, b@c.example;, d@dh.example"
t_check "rewrite: a quoted local part" "$(hdr 'To: "j d"')" 'To: "j d"@dh.example'
t_check "rewrite: qualified addresses and literals stay" "$(hdr 'To: a@b.example, c@[192.0.2.1]')" "To: a@b.example, c@[192.0.2.1]"
printf 'To: a,\n  b@x.example,\r\n\tc\nSubject: s\n\nbody\n' | inject
t_check "rewrite: a folded field keeps its folding" "$(grep -v -e '^Date: ' -e '^Message-ID: ' "$R/msg" | sed -n '2,4p')" "To: a@dh.example,
  b@x.example,
	c@dh.example"
t_check "rewrite: an unparseable From: is left alone" "$(hdr 'From: Joe Doe' 1)" "From: Joe Doe"
t_check "rewrite: other fields are not touched" "$(hdr 'Subject: joe')" "Subject: joe"
printf 'To: joe\n\nb\n' | inject -n
t_match "rewrite: -n prints the rewritten header" "$(cat "$D/out")" '^To: joe@dh\.example$'
printf 'To: joe\n\nb\n' | sendmail -t
t_match "rewrite: sendmail rewrites the same way" "$(cat "$R/msg")" '^To: joe@dh\.example$'
rm -f "$H/control/defaulthost" "$H/control/defaultdomain" "$H/control/plusdomain"

# 16. a resent message gets Resent-Date:, Resent-Message-ID:, Resent-From:
printf 'From: a@x.example\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <m@x>\nResent-To: new@x.example\n\nb\n' | inject
t_check "resent: the Resent- fields are added first" \
  "$(sed -n '1s/:.*//p;2s/:.*//p;3s/:.*//p' "$R/msg" | tr '\n' ' ')" "Resent-Date Resent-Message-ID Resent-From "
t_check "resent: the original fields are not added again" "$(grep -c -e '^Date:' -e '^Message-ID:' -e '^From:' "$R/msg")" 3
t_match "resent: Resent-From: is the sender" "$(cat "$R/msg")" '^Resent-From: tester@test\.example$'
printf 'Resent-From: me@x.example\nResent-Date: x\nResent-Message-ID: <r@x>\nResent-To: new@x.example\n\nb\n' | inject
t_check "resent: present Resent- fields are kept, not added" "$(grep -c '^Resent-' "$R/msg")" 4

# 17. QMAILINJECT flags
printf 'To: a@x.example\n\nb\n' | NAME='Joe T' QMAILINJECT=c inject
t_match "QMAILINJECT=c: From: in the comment form" "$(cat "$R/msg")" '^From: tester@test\.example \(Joe T\)$'
printf 'Return-Path: <rp@x.example>\nTo: a@x.example\n\nb\n' | QMAILINJECT=s inject
t_check "QMAILINJECT=s: Return-Path: ignored" "$(envelope)" "Ftester@test.example|Ta@x.example||"
t_check "... and still removed" "$(grep -c '^Return-Path' "$R/msg")" 0
printf 'From: forged@x.example\nTo: a@x.example\n\nb\n' | QMAILINJECT=f inject
t_check "QMAILINJECT=f: From: replaced by our own" "$(grep '^From:' "$R/msg")" "From: tester@test.example"
printf 'Message-ID: <old@x>\nTo: a@x.example\n\nb\n' | QMAILINJECT=i inject
t_match "QMAILINJECT=i: Message-ID: replaced by our own" "$(grep '^Message-ID:' "$R/msg")" '^Message-ID: <[0-9]{14}\.[0-9]+\.qmail@test\.example>$'
t_check "... only one" "$(grep -c '^Message-ID:' "$R/msg")" 1
printf 'To: a@x.example\n\nb\n' | QMAILINJECT=r inject
t_check "QMAILINJECT=r: per-recipient VERP sender" "$(envelope)" "Ftester-@test.example-@[]|Ta@x.example||"
printf 'To: a@x.example\n\nb\n' | QMAILINJECT=m inject
id=$(sed -n 's/^Message-ID: <\([0-9.]*\)\.qmail@.*/\1/p' "$R/msg")
t_check "QMAILINJECT=m: per-message VERP sender names the message" "$(envelope)" "Ftester-$id@test.example|Ta@x.example||"
printf 'To: a@x.example\n\nb\n' | QMAILINJECT=mr inject -f list@lists.example
id=$(sed -n 's/^Message-ID: <\([0-9.]*\)\.qmail@.*/\1/p' "$R/msg")
t_check "QMAILINJECT=mr: both, applied to -f" "$(envelope)" "Flist-$id-@lists.example-@[]|Ta@x.example||"
printf 'To: a@x.example\n\nb\n' | QMAILINJECT=r inject -f ''
t_check "QMAILINJECT=r: the null sender stays null" "$(envelope)" "F|Ta@x.example||"
printf 'To: a@x.example\n\nb\n' | QMAILINJECT=xyz inject
t_check "QMAILINJECT: unknown letters are ignored" "$(status)" 0

# 18. QMAILMFTFILE
printf '# lists\nlist@lists.example\n' > "$D/mft"
printf 'To: List@LISTS.example\nCc: joe\n\nb\n' | QMAILMFTFILE=$D/mft inject
t_check "QMAILMFTFILE: Mail-Followup-To: for a list" "$(grep -A1 '^Mail-Followup-To:' "$R/msg")" "Mail-Followup-To: List@LISTS.example,
  joe@test.example"
printf 'To: other@lists.example\n\nb\n' | QMAILMFTFILE=$D/mft inject
t_check "QMAILMFTFILE: none when no list is addressed" "$(grep -c '^Mail-Followup-To:' "$R/msg")" 0
printf 'To: list@lists.example\nMail-Followup-To: me@x.example\n\nb\n' | QMAILMFTFILE=$D/mft inject
t_check "QMAILMFTFILE: an existing one is kept" "$(grep '^Mail-Followup-To:' "$R/msg")" "Mail-Followup-To: me@x.example"
printf 'To: list@lists.example\n\nb\n' | QMAILMFTFILE=$D/missing inject
t_check "QMAILMFTFILE: unreadable file: exit 111" "$(status)" 111
t_check "... nothing queued" "$(ls "$R")" ""

t_done
