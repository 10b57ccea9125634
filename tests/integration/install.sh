#!/bin/sh
# make install into a DESTDIR, then qmail-instcheck finds, reports and
# repairs damage to the tree.
#
# Ownership by the qmail users is checked only where they exist (after
# porting/users-linux.sh) and the test runs as root.  Otherwise, as on a
# fresh machine or for an ordinary user, qmail-install leaves ownership
# alone and qmail-instcheck checks the tree as an instance ($QMAILHOME
# set to it): every entry belongs to the owner of the home directory,
# with the modes hier.c gives it.
. "$TOP/tests/lib.sh"

qconf() { sed -n "s/^#define CONF_$1 \"\\(.*\\)\"\$/\\1/p" "$TOP/build/include/qconf.h"; }
sysmode=no
if [ "$(id -u)" = 0 ]; then
  sysmode=yes
  for v in USER_ALIAS USER_DAEMON USER_LOG USER_OWNER USER_PASSWD USER_QUEUE USER_REMOTE USER_SEND; do
    getent passwd "$(qconf $v)" > /dev/null 2>&1 || sysmode=no
  done
  for v in GROUP_QMAIL GROUP_NOFILES GROUP_MAIL; do
    getent group "$(qconf $v)" > /dev/null 2>&1 || sysmode=no
  done
fi

dest=$(t_tmpdir)
home=$dest/var/qmail
log=$(t_tmpdir)/install.log
(cd "$TOP" && t_make -s install DESTDIR="$dest") > "$log" 2>&1
t_check "make install exits 0" "$?" 0

t_ok "bin/qmail-instcheck installed and executable" test -x "$home/bin/qmail-instcheck"
t_ok "man page installed" test -f "$home/man/man8/qmail-instcheck.8"
t_ok "queue/mess has split subdirectory 22" test -d "$home/queue/mess/22"
t_fail "queue/mess has no subdirectory 23 (split 23)" test -e "$home/queue/mess/23"
t_ok "trigger is a fifo" test -p "$home/queue/lock/trigger"
# ext2/3/4: the queue directories carry the top-of-hierarchy attribute,
# so their split subdirectories are spread over block groups
fstype=$(stat -f -c %T "$home" 2>/dev/null)
if command -v lsattr > /dev/null 2>&1 && [ "$fstype" = ext2/ext3 ]; then
  t_match "queue/mess is marked top-of-hierarchy (lsattr T)" \
    "$(lsattr -d "$home/queue/mess" 2>&1)" '^[^ ]*T[^ ]* '
  t_match "queue itself is marked top-of-hierarchy" \
    "$(lsattr -d "$home/queue" 2>&1)" '^[^ ]*T[^ ]* '
  t_fail "control is not" sh -c "lsattr -d '$home/control' | grep -q '^[^ ]*T'"
  groups=$(for k in mess intd todo info local remote; do
    for i in 0 7 15 22; do stat -c %i "$home/queue/$k/$i"; done
  done | awk '{ print int(($1 - 1) / 8192) }' | sort -u | wc -l)
  t_ok "the split subdirectories are not all in one block group ($groups groups of 8192 inodes)" \
    test "$groups" -gt 1
else
  t_skip "queue directories marked top-of-hierarchy" "not ext2/3/4 here ($fstype) or no lsattr"
fi
t_check "tcpto is 2048 bytes" "$(wc -c < "$home/queue/lock/tcpto" | tr -d ' ')" 2048
t_check "qmail-tcpto lists an empty tcpto as nothing" "$(QMAILHOME=$home "$home/bin/qmail-tcpto" 2>&1; echo "rc=$?")" "rc=0"
t_check "alias dir mode 2755" "$(stat -c %a "$home/alias")" 2755
t_check "queue/info/0 mode 700" "$(stat -c %a "$home/queue/info/0")" 700
if [ "$(id -u)" = 0 ] && [ $sysmode = no ]; then
  # root without the qmail users: the files stay root's, and a set-id
  # program owned by root would be a set-id-root program
  t_check "root without the qmail users: qmail-queue is not setuid (it would be root's)" \
    "$(stat -c %U:%a "$home/bin/qmail-queue")" root:711
  t_check "... nor binmail setgid to root's group" "$(stat -c %G:%a "$home/bin/binmail")" root:755
  t_check "... no program at all is set-id" "$(find "$home" -perm /6000 -type f | sed "s|$home/||")" ""
  t_match "... and make install says so" "$(cat "$log")" \
    'warning: bin/qmail-queue: installed without its set-id bit, since its owner would be root'
else
  t_check "qmail-queue is the setuid program" "$(stat -c %a "$home/bin/qmail-queue")" 4711
  setuid=$(find "$home" -perm -4000 -type f | sed "s|$home/||")
  t_check "no other program is setuid" "$setuid" bin/qmail-queue
  t_check "binmail is setgid" "$(stat -c %a "$home/bin/binmail")" 2755
  setgid=$(find "$home" -perm -2000 -type f | sed "s|$home/||")
  t_check "no other program is setgid" "$setgid" bin/binmail
fi

if [ $sysmode = yes ]; then
  t_check "queue/mess owned by qmailq:qmail" "$(stat -c %U:%G "$home/queue/mess")" qmailq:qmail
  t_check "queue/info owned by qmails:qmail" "$(stat -c %U:%G "$home/queue/info")" qmails:qmail
  t_check "tcpto owned by qmailr" "$(stat -c %U "$home/queue/lock/tcpto")" qmailr
  t_check "binaries owned by root:qmail" "$(stat -c %U:%G "$home/bin/qmail-instcheck")" root:qmail
  t_check "qmail-queue is owned by qmailq" "$(stat -c %U "$home/bin/qmail-queue")" qmailq
  t_check "binmail belongs to the mail spool's group" "$(stat -c %U:%G "$home/bin/binmail")" root:mail
else
  t_check "without the qmail users every entry keeps the installer's owner" \
    "$(find "$home" ! -user "$(id -u)" | sed "s|$home/||" | head -n 5)" ""
  t_skip "ownership by the qmail users after install" "needs root and the qmail users (porting/users-linux.sh)"
fi

# qmail-instcheck on the tree: as installed for the qmail users, or else
# as an instance belonging to the installer (see the top of this file).
ic() {
  if [ $sysmode = yes ]; then "$QBIN/qmail-instcheck" "$@"
  else QMAILHOME=$home "$QBIN/qmail-instcheck" "$@"
  fi
}

# A clean tree: nothing to report.
out=$(ic -n "$home" 2>&1)
t_check "instcheck -n on a fresh install exits 0" "$?" 0
t_match "instcheck reports no problems" "$out" '^problems: 0, repaired: 0$'
t_match "it checked the whole tree, not just an instance's runtime part" "$out" "^checking $home\$"

# Damage it: a removed split directory, a wrong mode, a removed fifo.
rmdir "$home/queue/todo/7"
chmod 0777 "$home/queue/mess/3"
rm "$home/queue/lock/trigger"
out=$(ic -n "$home" 2>&1)
t_check "instcheck -n on a damaged tree exits 100" "$?" 100
t_match "reports the missing todo/7" "$out" '^queue/todo/7: missing$'
t_match "reports the bad mode" "$out" '^queue/mess/3: mode 0777, should be 0750$'
t_match "reports the missing trigger" "$out" '^queue/lock/trigger: missing$'
t_ok "-n changed nothing" test ! -e "$home/queue/todo/7"

out=$(ic "$home" 2>&1)
t_check "instcheck repairs and exits 0" "$?" 0
t_match "summary counts 3 repairs" "$out" '^problems: 3, repaired: 3$'
t_ok "todo/7 recreated" test -d "$home/queue/todo/7"
t_check "todo/7 has mode 750" "$(stat -c %a "$home/queue/todo/7")" 750
t_check "mess/3 mode restored" "$(stat -c %a "$home/queue/mess/3")" 750
t_ok "trigger recreated as fifo" test -p "$home/queue/lock/trigger"
if [ $sysmode = yes ]; then
  t_check "recreated trigger owned by qmails" "$(stat -c %U "$home/queue/lock/trigger")" qmails
  want_owner=qmailq
else
  t_check "recreated trigger owned by the installer" "$(stat -c %u "$home/queue/lock/trigger")" "$(id -u)"
  want_owner=$(id -un)
fi
if [ "$(id -u)" = 0 ]; then
  chown nobody "$home/queue/pid"
  out=$(ic "$home" 2>&1)
  t_match "wrong owner reported and repaired" "$out" '^queue/pid: owner should be qmailq:qmail: repaired$'
  t_check "queue/pid owner restored" "$(stat -c %U "$home/queue/pid")" "$want_owner"
else
  t_skip "wrong owner repaired" "needs root to give a file away"
fi

# Unfixable: a file where a directory belongs, and a missing binary.
rmdir "$home/queue/bounce" && : > "$home/queue/bounce"
rm "$home/bin/qmail-install"
out=$(ic "$home" 2>&1)
t_check "unrepairable problems exit 100" "$?" 100
t_match "wrong type reported" "$out" '^queue/bounce: is not a directory'
t_match "missing binary reported" "$out" '^bin/qmail-install: missing$'

# Installing again over a live tree keeps lock data and succeeds.
printf 'x' | dd of="$home/queue/lock/tcpto" conv=notrunc 2>/dev/null
rm "$home/queue/bounce"
(cd "$TOP" && t_make -s install DESTDIR="$dest") > "$log" 2>&1
t_check "second make install exits 0" "$?" 0
t_check "tcpto contents kept" "$(head -c 1 "$home/queue/lock/tcpto")" x

# Every installed program has its man page, and every man page renders.
for prog in "$QBIN"/*; do
  name=$(basename "$prog")
  page=$(ls "$TOP"/src/*/"$name".[1-8] 2>/dev/null | head -n 1)
  t_ok "$name has a man page beside its source" test -n "$page"
  if [ -n "$page" ] && command -v groff >/dev/null 2>&1; then
    warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
    t_check "$name man page renders without warnings" "$warnings" ""
  fi
done

# The section-5 pages (file formats) are installed and render too.
for page in "$TOP"/man/*.5; do
  name=$(basename "$page")
  t_ok "$name installed in man/man5" cmp "$page" "$home/man/man5/$name"
  if command -v groff >/dev/null 2>&1; then
    t_check "$name renders without warnings" "$(groff -man -Tutf8 -ww -z "$page" 2>&1)" ""
  fi
done

t_fail "qmail-install refuses a relative home" "$QBIN/qmail-install" "$TOP" relative/home
t_done
