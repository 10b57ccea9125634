#!/bin/sh
# binmail through its command line: where it delivers (control/mailspool
# of a test instance, never the system's /var/mail), the exact bytes of
# the mbox it appends to, the mailbox it creates, what it refuses (other
# users' mailboxes, symlinks, hard links, FIFOs, directories), the
# dot-lock and kernel locks it honours, the truncation back to the old
# size after a write error, several recipients, twenty deliveries at
# once, and s-nail and mutt reading the result.  The checks that switch
# users run only as root (setpriv to nobody); the build-tree binmail is
# not setgid, so it honours QMAILHOME.
# run.sh: long -- two deliveries wait 30 s for stuck locks
. "$TOP/tests/lib.sh"

BM=$QBIN/binmail
# A setuid or setgid binmail ignores QMAILHOME and would write to the
# system's spool.
if [ -u "$BM" ] || [ -g "$BM" ]; then
  echo "Bail out! $BM is setuid or setgid"
  exit 1
fi
D=$(t_tmpdir)
I=$D/inst
t_instance "$I" test.example || { echo "Bail out! no instance"; exit 1; }
# Other users reach the instance and the spools through these.
chmod 755 "$T_ROOT" "$D"
ME=$(id -un)
USAGE='binmail: fatal: usage: binmail [-bdL7] [-f sender|-r sender] user ...'
DAY='(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 123][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9]{4}$'

if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null 2>&1 && id nobody > /dev/null 2>&1; then
  AS_ROOT=yes
  NOBODY_UID=$(id -u nobody)
  NOBODY_GID=$(id -g nobody)
else
  AS_ROOT=
fi

# new_spool [INSTANCE]: S is a fresh spool directory, named in the
# instance's control/mailspool (default $I).
new_spool() {
  S=$(t_tmpdir)
  chmod 755 "$S"
  echo "$S" > "${1:-$I}/control/mailspool"
}

# bm ARG... : run binmail (stdin as given); rc and err hold the results.
bm() {
  QMAILHOME=$I "$BM" "$@" 2> "$D/err"
  rc=$?
  err=$(cat "$D/err")
}

# bm_nobody ARG... : the same, run as the user nobody.
bm_nobody() {
  setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
    env QMAILHOME="$I" "$BM" "$@" 2> "$D/err"
  rc=$?
  err=$(cat "$D/err")
}

# rest FILE: the mailbox without its first (From_) line.
rest() { tail -n +2 "$1"; }

# from_lines FILE: how many lines start a message.
from_lines() { grep -c '^From ' "$1"; }

# wait_file FILE: wait up to 10 s for FILE to exist.
wait_file() {
  wf_i=0
  while [ ! -e "$1" ] && [ $wf_i -lt 100 ]; do sleep 0.1; wf_i=$((wf_i + 1)); done
  [ -e "$1" ]
}

# Every check below relies on this: the mailbox is in the directory
# control/mailspool names.
new_spool
printf 'Subject: x\n\nx\n' > "$D/small"
bm -r s@example.org -d "$ME" < "$D/small"
t_check "delivers into the directory control/mailspool names" "$rc:$(from_lines "$S/$ME" 2>&1)" 0:1
[ -f "$S/$ME" ] || { echo "Bail out! binmail did not deliver into $S"; exit 1; }

# A lock holder: python3 takes a kernel lock (lockf or flock) on FILE,
# creates READY, then holds the lock until RELEASE exists or SECONDS
# have passed, copies FILE to SNAPSHOT (and FILE.lock, when there is
# one, to SNAPSHOT.lock), and lets go.
HAVE_PY=
command -v python3 > /dev/null 2>&1 && HAVE_PY=yes
cat > "$D/holdlock.py" <<'EOF'
import fcntl, os, shutil, sys, time
kind, path, ready, release, seconds, snapshot = sys.argv[1:7]
f = open(path, "a")
if kind == "lockf":
    fcntl.lockf(f, fcntl.LOCK_EX)
else:
    fcntl.flock(f, fcntl.LOCK_EX)
open(ready, "w").close()
end = time.time() + float(seconds)
while time.time() < end and not os.path.exists(release):
    time.sleep(0.05)
shutil.copyfile(path, snapshot)
if os.path.exists(path + ".lock"):
    shutil.copyfile(path + ".lock", snapshot + ".lock")
f.close()
EOF

# --- a dot-lock that never goes away, started first: it takes 30 s ----
# A separate instance, so that the spools of the later checks do not
# change what it reads.  The lock is 200 s old: old, but not stale.
I2=$D/inst2
t_instance "$I2" test.example || { echo "Bail out! no second instance"; exit 1; }
new_spool "$I2"
S_LONG=$S
printf 'From old@example.org Sun Nov 22 03:00:00 2026\nSubject: old\n\nold\n\n' > "$S_LONG/$ME"
cp "$S_LONG/$ME" "$D/long-before"
echo $$ > "$S_LONG/$ME.lock"
touch -d "@$(($(date +%s) - 200))" "$S_LONG/$ME.lock"
printf 'Subject: never\n\nwaits\n' > "$D/long-msg"
long_start=$(date +%s)
( QMAILHOME=$I2 "$BM" -r s@example.org -d "$ME" < "$D/long-msg" > /dev/null 2> "$D/long-err"
  echo $? > "$D/long-rc"; date +%s > "$D/long-end" ) &
long_pid=$!

# And a kernel lock that never goes away, in a third instance.
if [ -n "$HAVE_PY" ]; then
  I3=$D/inst3
  t_instance "$I3" test.example || { echo "Bail out! no third instance"; exit 1; }
  new_spool "$I3"
  S_KLONG=$S
  printf 'From old@example.org Sun Nov 22 03:00:00 2026\nSubject: old\n\nold\n\n' > "$S_KLONG/$ME"
  chmod 600 "$S_KLONG/$ME"
  cp "$S_KLONG/$ME" "$D/klong-before"
  python3 "$D/holdlock.py" lockf "$S_KLONG/$ME" "$D/klong-ready" "$D/klong-release" 50 "$D/klong-snap" &
  klong_holder=$!
  if wait_file "$D/klong-ready"; then
    klong_start=$(date +%s)
    ( QMAILHOME=$I3 "$BM" -r s@example.org -d "$ME" < "$D/long-msg" > /dev/null 2> "$D/klong-err"
      echo $? > "$D/klong-rc"; date +%s > "$D/klong-end" ) &
    klong_pid=$!
  else
    klong_pid=
  fi
fi

# --- command line ---------------------------------------------------
new_spool
bm < "$D/small"
t_check "no user: exit 111" "$rc" 111
t_check "no user: the usage line" "$err" "$USAGE"
bm -x -d "$ME" < "$D/small"
t_check "unknown option: exit 111" "$rc" 111
t_check "unknown option: the usage line" "$(printf '%s\n' "$err" | tail -n 1)" "$USAGE"
t_check "unknown option: one line on stderr" "$(printf '%s\n' "$err" | wc -l | tr -d ' ')" 1
bm -r < "$D/small"
t_check "-r without its argument: exit 111" "$rc" 111
bm -l "$ME" < "$D/small"
t_check "-l (LMTP): exit 111" "$rc" 111
t_match "-l is not supported" "$err" '^binmail: .*not supported'
bm -h "$D/small" "$ME" < "$D/small"
t_check "-h file: exit 111" "$rc" 111
t_match "-h is not supported" "$err" '^binmail: .*not supported'
t_check "refused command lines deliver nothing" "$(ls "$S")" ""
bm -d no-such-user-xq < "$D/small"
t_check "unknown user: exit 100" "$rc" 100
t_check "unknown user: the message" "$err" "binmail: no such user: no-such-user-xq (#5.1.1)"
bm -d ../evil < "$D/small"
t_check "a user name with a slash is no user: exit 100" "$rc" 100
t_check "... and nothing is created" "$(ls "$S" "$T_ROOT" | grep -c evil)" 0

echo spool > "$I/control/mailspool"
mkdir "$D/cwd" "$D/cwd/spool"
(cd "$D/cwd" && QMAILHOME=$I "$BM" -r s@example.org -d "$ME" < "$D/small" > /dev/null 2> "$D/err")
t_check "a relative control/mailspool: exit 111" "$?" 111
t_match "... with a binmail: diagnostic" "$(cat "$D/err")" '^binmail: '
t_check "... and nothing delivered relative to the working directory" "$(ls "$D/cwd/spool")" ""

# --- the exact bytes --------------------------------------------------
new_spool
MB=$S/$ME
printf 'From: mary@example.net\nSubject: quoting\n\nFrom x\n>From y\n>>From z\nFromage\n>Fromage\nFrom\n From indented\nlast line, no newline' > "$D/m1"
printf 'From: mary@example.net\nSubject: quoting\n\n>From x\n>>From y\n>>>From z\nFromage\n>Fromage\nFrom\n From indented\nlast line, no newline\n\n' > "$D/want1"
before=$(LC_ALL=C date -u '+%a %b %e %H')
TZ=IST-5:30 bm -r sender@example.org -d "$ME" < "$D/m1"
after=$(LC_ALL=C date -u '+%a %b %e %H')
t_check "delivery exits 0" "$rc" 0
t_check "delivery says nothing" "$err" ""
first=$(head -n 1 "$MB")
t_match "From_ line: From sender Www Mmm dd hh:mm:ss yyyy" "$first" "^From sender@example\.org $DAY"
stamp=$(printf '%s\n' "$first" | cut -c 25-37)
if [ "$stamp" = "$before" ] || [ "$stamp" = "$after" ]; then t_report 0 "From_ date is UTC, whatever TZ says"
else
  echo "# From_ date hour: $stamp, UTC now: $before / $after"
  t_report 1 "From_ date is UTC, whatever TZ says"
fi
rest "$MB" > "$D/got"
t_ok "mboxrd quoting, untouched look-alikes, final newline added, blank line" cmp "$D/got" "$D/want1"
cp "$MB" "$D/after1"

printf 'Subject: second\n\nsecond body\n' > "$D/m2"
bm -f other@example.com "$ME" < "$D/m2"
t_check "second delivery (-f, no -d) exits 0" "$rc" 0
t_ok "second delivery leaves the first message as it was" cmp -n "$(wc -c < "$D/after1")" "$MB" "$D/after1"
tail -c +$(($(wc -c < "$D/after1") + 1)) "$MB" > "$D/second"
t_match "-f sets the sender like -r" "$(head -n 1 "$D/second")" "^From other@example\.com $DAY"
{ cat "$D/m2"; echo; } > "$D/want2"
rest "$D/second" > "$D/got"
t_ok "second message appended with one blank line after it" cmp "$D/got" "$D/want2"

bm -r '' -d "$ME" < "$D/small"
t_check "empty sender: exit 0" "$rc" 0
t_match "empty sender: From MAILER-DAEMON" "$(grep '^From ' "$MB" | tail -n 1)" "^From MAILER-DAEMON $DAY"
bm -7 -d -- "$ME" < "$D/small"
t_check "-7 -d -- user: exit 0" "$rc" 0
t_match "default sender: the caller's login name" "$(grep '^From ' "$MB" | tail -n 1)" "^From $ME $DAY"
t_check "four messages, four From_ lines" "$(from_lines "$MB")" 4
t_check "no lock file left" "$(ls "$S")" "$ME"

# Lines starting "From " at every offset, around any buffer size.
awk 'BEGIN { x = "x"; while (length(x) < 9000) x = x x
  for (i = 1; i <= 3000; i++) {
    if (i % 3 == 0) print "From line " i; else if (i % 3 == 1) print ">From line " i;
    else print substr(x, 1, (i * 37) % 9000) } }' > "$D/long"
new_spool
bm -r s@example.org -d "$ME" < "$D/long"
t_check "a 4.5 MB message with From lines at every offset: exit 0" "$rc" 0
{ sed 's/^\(>*From \)/>\1/' "$D/long"; echo; } > "$D/want"
rest "$S/$ME" > "$D/got"
t_ok "... every From line quoted, whatever its offset" cmp "$D/got" "$D/want"

printf 'Subject: bytes\n\nnul:\000:8bit:\351\377:cr:\r\n\000From nul\n' > "$D/bin"
new_spool
bm -r s@example.org -d "$ME" < "$D/bin"
{ cat "$D/bin"; echo; } > "$D/want"
rest "$S/$ME" > "$D/got"
t_ok "NUL, 8-bit and CR bytes pass through untouched" cmp "$D/got" "$D/want"

# --- the mailbox binmail creates -----------------------------------------
new_spool
[ -n "$AS_ROOT" ] && chgrp mail "$S"
sgroup=$(stat -c %G "$S")
(umask 0; QMAILHOME=$I "$BM" -r s@example.org -d "$ME" < "$D/small" 2> /dev/null)
t_check "new mailbox: owner the user, group the spool's, mode 0600 (umask 0)" \
  "$(stat -c %U:%G:%a "$S/$ME")" "$ME:$sgroup:600"
if [ -n "$AS_ROOT" ]; then
  bm -r s@example.org -d nobody < "$D/small"
  t_check "root delivers to nobody: exit 0" "$rc" 0
  t_check "nobody's new mailbox: nobody, the spool's group, 0600" \
    "$(stat -c %U:%G:%a "$S/nobody")" "nobody:$sgroup:600"
else
  t_skip "mailbox of another user" "needs root"
fi

# --- the caller ---------------------------------------------------------
if [ -n "$AS_ROOT" ]; then
  new_spool
  chgrp "$NOBODY_GID" "$S"
  chmod 775 "$S"
  LOGNAME=root USER=root bm_nobody -d nobody < "$D/small"
  t_check "nobody delivers to itself: exit 0" "$rc" 0
  t_check "... mailbox owned by nobody, the spool's group, 0600" \
    "$(stat -c %U:%G:%a "$S/nobody")" "nobody:$(stat -c %G "$S"):600"
  t_match "... default sender nobody, whatever LOGNAME says" "$(head -n 1 "$S/nobody")" "^From nobody $DAY"
  bm_nobody -r s@example.org -d root < "$D/small"
  t_check "nobody delivers to root: exit 111" "$rc" 111
  t_match "... says why" "$err" \
    "^binmail: may deliver only to the caller's own mailbox: root is uid 0, the caller is uid $NOBODY_UID([^0-9]|\$)"
  t_check "... and creates nothing" "$(ls "$S")" nobody
  bm_nobody -r s@example.org -d nobody root < "$D/small"
  t_check "nobody delivers to itself and root: exit 111" "$rc" 111
  t_check "... its own mailbox still gets the message" "$(from_lines "$S/nobody")" 2

  # a spool nobody cannot write: no dot-lock, kernel locks only with -L
  new_spool
  cp "$D/after1" "$S/nobody"
  chown nobody "$S/nobody"
  chmod 600 "$S/nobody"
  bm_nobody -r s@example.org -d nobody < "$D/small"
  t_check "spool not writable for the caller: exit 111" "$rc" 111
  t_match "... the lock cannot be created, binmail must be setgid" "$err" \
    "^binmail: unable to create $S/nobody\\.lock: Permission denied; binmail must be setgid to"
  t_ok "... mailbox untouched" cmp "$S/nobody" "$D/after1"
  bm_nobody -L -r s@example.org -d nobody < "$D/small"
  t_check "... with -L: exit 0" "$rc" 0
  t_ok "... with -L: the old message kept" cmp -n "$(wc -c < "$D/after1")" "$S/nobody" "$D/after1"
  t_check "... and the new one appended" "$(from_lines "$S/nobody")" 2
elif [ "$(id -u)" != 0 ]; then
  new_spool
  bm -r s@example.org -d root < "$D/small"
  t_check "an ordinary user delivers to root: exit 111" "$rc" 111
  t_match "... says why" "$err" \
    "^binmail: may deliver only to the caller's own mailbox: root is uid 0, the caller is uid $(id -u)([^0-9]|\$)"
  t_check "... and creates nothing" "$(ls "$S")" ""
else
  t_skip "deliveries as an ordinary user" "needs setpriv and the user nobody"
fi

# --- refusals: the mailbox is not a plain file of the user --------------
printf 'precious\n' > "$D/precious"
cp "$D/precious" "$D/target"
new_spool
ln -s "$D/target" "$S/$ME"
bm -r s@example.org -d "$ME" < "$D/small"
t_check "mailbox is a symlink: exit 111" "$rc" 111
t_match "... the message names the file and says not delivering" "$err" "^binmail: .*$S/$ME.*not delivering"
t_ok "... the symlink's target is untouched" cmp "$D/target" "$D/precious"
t_check "... no lock file left" "$(ls "$S")" "$ME"
new_spool
ln -s "$D/nowhere" "$S/$ME"
bm -r s@example.org -d "$ME" < "$D/small"
t_check "mailbox is a dangling symlink: exit 111" "$rc" 111
t_fail "... its target is not created" test -e "$D/nowhere"

new_spool
cp "$D/precious" "$S/$ME"
ln "$S/$ME" "$D/hardlink"
bm -r s@example.org -d "$ME" < "$D/small"
t_check "mailbox has two links: exit 111" "$rc" 111
t_match "... the message names the file" "$err" "^binmail: .*$S/$ME.*not delivering"
t_ok "... untouched" cmp "$D/hardlink" "$D/precious"
rm -f "$D/hardlink"

if [ -n "$AS_ROOT" ]; then
  new_spool
  cp "$D/precious" "$S/root"
  chown nobody "$S/root"
  bm -r s@example.org -d root < "$D/small"
  t_check "root's mailbox owned by nobody: exit 111" "$rc" 111
  t_match "... the message names the file" "$err" "^binmail: .*$S/root.*not delivering"
  t_ok "... untouched" cmp "$S/root" "$D/precious"
  t_check "... still nobody's" "$(stat -c %U "$S/root")" nobody
else
  t_skip "mailbox owned by another user" "needs root"
fi

new_spool
mkfifo "$S/$ME"
QMAILHOME=$I timeout 10 "$BM" -r s@example.org -d "$ME" < "$D/small" > /dev/null 2>&1
t_check "mailbox is a FIFO: exit 111 without hanging" "$?" 111
rm -f "$S/$ME"
mkdir "$S/$ME"
QMAILHOME=$I timeout 10 "$BM" -r s@example.org -d "$ME" < "$D/small" > /dev/null 2>&1
t_check "mailbox is a directory: exit 111" "$?" 111
t_check "... the directory stays empty" "$(ls -A "$S/$ME")" ""

# --- dot-lock ------------------------------------------------------------
new_spool
echo $$ > "$S/$ME.lock"
( sleep 1; cp "$S/$ME" "$D/while-locked" 2> /dev/null; : >> "$D/while-locked"
  rm -f "$S/$ME.lock" ) &
unlocker=$!
bm -r s@example.org -d "$ME" < "$D/m2"
wait "$unlocker"
t_check "a fresh dot-lock: binmail waits for it, then exit 0" "$rc" 0
t_check "... nothing written while the lock was there" "$(wc -c < "$D/while-locked" | tr -d ' ')" 0
rest "$S/$ME" > "$D/got"
t_ok "... then the whole message" cmp "$D/got" "$D/want2"
t_fail "... and its own lock file is removed" test -e "$S/$ME.lock"

new_spool
echo 12345 > "$S/$ME.lock"
touch -d '10 minutes ago' "$S/$ME.lock"
QMAILHOME=$I timeout 5 "$BM" -r s@example.org -d "$ME" < "$D/m2" > /dev/null 2>&1
t_check "a 10-minute-old dot-lock is stale: delivered at once" "$?" 0
t_fail "... and the stale lock is gone" test -e "$S/$ME.lock"
t_check "... one message" "$(from_lines "$S/$ME")" 1

new_spool
echo $$ > "$S/$ME.lock"
QMAILHOME=$I timeout 5 "$BM" -L -r s@example.org -d "$ME" < "$D/m2" > /dev/null 2>&1
t_check "-L with a fresh dot-lock present: delivered at once" "$?" 0
t_check "... and the lock is left alone" "$(cat "$S/$ME.lock")" "$$"
rest "$S/$ME" > "$D/got"
t_ok "... the whole message" cmp "$D/got" "$D/want2"

# --- kernel locks --------------------------------------------------------
if [ -n "$HAVE_PY" ]; then
  for kind in lockf flock; do
    new_spool
    cp "$D/after1" "$S/$ME"
    chmod 600 "$S/$ME"
    rm -f "$D/ready" "$D/snap" "$D/snap.lock"
    python3 "$D/holdlock.py" "$kind" "$S/$ME" "$D/ready" "$D/never" 1.5 "$D/snap" &
    holder=$!
    wait_file "$D/ready"
    QMAILHOME=$I "$BM" -r s@example.org -d "$ME" < "$D/m2" > /dev/null 2>&1 &
    waiter=$!
    wait "$waiter"
    rc=$?
    wait "$holder"
    t_check "$kind lock held 1.5 s by another process: exit 0" "$rc" 0
    t_ok "... nothing written while it was held" cmp "$D/snap" "$D/after1"
    echo "$waiter" > "$D/want-lock"
    t_ok "... meanwhile its dot-lock held its pid and a newline" cmp "$D/snap.lock" "$D/want-lock"
    tail -c +$(($(wc -c < "$D/after1") + 1)) "$S/$ME" | tail -n +2 > "$D/got"
    t_ok "... then the whole message after the old one" cmp "$D/got" "$D/want2"
  done
else
  t_skip "kernel locks" "python3 not installed"
fi

# --- a write error: the mailbox goes back to its old size ------------------
awk 'BEGIN { for (i = 0; i < 2000; i++) print "a line of the big message, number " i }' > "$D/big"
new_spool
cp "$D/after1" "$S/$ME"
chmod 600 "$S/$ME"
(ulimit -f 4; QMAILHOME=$I "$BM" -r s@example.org -d "$ME" < "$D/big" > /dev/null 2> "$D/err"; echo $? > "$D/rc")
t_check "file size limit hit mid-message: exit 111" "$(cat "$D/rc")" 111
t_ok "... the mailbox is byte for byte what it was" cmp "$S/$ME" "$D/after1"
t_fail "... no lock file left" test -e "$S/$ME.lock"
(ulimit -f 4; QMAILHOME=$I "$BM" -b -r s@example.org -d "$ME" < "$D/big" > /dev/null 2> "$D/err"; echo $? > "$D/rc")
t_check "the same with -b: exit 100" "$(cat "$D/rc")" 100
t_ok "... the mailbox is byte for byte what it was" cmp "$S/$ME" "$D/after1"

# --- several users ---------------------------------------------------------
if [ -n "$AS_ROOT" ]; then
  awk 'BEGIN { print "Subject: to two\n"; for (i = 0; i < 5000; i++) print "From the line " i " of a message for two" }' > "$D/two"
  { sed 's/^\(>*From \)/>\1/' "$D/two"; echo; } > "$D/want"
  for how in pipe file; do
    new_spool
    if [ "$how" = pipe ]; then
      rc=$(cat "$D/two" | QMAILHOME=$I "$BM" -r s@example.org -d root nobody > /dev/null 2>&1; echo $?)
    else
      rc=$(QMAILHOME=$I "$BM" -r s@example.org -d root nobody < "$D/two" > /dev/null 2>&1; echo $?)
    fi
    t_check "two users, stdin a $how: exit 0" "$rc" 0
    rest "$S/root" > "$D/got"
    t_ok "... root's mailbox has the whole message" cmp "$D/got" "$D/want"
    rest "$S/nobody" > "$D/got"
    t_ok "... nobody's mailbox has the same" cmp "$D/got" "$D/want"
    t_check "... each owned by its user" "$(stat -c %U "$S/root") $(stat -c %U "$S/nobody")" "root nobody"
  done
  new_spool
  bm -r s@example.org -d no-such-user-xq root < "$D/small"
  t_check "an unknown user among good ones: exit 100" "$rc" 100
  t_check "... the good one still gets it" "$(from_lines "$S/root")" 1
  new_spool
  ln -s "$D/target" "$S/root"
  bm -r s@example.org -d no-such-user-xq root nobody < "$D/small"
  t_check "a temporary failure beats a permanent one: exit 111" "$rc" 111
  t_check "... the good one still gets it" "$(from_lines "$S/nobody")" 1
else
  t_skip "several users" "needs root"
fi

# --- twenty at once ----------------------------------------------------------
new_spool
pids=
i=1
while [ $i -le 20 ]; do
  awk -v n=$i 'BEGIN { print "Subject: concurrent " n "\n"; for (j = 1; j <= 300; j++) print "body " n " line " j }' > "$D/c$i"
  ( QMAILHOME=$I "$BM" -r "c$i@example.org" -d "$ME" < "$D/c$i" > /dev/null 2>&1; echo $? > "$D/c$i.rc" ) &
  pids="$pids $!"
  i=$((i + 1))
done
for p in $pids; do wait "$p"; done
t_check "20 deliveries at once: all exit 0" "$(cat "$D"/c*.rc | grep -c '^0$')" 20
t_check "... 20 From_ lines" "$(from_lines "$S/$ME")" 20
t_check "... each message's 300 lines together, in order, under its own header" "$(awk '
  /^From c[0-9]+@example\.org / { split($2, a, "@"); cur = substr(a[1], 2); next }
  /^Subject: concurrent / { if ($3 != cur) bad++; next }
  /^body / { if ($2 != cur || $4 != ++seen[cur]) bad++; next }
  END { for (n in seen) if (seen[n] == 300) full++; print full + 0, bad + 0 }' "$S/$ME")" "20 0"
t_check "... $((20 * 304)) lines in all" "$(wc -l < "$S/$ME" | tr -d ' ')" $((20 * 304))
t_check "... no lock file left" "$(ls "$S")" "$ME"

# --- mail readers -------------------------------------------------------------
new_spool
printf 'From: Ann <ann@example.org>\nSubject: note one\n\nhello one\n' > "$D/r1"
printf 'From: Bob <bob@example.org>\nSubject: note two\n\nFrom here on, two\nbody two\n' > "$D/r2"
printf 'From: Cy <cy@example.org>\nSubject: note three\n\nhello three' > "$D/r3"
bm -r ann@example.org -d "$ME" < "$D/r1"
bm -r bob@example.org -d "$ME" < "$D/r2"
bm -r '' -d "$ME" < "$D/r3"
RB=$S/$ME
if command -v s-nail > /dev/null 2>&1; then
  hdrs=$(HOME=$D MAILRC=/dev/null s-nail -n -N -H -R -f "$RB" < /dev/null 2>&1)
  t_check "s-nail: three messages" "$(printf '%s\n' "$hdrs" | grep -c 'note ')" 3
  t_match "s-nail: senders and subjects in order" "$(printf '%s\n' "$hdrs" | tr '\n' ' ')" \
    'ann@example\.org.*note one.*bob@example\.org.*note two.*cy@example\.org.*note three'
  body=$(printf 'print 2\nquit\n' | HOME=$D MAILRC=/dev/null s-nail -n -# -N -R -f "$RB" 2>&1)
  t_match "s-nail: the second message keeps its body line From here (shown >From, not split)" \
    "$body" '^>From here on, two$'
  t_match "s-nail: ... and the line after it" "$body" '^body two$'
else
  t_skip "s-nail reads the mailbox" "s-nail is not installed (apt-get install s-nail)"
fi
if command -v mutt > /dev/null 2>&1 && command -v script > /dev/null 2>&1; then
  # mutt wants a terminal: script gives it one; the pushed keys tag every
  # message and pipe each, undecoded, to a command that appends it to a file.
  cat > "$D/muttrc" <<EOF
set folder=$D
set pipe_decode=no
set pipe_split=yes
set wait_key=no
set quit=yes
push "<tag-pattern>all<enter><tag-prefix><pipe-message>cat >> $D/mutt-out; echo ==== >> $D/mutt-out<enter><exit>"
EOF
  TERM=vt100 HOME=$D timeout 20 script -qec "mutt -n -F $D/muttrc -R -f $RB" /dev/null > /dev/null 2>&1 < /dev/null
  t_check "mutt: three messages" "$(grep -c '^====$' "$D/mutt-out" 2> /dev/null)" 3
  grep -v '^====$' "$D/mutt-out" > "$D/got" 2> /dev/null
  t_ok "mutt: the messages as delivered, From_ lines and blank lines included" cmp "$D/got" "$RB"
  t_match "mutt: the second message's body line" "$(cat "$D/mutt-out")" '^>From here on, two$'
else
  t_skip "mutt reads the mailbox" "mutt or script is not installed"
fi

# --- the lock that never went away -------------------------------------------
wait "$long_pid"
t_check "a dot-lock that stays: exit 111" "$(cat "$D/long-rc")" 111
long_took=$(($(cat "$D/long-end") - long_start))
if [ "$long_took" -ge 29 ] && [ "$long_took" -le 40 ]; then t_report 0 "... after about 30 s"
else
  echo "# gave up after $long_took s"
  t_report 1 "... after about 30 s"
fi
t_match "... with a binmail: diagnostic" "$(cat "$D/long-err")" '^binmail: '
t_ok "... the mailbox untouched" cmp "$S_LONG/$ME" "$D/long-before"
t_check "... the other process's lock left in place" "$(cat "$S_LONG/$ME.lock" 2>&1)" "$$"

if [ -n "$HAVE_PY" ] && [ -n "$klong_pid" ]; then
  wait "$klong_pid"
  : > "$D/klong-release"
  wait "$klong_holder"
  t_check "a kernel lock that stays: exit 111" "$(cat "$D/klong-rc")" 111
  klong_took=$(($(cat "$D/klong-end") - klong_start))
  if [ "$klong_took" -ge 29 ] && [ "$klong_took" -le 40 ]; then t_report 0 "... after about 30 s"
  else
    echo "# gave up after $klong_took s"
    t_report 1 "... after about 30 s"
  fi
  t_ok "... the mailbox untouched" cmp "$S_KLONG/$ME" "$D/klong-before"
  t_fail "... its own dot-lock removed" test -e "$S_KLONG/$ME.lock"
elif [ -n "$HAVE_PY" ]; then
  kill "$klong_holder" 2> /dev/null
  wait "$klong_holder"
  t_report 1 "a kernel lock that stays: the holder did not start"
else
  t_skip "a kernel lock that stays" "python3 not installed"
fi

t_done
