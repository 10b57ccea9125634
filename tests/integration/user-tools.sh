#!/bin/sh
# The user tools (src/user): forward, preline, condredirect, bouncesaying,
# except, dot-forward, qreceipt, qbiff, maildirmake, maildir2mbox,
# maildirwatch, mailsubj, datemail, and the boot/ scripts.  Each program
# runs through its real command line with the environment qmail-local
# would give it and the message on fd 0 (a file); a recording script
# stands in for qmail-queue (QMAILQUEUE): it saves the message (fd 0)
# and the envelope (fd 1, NULs turned into newlines) and exits $QQ_EXIT.
. "$TOP/tests/lib.sh"

D=$(t_tmpdir)
I=$D/inst
R=$D/rec
W=$D/home
mkdir -p "$R" "$W"
t_instance "$I" test.example || { echo "Bail out! no instance"; exit 1; }

cat > "$D/qq" <<'EOF'
#!/bin/sh
cat > "$QQ_REC/msg"
tr '\000' '\n' <&1 > "$QQ_REC/env"
exit "${QQ_EXIT:-0}"
EOF
chmod 755 "$D/qq"

M=$D/msg
printf 'From: mary@example.net\nSubject: hi\n\nbody line\nFrom the start\n' > "$M"
DT='Delivered-To: joe@example.org
'
unset QMAILQUEUE QQ_EXIT UFLINE RPLINE DTLINE SENDER NEWSENDER
QMAILHOME=$I QMAILQUEUE=$D/qq QQ_REC=$R USER=joe HOST=example.org \
  SENDER=mary@example.net NEWSENDER=mary@example.net DTLINE=$DT
export QMAILHOME QMAILQUEUE QQ_REC USER HOST SENDER NEWSENDER DTLINE

# run PROGRAM ARG... : run it on the message $IN (default $M) in $W;
# rc, out, err hold the results; the recorder's files start empty.
run() {
  rm -f "$R"/* "$D/out" "$D/err"
  (cd "$W" && "$QBIN/$@" < "${IN:-$M}" > "$D/out" 2> "$D/err")
  rc=$?
  out=$(cat "$D/out")
  err=$(cat "$D/err")
}
envelope() { cat "$R/env" 2>/dev/null | tr '\n' ' '; }
queued() { [ -f "$R/env" ]; }

# --- forward --------------------------------------------------------
run forward a@x.example b@y.example
t_check "forward exits 0 when queued" "$rc" 0
t_check "forward: envelope is NEWSENDER and the addresses" "$(envelope)" \
  "Fmary@example.net Ta@x.example Tb@y.example  "
{ printf '%s' "$DT"; cat "$M"; } > "$D/want"
t_ok "forward: message is DTLINE + the message, byte for byte" cmp "$R/msg" "$D/want"
NEWSENDER=other@example.com run forward a@x.example
t_check "forward uses NEWSENDER, not SENDER" "$(envelope)" "Fother@example.com Ta@x.example  "
(unset NEWSENDER; run forward a@x.example; echo "$rc" > "$D/rc2")
t_check "forward without NEWSENDER exits 100" "$(cat "$D/rc2")" 100
run forward
t_check "forward without addresses exits 100" "$rc" 100
QQ_EXIT=31 run forward a@x.example
t_check "forward: a permanent queue failure (31) exits 100" "$rc" 100
QQ_EXIT=71 run forward a@x.example
t_check "forward: a temporary queue failure (71) exits 111" "$rc" 111
t_match "forward explains the queue failure" "$err" '#4\.'
QMAILQUEUE=$D/nonexistent run forward a@x.example
t_check "forward: queue program missing exits 111" "$rc" 111

# --- preline ---------------------------------------------------------
UF='From mary@example.net Sun Nov 22 03:00:00 2026
' RP='Return-Path: <mary@example.net>
'
UFLINE=$UF RPLINE=$RP
export UFLINE RPLINE
run preline sh -c 'cat > "$0"' "$D/got"
t_check "preline exits with the command's code (0)" "$rc" 0
{ printf '%s%s%s' "$UF" "$RP" "$DT"; cat "$M"; } > "$D/want"
t_ok "preline: UFLINE + RPLINE + DTLINE + message" cmp "$D/got" "$D/want"
run preline -d sh -c 'cat > "$0"' "$D/got"
{ printf '%s%s' "$UF" "$RP"; cat "$M"; } > "$D/want"
t_ok "preline -d drops Delivered-To" cmp "$D/got" "$D/want"
run preline -f sh -c 'cat > "$0"' "$D/got"
{ printf '%s%s' "$RP" "$DT"; cat "$M"; } > "$D/want"
t_ok "preline -f drops the From_ line" cmp "$D/got" "$D/want"
run preline -r sh -c 'cat > "$0"' "$D/got"
{ printf '%s%s' "$UF" "$DT"; cat "$M"; } > "$D/want"
t_ok "preline -r drops Return-Path" cmp "$D/got" "$D/want"
run preline -d -f -r sh -c 'cat > "$0"' "$D/got"
t_ok "preline -d -f -r passes the bare message" cmp "$D/got" "$M"
run preline sh -c 'cat > /dev/null; exit 42'
t_check "preline passes exit code 42 through" "$rc" 42
run preline sh -c 'exit 100'
t_check "preline passes 100 through, even without reading" "$rc" 100
run preline sh -c 'kill -9 $$'
t_check "preline: a killed command exits 111" "$rc" 111
run preline /nonexistent/program
t_check "preline: a missing command exits 111" "$rc" 111
(unset UFLINE; run preline cat; echo "$rc" > "$D/rc2")
t_check "preline without UFLINE exits 111" "$(cat "$D/rc2")" 111
(unset UFLINE; run preline -f cat; echo "$rc" > "$D/rc2")
t_check "preline -f does not need UFLINE" "$(cat "$D/rc2")" 0
run preline
t_check "preline without a command exits 100" "$rc" 100

# --- condredirect ------------------------------------------------------
run condredirect new@z.example sh -c 'cat > /dev/null; exit 0'
t_check "condredirect: program 0 -> forwarded, exit 99" "$rc" 99
t_check "condredirect: envelope NEWSENDER -> newaddress" "$(envelope)" \
  "Fmary@example.net Tnew@z.example  "
{ printf '%s' "$DT"; cat "$M"; } > "$D/want"
t_ok "condredirect: whole message forwarded after the program read it" cmp "$R/msg" "$D/want"
run condredirect new@z.example sh -c 'exit 1'
t_check "condredirect: program 1 -> exit 0" "$rc" 0
t_fail "condredirect: program 1 -> nothing queued" queued
run condredirect new@z.example sh -c 'exit 100'
t_check "condredirect: program 100 -> exit 0" "$rc" 0
run condredirect new@z.example sh -c 'exit 111'
t_check "condredirect: program 111 -> exit 111" "$rc" 111
t_fail "condredirect: program 111 -> nothing queued" queued
run condredirect new@z.example sh -c 'kill -9 $$'
t_check "condredirect: program killed -> exit 111" "$rc" 111
QQ_EXIT=71 run condredirect new@z.example true
t_check "condredirect: temporary queue failure -> 111" "$rc" 111
QQ_EXIT=31 run condredirect new@z.example true
t_check "condredirect: permanent queue failure -> 100" "$rc" 100
rm -f "$R"/*
(cd "$W" && cat "$M" | "$QBIN/condredirect" new@z.example true > /dev/null 2>&1; echo $? > "$D/rc2")
t_check "condredirect: unseekable input -> 111" "$(cat "$D/rc2")" 111
t_fail "condredirect: unseekable input -> nothing queued" queued
run condredirect new@z.example
t_check "condredirect without a program exits 100" "$rc" 100

# --- bouncesaying ------------------------------------------------------
run bouncesaying 'Sorry, no such list.'
t_check "bouncesaying without program exits 100" "$rc" 100
t_check "bouncesaying prints the error" "$out" "Sorry, no such list."
run bouncesaying 'Go away.' sh -c 'cat > /dev/null; exit 0'
t_check "bouncesaying: program 0 -> 100" "$rc" 100
t_check "bouncesaying: program 0 -> error printed" "$out" "Go away."
run bouncesaying 'Go away.' false
t_check "bouncesaying: program 1 -> 0" "$rc" 0
t_check "bouncesaying: program 1 -> nothing printed" "$out" ""
run bouncesaying 'Go away.' sh -c 'exit 111'
t_check "bouncesaying: program 111 -> 111" "$rc" 111
run bouncesaying 'Go away.' sh -c 'kill -9 $$'
t_check "bouncesaying: program killed -> 111" "$rc" 111
run bouncesaying
t_check "bouncesaying without arguments exits 100" "$rc" 100

# --- except ----------------------------------------------------------
for pair in 0:100 100:0 111:111 1:1 99:99 5:5; do
  run except sh -c "exit ${pair%%:*}"
  t_check "except maps ${pair%%:*} to ${pair#*:}" "$rc" "${pair#*:}"
done
run except sh -c 'kill -9 $$'
t_check "except: killed -> 111" "$rc" 111
run except /nonexistent/program
t_check "except: cannot run -> 111" "$rc" 111
run except sh -c 'echo "the reason"; exit 0'
t_check "except passes the program's output through" "$out" "the reason"

# --- dot-forward ---------------------------------------------------------
# fwd TEXT: write it as $W/.forward (printf format)
fwd() { printf "$1" > "$W/.forward"; }

fwd 'a@x.example, b@y.example\nc@z.example\n'
run dot-forward -n .forward
t_check "dot-forward -n: commas and newlines separate" "$out" \
"forward a@x.example
forward b@y.example
forward c@z.example"
t_fail "dot-forward -n queues nothing" queued
t_check "dot-forward -n exits 0" "$rc" 0
fwd '# my forwards, all of them\n  a@x.example  ,  #x@y.example\n'
run dot-forward -n .forward
t_check "dot-forward: comment lines skipped, blanks trimmed" "$out" \
"forward a@x.example
forward #x@y.example"
fwd '"joe, the \\"boss\\""@x.example\n"|echo a, b"\n'
run dot-forward -n .forward
t_check "dot-forward: quoted strings keep commas, blanks and escapes" "$out" \
'forward joe, the "boss"@x.example
program echo a, b'
fwd '|/usr/bin/vacation -a x, y\na@x.example\n'
run dot-forward -n .forward
t_check "dot-forward: an unquoted |program runs to the end of its line" "$out" \
"forward a@x.example
program /usr/bin/vacation -a x, y"
fwd '\\joe, \\bob, fred, <ann@x.example>\n'
run dot-forward -n .forward
t_check "dot-forward: \\\\self keeps a copy, \\\\other and bare names get control/me, <> stripped" "$out" \
"forward bob@test.example
forward fred@test.example
forward ann@x.example
deliver to the default mailbox"
fwd 'a@x.example\n/home/joe/mail/archive\n'
run dot-forward .forward
t_check "dot-forward refuses file deliveries with 111" "$rc" 111
t_match "dot-forward says why a file is refused" "$err" 'delivery to files is not supported'
t_fail "dot-forward: a refused file queues nothing" queued
fwd ':include:/etc/mail/list\n'
run dot-forward .forward
t_check "dot-forward refuses :include: with 111" "$rc" 111
t_match "dot-forward says why :include: is refused" "$err" ':include: is not supported'
fwd '"unterminated@x.example\n'
run dot-forward .forward
t_check "dot-forward: unclosed quote -> 111" "$rc" 111
printf 'a@x.example\000b@y.example\n' > "$W/.forward"
run dot-forward .forward
t_check "dot-forward: NUL byte -> 111" "$rc" 111
t_match "dot-forward names the NUL byte" "$err" 'NUL byte'
fwd 'joe bloggs@x.example\n'
run dot-forward .forward
t_check "dot-forward: unquoted blank inside an address -> 111" "$rc" 111
rm -f "$W/.forward"
run dot-forward .forward
t_check "dot-forward: no .forward -> exit 0 (next line)" "$rc" 0
t_fail "dot-forward: no .forward -> nothing queued" queued
fwd '# only comments\n\n , \n'
run dot-forward .forward
t_check "dot-forward: no entries -> exit 0" "$rc" 0
fwd 'a@x.example, b@y.example\n|cat > prog.out\n'
run dot-forward .forward
t_check "dot-forward: forwarded and program run -> 99" "$rc" 99
t_check "dot-forward: one message to all addresses with NEWSENDER" "$(envelope)" \
  "Fmary@example.net Ta@x.example Tb@y.example  "
{ printf '%s' "$DT"; cat "$M"; } > "$D/want"
t_ok "dot-forward: forwarded message carries DTLINE" cmp "$R/msg" "$D/want"
t_ok "dot-forward: the program got the whole message" cmp "$W/prog.out" "$M"
fwd '\\joe\nkeep@x.example\n'
run dot-forward .forward
t_check "dot-forward: \\\\self -> exit 0 so the default delivery follows" "$rc" 0
t_check "dot-forward: \\\\self still forwards the rest" "$(envelope)" "Fmary@example.net Tkeep@x.example  "
fwd '|exit 100\n'
run dot-forward .forward
t_check "dot-forward: a program exiting 100 -> 100" "$rc" 100
fwd '|exit 111\n'
run dot-forward .forward
t_check "dot-forward: a program exiting 111 -> 111" "$rc" 111
fwd 'a@x.example\n'
QQ_EXIT=71 run dot-forward .forward
t_check "dot-forward: temporary queue failure -> 111" "$rc" 111
printf 'a@x.example\n' > "$W/.forward2"
rm -f "$W/.forward"
run dot-forward -n .forward .forward2
t_check "dot-forward reads every named file that exists" "$out" "forward a@x.example"
run dot-forward -x .forward
t_check "dot-forward: unknown option -> 100" "$rc" 100
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "user%d@x.example,", i; printf "\n"; s = ""; for (i = 0; i < 20000; i++) s = s "a"; print s "@y.example" }' > "$W/.forward"
run dot-forward -n .forward
t_check "dot-forward: thousands of entries and a long line" "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 3001

# --- qreceipt ----------------------------------------------------------
printf 'From: mary@example.net\nNotice-Requested-Upon-Delivery-To: Joe\n  <joe@example.org>, x@y.example\nSubject: please confirm\n\nbody\n' > "$D/rq"
IN=$D/rq run qreceipt joe@Example.org
t_check "qreceipt exits 0" "$rc" 0
t_check "qreceipt: receipt from <> to SENDER" "$(envelope)" "F Tmary@example.net  "
t_match "qreceipt: receipt names the address" "$(cat "$R/msg" 2>/dev/null)" 'delivered to joe@Example.org'
t_match "qreceipt: receipt quotes the header" "$(cat "$R/msg" 2>/dev/null)" '^Subject: please confirm'
IN=$D/rq run qreceipt other@example.org
t_fail "qreceipt: not listed -> no receipt" queued
run qreceipt joe@example.org
t_fail "qreceipt: no request -> no receipt" queued
IN=$D/rq SENDER= run qreceipt joe@example.org
t_fail "qreceipt: bounce (empty sender) -> no receipt" queued
IN=$D/rq SENDER='#@[]' run qreceipt joe@example.org
t_fail "qreceipt: double bounce sender -> no receipt" queued
IN=$D/rq QQ_EXIT=71 run qreceipt joe@example.org
t_check "qreceipt: temporary queue failure -> 111" "$rc" 111

# --- qbiff ---------------------------------------------------------------
run qbiff
t_check "qbiff exits 0 (never holds up mail)" "$rc" 0
run qbiff extra
t_check "qbiff with arguments exits 100" "$rc" 100

# --- maildirmake ------------------------------------------------------
run maildirmake "$W/Maildir"
t_check "maildirmake exits 0" "$rc" 0
t_check "maildirmake: cur new tmp" "$(ls "$W/Maildir" | tr '\n' ' ')" "cur new tmp "
t_check "maildirmake: mode 700" "$(stat -c %a "$W/Maildir" "$W/Maildir/new" | tr '\n' ' ')" "700 700 "
run maildirmake "$W/Maildir"
t_check "maildirmake refuses an existing directory (111)" "$rc" 111
run maildirmake
t_check "maildirmake without argument exits 100" "$rc" 100

# --- maildir2mbox ------------------------------------------------------
MD=$W/Maildir
printf 'Return-Path: <a@one.example>\nSubject: one\n\nFrom here\n' > "$MD/new/1000.M1P1.h"
printf 'Return-Path: <>\nSubject: two\n\nsecond\n>From quoted\n' > "$MD/cur/1001.M1P1.h:2,S"
printf 'Subject: three\n\nthird\n' > "$MD/new/1002.M1P1.h"
printf 'From old@x Thu Jan  1 00:00:00 1970\nSubject: old\n\nold\n\n' > "$W/mbox"
cp "$W/mbox" "$D/oldmbox"
MAILDIR=$MD MAIL=$W/mbox MAILTMP=$W/mbox.tmp run maildir2mbox
t_check "maildir2mbox exits 0" "$rc" 0
t_check "maildir2mbox: maildir emptied" "$(find "$MD/new" "$MD/cur" -type f | wc -l | tr -d " ")" 0
t_check "maildir2mbox: From_ lines (old one kept, senders from Return-Path)" \
  "$(grep '^From ' "$W/mbox" | cut -d' ' -f1-2 | tr '\n' ' ')" \
  "From old@x From a@one.example From MAILER-DAEMON From MAILER-DAEMON "
t_check "maildir2mbox: messages in name order" \
  "$(grep '^Subject:' "$W/mbox" | tr '\n' ' ')" "Subject: old Subject: one Subject: two Subject: three "
t_check "maildir2mbox: body From lines quoted" "$(grep 'From \(here\|quoted\)' "$W/mbox" | tr '\n' ' ')" \
  ">From here >>From quoted "
t_ok "maildir2mbox: old mbox contents untouched" cmp "$D/oldmbox" "$(head -c "$(wc -c < "$D/oldmbox")" "$W/mbox" > "$D/head"; echo "$D/head")"
if command -v s-nail > /dev/null 2>&1; then
  hdrs=$(USER=$(id -un) s-nail -N -H -R -f "$W/mbox" < /dev/null 2>/dev/null)
  t_check "s-nail reads 4 messages from the mbox" "$(printf '%s\n' "$hdrs" | grep -c .)" 4
  t_match "s-nail: subjects in order" "$(printf '%s\n' "$hdrs" | tr '\n' ' ')" 'old.*one.*two.*three'
else
  t_skip "s-nail reads the mbox" "s-nail not installed"
fi
MAILDIR=$MD MAIL=$W/mbox run maildir2mbox
t_check "maildir2mbox on an empty maildir exits 0" "$rc" 0
(unset MAIL; MAILDIR=$MD run maildir2mbox; echo "$rc" > "$D/rc2")
t_check "maildir2mbox without MAIL exits 100" "$(cat "$D/rc2")" 100
MAILDIR=$W/nonexistent MAIL=$W/mbox run maildir2mbox
t_check "maildir2mbox: missing maildir exits 111" "$rc" 111

# --- maildirwatch ------------------------------------------------------
printf 'From: Ann <ann@example.net>\nTo: joe\nSubject: lunch\n\nbody\n' > "$MD/new/2000.M1P1.h"
MAILDIR=$MD run maildirwatch -1
t_check "maildirwatch -1 exits 0" "$rc" 0
t_check "maildirwatch shows From and Subject only" "$(printf '%s\n' "$out" | sed 1d | grep .)" \
"From: Ann <ann@example.net>
Subject: lunch"
MAILDIR= run maildirwatch -1
t_check "maildirwatch without MAILDIR exits 100" "$rc" 100

# --- mailsubj and datemail through the instance's qmail-inject/sendmail ---
printf 'the body\n' > "$D/body"
IN=$D/body run mailsubj 'Report for today' a@x.example b@y.example
t_check "mailsubj exits 0" "$rc" 0
t_match "mailsubj: recipients from the arguments" "$(envelope)" 'Ta@x\.example Tb@y\.example'
t_match "mailsubj: Subject field" "$(cat "$R/msg" 2>/dev/null)" '^Subject: Report for today$'
t_match "mailsubj: To field" "$(cat "$R/msg" 2>/dev/null)" '^To: a@x\.example, b@y\.example$'
t_match "mailsubj: body kept" "$(cat "$R/msg" 2>/dev/null)" '^the body$'
QQ_EXIT=71 IN=$D/body run mailsubj 'x' a@x.example
t_check "mailsubj passes qmail-inject's temporary failure" "$rc" 111
run mailsubj onlysubject
t_check "mailsubj without recipients exits 100" "$rc" 100
printf 'To: c@z.example\nSubject: dated\n\ntext\n' > "$D/dm"
IN=$D/dm TZ=UTC run datemail -t
t_check "datemail exits 0" "$rc" 0
t_match "datemail: recipients from the header with -t" "$(envelope)" 'Tc@z\.example'
t_check "datemail: exactly one Date field" "$(grep -c '^Date: ' "$R/msg" 2>/dev/null)" 1
t_match "datemail: the date is the local one (TZ)" "$(grep '^Date: ' "$R/msg" 2>/dev/null)" '^Date: .* \+0000$'

# --- boot scripts ---------------------------------------------------------
for f in "$TOP"/etc/boot/*; do
  t_ok "boot/$(basename "$f") is valid sh" sh -n "$f"
  # run it with a stand-in qmail-start that prints its arguments
  mkdir -p "$D/fake/bin"
  printf '#!/bin/sh\nfor a; do printf "[%%s]\\n" "$a"; done\n' > "$D/fake/bin/qmail-start"
  chmod 755 "$D/fake/bin/qmail-start"
  got=$(QMAILHOME=$D/fake sh "$f" 2>&1)
  t_match "boot/$(basename "$f") execs qmail-start with a default delivery" "$got" '^\[(\||\./)'
done

t_done
