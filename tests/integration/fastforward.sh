#!/bin/sh
# fastforward: exit codes 0/99/100/111, -n, -p, -d, owner envelope
# senders, lists, programs, loops -- first with a stand-in queue
# program ($QMAILQUEUE) that records the envelope, then through a
# running instance with /etc/aliases-style tables in
# ~alias/.qmail-default: root, postmaster, a list of three, an owner-
# list whose bounce goes to the owner, a program, an include file, an
# alias of an alias, loops (one bounce, no storm); and Debian's
# fastforward 0.51 tables read by ours and ours by theirs.
. "$TOP/tests/lib.sh"

W=$(t_tmpdir)
cd "$W" || exit 1

# -- part 1: the program alone, queue stood in for -------------------
cat > fakeq <<'EOF2'
#!/bin/sh
# stands in for qmail-queue: message to $FQ.msgN, envelope to $FQ.envN
n=$(ls "$FQ".env* 2>/dev/null | wc -l)
cat > "$FQ.msg$n"
exec 3<&1
cat <&3 | tr '\0' '\n' > "$FQ.env$n"
exit 0
EOF2
chmod 755 fakeq
cat > table <<'EOF2'
team@h.example: &u1@h.example, u2@h.example, &team2@h.example;
team2@h.example: u3@h.example, u1@h.example;
ann@h.example: ?owner-ann@h.example, a1@h.example, ./ann.bin;
@wild.example: catch@h.example;
joe@: joe@elsewhere.example;
prog@h.example: |echo\ "$SENDER"\ >prog.out\;cat>>prog.out, !cat>bang.out;
loopa@h.example: loopb@h.example;
loopb@h.example: loopa@h.example;
badlist@h.example: ./missing.bin;
fails@h.example: |exit\ 100;
defers@h.example: |exit\ 111;
EOF2
"$QBIN/setforward" t.cdb t.tmp < table
printf 'a2@h.example\na1@h.example\n' | "$QBIN/setmaillist" ann.bin ann.tmp
printf 'Subject: hi\n\nbody\n' > msg
ff() {  # ff RECIPIENT [options]: run fastforward, print exit code
  r=$1; shift
  rm -f q.*
  env QMAILQUEUE="$W/fakeq" FQ="$W/q" RECIPIENT="$r" NEWSENDER="${NS-s@x.example}" \
    SENDER=s@x.example DTLINE="Delivered-To: $r
" UFLINE="From s@x.example Thu Jan  1 00:00:00 1970
" RPLINE="Return-Path: <s@x.example>
" "$QBIN/fastforward" "$@" t.cdb < msg > out 2> err
  echo $?
}
t_check "a list found: exit 0 (-P)" "$(ff team@h.example)" 0
t_check "one queueing, the sender kept, each recipient once (team2 expanded)" \
  "$(cat q.env0)" 'Fs@x.example
Tu1@h.example
Tu2@h.example
Tu3@h.example'
t_check "the message goes out with DTLINE in front" "$(head -n 1 q.msg0)" "Delivered-To: team@h.example"
t_check "with -p a found address exits 99" "$(ff team@h.example -p)" 99
t_check "an unknown address bounces (100)" "$(ff nobody@h.example)" 100
t_match "... with qmail's words" "$(cat err)" 'Sorry, no mailbox here by that name. \(#5.1.1\)'
t_check "with -p an unknown address exits 0, nothing queued" "$(ff nobody@h.example -p):$(ls q.* 2>/dev/null)" "0:"
t_check "Upper CASE recipients are looked up lowercased" "$(ff TEAM@H.Example -p)" 99
t_check "-d: \$DEFAULT@\$HOST" "$(DEFAULT=team HOST=h.example ff ignored -d -p)" 99
t_check "-d: \$EXT@\$HOST when DEFAULT is unset" "$(EXT=team HOST=h.example ff ignored -dp)" 99
t_check "@host catches every user there" "$(ff whoever@wild.example):$(sed -n 2p q.env0)" "0:Tcatch@h.example"
t_check "user@ catches the user at any host" "$(ff joe@any.example):$(sed -n 2p q.env0)" "0:Tjoe@elsewhere.example"
t_check "an owner is the envelope sender; the list file is read" "$(ff ann@h.example)" 0
t_check "... once, with the owner as sender" "$(cat q.env0)" 'Fowner-ann@h.example
Ta1@h.example
Ta2@h.example'
t_check "a bounce (empty sender) keeps its empty sender" \
  "$(NS= ff ann@h.example >/dev/null; sed -n 1p q.env0)" 'F'
t_check "programs: exit 0" "$(ff prog@h.example)" 0
t_check "'|' gets the message alone, with the environment" "$(cat prog.out)" 's@x.example
Subject: hi

body'
t_check "'!' gets UFLINE, RPLINE, DTLINE first" "$(sed -n 1,3p bang.out)" 'From s@x.example Thu Jan  1 00:00:00 1970
Return-Path: <s@x.example>
Delivered-To: prog@h.example'
t_check "an internal loop bounces (100)" "$(ff loopa@h.example)" 100
t_match "... saying it loops" "$(cat err)" 'loops.*#5\.4\.6'
t_check "a missing list file defers (111)" "$(ff badlist@h.example)" 111
t_match "... naming it" "$(cat err)" 'missing\.bin'
t_check "a program exiting 100 bounces" "$(ff fails@h.example)" 100
t_check "a program exiting 111 defers" "$(ff defers@h.example)" 111
rm -f none.cdb
t_check "a missing cdb defers (111)" "$(env RECIPIENT=x@y NEWSENDER=s "$QBIN/fastforward" none.cdb < msg 2>/dev/null; echo $?)" 111
t_check "without RECIPIENT: 111" "$(env -u RECIPIENT NEWSENDER=s "$QBIN/fastforward" t.cdb < msg 2>/dev/null; echo $?)" 111
t_check "a bad option: usage, 100" "$(env RECIPIENT=x@y "$QBIN/fastforward" -x t.cdb < msg 2>/dev/null; echo $?)" 100
env RECIPIENT=ann@h.example NEWSENDER=s@x.example "$QBIN/fastforward" -n t.cdb > plan 2>&1
t_check "-n prints the plan and delivers nothing" "$?:$(cat plan)" '0:from <owner-ann@h.example>
to <a1@h.example>
to <a2@h.example>'
# a corrupt cdb: temporary, never a bounce
head -c 3000 t.cdb > broken.cdb
t_check "a truncated cdb defers (111)" "$(env RECIPIENT=team@h.example NEWSENDER=s "$QBIN/fastforward" broken.cdb < msg 2>/dev/null; echo $?)" 111

# Debian's tables read by ours, ours by Debian's
if [ -x /usr/bin/setforward ] && [ -x /usr/bin/fastforward ]; then
  /usr/bin/setforward deb.cdb deb.tmp < table
  t_check "ours obeys a table Debian's setforward wrote" \
    "$(env RECIPIENT=ann@h.example NEWSENDER=s "$QBIN/fastforward" -n deb.cdb | sort)" \
    "$(env RECIPIENT=ann@h.example NEWSENDER=s "$QBIN/fastforward" -n t.cdb | sort)"
  t_check "Debian's fastforward reads ours: the same recipients" \
    "$(cd "$W" && env RECIPIENT=team@h.example /usr/bin/fastforward -n t.cdb 2>&1 | sort)" \
    "$(env RECIPIENT=team@h.example "$QBIN/fastforward" -n t.cdb 2>&1 | sed 's/^from <.*/from <original envelope sender>/' | sort)"
else
  t_skip "ours obeys a table Debian's setforward wrote" "Debian's fastforward is not installed"
  t_skip "Debian's fastforward reads ours" "Debian's fastforward is not installed"
fi

# -- part 2: through the running queue --------------------------------
I=$W/inst
t_instance "$I" test.example
A=$I/alias
for box in ffadmin u1 u2 u3 ffowner ffsender; do
  t_maildir "$A/$box"
  echo "./$box/" > "$A/.qmail-$box"
done
cat > staff <<'EOF2'
# the staff, for :include:
u2, u3
EOF2
cat > aliases <<EOF2
postmaster: root
root: ffadmin
mailer-daemon: postmaster
team: u1, u2, u3
chain: team
announce: u1, nosuchbox
owner-announce: ffowner
prog: "|cat > $A/progout"
inc: :include:$W/staff
qloopa: qloopb-x
qloopb-x: qloopa-y
qloopa-y: qloopa
iloopa@test.example: iloopb@test.example
iloopb@test.example: iloopa@test.example
EOF2
QMAILHOME=$I "$QBIN/newinclude" "$W/staff"
QMAILHOME=$I "$QBIN/newaliases" "$W/aliases"
t_check "newaliases for the instance" "$?" 0
echo "| $QBIN/fastforward -d $W/aliases.cdb" > "$A/.qmail-default"
# Debian's setforward writes a table for debtest-*
if [ -x /usr/bin/setforward ]; then
  echo 'x@test.example: u3@test.example;' | /usr/bin/setforward "$W/deb.cdb" "$W/deb.tmp"
else
  echo 'x@test.example: u3@test.example;' | "$QBIN/setforward" "$W/deb.cdb" "$W/deb.tmp"
fi
echo "| $QBIN/fastforward -d $W/deb.cdb" > "$A/.qmail-debtest-default"
t_start "$I" || { t_done; exit 1; }

send() { printf 'Subject: %s\n\n%s\n' "$2" "$2 body" | t_queue "$I" ffsender@test.example "$1@test.example"; }
has() {  # has BOX SUBJECT [COUNT]: wait until BOX holds COUNT (1) messages with SUBJECT
  i=0
  while [ $i -lt 100 ]; do
    n=$(grep -ls "^Subject: $2\$" "$A/$1/new/"* 2>/dev/null | wc -l)
    [ "$n" -ge "${3:-1}" ] && return 0
    sleep 0.1; i=$((i + 1))
  done
  return 1
}
send root to-root
t_ok "root@ reaches ffadmin (root: ffadmin)" has ffadmin to-root
send postmaster to-postmaster
t_ok "postmaster@ reaches ffadmin (postmaster: root: ffadmin)" has ffadmin to-postmaster
send mailer-daemon to-md
t_ok "mailer-daemon@ too, three aliases deep" has ffadmin to-md
send team to-team
t_ok "a list of three: u1" has u1 to-team
t_ok "a list of three: u2" has u2 to-team
t_ok "a list of three: u3" has u3 to-team
f=$(grep -ls '^Subject: to-team$' "$A"/u1/new/* | head -n 1)
t_check "the copy keeps the original sender" "$(sed -n 1p "$f")" "Return-Path: <ffsender@test.example>"
t_match "and carries fastforward's Delivered-To line" "$(cat "$f")" '^Delivered-To: team@test.example$'
send chain to-chain
t_ok "an alias of an alias (chain: team) reaches u3" has u3 to-chain
send inc to-inc
t_ok "an include file reaches u2" has u2 to-inc
t_ok "an include file reaches u3" has u3 to-inc
send debtest-x to-deb
t_ok "a table written by Debian's setforward, delivered through ours" has u3 to-deb
send announce to-announce
t_ok "an owner- list delivers to its members" has u1 to-announce
f=$(grep -ls '^Subject: to-announce$' "$A"/u1/new/* | head -n 1)
t_check "with the owner as envelope sender" "$(sed -n 1p "$f")" "Return-Path: <owner-announce@test.example>"
i=0
while [ $i -lt 100 ] && ! grep -qs '^<nosuchbox@test.example>:$' "$A"/ffowner/new/*; do sleep 0.1; i=$((i + 1)); done
t_match "the bounce for the bad member goes to the owner" "$(cat "$A"/ffowner/new/* 2>/dev/null)" 'Sorry, no mailbox here by that name'
send prog to-prog
t_wait_grep "$A/progout" '^Subject: to-prog$'
t_match "a program alias gets the message" "$(cat "$A/progout" 2>/dev/null)" '^Subject: to-prog$'
t_match "... with the mbox From_ line in front (!)" "$(head -n 1 "$A/progout" 2>/dev/null)" '^From ffsender@test.example '
send nobody-at-all to-nobody
i=0
while [ $i -lt 100 ] && ! grep -qs '^<nobody-at-all@test.example>:$' "$A"/ffsender/new/*; do sleep 0.1; i=$((i + 1)); done
t_match "an unknown address bounces to the sender" "$(cat "$A"/ffsender/new/* 2>/dev/null)" 'Sorry, no mailbox here by that name'
send iloopa to-iloop
i=0
while [ $i -lt 100 ] && ! grep -qs '^<iloopa@test.example>:$' "$A"/ffsender/new/*; do sleep 0.1; i=$((i + 1)); done
t_match "an alias loop inside the table bounces once, saying so" "$(cat "$A"/ffsender/new/* 2>/dev/null)" 'This alias loops'
send qloopa to-qloop
t_ok "a loop through the queue ends in a failure" t_wait_log "$I" \
  'failure: This_message_is_looping:_it_already_has_my_Delivered-To_line._\(#5.4.6\)'
sleep 2
t_check "one bounce for it, no storm" \
  "$(grep -l '^<qloopa@test.example>:$' "$A"/ffsender/new/* 2>/dev/null | wc -l | tr -d ' ')" 1
t_check "qloopa was delivered twice only (then refused)" \
  "$(grep -cE '^starting delivery [0-9]+: msg [0-9]+ to local qloopa@test.example$' "$I/send.log")" 2
# qmail-smtpd's recipient check reads the same table the same way
echo test.example > "$I/control/rcpthosts"
t_give "$I" "$I/control/rcpthosts"
replies=$(printf 'EHLO c\r\nMAIL FROM:<x@test.example>\r\nRCPT TO:<Team@test.example>\r\nRCPT TO:<announce@test.example>\r\nRCPT TO:<nobody-here@test.example>\r\nQUIT\r\n' \
  | t_as_owner "$I" env QMAILHOME="$I" TCPREMOTEIP=192.0.2.9 RCPTCHECK=1 "$QBIN/qmail-smtpd" 2>/dev/null \
  | tr -d '\r' | sed -n '/^250 ok$/p;/^5[0-9][0-9] /p;/^4[0-9][0-9] /p' | tail -n +2 | cut -c1-3 | tr '\n' ' ')
t_check "qmail-smtpd RCPTCHECK: aliases accepted, an unknown address 550" "$replies" "250 250 550 "
t_done
