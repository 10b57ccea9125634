#!/bin/sh
# No bounce forgery.  qmail-queue is setuid and the addresses of an
# envelope end up in header lines (a bounce's To:, Return-Path,
# Delivered-To): an address holding CR, LF or another control character
# would let any local user make MAILER-DAEMON write headers and a body
# of their choosing.  qmail-queue refuses such an envelope (exit 91) and
# leaves nothing in the queue; the injectors refuse it before that.
. "$TOP/tests/lib.sh"

W=$(t_tmpdir)
I=$W/inst
t_instance_nobody "$I" test.example

leftovers() {   # files qmail-queue left in the queue
  find "$I/queue/mess" "$I/queue/intd" "$I/queue/todo" "$I/queue/pid" -type f | wc -l | tr -d ' '
}
qq() {   # qq SENDER RECIPIENT: run qmail-queue, print its exit code
  { printf 'F%s\0' "$1"; printf 'T%s\0' "$2"; printf '\0'; } > "$W/env"
  printf 'Subject: hello\n\nbody\n' | QMAILHOME=$I "$QBIN/qmail-queue" 1< "$W/env"
  echo $?
}

# 1. qmail-queue itself
nl='
'
cr=$(printf '\r')
t_check "a sender with LF and a forged header and body: exit 91" \
  "$(qq "x@y${nl}To: victim@example${nl}${nl}forged body" joe@test.example)" 91
t_check "and nothing is left in mess, intd, todo or pid" "$(leftovers)" 0
t_check "a recipient with CR: exit 91" "$(qq sender@test.example "joe@test.example${cr}")" 91
t_check "a recipient with CR LF and a header: exit 91" \
  "$(qq sender@test.example "joe@test.example${cr}${nl}Bcc: victim@example")" 91
t_check "a sender with a TAB: exit 91" "$(qq "$(printf 'x\ty@z')" joe@test.example)" 91
t_check "a sender with byte 1: exit 91" "$(qq "$(printf 'x\001y@z')" joe@test.example)" 91
t_check "a recipient with DEL (127): exit 91" "$(qq sender@test.example "$(printf 'jo\177e@test.example')")" 91
t_check "the queue is still empty" "$(leftovers)" 0

# 2. the injectors refuse it with a clear message and queue nothing
out=$(printf 'Subject: x\n\nbody\n' | QMAILHOME=$I "$QBIN/sendmail" \
  -f "x@y${nl}To: victim@example${nl}${nl}forged body" joe@test.example 2>&1)
t_check "sendmail -f with LF in the sender: exit 100" "$?" 100
t_match "and says the sender is invalid" "$out" \
  'invalid address syntax in the envelope sender given with -f\. \(#5\.1\.7\)'
out=$(printf 'Subject: x\n\nbody\n' | QMAILHOME=$I "$QBIN/qmail-inject" \
  -f "x@y${cr}z" joe@test.example 2>&1)
t_check "qmail-inject -f with CR in the sender: exit 100" "$?" 100
t_check "nothing was queued by them" "$(leftovers)" 0
# forward takes its sender from $NEWSENDER unchecked: the refusal comes
# from qmail-queue, and forward prints what it means
out=$(printf 'Subject: x\n\nbody\n' | NEWSENDER="x@y${nl}To: victim@example" \
  QMAILHOME=$I "$QBIN/forward" joe@test.example 2>&1)
t_check "forward with LF in NEWSENDER: exit 111" "$?" 111
t_match "and explains the refusal" "$out" \
  'envelope format error: an address contains a control character such as CR or LF'
t_check "nothing was queued by forward" "$(leftovers)" 0

# 3. ordinary and 8-bit addresses still go in
t_check "a plain envelope is queued: exit 0" "$(qq sender@test.example joe@test.example)" 0
t_check "an 8-bit (UTF-8) address is queued: exit 0" \
  "$(qq "$(printf 'j\303\266rg@test.example')" joe@test.example)" 0
t_check "both are in todo" "$(find "$I/queue/todo" -type f | wc -l | tr -d ' ')" 2

t_done
