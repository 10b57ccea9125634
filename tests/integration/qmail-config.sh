#!/bin/sh
# qmail-config on a temporary home (any user): the files it writes,
# refusals that write nothing, idempotence, kept edits and -f, the
# maildir form, ownership as root; and qmail-showctl's warnings about a
# dotless control/me and missing alias files.
. "$TOP/tests/lib.sh"

H=$(t_tmpdir)
mkdir "$H/control" "$H/alias"
qc() { "$QBIN/qmail-config" -h "$H" "$@"; }
showctl() { QMAILHOME=$H "$QBIN/qmail-showctl"; }
# a user that exists on every system and is not root
user=$(id -un)
[ "$user" = root ] && user=nobody

# ---- refusals: exit 100, a clear message, nothing written --------------
err=$(qc vm "$user" 2>&1)
t_check "a name without a dot: exit 100" "$?" 100
t_match "  says the name has no dot" "$err" '^qmail-config: fatal: vm: the host name has no dot; give the fully qualified name'
t_match "  and suggests a full name" "$err" 'such as vm\.example\.org'
t_check "  and writes nothing" "$(find "$H" -mindepth 2)" ""
for bad in a..b .a.b a.b. 192.0.2.1 a_b.example -a.example a-.example; do
  err=$(qc -- "$bad" "$user" 2>&1)
  t_check "'$bad' refused with exit 100" "$?" 100
  t_match "  with a reason" "$err" "^qmail-config: fatal: $(printf '%s' "$bad" | sed 's/\./\\./g'): "
done
for u in root postmaster mailer-daemon Root MAILER-DAEMON root@host.example.org Postmaster@LOCALHOST; do
  err=$(qc host.example.org $u 2>&1)
  t_check "user $u refused (a forward there loops): exit 100" "$?" 100
  t_match "  says why" "$err" 'would loop'
done
for bad in ./ ./../x/ ././x/; do
  t_check "maildir '$bad' refused: exit 100" "$(qc host.example.org "$bad" > /dev/null 2>&1; echo $?)" 100
done
err=$(qc host.example.org "$H/no-such-maildir/" 2>&1)
t_check "an absolute maildir that does not exist: exit 100" "$?" 100
t_match "  says how to make one" "$err" 'no such maildir; make it \(maildirmake\)'
t_check "no refusal wrote anything" "$(find "$H" -mindepth 2)" ""
t_check "no arguments: usage, exit 100" "$(qc > /dev/null 2>&1; echo $?)" 100
err=$(QMAILHOME= "$QBIN/qmail-config" -h "$H/nothere" host.example.org "$user" 2>&1)
t_check "a home that is not installed: exit 111" "$?" 111
t_match "  names it" "$err" "unable to examine $H/nothere/control"

# ---- the first run -------------------------------------------------------
out=$(qc Mail.Example.ORG "$user" 2>&1)
t_check "first run: exit 0" "$?" 0
t_check "  one line per file, all written" "$(printf '%s\n' "$out" | grep -c ': written$')" 8
t_check "control/me is the name, in lower case" "$(cat "$H/control/me")" mail.example.org
t_check "control/locals" "$(cat "$H/control/locals")" "mail.example.org
localhost"
t_check "control/rcpthosts" "$(cat "$H/control/rcpthosts")" "mail.example.org
localhost"
t_check "control/defaultdomain drops the first label" "$(cat "$H/control/defaultdomain")" example.org
t_check "control/plusdomain likewise" "$(cat "$H/control/plusdomain")" example.org
for a in root postmaster mailer-daemon; do
  t_check "alias/.qmail-$a forwards to $user" "$(cat "$H/alias/.qmail-$a")" "&$user"
  t_check "  mode 644" "$(stat -c %a "$H/alias/.qmail-$a")" 644
done
t_check "control/me mode 644" "$(stat -c %a "$H/control/me")" 644
t_check "no temporary file is left" "$(find "$H" -name '*.tmp.*')" ""

# ---- idempotence ----------------------------------------------------------
snap() { for f in "$H"/control/* "$H"/alias/.qmail-*; do printf '%s:' "$f"; cat "$f"; done; }
before=$(snap)
out=$(qc mail.example.org "$user" 2>&1)
t_check "second run: exit 0" "$?" 0
t_check "  every file unchanged" "$(printf '%s\n' "$out" | grep -c ': unchanged$')" 8
t_check "  and the contents are the same" "$(snap)" "$before"

# ---- an edit is kept, -f replaces it -------------------------------------
printf 'mail.example.org\nlocalhost\nother.example.org\n' > "$H/control/locals"
out=$(qc mail.example.org "$user" 2>&1)
t_check "with an edited locals: exit 0" "$?" 0
t_match "  says it kept locals" "$out" '^control/locals: kept: .*-f replaces it'
t_match "  and how to replace it" "$out" 'run qmail-config -f'
t_check "  and locals keeps the edit" "$(sed -n 3p "$H/control/locals")" other.example.org
out=$(qc -f mail.example.org "$user" 2>&1)
t_match "-f replaces it" "$out" '^control/locals: replaced$'
t_check "  locals is back to the two names" "$(cat "$H/control/locals")" "mail.example.org
localhost"

# an address elsewhere
out=$(qc -f mail.example.org admin@example.net 2>&1)
t_check "an address elsewhere: exit 0" "$?" 0
t_check "  .qmail-root forwards there" "$(cat "$H/alias/.qmail-root")" "&admin@example.net"
for bad in 'a@b@c' '@example.net' 'admin@' 'joe smith' 'joe,bob'; do
  err=$(qc -f mail.example.org "$bad" 2>&1)
  t_check "'$bad' refused: exit 100" "$?" 100
done
t_check "  and the aliases are as they were" "$(cat "$H/alias/.qmail-root")" "&admin@example.net"

# a two-label name is its own domain
out=$(qc -f example.net "$user" 2>&1)
t_check "example.net: defaultdomain is example.net itself" "$(cat "$H/control/defaultdomain")" example.net

# ---- a maildir instead of a user ----------------------------------------
out=$(qc -f example.net ./Maildir/ 2>&1)
t_check "./Maildir/: exit 0" "$?" 0
t_ok "  makes alias/Maildir with new, cur and tmp" test -d "$H/alias/Maildir/new" -a -d "$H/alias/Maildir/cur" -a -d "$H/alias/Maildir/tmp"
t_match "  and says so" "$out" '^alias/Maildir/new: created$'
t_check "  .qmail-root is the maildir line" "$(cat "$H/alias/.qmail-root")" ./Maildir/
out=$(qc example.net ./Maildir/ 2>&1)
t_check "  again: nothing changes" "$(printf '%s\n' "$out" | grep -c -e created -e written -e replaced)" 0
"$QBIN/maildirmake" "$H/box"
out=$(qc -f example.net "$H/box/" 2>&1)
t_check "an existing absolute maildir: exit 0" "$?" 0
t_check "  .qmail-postmaster names it" "$(cat "$H/alias/.qmail-postmaster")" "$H/box/"

# ---- ownership as root ----------------------------------------------------
if [ "$(id -u)" = 0 ]; then
  H2=$(t_tmpdir)
  mkdir "$H2/control" "$H2/alias"
  chown nobody "$H2/alias"
  "$QBIN/qmail-config" -h "$H2" host.example.org ./Maildir/ > /dev/null 2>&1
  t_check "as root: alias files belong to the alias directory's owner" \
    "$(stat -c %U "$H2/alias/.qmail-root" "$H2/alias/Maildir/new" | sort -u)" nobody
  t_check "  control files to the control directory's owner" "$(stat -c %U "$H2/control/me")" root
else
  t_skip "alias files owned by the alias user" "needs root to give files away"
fi

# ---- qmail-showctl --------------------------------------------------------
out=$(showctl 2>&1)
t_check "showctl on the configured home: exit 0" "$?" 0
t_fail "  no warning" sh -c 'printf "%s\n" "$1" | grep -q warning' sh "$out"
t_match "  shows the alias lines" "$out" "^\\.qmail-postmaster:\$"
echo vm > "$H/control/me"
rm "$H/alias/.qmail-mailer-daemon"
out=$(showctl 2>&1)
t_check "showctl with a dotless me and a missing alias: still exit 0" "$?" 0
t_match "  warns about the dotless me" "$out" '^  warning: the name has no dot'
t_match "  warns about .qmail-mailer-daemon" "$out" '^\.qmail-mailer-daemon: warning: missing\.  Mail to mailer-daemon bounces'
t_check "  and about nothing else" "$(printf '%s\n' "$out" | grep -c warning)" 2
t_done
