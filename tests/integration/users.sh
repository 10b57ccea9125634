#!/bin/sh
# qmail-users: qmail-newu (users/assign -> users/cdb), qmail-lspawn's
# resolution end to end (users/cdb, then system accounts, then alias),
# qmail-getpw, qmail-pw2u, and hostile assign files.
. "$TOP/tests/lib.sh"

W=$(t_tmpdir)
I=$W/inst
mkdir -p "$I"
root=no
if [ "$(id -u)" = 0 ]; then
  # uid 0 never receives qmail-users mail; as root, t_instance lets an
  # unprivileged user own the instance, which runs (and delivers) as
  # that user
  root=yes
fi
t_instance "$I" test.example
U=$(stat -c %u "$I")
G=$(stat -c %g "$I")
newu() { QMAILHOME=$I "$QBIN/qmail-newu"; }
nul2bar() { tr '\0' '|'; }

# 1. qmail-newu writes qmail's layout, readable by tinycdb's cdb(1)
cat > "$I/users/assign" <<EOF
=joe:joe:$U:$G:$W/joe:::
+list-:lists:$U:$G:$W/lists:-::
+list-big-:biglists:$U:$G:$W/biglists:-:big-:
+jo:wild:$U:$G:$W/wild:-::
=Rootie:root:0:0:$W/joe:::
=other:other:$((U + 1)):$G:$W/joe:::
.
EOF
out=$(newu 2>&1)
t_check "qmail-newu exits 0" "$?" 0
t_match "qmail-newu warns about the uid 0 assignment and its line" "$out" \
  '^qmail-newu: warning: users/assign line 5: uid 0'
t_ok "users/cdb exists" test -f "$I/users/cdb"
t_fail "no users/cdb.tmp is left behind" test -e "$I/users/cdb.tmp"
t_check "users/cdb has mode 644" "$(stat -c %a "$I/users/cdb")" 644
if command -v cdb > /dev/null 2>&1; then
  dump=$(cdb -d "$I/users/cdb" | nul2bar)
  d="joe|$U|$G|$W/joe||"
  t_check "simple assignment: key !joe NUL, six fields without a final NUL" \
    "$(printf '%s\n' "$dump" | grep -F -x "+5,${#d}:!joe|->$d")" "+5,${#d}:!joe|->$d"
  d="lists|$U|$G|$W/lists|-|"
  t_check "wildcard assignment: key !prefix without NUL" \
    "$(printf '%s\n' "$dump" | grep -F -x "+6,${#d}:!list-->$d")" "+6,${#d}:!list-->$d"
  t_match "the local part is lowercased in the key" "$dump" '^\+8,[0-9]+:!rootie\|->root\|0\|0\|'
  t_check "the empty key lists the wildcards' last characters" \
    "$(printf '%s\n' "$dump" | grep '^+0,')" "+0,2:->-o"
  t_check "records in file order, wildcard hint last" \
    "$(printf '%s\n' "$dump" | grep -c '^+')" 7
  t_check "cdb -q finds a wildcard record" \
    "$(cdb -q "$I/users/cdb" '!list-big-' | nul2bar)" "biglists|$U|$G|$W/biglists|-|big-"
else
  t_skip "cdb(1) dumps users/cdb" "tinycdb's cdb tool is not installed"
fi
cp "$I/users/cdb" "$W/cdb.good"

# 2. refusals keep the old database
refuse() {   # name, expected message pattern; assign already written
  out=$(newu 2>&1)
  rc=$?
  t_check "$1: exit 111" "$rc" 111
  t_match "$1: message" "$out" "$2"
  t_ok "$1: users/cdb is unchanged" cmp -s "$I/users/cdb" "$W/cdb.good"
  t_fail "$1: no users/cdb.tmp left" test -e "$I/users/cdb.tmp"
}
printf '=a:a:%s:%s:/h:::\n' "$U" "$G" > "$I/users/assign"
refuse "no final dot" "users/assign does not end with a line holding a single '.'"
printf '=a:a:%s:%s:/h:::\n=b:b:12x:1:/h:::\n.\n' "$U" "$G" > "$I/users/assign"
refuse "bad uid" '^qmail-newu: fatal: users/assign line 2: the uid is not a decimal number$'
printf '=a:a:1:1:/h:::\n\n=c:c:1:-1:/h:::\n.\n' > "$I/users/assign"
refuse "empty line" 'users/assign line 2: empty line'
printf '=a:a:1:1:/h:::\n=b:b:1:1:/h:::\n=c:c:1:x:/h:::\n.\n' > "$I/users/assign"
refuse "bad gid" 'users/assign line 3: the gid is not a decimal number'
printf '=a:a:1:1:/h::\n.\n' > "$I/users/assign"
refuse "too few fields" 'users/assign line 1: too few fields'
printf '=a:a:1:1:/h:::x:\n.\n' > "$I/users/assign"
refuse "too many fields" 'users/assign line 1: too many fields'
printf '=a:a:1:1:/h:::junk\n.\n' > "$I/users/assign"
refuse "text after the last colon" "users/assign line 1: the line must end with ':'"
printf '=a:a:1:1:/h:::\r\n.\n' > "$I/users/assign"
refuse "DOS line ending" "users/assign line 1: the line must end with ':'"
printf '=a:a:1:1:home:::\n.\n' > "$I/users/assign"
refuse "relative home" 'users/assign line 1: the home directory must be an absolute path'
printf '=a::1:1:/h:::\n.\n' > "$I/users/assign"
refuse "empty user" 'users/assign line 1: the user field is empty'
printf '#comment\n.\n' > "$I/users/assign"
refuse "unknown line type" "users/assign line 1: an assignment starts with '='"
printf '.x\n' > "$I/users/assign"
refuse "a dot line with more on it" "users/assign line 1: an assignment starts with '='"
: > "$I/users/assign"
refuse "empty assign" "does not end with a line holding a single '.'"
printf '=a:a:1:1:/h:::\n=b:b:1:1:/h:::' > "$I/users/assign"
refuse "no newline at the end" 'users/assign line 2: the last line has no newline'

# 3. hostile assign files: a clear error, never a crash
printf '=a:a:1:1:/h:::\n=b:b:1:1:/h:\000::\n.\n' > "$I/users/assign"
refuse "NUL byte" 'users/assign line 2: the line contains a NUL byte'
long=$(head -c 100000 /dev/zero | tr '\0' x)
printf '=a:a:1:1:/h:::\n%s\n.\n' "$long" > "$I/users/assign"
refuse "100 kB line of garbage" 'users/assign line 2: an assignment starts with'
printf '=a:a:1:1:/h:::\n=%s\n.\n' "$long" > "$I/users/assign"
refuse "100 kB address without fields" 'users/assign line 2: too few fields'
printf '=%s:u:1:1:/h:::\n.\n' "$long" > "$I/users/assign"
t_ok "a valid assignment with a 100 kB address compiles" newu
if command -v cdb > /dev/null 2>&1; then
  t_check "and is in users/cdb under its 100,002-byte key" \
    "$(cdb -d "$I/users/cdb" | grep -c '^+100002,')" 1
fi
awk -v u="$U" -v g="$G" 'BEGIN { for (i = 0; i < 10000; i++) printf "=u%d:u:%s:%s:/h%d:::\n", i, u, g, i; print "." }' \
  > "$I/users/assign"
t_ok "10,000 assignments compile" newu
if command -v cdb > /dev/null 2>&1; then
  t_check "all 10,000 are in users/cdb" "$(cdb -d "$I/users/cdb" | grep -c '^+')" 10001
  t_check "the last one is there, with its NUL-terminated key" "$(cdb -d "$I/users/cdb" | nul2bar | grep -c '^+7,[0-9]*:!u9999|->u|')" 1
fi
sed '$d' "$I/users/assign" > "$W/a" && mv "$W/a" "$I/users/assign"
cp "$I/users/cdb" "$W/cdb.good"
refuse "10,000 assignments without the final dot" "does not end with a line holding a single '.'"
printf '=a:a:1:1:/h:::\n.' > "$I/users/assign"
t_ok "a final dot without a newline is accepted" newu
rm -f "$I/users/assign"
out=$(newu 2>&1)
t_check "missing users/assign: exit 111" "$?" 111
t_match "missing users/assign: message" "$out" 'unable to read users/assign: '
t_check "qmail-newu with an argument: usage, exit 100" \
  "$(QMAILHOME=$I "$QBIN/qmail-newu" x > /dev/null 2>&1; echo $?)" 100

# 4. end to end: qmail-lspawn obeys users/cdb
mkhome() {   # dir, then .qmail-SUFFIX:maildir pairs
  h=$1; shift
  mkdir -p "$h"
  for pair in "$@"; do
    t_maildir "$h/${pair#*:}"
    echo "./${pair#*:}/" > "$h/.qmail${pair%%:*}"
  done
  [ $root = yes ] && chown -R "$U:$G" "$h"
}
mkhome "$W/joe" ":Maildir"
mkhome "$W/joe2" ":Maildir"
mkhome "$W/lists" "-foo:Foo" "-default:Maildir"
mkhome "$W/biglists" "-big-default:Maildir"
mkhome "$W/wild" "-hn:Hn" "-default:Maildir"
t_maildir "$I/alias/nomatch/Maildir"
echo ./nomatch/Maildir/ > "$I/alias/.qmail-nomatch"
[ $root = yes ] && chown -R "$U:$G" "$I/alias"
cat > "$I/users/assign" <<EOF
=joe:joe:$U:$G:$W/joe:::
+list-:lists:$U:$G:$W/lists:-::
+list-big-:biglists:$U:$G:$W/biglists:-:big-:
+jo:wild:$U:$G:$W/wild:-::
=rootie:root:0:0:$W/joe:::
=other:other:$((U + 1)):$G:$W/joe:::
.
EOF
t_ok "qmail-newu for the end-to-end run" newu
t_start "$I"
send() { printf 'Subject: %s\n\nbody\n' "$1" | t_queue "$I" sender@test.example "$1@test.example"; }
count() { ls "$1/new" 2>/dev/null | wc -l | tr -d ' '; }
for a in joe JOE list-foo list-other list-big-x john nomatch; do send "$a"; done
t_ok "=joe delivers to the home it names" t_wait_mail "$W/joe/Maildir" 2
t_check "the lookup ignores case (JOE is joe)" "$(grep -l '^Subject: JOE$' "$W"/joe/Maildir/new/* 2>/dev/null | wc -l)" 1
t_ok "+list- gives ext foo: .qmail-foo" t_wait_mail "$W/lists/Foo" 1
t_ok "+list- with another ext: .qmail-default" t_wait_mail "$W/lists/Maildir" 1
t_ok "the longest wildcard wins (+list-big- over +list-)" t_wait_mail "$W/biglists/Maildir" 1
t_ok "the wildcard's ext is its prepend plus the rest (.qmail-big-default)" \
  sh -c "grep -l '^Subject: list-big-x\$' $W/biglists/Maildir/new/* > /dev/null"
t_ok "+jo takes john with ext hn" t_wait_mail "$W/wild/Hn" 1
t_ok "an unassigned address goes to the alias user" t_wait_mail "$I/alias/nomatch/Maildir" 1
sleep 0.5
t_check "lists/Maildir got only list-other" "$(count "$W/lists/Maildir")" 1
t_check "the exact =joe beats the +jo wildcard (nothing for joe in wild)" \
  "$(count "$W/wild/Maildir")$(count "$W/wild/Hn")" 01
send rootie
t_ok "uid 0 assignment: deferred, saying why" \
  t_wait_log "$I" 'delivery [0-9]+: deferral: users/cdb_assigns_rootie_to_uid_0;_qmail-lspawn_never_delivers_as_root._\(#4.3.0\)$'
send other
t_ok "another uid in an instance: deferred, saying why" \
  t_wait_log "$I" 'delivery [0-9]+: deferral: This_instance_runs_as_one_user_and_delivers_only_to_it_or_to_its_alias;_deferring_mail_for_other._\(#4.3.0\)$'
t_check "nothing was delivered for them" "$(count "$W/joe/Maildir")" 2

# users/cdb is read afresh for every delivery
sed "s|^=joe:joe:$U:$G:$W/joe:::|=joe:joe:$U:$G:$W/joe2:::|" "$I/users/assign" > "$W/a"
mv "$W/a" "$I/users/assign"
t_ok "qmail-newu while qmail-send runs" newu
send joe
t_ok "the next delivery sees the new users/cdb, no restart" t_wait_mail "$W/joe2/Maildir" 1

# a damaged users/cdb defers instead of guessing
cp "$I/users/cdb" "$W/cdb.keep"
printf 'not a cdb' > "$I/users/cdb"
send joe
t_ok "a corrupt users/cdb defers the delivery" \
  t_wait_log "$I" 'delivery [0-9]+: deferral: users/cdb_is_corrupt_or_truncated;_rebuild_it_with_qmail-newu._\(#4.3.0\)$'
t_check "and delivers nothing" "$(count "$W/joe2/Maildir")" 1
cp "$W/cdb.keep" "$I/users/cdb"
kill -ALRM "$(cat "$I/send.pid")"
t_ok "after repair, the deferred message arrives" t_wait_mail "$W/joe2/Maildir" 2
# a users/cdb written by another tool (tinycdb's cdb -c), without the
# wildcard hint record, is read the same way
if command -v cdb > /dev/null 2>&1; then
  d1="joe|$U|$G|$W/joe2||" d2="lists|$U|$G|$W/lists|-|"
  printf '+5,%d:!joe|->%s\n+6,%d:!list-->%s\n\n' "${#d1}" "$d1" "${#d2}" "$d2" \
    | tr '|' '\000' > "$W/cdb.in"
  t_ok "cdb -c builds a users/cdb" cdb -c "$I/users/cdb" "$W/cdb.in"
  send joe
  t_ok "foreign users/cdb: the simple assignment" t_wait_mail "$W/joe2/Maildir" 3
  send list-foo
  t_ok "foreign users/cdb: the wildcard, no hint record" t_wait_mail "$W/lists/Foo" 2
  d3="x|12z|1|/h||" d4="x|1|1|/h|"
  printf '+5,%d:!bad|->%s\n+7,%d:!short|->%s\n\n' "${#d3}" "$d3" "${#d4}" "$d4" \
    | tr '|' '\000' > "$W/cdb.in"
  t_ok "cdb -c builds a hostile users/cdb" cdb -c "$I/users/cdb" "$W/cdb.in"
  send bad
  t_ok "hostile users/cdb: a non-numeric uid defers, naming the address" \
    t_wait_log "$I" 'deferral: users/cdb_has_a_malformed_assignment_for_bad;_rebuild_it_with_qmail-newu._\(#4.3.0\)$'
  send short
  t_ok "hostile users/cdb: five fields instead of six defers" \
    t_wait_log "$I" 'deferral: users/cdb_has_a_malformed_assignment_for_short;_'
else
  t_skip "a users/cdb written by cdb -c" "tinycdb's cdb tool is not installed"
fi
rm -f "$I/users/cdb"
send nomatch
t_ok "without users/cdb the alias user still gets mail" t_wait_mail "$I/alias/nomatch/Maildir" 2
t_stop "$I"

# 5. qmail-getpw
getpw() { QMAILHOME=$I "$QBIN/qmail-getpw" "$@" | nul2bar; }
t_check "unknown account: the alias user, whole local part as ext" \
  "$(getpw nosuchuser-x)" "alias|$U|$G|$I/alias|-|nosuchuser-x|"
t_check "root never receives mail: alias" "$(getpw root)" "alias|$U|$G|$I/alias|-|root|"
t_check "no arguments: exit 100" "$(QMAILHOME=$I "$QBIN/qmail-getpw" > /dev/null 2>&1; echo $?)" 100
if [ $root = yes ]; then
  # root runs an instance as the owner of its directory: none here
  out=$(QMAILHOME=$W/missing "$QBIN/qmail-getpw" nosuchuser 2>&1)
  t_check "no alias user: exit 111" "$?" 111
  t_match "no alias user: message" "$out" 'unable to find the alias user'
else
  t_skip "no alias user" "an ordinary user's instance always has one: that user (needs root)"
fi
if [ $root = yes ] && command -v unshare > /dev/null 2>&1 \
    && unshare -m true 2> /dev/null; then
  # a private /etc/passwd in a mount namespace, so the accounts are known
  mkdir -p "$W/pw/tester" "$W/pw/dash" "$W/pw/ro"
  chown 4242 "$W/pw/tester"; chown 4245 "$W/pw/dash"
  cat /etc/passwd > "$W/passwd"
  cat >> "$W/passwd" <<EOF
tester:x:4242:4243::$W/pw/tester:/bin/sh
notowner:x:4244:4244::$W/pw/tester:/bin/sh
dash-name:x:4245:4246::$W/pw/dash:/bin/sh
nohome:x:4247:4247::$W/pw/none:/bin/sh
EOF
  pw() { unshare -m sh -c 'mount --bind "$1" /etc/passwd && shift && QMAILHOME=$1 exec "$2" "$3"' \
    x "$W/passwd" "$I" "$QBIN/qmail-getpw" "$1" | nul2bar; }
  t_check "an account that owns its home" "$(pw tester)" "tester|4242|4243|$W/pw/tester|||"
  t_check "with an extension" "$(pw tester-foo-bar)" "tester|4242|4243|$W/pw/tester|-|foo-bar|"
  t_check "the account name is lowercased, the extension kept" "$(pw TESTER-Foo)" "tester|4242|4243|$W/pw/tester|-|Foo|"
  t_check "the longest account name wins (dash-name-x)" "$(pw dash-name-x)" "dash-name|4245|4246|$W/pw/dash|-|x|"
  t_check "an account that does not own its home: alias" "$(pw notowner)" "alias|$U|$G|$I/alias|-|notowner|"
  t_check "an account without a home: alias" "$(pw nohome-a)" "alias|$U|$G|$I/alias|-|nohome-a|"
else
  t_skip "qmail-getpw with known accounts" "needs root and unshare -m for a private /etc/passwd"
fi

# 6. qmail-pw2u
P=$W/pw2u
mkdir -p "$P/users" "$P/homes/alice" "$P/homes/bob" "$P/homes/frank" "$P/homes/gina"
if [ $root = yes ]; then
  A=4242 AG=4243
  chown -R "$A" "$P/homes"
  PU=$(stat -c %u "$P") PG=$(stat -c %g "$P")
else
  A=$(id -u) AG=$(id -g) PU=$(id -u) PG=$(id -g)
fi
H=$P/homes
cat > "$W/passwd.in" <<EOF
root:x:0:0:root:/root:/bin/sh
alice:x:$A:$AG:Alice:$H/alice:/bin/sh
bob:x:$A:$AG::$H/bob:/bin/sh
carol:x:$A:$AG::$H/nohome:/bin/sh
dave:x:$((A + 1)):$AG::$H/alice:/bin/sh
Erin:x:$A:$AG::$H/alice:/bin/sh
frank:x:$A:$AG::$H/frank:/bin/sh
gina:x:$A:$AG::$H/gina:/bin/sh
EOF
printf 'alice\nbob\ncarol\ndave\nErin\nfrank\nroot\n' > "$P/users/include"
printf 'bob\n' > "$P/users/exclude"
printf 'frank:fr:franky:\nghost:g1:\n' > "$P/users/mailnames"
printf 'sales:alice:sales:\nnobody-here:ghost:x:\n' > "$P/users/subusers"
printf '=postmaster:alice:%s:%s:%s/alice:::\n' "$A" "$AG" "$H" > "$P/users/append"
pw2u() { QMAILHOME=$P "$QBIN/qmail-pw2u" "$@" < "$W/passwd.in"; }
alias_line="+:alias:$PU:$PG:$P/alias:-::"
want="=alice:alice:$A:$AG:$H/alice:::
+alice-:alice:$A:$AG:$H/alice:-::
=fr:frank:$A:$AG:$H/frank:::
+fr-:frank:$A:$AG:$H/frank:-::
=franky:frank:$A:$AG:$H/frank:::
+franky-:frank:$A:$AG:$H/frank:-::
=sales:alice:$A:$AG:$H/alice:-:sales:
+sales-:alice:$A:$AG:$H/alice:-:sales-:
$alias_line
=postmaster:alice:$A:$AG:$H/alice:::
."
out=$(pw2u 2> "$W/pw2u.err")
t_check "qmail-pw2u: exit 0" "$?" 0
t_check "qmail-pw2u: include, exclude, mailnames, subusers, append, uid 0, home, uppercase" "$out" "$want"
t_match "a subusers line for an unknown account is reported" "$(cat "$W/pw2u.err")" \
  'users/subusers: no account ghost for nobody-here; skipped'
printf 'sales:alice:sales:\n' > "$P/users/subusers"
printf '%s\n' "$out" > "$P/users/assign"
t_ok "its output compiles with qmail-newu" env QMAILHOME=$P "$QBIN/qmail-newu"
t_match "-u admits uppercase names" "$(pw2u -u)" "^=Erin:Erin:$A:$AG:$H/alice:::\$"
out=$(pw2u -H)
t_match "-H: no home check (carol's missing home)" "$out" "^=carol:carol:$A:"
t_match "-H: no owner check (dave)" "$out" "^=dave:dave:$((A + 1)):"
t_fail "-H still skips uid 0" sh -c 'printf "%s\n" "$1" | grep -q "^=root:"' x "$out"
out=$(pw2u -h 2>&1)
t_check "-h: a missing home stops it, exit 111" "$?" 111
t_match "-h: the message names the home" "$out" "home directory $H/nohome of carol does not exist"
out=$(pw2u -C)
t_fail "-C: no extension wildcards for users" sh -c 'printf "%s\n" "$1" | grep -q "^+alice"' x "$out"
t_match "-C: the catch-all stays" "$out" "^\\+:alias:"
t_match "-c_: another extension character" "$(pw2u -c_)" "^\\+alice_:alice:$A:$AG:$H/alice:-::\$"
t_match "-/: the .qmail-/ convention" "$(pw2u -/)" "^\\+alice-:alice:$A:$AG:$H/alice:-/::\$"
t_check "-x: usage, exit 100" "$(pw2u -x > /dev/null 2>&1; echo $?)" 100
printf 'ok:x:1:1::/h:/bin/sh\nbroken:x:1\n' > "$W/bad.in"
out=$(QMAILHOME=$P "$QBIN/qmail-pw2u" < "$W/bad.in" 2>&1)
t_check "a malformed passwd line: exit 100" "$?" 100
t_match "and names its line" "$out" '^qmail-pw2u: fatal: input line 2: not of the form'
printf 'ok:x:1:1::/h:/bin/sh\nn:x:zz:1::/h:/bin/sh\n' > "$W/bad.in"
t_match "a non-numeric uid names its line" \
  "$(QMAILHOME=$P "$QBIN/qmail-pw2u" < "$W/bad.in" 2>&1)" 'input line 2: the uid is not a decimal number'
printf 'ok:x:1:1::/h:/bin/sh\nn\000:x:1:1::/h:/bin/sh\n' > "$W/bad.in"
t_match "a NUL byte names its line" \
  "$(QMAILHOME=$P "$QBIN/qmail-pw2u" < "$W/bad.in" 2>&1)" 'input line 2: the line contains a NUL byte'
printf '=x:x:1:1:/h:::\n.\n' > "$P/users/append"
t_match "a '.' line in users/append is refused" \
  "$(pw2u 2>&1)" "users/append holds a '.' line"
t_done
