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
# A mail reader's dot-lock (Mailbox.lock) holds the delivery back until
# the reader lets go; the delivery's own lock is gone afterwards.
echo 1 > "$H/Mailbox.lock"
(sleep 1.5; rm -f "$H/Mailbox.lock") &
remover=$!
started=$(date +%s%N)
ql "$D/msg2" joe '' '' s@x ./Maildir/
waited_ms=$((($(date +%s%N) - started) / 1000000))
wait $remover
t_ok "the delivery waited for the reader's Mailbox.lock (${waited_ms} ms)" test "$waited_ms" -ge 1200
t_check "after the reader's lock goes the delivery exits 0" "$rc" 0
t_check "  and the message is in the mbox" "$(grep -c '^From s@x ' "$H/Mailbox")" 2
t_ok "  and no Mailbox.lock is left" test ! -e "$H/Mailbox.lock"

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

# 14. program lines and the exit-code table
# A queue program that records what it is given: the message (fd 0) in
# $Q/N.msg, the envelope (fd 1) in $Q/N.env with each NUL made a
# newline; it exits with the code in $D/qq-exit (0 when missing).
Q=$D/queued
mkdir "$Q"
cat > "$D/record-queue" <<EOF
#!/bin/sh
n=\$(ls "$Q" | grep -c '[.]msg\$')
n=\$((n + 1))
cat > "$Q/\$n.tmp"
tr '\\000' '\\n' <&1 > "$Q/\$n.env"
mv "$Q/\$n.tmp" "$Q/\$n.msg"
exit \$(cat "$D/qq-exit" 2>/dev/null || echo 0)
EOF
chmod 755 "$D/record-queue"
QMAILQUEUE=$D/record-queue
export QMAILQUEUE
queued() { ls "$Q" | grep -c '[.]msg$'; }

t_maildir "$H/Prog"
# prog_case CODE: a program that exits CODE, then a maildir line
prog_case() {
  printf '|echo said %s; exit %s\n./Prog/\n' "$1" "$1" > "$H/.qmail-prog"
  p_before=$(count_new "$H/Prog")
  ql "$M" joe-prog - prog s@x ./Mailbox
  p_after=$(count_new "$H/Prog")
}
prog_case 0
t_check "exit 0: next line is carried out" "$rc:$out:$((p_after - p_before))" "0:said 0
did 1+0+1:1"
prog_case 99
t_check "exit 99: success, the remaining lines are skipped" "$rc:$out:$((p_after - p_before))" "0:said 99
did 0+0+1:0"
prog_case 100
t_check "exit 100: bounce with the program's output, nothing after it" \
  "$rc:$out:$((p_after - p_before))" "100:said 100
Program on line 1 of .qmail-prog failed permanently (exit code 100). (#5.2.0):0"
prog_case 111
t_check "exit 111: deferred with the program's output" "$rc:$out:$((p_after - p_before))" "111:said 111
Program on line 1 of .qmail-prog failed temporarily (exit code 111); will try again. (#4.2.0):0"
for code in 64 65 70 76 77 78 112; do
  prog_case $code
  t_check "hard error exit $code bounces (100)" "$rc:$((p_after - p_before))" "100:0"
done
for code in 1 2 63 66 75 98 101 110 113 255; do
  prog_case $code
  t_check "other exit $code defers (111)" "$rc:$((p_after - p_before))" "111:0"
done
printf '|kill -9 $$\n./Prog/\n' > "$H/.qmail-prog"
ql "$M" joe-prog - prog s@x ./Mailbox
t_check "a program killed by a signal defers (111)" "$rc:$out" \
  "111:Program on line 1 of .qmail-prog was killed by signal 9; will try again. (#4.3.0)"
printf '|echo to-stderr >&2; exit 100\n' > "$H/.qmail-prog"
ql "$M" joe-prog - prog s@x ./Mailbox
t_match "the program's standard error goes into the report" "$rc:$out" '^100:to-stderr$'
printf '|cat > got-1\n|cat > got-2; pwd > where\n' > "$H/.qmail-prog"
ql "$M" joe-prog - prog s@x ./Mailbox
t_check "two programs: did 0+0+2" "$rc:$out" "0:did 0+0+2"
t_ok "the first program reads the message unchanged on stdin" cmp "$H/got-1" "$M"
t_ok "the second program reads it again from its start" cmp "$H/got-2" "$M"
t_check "programs run in the home directory" "$(cat "$H/where")" "$(cd "$H" && pwd -P)"
printf '|echo first > order\n./Prog/\n|echo third >> order; exit 111\n' > "$H/.qmail-prog"
p_before=$(count_new "$H/Prog")
ql "$M" joe-prog - prog s@x ./Mailbox
t_check "lines run in order up to the failing one" \
  "$rc:$(cat "$H/order" | tr '\n' ,):$(( $(count_new "$H/Prog") - p_before))" "111:first,third,:1"
printf '|sh -c '"'"'kill -PIPE $$; exit 0'"'"'; echo $? > pipe-rc\n' > "$H/.qmail-prog"
ql "$M" joe-prog - prog s@x ./Mailbox
t_check "programs start with SIGPIPE at its default (not ignored)" "$rc:$(cat "$H/pipe-rc")" "0:141"
printf '|\n' > "$H/.qmail-prog"
ql "$M" joe-prog - prog s@x ./Mailbox
t_match "a | line without a command is refused (111)" "$rc:$out" '^111:Uh-oh: line 1 of \.qmail-prog is a program line without a command'

# 15. the environment of a program, for joe-list-foo@example.org
# handled by .qmail-list-default
cat > "$D/showenv" <<'EOF'
#!/bin/sh
rm -rf env; mkdir env
for v in SENDER NEWSENDER RECIPIENT USER HOME HOST HOST2 HOST3 HOST4 LOCAL \
         EXT EXT2 EXT3 EXT4 DEFAULT DTLINE RPLINE UFLINE; do
  eval "isset=\${$v+set}"
  if [ "$isset" = set ]; then eval "printf '%s' \"\$$v\"" > env/$v; fi
done
EOF
chmod 755 "$D/showenv"
printf '|%s\n' "$D/showenv" > "$H/.qmail-list-default"
rm -f "$H/.qmail-list"
ql "$M" joe-list-foo - list-foo 'mary@example.net' ./Mailbox
t_check "env program: delivered" "$rc:$out" "0:did 0+0+1"
envis() { if [ -f "$H/env/$1" ]; then cat "$H/env/$1"; echo .; else echo unset; fi; }
t_check "SENDER" "$(envis SENDER)" "mary@example.net."
t_check "NEWSENDER (no -owner file)" "$(envis NEWSENDER)" "mary@example.net."
t_check "RECIPIENT" "$(envis RECIPIENT)" "joe-list-foo@example.org."
t_check "USER" "$(envis USER)" "joe."
t_check "HOME" "$(envis HOME)" "$H."
t_check "HOST" "$(envis HOST)" "example.org."
t_check "HOST2" "$(envis HOST2)" "example."
t_check "HOST3 (no more dots)" "$(envis HOST3)" "example."
t_check "HOST4 (no more dots)" "$(envis HOST4)" "example."
t_check "LOCAL" "$(envis LOCAL)" "joe-list-foo."
t_check "EXT" "$(envis EXT)" "list-foo."
t_check "EXT2" "$(envis EXT2)" "foo."
t_check "EXT3 (no second dash)" "$(envis EXT3)" "."
t_check "EXT4 (no third dash)" "$(envis EXT4)" "."
t_check "DEFAULT: the part default stands for" "$(envis DEFAULT)" "foo."
t_check "DTLINE" "$(envis DTLINE)" "Delivered-To: joe-list-foo@example.org
."
t_check "RPLINE" "$(envis RPLINE)" "Return-Path: <mary@example.net>
."
t_match "UFLINE" "$(envis UFLINE | tr '\n' '~')" \
  '^From mary@example\.net (Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [0-9]{4}~\.~$'
printf '|%s\n' "$D/showenv" > "$H/.qmail-a-b-c-d"
DEFAULT=stale "$QL" -- joe "$H" joe-a-b-c-d - a-b-c-d mail.sub.example.co.uk '' ./Mailbox < "$M" > /dev/null
t_check "HOST2 of mail.sub.example.co.uk" "$(envis HOST2)" "mail.sub.example.co."
t_check "HOST3 of mail.sub.example.co.uk" "$(envis HOST3)" "mail.sub.example."
t_check "HOST4 of mail.sub.example.co.uk" "$(envis HOST4)" "mail.sub."
t_check "EXT2 of a-b-c-d" "$(envis EXT2)" "b-c-d."
t_check "EXT3 of a-b-c-d" "$(envis EXT3)" "c-d."
t_check "EXT4 of a-b-c-d" "$(envis EXT4)" "d."
t_check "DEFAULT is unset for an exact .qmail-ext (even if set outside)" "$(envis DEFAULT)" "unset"
t_check "SENDER of a bounce is empty" "$(envis SENDER)" "."
t_check "NEWSENDER of a bounce is empty" "$(envis NEWSENDER)" "."
t_match "UFLINE of a bounce says MAILER-DAEMON" "$(envis UFLINE)" '^From MAILER-DAEMON '
rm -f "$H/.qmail-a-b-c-d"

# 16. search order and DEFAULT's value
printf '|%s\n' "$D/showenv" > "$H/.qmail-default"
ql "$M" joe-zz-Top - zz-Top s@x ./Mailbox
t_check ".qmail-default: DEFAULT is the whole extension, case kept" "$(envis DEFAULT)" "zz-Top."
printf '|%s\n' "$D/showenv" > "$H/.qmail-zz-default"
ql "$M" joe-zz-Top - zz-Top s@x ./Mailbox
t_check ".qmail-zz-default wins over .qmail-default; DEFAULT after the prefix" "$(envis DEFAULT)" "Top."
printf '|%s\n' "$D/showenv" > "$H/.qmail-zz-top-default"
ql "$M" joe-zz-Top-x-y - zz-Top-x-y s@x ./Mailbox
t_check "the longest -default prefix wins: DEFAULT x-y" "$(envis DEFAULT)" "x-y."
printf '|%s\n' "$D/showenv" > "$H/.qmail-a:b-default"
ql "$M" joe-A.B-C.D - A.B-C.D s@x ./Mailbox
t_check ".qmail-a:b-default for A.B-C.D: DEFAULT C.D" "$(envis DEFAULT)" "C.D."
printf '|%s\n' "$D/showenv" > "$H/.qmail-zz-top"
ql "$M" joe-zz-Top - zz-Top s@x ./Mailbox
t_check "the exact .qmail-zz-top wins over every -default; DEFAULT unset" "$(envis DEFAULT)" "unset"
rm -f "$H/.qmail-default" "$H/.qmail-zz-default" "$H/.qmail-zz-top-default" \
  "$H/.qmail-zz-top" "$H/.qmail-a:b-default"

# 17. forwards: one queued message, its envelope and its bytes
printf '&mary@example.net\n# note\nbob@example.net\n./Prog/\n1234@example.com\n' > "$H/.qmail-fwd"
q_before=$(queued)
p_before=$(count_new "$H/Prog")
ql "$M" joe-fwd - fwd s@x ./Mailbox
t_check "forwards: exit 0, did 1+3+0" "$rc:$out" "0:did 1+3+0"
t_check "all forwards of the file are ONE queued message" "$(queued)" $((q_before + 1))
n=$(queued)
t_check "its envelope: sender, three recipients in order, the end mark" \
  "$(cat "$Q/$n.env"; echo .)" "Fs@x
Tmary@example.net
Tbob@example.net
T1234@example.com

."
{ printf 'Delivered-To: joe-fwd@example.org\n'; cat "$M"; } > "$want"
t_ok "forwarded copy: Delivered-To line on top, no Return-Path, message unchanged" cmp "$Q/$n.msg" "$want"
t_check "the maildir line of the file was delivered too" "$(( $(count_new "$H/Prog") - p_before))" 1
: > "$H/.qmail-fwd-owner"
ql "$M" joe-fwd - fwd s@x ./Mailbox
t_check "with .qmail-fwd-owner the forward's sender is joe-fwd-owner@example.org" \
  "$(head -n 1 "$Q/$(queued).env")" "Fjoe-fwd-owner@example.org"
printf '|%s\n&mary@example.net\n' "$D/showenv" > "$H/.qmail-fwd"
ql "$M" joe-fwd - fwd s@x ./Mailbox
t_check "NEWSENDER names the owner too" "$(envis NEWSENDER):$(envis SENDER)" \
  "joe-fwd-owner@example.org.:s@x."
ql "$M" joe-fwd - fwd '' ./Mailbox
t_check "a bounce's forward keeps the empty sender, owner or not" \
  "$(head -n 1 "$Q/$(queued).env"):$(envis NEWSENDER)" "F:."
ql "$M" joe-fwd - fwd '#@[]' ./Mailbox
t_check "a double bounce's forward keeps #@[]" "$(head -n 1 "$Q/$(queued).env")" "F#@[]"
ql "$M" joe-FWD - FWD s@x ./Mailbox
t_check "the -owner file is looked up lowercased; sender keeps LOCAL's case" \
  "$(head -n 1 "$Q/$(queued).env")" "Fjoe-FWD-owner@example.org"
rm -f "$H/.qmail-fwd-owner"
printf 'alice@example.net\n' > "$H/.qmail"
: > "$H/.qmail-owner"
ql "$M" joe '' '' s@x ./Mailbox
t_check "plain user: .qmail-owner makes the sender joe-owner@example.org" \
  "$rc:$(head -n 1 "$Q/$(queued).env")" "0:Fjoe-owner@example.org"
rm -f "$H/.qmail" "$H/.qmail-owner"
printf 'mary@example.net\n|exit 99\nbob@example.net\n' > "$H/.qmail-fwd"
ql "$M" joe-fwd - fwd s@x ./Mailbox
t_check "exit 99: forwards before it are queued, those after it are not" \
  "$rc:$out:$(sed -n '2,$p' "$Q/$(queued).env" | tr '\n' ,)" "0:did 0+1+1:Tmary@example.net,,"
printf 'mary@example.net\n|exit 111\n' > "$H/.qmail-fwd"
q_before=$(queued)
ql "$M" joe-fwd - fwd s@x ./Mailbox
t_check "a program deferring after a forward line: nothing queued" "$rc:$(queued)" "111:$q_before"
printf 'mary@example.net\n|exit 100\n' > "$H/.qmail-fwd"
ql "$M" joe-fwd - fwd s@x ./Mailbox
t_check "a program bouncing after a forward line: nothing queued" "$rc:$(queued)" "100:$q_before"
printf 'mary@example.net\n' > "$H/.qmail-fwd"
echo 71 > "$D/qq-exit"
ql "$M" joe-fwd - fwd s@x ./Mailbox
t_match "queue program temporary failure (71): exit 111" "$rc:$out" '^111:Unable to forward message: .*\(#4\.[0-9.]+\)$'
echo 31 > "$D/qq-exit"
ql "$M" joe-fwd - fwd s@x ./Mailbox
t_check "queue program permanent failure (31): exit 100" "$rc:$out" \
  "100:Unable to forward message: mail server permanently rejected message (#5.3.0)"
rm -f "$D/qq-exit"
out=$(QMAILQUEUE=$D/no-such-queue "$QL" -- joe "$H" joe-fwd - fwd example.org s@x ./Mailbox < "$M")
rc=$?
t_check "a queue program that cannot run: exit 111" "$rc" 111
printf '&\n' > "$H/.qmail-fwd"
ql "$M" joe-fwd - fwd s@x ./Mailbox
t_match "an & line without an address is refused (111)" "$rc:$out" '^111:Uh-oh: line 1 of \.qmail-fwd is a forward line without an address'
printf 'mary@example.net\n' > "$H/.qmail-fwd"
q_before=$(queued)
out=$("$QL" -n joe "$H" joe-fwd - fwd example.org s@x ./Mailbox < "$M")
t_check "-n queues nothing" "$out:$(queued)" "forward mary@example.net
did 0+1+0:$q_before"
printf 'Delivered-To: joe-fwd@example.org\n\nloop\n' > "$D/fwdloop"
ql "$D/fwdloop" joe-fwd - fwd s@x ./Mailbox
t_check "a looping message is not forwarded again" "$rc:$(queued)" "100:$q_before"

# 18. the mode bits: paternalism, sticky, execute (forwards only)
patrn=$(sed -n 's/^#define CONF_PATERNALISM //p' "$TOP/build/include/qconf.h")
printf 'mary@example.net\n' > "$H/.qmail-modes"
chmod 602 "$H/.qmail-modes"
ql "$M" joe-modes - modes s@x ./Mailbox
t_match "a .qmail writable by others (mode 602) is refused (111)" "$rc:$out" '^111:Uh-oh: \.qmail-modes is writable'
chmod 620 "$H/.qmail-modes"
ql "$M" joe-modes - modes s@x ./Mailbox
if [ $((patrn & 020)) -ne 0 ]; then
  t_check "a group-writable .qmail is refused with paternalism $patrn" "$rc" 111
else
  t_check "a group-writable .qmail is accepted with paternalism $patrn" "$rc" 0
fi
chmod 1644 "$H/.qmail-modes"
q_before=$(queued)
ql "$M" joe-modes - modes s@x ./Mailbox
t_check "a sticky .qmail is being edited: deferred (111), nothing done" "$rc:$out:$(queued)" \
  "111:.qmail-modes is sticky: user is editing it; will try again. (#4.2.1):$q_before"
chmod 744 "$H/.qmail-modes"
ql "$M" joe-modes - modes s@x ./Mailbox
t_check "an executable .qmail with only forwards is carried out" "$rc:$out:$(queued)" \
  "0:did 0+1+0:$((q_before + 1))"
printf 'mary@example.net\n|echo ran > ran-x\n' > "$H/.qmail-modes"
ql "$M" joe-modes - modes s@x ./Mailbox
t_check "an executable .qmail with a program line is refused whole (111)" \
  "$rc:$out:$(queued):$(test -f "$H/ran-x" && echo ran)" \
  "111:Uh-oh: .qmail-modes has prog delivery but has x bit set. (#4.7.0):$((q_before + 1)):"
chmod 644 "$H/.qmail-modes"
chmod 775 "$H"
ql "$M" joe-modes - modes s@x ./Mailbox
if [ $((patrn & 020)) -ne 0 ]; then
  t_check "a group-writable home is refused with paternalism $patrn" "$rc" 111
else
  t_check "a group-writable home is accepted with paternalism $patrn" "$rc" 0
fi
chmod 755 "$H"

# 19. hostile .qmail files
t_maildir "$H/Hostile"
h_count() { count_new "$H/Hostile"; }
long=$(head -c 102400 /dev/zero | tr '\0' x)
{ printf '#%s\n' "$long"; printf './Hostile/\n'; } > "$H/.qmail-h"
ql "$M" joe-h - h s@x ./Mailbox
t_check "a 100 KB comment line, then a maildir line" "$rc:$out:$(h_count)" "0:did 1+0+0:1"
printf '|: %s; echo ran > long-ran\n' "$long" > "$H/.qmail-h"
ql "$M" joe-h - h s@x ./Mailbox
t_check "a 100 KB program line runs" "$rc:$out:$(cat "$H/long-ran")" "0:did 0+0+1:ran"
printf '%s@example.net\n' "$long" > "$H/.qmail-h"
ql "$M" joe-h - h s@x ./Mailbox
t_check "a 100 KB address is forwarded whole" "$rc:$(sed -n 2p "$Q/$(queued).env" | wc -c | tr -d ' ')" \
  "0:$((1 + 102400 + 12 + 1))"
printf './Hostile/\0./Mailbox\n' > "$H/.qmail-h"
ql "$M" joe-h - h s@x ./Mailbox
t_check "a NUL byte cuts its line" "$rc:$out:$(h_count)" "0:did 1+0+0:2"
printf '\0\0\0\n./Hostile/\n' > "$H/.qmail-h"
ql "$M" joe-h - h s@x ./Mailbox
t_check "a first line of NULs counts as blank (111)" "$rc:$out" "111:Uh-oh: first line of .qmail-h is blank. (#4.2.1)"
printf './Hostile/' > "$H/.qmail-h"
ql "$M" joe-h - h s@x ./Mailbox
t_check "no final newline: the last line counts" "$rc:$out:$(h_count)" "0:did 1+0+0:3"
printf '|echo no-newline > nn' > "$H/.qmail-h"
ql "$M" joe-h - h s@x ./Mailbox
t_check "no final newline after a program line" "$rc:$out:$(cat "$H/nn")" "0:did 0+0+1:no-newline"
i=0; while [ $i -lt 10000 ]; do echo "# comment $i"; i=$((i + 1)); done > "$H/.qmail-h"
echo ./Hostile/ >> "$H/.qmail-h"
ql "$M" joe-h - h s@x ./Mailbox
t_check "10,000 comment lines, then a maildir line" "$rc:$out:$(h_count)" "0:did 1+0+0:4"
i=0; while [ $i -lt 10000 ]; do echo "r$i@example.net"; i=$((i + 1)); done > "$H/.qmail-h"
q_before=$(queued)
ql "$M" joe-h - h s@x ./Mailbox
n=$(queued)
t_check "10,000 forward lines: one queued message" "$rc:$out:$n" "0:did 0+10000+0:$((q_before + 1))"
t_check "with 10,000 recipients" "$(grep -c '^T' "$Q/$n.env"):$(sed -n '$p' "$Q/$n.env" | head -c 1)" "10000:"
t_check "the last recipient is r9999" "$(grep '^T' "$Q/$n.env" | tail -n 1)" "Tr9999@example.net"
printf '\377\376binary\001\002\n' > "$H/.qmail-h"
ql "$M" joe-h - h s@x ./Mailbox
t_check "binary junk is taken as an address and handed to the queue" "$rc:$out" "0:did 0+1+0"
rm -f "$H/.qmail-h"

t_done
