#!/bin/sh
# qmail-local on its own, run directly as qmail-lspawn runs it, with a
# message file on fd 0 and a temporary home: maildir and mbox bytes,
# dot-qmail selection (.qmail-ext and the -default chain), the failures
# and their exit codes, -n, and mail readers (mblaze for the maildir,
# s-nail for the mbox) reading what was delivered.
. "$TOP/tests/lib.sh"

QL=$QBIN/qmail-local
D=$(t_tmpdir)
H=$D/home
mkdir "$H"
chmod 755 "$H"

# ql MESSAGE [-n] LOCAL DASH EXT SENDER DEFAULTDELIVERY
# runs qmail-local for user joe at example.org; sets out and rc.
ql() {
  ql_msg=$1; shift
  ql_opt=--
  if [ "$1" = -n ]; then ql_opt=-n; shift; fi
  out=$("$QL" "$ql_opt" joe "$H" "$1" "$2" "$3" example.org "$4" "$5" < "$ql_msg")
  rc=$?
}

# The one file in maildir $1/new (empty when there is not exactly one).
only_new() {
  set -- "$1"/new/*
  if [ $# -eq 1 ] && [ -f "$1" ]; then echo "$1"; fi
}

count_new() { ls "$1/new" 2>/dev/null | wc -l | tr -d ' '; }

M=$D/msg
printf 'Subject: first\nFrom: mary@example.net\n\nhello joe\nFrom the start\n>From quoted\n' > "$M"

# 1. maildir: the exact bytes
t_maildir "$H/Maildir"
echo ./Maildir/ > "$H/.qmail"
ql "$M" joe '' '' s@x ./Mailbox
t_check "maildir delivery exits 0" "$rc" 0
t_check "maildir delivery reports did 1+0+0" "$out" "did 1+0+0"
f=$(only_new "$H/Maildir")
want=$D/want
{ printf 'Return-Path: <s@x>\nDelivered-To: joe@example.org\n'; cat "$M"; } > "$want"
t_ok "maildir file is Return-Path + Delivered-To + the message, byte for byte" cmp "$f" "$want"
t_check "nothing left in tmp/" "$(ls "$H/Maildir/tmp" | wc -l | tr -d ' ')" 0
t_match "maildir file name has the form TIME.MusecPpid_N.host" "$(basename "$f")" \
  '^[0-9]+\.M[0-9]{6}P[0-9]+_[0-9]+\.[^/:]+$'
t_check "maildir file is private" "$(stat -c %a "$f")" 600

# 2. mbox: From_ line, quoting, blank line at the end
printf './Mailbox\n' > "$H/.qmail"
ql "$M" joe '' '' s@x ./Maildir/
t_check "mbox delivery exits 0" "$rc" 0
t_check "mbox delivery reports did 1+0+0" "$out" "did 1+0+0"
t_match "mbox starts with the From_ line" "$(head -n 1 "$H/Mailbox")" \
  '^From s@x (Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}$'
{ printf 'Return-Path: <s@x>\nDelivered-To: joe@example.org\n'
  printf 'Subject: first\nFrom: mary@example.net\n\nhello joe\n>From the start\n>>From quoted\n\n'; } > "$want"
tail -n +2 "$H/Mailbox" > "$D/got"
t_ok "mbox holds the header lines, the quoted message and a blank line" cmp "$D/got" "$want"
t_check "a new mbox is private" "$(stat -c %a "$H/Mailbox")" 600
printf 'Subject: second\n\nno final newline' > "$D/msg2"
ql "$D/msg2" joe '' '' '' ./Maildir/
t_check "second mbox delivery exits 0" "$rc" 0
t_check "a bounce's From_ line says MAILER-DAEMON" \
  "$(grep -c '^From MAILER-DAEMON ' "$H/Mailbox")" 1
t_check "a bounce's Return-Path is <>" "$(grep -c '^Return-Path: <>$' "$H/Mailbox")" 1
t_check "the message without final newline gets one, then a blank line" \
  "$(tail -n 2 "$H/Mailbox" | od -c | head -n 1 | tr -s ' ')" \
  "$(printf 'no final newline\n\n' | od -c | head -n 1 | tr -s ' ')"

# 3. defaultdelivery when there is no .qmail, or an empty one
rm -f "$H/.qmail"
t_maildir "$H/Default"
ql "$M" joe '' '' s@x ./Default/
t_check "no .qmail: defaultdelivery is used" "$out:$(count_new "$H/Default")" "did 1+0+0:1"
: > "$H/.qmail"
ql "$M" joe '' '' s@x ./Default/
t_check "empty .qmail: defaultdelivery is used" "$out:$(count_new "$H/Default")" "did 1+0+0:2"
ql "$M" joe '' '' s@x "./Default/
# a comment

./Mailbox"
t_check "defaultdelivery with several lines" "$rc:$out" "0:did 2+0+0"
rm -f "$H/.qmail"

# 4. .qmail-ext and the -default chain
for x in list a-b-c a-b-default a-default default upper a:b; do t_maildir "$H/md-$x"; done
echo ./md-list/ > "$H/.qmail-list"
echo ./md-default/ > "$H/.qmail-default"
echo ./md-a-default/ > "$H/.qmail-a-default"
ql "$M" joe-list - list s@x ./Mailbox
t_check ".qmail-list for joe-list" "$rc:$out:$(count_new "$H/md-list")" "0:did 1+0+0:1"
ql "$M" joe-LiSt - LiSt s@x ./Mailbox
t_check "the extension is lowercased" "$(count_new "$H/md-list")" 2
t_check "the Delivered-To line keeps the local part as given" \
  "$(cat "$H"/md-list/new/* | grep -c '^Delivered-To: joe-LiSt@example.org$')" 1
ql "$M" joe-a-b-c - a-b-c s@x ./Mailbox
t_check "a-b-c falls back to .qmail-a-default" "$(count_new "$H/md-a-default")" 1
echo ./md-a-b-default/ > "$H/.qmail-a-b-default"
ql "$M" joe-a-b-c - a-b-c s@x ./Mailbox
t_check "a-b-c prefers .qmail-a-b-default" "$(count_new "$H/md-a-b-default")" 1
echo ./md-a-b-c/ > "$H/.qmail-a-b-c"
ql "$M" joe-a-b-c - a-b-c s@x ./Mailbox
t_check "a-b-c prefers .qmail-a-b-c itself" "$(count_new "$H/md-a-b-c")" 1
ql "$M" joe-x-y - x-y s@x ./Mailbox
t_check "x-y falls back to .qmail-default" "$(count_new "$H/md-default")" 1
echo ./md-a:b/ > "$H/.qmail-a:b"
ql "$M" joe-a.b - a.b s@x ./Mailbox
t_check "a dot in the extension is looked up as a colon" "$(count_new "$H/md-a:b")" 1
ql "$M" -n joe-a-b-zz - a-b-zz s@x ./Mailbox
t_check "-n shows the -default file's instructions" "$out" "maildir ./md-a-b-default/
did 1+0+0"

# 5. an extension nobody handles bounces
rm -f "$H/.qmail-default" "$H/.qmail-a-default"
ql "$M" joe-zzz - zzz s@x ./Mailbox
t_check "unknown extension exits 100" "$rc" 100
t_check "unknown extension says #5.1.1" "$out" "Sorry, no mailbox here by that name. (#5.1.1)"

# 6. a missing maildir is a temporary failure
echo ./Nowhere/ > "$H/.qmail-gone"
ql "$M" joe-gone - gone s@x ./Mailbox
t_check "missing maildir exits 111" "$rc" 111
t_match "missing maildir is explained with #4.2.1" "$out" '^Unable to open maildir \./Nowhere/: No such file or directory\. \(#4\.2\.1\)$'
mkdir -p "$H/NoNew/tmp"
echo ./NoNew/ > "$H/.qmail-nonew"
ql "$M" joe-nonew - nonew s@x ./Mailbox
t_check "maildir without new/ exits 111" "$rc" 111
t_check "maildir without new/ leaves nothing in tmp/" "$(ls "$H/NoNew/tmp" | wc -l | tr -d ' ')" 0

# 7. a looping message bounces; other Delivered-To lines do not matter
printf 'Delivered-To: other@example.org\nDelivered-To: joe-list@example.org\nSubject: loop\n\nbody\n' > "$D/loop"
ql "$D/loop" joe-list - list s@x ./Mailbox
t_check "looping message exits 100" "$rc" 100
t_check "looping message says #5.4.6" "$out" "This message is looping: it already has my Delivered-To line. (#5.4.6)"
before=$(count_new "$H/md-list")
printf 'Delivered-To: other@example.org\nSubject: fine\n\nDelivered-To: joe-list@example.org\n' > "$D/noloop"
ql "$D/noloop" joe-list - list s@x ./Mailbox
t_check "Delivered-To of another address, or in the body, is no loop" \
  "$rc:$(count_new "$H/md-list")" "0:$((before + 1))"

# 8. -n describes and delivers nothing; no seekable input needed
printf './Maildir/\n# note\n./Mailbox\n|/usr/bin/true\n&mary@example.net\nbob@example.net\n' > "$H/.qmail-all"
n_before=$(count_new "$H/Maildir")
out=$(echo hi | "$QL" -n joe "$H" joe-all - all example.org s@x ./Mailbox)
rc=$?
t_check "-n exits 0" "$rc" 0
t_check "-n prints every instruction and the counts" "$out" "maildir ./Maildir/
mbox ./Mailbox
program /usr/bin/true
forward mary@example.net
forward bob@example.net
did 2+2+1"
t_check "-n delivers nothing" "$(count_new "$H/Maildir")" "$n_before"

# 9. program and forward lines are not supported yet: deferred, and
# nothing of the file is delivered
ql "$M" joe-all - all s@x ./Mailbox
t_check "program line exits 111" "$rc" 111
t_match "program line: not supported yet, named" "$out" '^Line 4 of \.qmail-all is a program delivery .*not support yet.*\(#4\.3\.0\)$'
t_check "nothing delivered from a file that cannot be carried out" "$(count_new "$H/Maildir")" "$n_before"
printf './Maildir/\nbob@example.net\n' > "$H/.qmail-fwd"
ql "$M" joe-fwd - fwd s@x ./Mailbox
t_match "forward line: exits 111, not supported yet" "$rc:$out" '^111:Line 2 of \.qmail-fwd is a forward .*not support yet.*\(#4\.3\.0\)$'

# 10. standard input must be seekable
out=$(cat "$M" | "$QL" -- joe "$H" joe-list - list example.org s@x ./Mailbox)
rc=$?
t_check "non-seekable input exits 111" "$rc" 111
t_match "non-seekable input is explained" "$out" '^Unable to rewind message: .*seekable.*\(#4\.3\.0\)$'

# 11. dot-qmail files and homes that cannot be trusted or are being edited
printf '\n./Maildir/\n' > "$H/.qmail-blank"
ql "$M" joe-blank - blank s@x ./Mailbox
t_check "blank first line exits 111" "$rc:$out" "111:Uh-oh: first line of .qmail-blank is blank. (#4.2.1)"
echo ./Maildir/ > "$H/.qmail-ww"
chmod 666 "$H/.qmail-ww"
ql "$M" joe-ww - ww s@x ./Mailbox
t_match "world-writable .qmail exits 111 (#4.7.0)" "$rc:$out" '^111:Uh-oh: \.qmail-ww is writable.*\(#4\.7\.0\)$'
echo ./Maildir/ > "$H/.qmail-x"
chmod 744 "$H/.qmail-x"
ql "$M" joe-x - x s@x ./Mailbox
t_check "executable .qmail with a file delivery exits 111" "$rc:$out" \
  "111:Uh-oh: .qmail-x has file delivery but has x bit set. (#4.7.0)"
chmod 757 "$H"
ql "$M" joe-list - list s@x ./Mailbox
t_match "world-writable home exits 111 (#4.7.0)" "$rc:$out" '^111:Uh-oh: home directory .* is writable.*\(#4\.7\.0\)$'
chmod 1755 "$H"
ql "$M" joe-list - list s@x ./Mailbox
t_check "sticky home defers" "$rc:$out" "111:Home directory is sticky: user is editing his .qmail file. (#4.2.1)"
chmod 755 "$H"

# 12. usage and the sender's quoting
out=$("$QL" joe "$H" joe '' '' example.org s@x < "$M"); rc=$?
t_check "too few arguments exit 100" "$rc" 100
out=$("$QL" -- joe relative joe '' '' example.org s@x ./Mailbox < "$M"); rc=$?
t_check "a relative home exits 100" "$rc" 100
ql "$M" joe-list - list 'john doe@example.net' ./Mailbox
t_check "a sender that needs quoting is quoted in Return-Path" \
  "$(cat "$H"/md-list/new/* | grep -c '^Return-Path: <"john doe"@example.net>$')" 1
out=$("$QL" joe "$H" joe-list - list example.org -dash@x ./Mailbox < "$M"); rc=$?
t_check "a sender beginning with - is no option" "$rc:$out" "0:did 1+0+0"

# 13. real mail readers: mblaze on the maildir, s-nail on the mbox
R=$D/readers
mkdir "$R"
chmod 755 "$R"
t_maildir "$R/Maildir"
for s in one two three; do
  printf 'Subject: note %s\nFrom: mary@example.net\n\nFrom here on: %s\n' "$s" "$s" > "$D/r-$s"
  "$QL" -- joe "$R" joe '' '' example.org mary@example.net "./Maildir/
./Mailbox" < "$D/r-$s" > /dev/null
done
if command -v mlist > /dev/null 2>&1 && command -v mhdr > /dev/null 2>&1; then
  export MBLAZE="$D/mblaze"
  t_check "mblaze: mlist finds three messages" "$(mlist "$R/Maildir" | wc -l | tr -d ' ')" 3
  t_check "mblaze: mhdr reads the subjects" \
    "$(mhdr -h subject $(mlist "$R/Maildir") | sort | tr '\n' ,)" "note one,note three,note two,"
  t_check "mblaze: mhdr reads the Return-Path" \
    "$(mhdr -h return-path $(mlist "$R/Maildir") | sort -u)" "<mary@example.net>"
  if command -v mshow > /dev/null 2>&1; then
    t_match "mblaze: mshow shows the body" \
      "$(mshow $(mlist "$R/Maildir") 2>/dev/null)" '^From here on: two$'
  fi
else
  t_skip "mblaze reads the maildir" "mblaze is not installed (apt-get install mblaze)"
fi
if command -v s-nail > /dev/null 2>&1; then
  hdrs=$(s-nail -N -H -R -f "$R/Mailbox" < /dev/null 2>&1)
  t_check "s-nail: three messages in the mbox" "$(printf '%s\n' "$hdrs" | grep -c 'note ')" 3
  t_match "s-nail: subjects in order" "$(printf '%s\n' "$hdrs" | tr '\n' ' ')" 'note one.*note two.*note three'
  body=$(printf 'print 2\nquit\n' | s-nail -# -N -R -f "$R/Mailbox" 2>&1)
  t_match "s-nail: the second message's quoted body line" "$body" '^>From here on: two$'
else
  t_skip "s-nail reads the mbox" "s-nail is not installed (apt-get install s-nail)"
fi

t_done
