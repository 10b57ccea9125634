#!/bin/sh
# qmail-newmrh: control/morercpthosts -> control/morercpthosts.cdb, read
# back with tinycdb's cdb(1); failures exit 111 and keep the old
# database; the output does not depend on the run.
. "$TOP/tests/lib.sh"

W=$(t_tmpdir)
mkdir -p "$W/control"
L=$W/control/morercpthosts
C=$W/control/morercpthosts.cdb
newmrh() { QMAILHOME=$W "$QBIN/qmail-newmrh" "$@"; }
cr=$(printf '\r')

# 1. comments, blank lines, uppercase, trailing blanks and CR
{
  echo '# the domains we also take mail for'
  echo 'Example.COM'
  echo ''
  echo '   '
  echo 'sub.example.org  '
  echo "MiXeD.Example.NET$cr"
  echo '#commented.example'
  echo 'example.com'
  printf 'last.example'
} > "$L"
out=$(newmrh 2>&1)
t_check "qmail-newmrh exits 0" "$?" 0
t_check "qmail-newmrh says nothing on success" "$out" ""
t_ok "morercpthosts.cdb exists" test -f "$C"
t_fail "no morercpthosts.tmp is left behind" test -e "$W/control/morercpthosts.tmp"
t_check "morercpthosts.cdb has mode 644" "$(stat -c %a "$C")" 644

if command -v cdb > /dev/null 2>&1; then
  want='+11,0:example.com->
+15,0:sub.example.org->
+17,0:mixed.example.net->
+11,0:example.com->
+12,0:last.example->'
  t_check "cdb -d: the keys are exactly the lowercased domains, in order, data empty" \
    "$(cdb -d "$C" | sed '/^$/d')" "$want"
  t_ok "cdb -q finds mixed.example.net" cdb -q "$C" mixed.example.net
  cdb -q "$C" sub.example.org > "$W/data"
  t_check "cdb -q: found (exit 0), with empty data" \
    "$? $(wc -c < "$W/data" | tr -d ' ')" "0 0"
  t_fail "cdb -q does not find the uppercase spelling" cdb -q "$C" Example.COM
  t_fail "cdb -q does not find a commented-out domain" cdb -q "$C" commented.example
  t_fail "cdb -q does not find the comment line" cdb -q "$C" '# the domains we also take mail for'
  t_fail "cdb -q does not find the empty key" cdb -q "$C" ''
else
  t_skip "cdb(1) reads morercpthosts.cdb" "tinycdb's cdb tool is not installed"
fi

# 2. the same list gives the same bytes
cp "$C" "$W/first.cdb"
t_ok "a second run exits 0" newmrh
t_ok "a second run writes the same bytes" cmp "$C" "$W/first.cdb"

# 3. failures keep the old database
refused() {  # NAME PATTERN: qmail-newmrh exits 111 with a message
  out=$(newmrh 2>&1)
  t_check "$1: exit 111" "$?" 111
  t_match "$1: the message names the file" "$out" "$2"
  t_ok "$1: the old database is intact" cmp "$C" "$W/first.cdb"
  t_fail "$1: no morercpthosts.tmp is left behind" test -e "$W/control/morercpthosts.tmp"
}
cp "$L" "$W/list.good"

if [ "$(id -u)" != 0 ]; then
  chmod 000 "$L"
  refused "an unreadable list (mode 000)" \
    '^qmail-newmrh: fatal: unable to read control/morercpthosts .*: Permission denied$'
  chmod 644 "$L"
elif command -v setpriv > /dev/null 2>&1; then
  # root reads anything: run it as nobody against a list nobody cannot
  # read (nobody cannot write the database either, but it never gets
  # that far)
  chmod 000 "$L"
  out=$(QMAILHOME=$W setpriv --reuid=65534 --regid=65534 --clear-groups -- \
        "$QBIN/qmail-newmrh" 2>&1)
  t_check "an unreadable list, as nobody: exit 111" "$?" 111
  t_match "an unreadable list, as nobody: the message names the file" "$out" \
    '^qmail-newmrh: fatal: unable to read control/morercpthosts .*: Permission denied$'
  t_ok "an unreadable list, as nobody: the old database is intact" cmp "$C" "$W/first.cdb"
  chmod 644 "$L"
else
  t_skip "an unreadable list" "running as root without setpriv to drop privileges"
fi

rm "$L"
mkdir "$L"
refused "a directory in place of the list" \
  '^qmail-newmrh: fatal: unable to read control/morercpthosts .*: Is a directory$'
rmdir "$L"

refused "a missing list" \
  '^qmail-newmrh: fatal: unable to read control/morercpthosts: it does not exist'

printf 'a.example\nb\000c.example\n' > "$L"
refused "a list with a NUL byte" \
  '^qmail-newmrh: fatal: unable to read control/morercpthosts: it holds a NUL byte'

if [ "$(id -u)" != 0 ]; then
  cp "$W/list.good" "$L"
  chmod 555 "$W/control"
  refused "an unwritable control directory" \
    '^qmail-newmrh: fatal: unable to create control/morercpthosts.tmp: Permission denied$'
  chmod 755 "$W/control"
else
  t_skip "an unwritable control directory" "root writes anywhere"
fi

# 4. an empty list (only comments) is an empty database
printf '# nothing yet\n\n' > "$L"
t_ok "a list of comments only: exit 0" newmrh
if command -v cdb > /dev/null 2>&1; then
  t_check "a list of comments only: no records" "$(cdb -d "$C" | sed '/^$/d')" ""
fi
t_check "an empty database is a valid cdb of 2048 bytes" "$(wc -c < "$C" | tr -d ' ')" 2048

out=$(newmrh extra 2>&1)
t_check "an argument: exit 100" "$?" 100
t_match "an argument: usage" "$out" '^qmail-newmrh: fatal: usage: qmail-newmrh$'

t_done
