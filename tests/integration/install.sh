#!/bin/sh
# make install into a DESTDIR, then qmail-instcheck finds, reports and
# repairs damage to the tree.
. "$TOP/tests/lib.sh"

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
t_check "tcpto is 1024 bytes" "$(wc -c < "$home/queue/lock/tcpto" | tr -d ' ')" 1024
t_check "alias dir mode 2755" "$(stat -c %a "$home/alias")" 2755
t_check "queue/info/0 mode 700" "$(stat -c %a "$home/queue/info/0")" 700

if [ "$(id -u)" = 0 ] && getent passwd qmailq >/dev/null 2>&1; then
  t_check "queue/mess owned by qmailq:qmail" "$(stat -c %U:%G "$home/queue/mess")" qmailq:qmail
  t_check "queue/info owned by qmails:qmail" "$(stat -c %U:%G "$home/queue/info")" qmails:qmail
  t_check "tcpto owned by qmailr" "$(stat -c %U "$home/queue/lock/tcpto")" qmailr
  t_check "binaries owned by root:qmail" "$(stat -c %U:%G "$home/bin/qmail-instcheck")" root:qmail
  t_check "qmail-queue is the setuid program, owned by qmailq" "$(stat -c %a:%U "$home/bin/qmail-queue")" 4711:qmailq
  setuid=$(find "$home" -perm -4000 -type f | sed "s|$home/||")
  t_check "no other program is setuid" "$setuid" bin/qmail-queue
  t_check "binmail is setgid to the mail spool's group" "$(stat -c %a:%U:%G "$home/bin/binmail")" 2755:root:mail
  setgid=$(find "$home" -perm -2000 -type f | sed "s|$home/||")
  t_check "no other program is setgid" "$setgid" bin/binmail
else
  t_skip "ownership after install" "needs root and the qmail users"
fi

# A clean tree: nothing to report.
out=$("$QBIN/qmail-instcheck" -n "$home" 2>&1)
t_check "instcheck -n on a fresh install exits 0" "$?" 0
t_match "instcheck reports no problems" "$out" '^problems: 0, repaired: 0$'

# Damage it: a removed split directory, a wrong mode, a removed fifo.
rmdir "$home/queue/todo/7"
chmod 0777 "$home/queue/mess/3"
rm "$home/queue/lock/trigger"
out=$("$QBIN/qmail-instcheck" -n "$home" 2>&1)
t_check "instcheck -n on a damaged tree exits 100" "$?" 100
t_match "reports the missing todo/7" "$out" '^queue/todo/7: missing$'
t_match "reports the bad mode" "$out" '^queue/mess/3: mode 0777, should be 0750$'
t_match "reports the missing trigger" "$out" '^queue/lock/trigger: missing$'
t_ok "-n changed nothing" test ! -e "$home/queue/todo/7"

out=$("$QBIN/qmail-instcheck" "$home" 2>&1)
t_check "instcheck repairs and exits 0" "$?" 0
t_match "summary counts 3 repairs" "$out" '^problems: 3, repaired: 3$'
t_ok "todo/7 recreated" test -d "$home/queue/todo/7"
t_check "todo/7 has mode 750" "$(stat -c %a "$home/queue/todo/7")" 750
t_check "mess/3 mode restored" "$(stat -c %a "$home/queue/mess/3")" 750
t_ok "trigger recreated as fifo" test -p "$home/queue/lock/trigger"
if [ "$(id -u)" = 0 ] && getent passwd qmails >/dev/null 2>&1; then
  t_check "recreated trigger owned by qmails" "$(stat -c %U "$home/queue/lock/trigger")" qmails
  chown nobody "$home/queue/pid"
  out=$("$QBIN/qmail-instcheck" "$home" 2>&1)
  t_match "wrong owner reported and repaired" "$out" '^queue/pid: owner should be qmailq:qmail: repaired$'
  t_check "queue/pid owner restored" "$(stat -c %U "$home/queue/pid")" qmailq
fi

# Unfixable: a file where a directory belongs, and a missing binary.
rmdir "$home/queue/bounce" && : > "$home/queue/bounce"
rm "$home/bin/qmail-install"
out=$("$QBIN/qmail-instcheck" "$home" 2>&1)
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

t_fail "qmail-install refuses a relative home" "$QBIN/qmail-install" "$TOP" relative/home
t_done
