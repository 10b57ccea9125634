#!/bin/sh
# binmail as the default delivery of a real installed system, as root:
# installed under the compiled home /var/qmail, started with the real
# boot scripts (binm1, binm2, binm3, binm1+df), qmail-lspawn switching to
# the recipient, binmail setgid mail creating /var/mail/USER and its
# dot-lock in a root:mail 2775 /var/mail, and s-nail and mutt reading the
# mailbox as its owner.
#
# Everything happens in a private mount namespace: a fresh directory is
# mounted over /var and private copies of /etc/passwd and /etc/group
# (with three test users, and the qmail users if the machine lacks them)
# over the real ones, so the machine's own /var and /etc are never
# touched.  The script runs itself a second time inside the namespace
# (BM_INSIDE set); that run prints the TAP lines.
. "$TOP/tests/lib.sh"

if [ -z "${BM_INSIDE:-}" ]; then
  why=
  if [ "$(id -u)" != 0 ]; then
    why="needs root: it installs into /var/qmail and delivers to system users"
  elif ! command -v unshare > /dev/null 2>&1 || ! command -v setpriv > /dev/null 2>&1; then
    why="needs unshare and setpriv (util-linux)"
  elif ! unshare -m --propagation private true > /dev/null 2>&1; then
    why="unshare -m (a private mount namespace) is not permitted here"
  elif findmnt -n -o OPTIONS -T "$T_ROOT" 2>/dev/null | grep -Eq '(^|,)nosuid(,|$)'; then
    why="$T_ROOT is on a nosuid mount: setgid binmail would not take effect"
  fi
  if [ -n "$why" ]; then
    t_skip "binmail on an installed system" "$why"
    t_done
    exit
  fi
  unshare -m --propagation private env BM_INSIDE=1 sh "$0"
  exit
fi

# ---- inside the namespace ------------------------------------------------

unset QMAILHOME
Q=/var/qmail
T=$(t_tmpdir)
# qmail-local runs as the test users in their homes below $T.
chmod 755 "$T_ROOT" "$T"
mkdir "$T/var" "$T/etc" "$T/home"
chmod 755 "$T/var" "$T/home"
# The daemons of the current round: qmail-send and its three children.
bm_pid=
bm_kids=

stop_daemons() {
  [ -n "$bm_pid" ] || return 0
  # shellcheck disable=SC2086
  t_stop_tree "$bm_pid" $bm_kids
  bm_pid=
}

trap 'stop_daemons
      chmod -R u+rwx "$T_ROOT" 2>/dev/null; rm -rf "$T_ROOT"' EXIT

# A free number, unused as uid and as gid, from 7100 on.
free_id() {
  n=7100
  while [ $n -lt 8100 ]; do
    if ! getent passwd "$n" > /dev/null 2>&1 && ! getent group "$n" > /dev/null 2>&1 \
       && ! grep -q "^[^:]*:[^:]*:$n:" "$T/etc/passwd" "$T/etc/group"; then
      echo $n; return 0
    fi
    n=$((n + 1))
  done
  return 1
}

# Private account files: the test users, and whatever the system lacks.
grep -Ev '^(bmtest|bmother|bmroot):' /etc/passwd > "$T/etc/passwd"
grep -Ev '^(bmtest|bmother|bmroot):' /etc/group > "$T/etc/group"
add_group() { # name
  getent group "$1" > /dev/null 2>&1 && return 0
  echo "$1:x:$(free_id):" >> "$T/etc/group"
}
gid_of() { # group name, from the private file
  grep "^$1:" "$T/etc/group" | head -n 1 | cut -d: -f3
}
add_user() { # name group home
  getent passwd "$1" > /dev/null 2>&1 && return 0
  echo "$1:x:$(free_id):$(gid_of "$2"):$1:$3:/bin/sh" >> "$T/etc/passwd"
}
for g in qmail nofiles mail; do add_group $g; done
add_user alias nofiles $Q/alias
for u in qmaild qmaill qmailp; do add_user $u nofiles $Q; done
for u in qmailq qmailr qmails; do add_user $u qmail $Q; done
for u in bmtest bmother bmroot; do
  n=$(free_id)
  echo "$u:x:$n:" >> "$T/etc/group"
  echo "$u:x:$n:$n:binmail test:$T/home/$u:/bin/sh" >> "$T/etc/passwd"
  mkdir "$T/home/$u"
  chown "$n:$n" "$T/home/$u"
  chmod 755 "$T/home/$u"
done
chmod 644 "$T/etc/passwd" "$T/etc/group"

mount --bind "$T/etc/passwd" /etc/passwd &&
  mount --bind "$T/etc/group" /etc/group &&
  mount --bind "$T/var" /var
t_check "private /etc/passwd, /etc/group and /var are mounted" "$?" 0
# Never go on with the machine's own /var.
if [ "$(stat -c %d:%i /var)" != "$(stat -c %d:%i "$T/var")" ]; then
  t_check "/var is the private directory" "$(stat -c %d:%i /var)" "$(stat -c %d:%i "$T/var")"
  t_done
  exit
fi
t_check "the test user exists in the namespace" "$(getent passwd bmtest | cut -d: -f6)" "$T/home/bmtest"
mkdir -m 1777 /var/tmp
mkdir /var/mail
chown root:mail /var/mail
chmod 2775 /var/mail

"$QBIN/qmail-install" "$TOP" $Q > "$T/install.log" 2>&1
t_check "qmail-install into /var/qmail exits 0" "$?" 0
echo test.example > $Q/control/me
echo test.example > $Q/control/locals
t_check "bin/binmail is root:mail, mode 2755 (setgid mail)" \
  "$(stat -c %U:%G:%a $Q/bin/binmail 2>&1)" root:mail:2755

as_user() { # name command...: the way a user runs it, without root's groups
  as_name=$1
  as_home=$(getent passwd "$1" | cut -d: -f6)
  as_id=$(id -u "$1"):$(id -g "$1")
  shift
  setpriv --reuid="${as_id%:*}" --regid="${as_id#*:}" --clear-groups \
    env - PATH=$Q/bin:/usr/bin:/bin HOME="$as_home" USER="$as_name" LOGNAME="$as_name" "$@"
}

count_mail() { # mailbox: its From_ lines (body lines are quoted)
  c=$(grep -c '^From ' "$1" 2>/dev/null)
  echo "${c:-0}"
}

wait_count() { # mailbox count seconds
  i=0
  while [ "$(count_mail "$1")" -lt "$2" ] && [ $i -lt $(($3 * 10)) ]; do
    sleep 0.1; i=$((i + 1))
  done
  [ "$(count_mail "$1")" -ge "$2" ]
}

start_daemons() { # boot script
  LOG=$T/send-$1.log
  : > "$LOG"
  "$Q/boot/$1" >> "$LOG" 2>&1 &
  bm_pid=$!
  t_wait_grep "$LOG" '^status: local' 10
  t_check "boot/$1 starts the mail system" "$?" 0
  bm_kids=$(t_children "$bm_pid")
}

stop_round() { # boot script
  kids=$bm_kids
  stop_daemons
  left=
  for k in $kids; do t_alive "$k" && left="$left $k"; done
  t_check "no daemon of the boot/$1 round survives" "$left" ""
}

FROM_DATE='(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9]{4}$'
BOX=/var/mail/bmtest
OTHER=/var/mail/bmother

# ---- root runs binmail itself -------------------------------------------

ROOTBOX=/var/mail/bmroot
printf 'Subject: bounce\n\nFrom here\n' | $Q/bin/binmail -r '' -d bmroot
t_check "root runs binmail -r '' -d bmroot: exit 0" "$?" 0
t_check "  the new mailbox is bmroot:mail, mode 600" "$(stat -c %U:%G:%a $ROOTBOX 2>&1)" bmroot:mail:600
t_match "  an empty sender is MAILER-DAEMON" "$(sed -n 1p $ROOTBOX 2>&1)" "^From MAILER-DAEMON $FROM_DATE"
t_check "  the body is quoted" "$(sed -n 4p $ROOTBOX 2>&1)" ">From here"
t_fail "  no dot-lock is left behind" test -e $ROOTBOX.lock
err=$(printf 'Subject: nobody\n\nx\n' | $Q/bin/binmail -d bm-no-such-user 2>&1)
t_check "an unknown user is a permanent failure (100)" "$?" 100
t_match "  named in the message" "$err" '^binmail: no such user: bm-no-such-user'
for boot in binm1 binm2 binm3 binm1+df binm2+df binm3+df; do
  t_match "boot/$boot delivers with preline -f binmail" "$(cat $Q/boot/$boot 2>&1)" \
    "^'?\\|preline -f binmail -[rf] \"\\\$\\{SENDER:-MAILER-DAEMON\\}\" -d \"\\\$USER\"' "
done

# ---- round 1: boot/binm1 -------------------------------------------------

start_daemons binm1

printf 'To: bmtest\nSubject: first\n\nFrom the start\n>From quoted\nlast line\n' |
  as_user bmtest sendmail bmtest
t_check "sendmail run by bmtest exits 0" "$?" 0
t_ok "the message arrives in /var/mail/bmtest" wait_count $BOX 1 10
t_ok "send.log: delivery N: success" t_wait_grep "$LOG" '^delivery [0-9]+: success' 10
t_check "the mailbox is bmtest:mail, mode 600" "$(stat -c %U:%G:%a $BOX 2>&1)" bmtest:mail:600
t_check "/var/mail is still root:mail 2775" "$(stat -c %U:%G:%a /var/mail)" root:mail:2775
t_fail "no dot-lock is left behind" test -e $BOX.lock
t_match "line 1 is binmail's From_ line with the sender" "$(sed -n 1p $BOX)" \
  "^From bmtest@test\.example $FROM_DATE"
t_check "line 2 is preline's Return-Path" "$(sed -n 2p $BOX)" "Return-Path: <bmtest@test.example>"
t_check "line 3 is preline's Delivered-To" "$(sed -n 3p $BOX)" "Delivered-To: bmtest@test.example"
body=$(sed -n '/^$/,$p' $BOX | sed 1d)
t_check "the body is mboxrd-quoted" "$body" \
">From the start
>>From quoted
last line"
t_check "the message ends with an empty line" "$(tail -c 2 $BOX | od -An -c | tr -d ' ')" '\n\n'

# binmail itself, run by the user: its own mailbox yes, someone else's no.
printf 'Subject: direct\n\nno newline at the end' |
  as_user bmtest binmail -f direct@test.example -d bmtest
t_check "bmtest runs binmail -d bmtest itself: exit 0" "$?" 0
t_check "  and it is the second message" "$(count_mail $BOX)" 2
t_match "  with the -f sender in its From_ line" "$(grep '^From ' $BOX | sed -n 2p)" \
  "^From direct@test\.example $FROM_DATE"
before=$(ls -A /var/mail | tr '\n' ' ')
err=$(printf 'Subject: steal\n\nx\n' | as_user bmtest binmail -d root 2>&1)
t_check "bmtest running binmail -d root: exit 111" "$?" 111
t_match "  says why" "$err" '^binmail: may deliver only to the caller'
t_check "  and creates nothing in /var/mail" "$(ls -A /var/mail | tr '\n' ' ')" "$before"
# Without its setgid bit the same program cannot lock in /var/mail.
cp $Q/bin/binmail "$T/binmail-plain"
chmod 755 "$T/binmail-plain"
size=$(wc -c < $BOX)
err=$(printf 'Subject: plain\n\nx\n' | as_user bmtest "$T/binmail-plain" -d bmtest 2>&1)
t_check "a copy without setgid, run by bmtest: exit 111" "$?" 111
t_match "  names the dot-lock it could not create" "$err" "^binmail: unable to create $BOX\.lock: "
t_check "  and leaves the mailbox alone" "$(wc -c < $BOX)" "$size"

# A reader holding the dot-lock (the way the readers' dotlock helpers
# make it) holds the delivery back until it lets go.
echo 1 > $BOX.lock
chown bmtest:mail $BOX.lock
printf 'To: bmtest\nSubject: third\n\nthird body\n' | as_user bmtest sendmail bmtest
sleep 2
t_check "while a reader holds bmtest.lock nothing is appended" "$(count_mail $BOX)" 2
t_ok "  and the reader's lock stays in place" test -f $BOX.lock
rm -f $BOX.lock
t_ok "the third message arrives once the lock is gone" wait_count $BOX 3 10
stop_round binm1

# ---- the readers, as the user ------------------------------------------

snail_out=$(as_user bmtest env MAIL=$BOX s-nail -R -H 2>&1)
t_check "s-nail -H lists three messages" "$(printf '%s\n' "$snail_out" | grep -c '^.[ NUO]* *[0-9][0-9]* ')" 3
t_match "  the first from bmtest, subject first" \
  "$(printf '%s\n' "$snail_out" | sed -n 1p)" 'bmtest@test\.exampl.* first'
t_fail "  without complaints about From_ lines" \
  sh -c 'printf "%s\n" "$1" | grep -q "^s-nail:"' sh "$snail_out"
snail_msg=$(printf 'Type 1\n' | as_user bmtest env MAIL=$BOX s-nail -N -R 2>&1)
t_match "s-nail shows message 1 with its Delivered-To" "$snail_msg" '^Delivered-To: bmtest@test\.example$'
# s-nail shows the stored text; undoing one level of mboxrd quoting must
# give back exactly the lines that were sent.
t_check "  and its body, unquoted, is the body sent" \
  "$(printf '%s\n' "$snail_msg" | sed -n '/^Subject: first$/,$p' | sed '1,/^$/d' |
     sed 's/^>\(>*From \)/\1/' | sed '/^$/,$d')" \
"From the start
>From quoted
last line"
snail_msg=$(printf 'Type 2\n' | as_user bmtest env MAIL=$BOX s-nail -N -R 2>&1)
t_match "s-nail shows message 2 (direct, no final newline) whole" "$snail_msg" '^no newline at the end$'

if command -v mutt > /dev/null 2>&1 && command -v script > /dev/null 2>&1; then
  H=$T/home/bmtest
  as_user bmtest env TERM=vt100 timeout 15 script -qec "mutt -n -F /dev/null -R \
    -e 'set folder=$H spoolfile=$BOX wait_key=no quit=yes' -f $BOX \
    -e 'push \"<first-entry><pipe-message>cat > $H/mutt.msg<enter><quit>\"'" /dev/null \
    > "$T/mutt.screen" 2>&1
  t_check "mutt, driven through a pty, exits 0" "$?" 0
  t_match "mutt counts three messages" "$(cat "$T/mutt.screen")" 'Msgs:3 '
  t_check "mutt pipes message 1 out with its quoted body" \
    "$(sed -n '/^Subject: first$/,$p' "$H/mutt.msg" 2>&1 | sed 1,2d)" \
">From the start
>>From quoted
last line"
else
  t_skip "mutt reads the mailbox" "mutt or script(1) is not installed"
fi

# ---- round 2: the other option spellings ------------------------------

n=3
for boot in binm2 binm3; do
  if [ ! -f $Q/boot/$boot ]; then
    t_check "boot/$boot is installed" missing present
    continue
  fi
  start_daemons $boot
  n=$((n + 1))
  printf 'To: bmtest\nSubject: via %s\n\nbody\n' $boot | as_user bmtest sendmail bmtest
  t_ok "boot/$boot delivers into /var/mail/bmtest" wait_count $BOX $n 10
  t_match "  with the sender in the From_ line" "$(grep '^From ' $BOX | sed -n ${n}p)" \
    "^From bmtest@test\.example $FROM_DATE"
  t_ok "  after Return-Path and Delivered-To" \
    sh -c "grep -A3 '^From ' $BOX | tail -n 3 | grep -q '^Delivered-To: bmtest@test.example$'"
  t_fail "  leaving no dot-lock" test -e $BOX.lock
  stop_round $boot
done
snail_out=$(as_user bmtest env MAIL=$BOX s-nail -R -H 2>&1)
t_check "s-nail now lists $n messages" "$(printf '%s\n' "$snail_out" | grep -c '^.[ NUO]* *[0-9][0-9]* ')" $n

# ---- round 3: binm1+df, ~/.forward --------------------------------------

printf 'bmother\n"|echo piped >> %s"\n' "$T/home/bmtest/piped" > "$T/home/bmtest/.forward"
chown bmtest "$T/home/bmtest/.forward"
t_check "boot/binm1+df runs dot-forward, then binmail" \
  "$(grep -oE '\|(dot-forward|preline) [^ ]+( [^ ]+)?' $Q/boot/binm1+df)" \
"|dot-forward .forward
|preline -f binmail"
start_daemons binm1+df
printf 'To: bmtest\nSubject: forwarded\n\nfor bmother\n' | as_user bmtest sendmail bmtest
t_ok "the ~/.forward copy arrives in /var/mail/bmother" wait_count $OTHER 1 10
t_check "  which is bmother:mail, mode 600" "$(stat -c %U:%G:%a $OTHER 2>&1)" bmother:mail:600
t_check "  and says where it came from" "$(grep '^Delivered-To: ' $OTHER)" \
"Delivered-To: bmother@test.example
Delivered-To: bmtest@test.example"
t_ok "the program line of ~/.forward runs as bmtest" t_wait_grep "$T/home/bmtest/piped" '^piped$' 10
t_ok "send.log: the delivery to bmtest succeeds" \
  t_wait_grep "$LOG" '^delivery [0-9]+: success: .*' 10
sleep 1
t_check "bmtest keeps no copy (dot-forward exit 99)" "$(count_mail $BOX)" $n
t_check "mail for bmother (no .forward) is delivered by binmail" \
  "$(printf 'Subject: direct\n\nhi\n' | as_user bmtest sendmail bmother; wait_count $OTHER 2 10; count_mail $OTHER)" 2
stop_round binm1+df
t_check "no lock files remain in /var/mail" "$(ls -A /var/mail | tr '\n' ' ')" "bmother bmroot bmtest "

# Running setgid, binmail ignores QMAILHOME: a user's own "instance"
# whose control/mailspool names a directory of the user's cannot turn
# the mail group's rights onto it.
mine=$T/home/bmtest/mine
mkdir -p "$mine/control" "$mine/spool"
echo "$mine/spool" > "$mine/control/mailspool"
chown -R bmtest "$mine"
n=$(count_mail $BOX)
printf 'Subject: instance\n\nx\n' | as_user bmtest env QMAILHOME="$mine" binmail -d bmtest
t_check "setgid binmail with QMAILHOME set: exit 0" "$?" 0
t_check "  delivers into /var/mail all the same" "$(count_mail $BOX)" $((n + 1))
t_check "  and not into the spool QMAILHOME's control/mailspool names" "$(ls -A "$mine/spool")" ""

# Without /var/mail the spool is /var/spool/mail; without either,
# binmail defers and says what to do.
mv /var/mail /var/mail.away
mkdir -p /var/spool/mail
chgrp mail /var/spool/mail
chmod 2775 /var/spool/mail
printf 'Subject: spool\n\nx\n' | as_user bmtest binmail -d bmtest
t_check "no /var/mail: binmail delivers into /var/spool/mail" "$?:$(count_mail /var/spool/mail/bmtest)" 0:1
rm -rf /var/spool/mail
err=$(printf 'Subject: nowhere\n\nx\n' | as_user bmtest binmail -d bmtest 2>&1)
t_check "neither spool directory: exit 111" "$?" 111
t_match "  and says so" "$err" '^binmail: fatal: no mail spool directory: neither /var/mail nor /var/spool/mail exists'
mv /var/mail.away /var/mail
t_done
