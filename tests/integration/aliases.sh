#!/bin/sh
# newaliases and newinclude: the sendmail aliases syntax compiled into
# fastforward's formats; the same database as Debian's fastforward 0.51
# newaliases from the same file (run as root in a private mount
# namespace, since Debian's reads /etc/aliases only); syntax errors name
# file and line and keep the old database; hostile input (a 100,000-
# entry file in well under a second, a 1 MB line, NUL bytes,
# unterminated quotes, a missing include).
. "$TOP/tests/lib.sh"

W=$(t_tmpdir)
H=$W/home
mkdir -p "$H/control"
echo mail.example.org > "$H/control/me"
echo example.org > "$H/control/defaulthost"
echo dh.example.net > "$H/control/defaultdomain"
echo plus.example.com > "$H/control/plusdomain"
na() { QMAILHOME=$H "$QBIN/newaliases" "$@"; }
ni() { QMAILHOME=$H "$QBIN/newinclude" "$@"; }
cd "$W" || exit 1

echo 'x@example.org' > staff-list
"$QBIN/setmaillist" other.bin other.tmp < staff-list
cat > aliases <<EOF2
# The aliases every system needs
#   a comment continued
postmaster: root
mailer-daemon: postmaster
root: alice, bill@example.com,
  carol
	dave

list: a, b, c
owner-list: listboss
owner-v@virt.dom: vboss
v@virt.dom: x
prog: "|weather-server arg", |direct, "|prog@x"
inc: :include:$W/staff-list, : include : $W/other
Joe@Example.COM: Joe Shmoe <shmoe@heaven.af.mil>
fred: "spaced out mailbox"@heaven.af.mil
bob: bob (Bob, the postmaster)
(this line catches all other addresses)@virt.dom: joe
nocolon alice, bob
r: <@a.b:c@d.e>
h: host@box, plus@box+, lit@[192.0.2.1]
dup: a
DUP: b
q: "a\"b"@c.d, \y
mixed: x, b c, |p q, "|r", :include:$W/other, d e
EOF2

out=$(na "$W/aliases" 2>&1)
t_check "newaliases FILE exits 0" "$?" 0
t_check "... warning only that staff-list is not compiled" "$out" \
  "newaliases: warning: $W/staff-list is not compiled: run newinclude $W/staff-list"
t_check "FILE.cdb is world-readable" "$(stat -c %a aliases.cdb 2>/dev/null)" 644
t_fail "FILE.tmp is not left behind" test -e aliases.tmp
"$QBIN/printforward" < aliases.cdb > printed
t_match "root@ lists its four recipients, last first" "$(cat printed)" \
  '^root@:$'
t_check "what newaliases wrote" "$(sed -n '/^root@:/,/^;/p;/^list@: ?/p;/^prog@:/,/^;/p;/^inc@:/,/^;/p;/^h@:/,/^;/p' printed)" \
'root@:
, &dave@example.org
, &carol@example.org
, &bill@example.com
, &alice@example.org
;
list@: ?owner-list@example.org;
prog@:
, !prog@x
, !direct
, !weather-server\ arg
;
inc@:
, '"$W"'/other.bin
, '"$W"'/staff-list.bin
;
h@:
, &lit@[192.0.2.1]
, &plus@box.plus.example.com
, &host@box.dh.example.net
;'
t_check "an entry mixing addresses, programs and includes: fastforward 0.51's order" \
  "$(sed -n '/^mixed@:/,/^;/p' printed | tr '\n' ' ')" \
  "mixed@: , &e@example.org , $W/other.bin , !r , &d@example.org , !p , &q@example.org , &c@example.org , &b@example.org , &x@example.org ; "
t_match "@virt.dom catches all (comment dropped)" "$(cat printed)" '^@virt\.dom:$'
t_match "Joe Shmoe <...>: the address in angle brackets, name lowercased" \
  "$(grep -A1 '^joe@example.com:' printed)" '&shmoe@heaven\.af\.mil'

# Debian's newaliases from the same file, as root in a private namespace
if [ "$T_UID" != 0 ] || [ ! -x /usr/sbin/qmail-newaliases ] || ! command -v unshare > /dev/null 2>&1; then
  t_skip "the same aliases.cdb as Debian's newaliases" "needs root, unshare and Debian's fastforward"
else
  mkdir -p deb && cp aliases deb/aliases && cp -r "$H/control" deb/control
  if unshare -m sh -c "mount -t tmpfs none /etc && mount -t tmpfs none /var/lib/qmail \
       && mkdir /var/lib/qmail/control && cp $W/deb/control/* /var/lib/qmail/control/ \
       && cp $W/deb/aliases /etc/aliases && /usr/sbin/qmail-newaliases \
       && cp /etc/aliases.cdb $W/deb/aliases.cdb" > deb/log 2>&1; then
    t_ok "the same aliases.cdb as Debian's newaliases" cmp aliases.cdb deb/aliases.cdb
  else
    t_skip "the same aliases.cdb as Debian's newaliases" "unshare/mount failed: $(head -c 80 deb/log)"
  fi
fi

# the default path, /etc/aliases, in a private mount namespace (root)
if [ "$T_UID" != 0 ] || ! command -v unshare > /dev/null 2>&1; then
  t_skip "no /etc/aliases: newaliases says so and exits 0" "needs root and unshare"
  t_skip "newaliases compiles /etc/aliases into /etc/aliases.cdb" "needs root and unshare"
  t_skip "... warning that alias/.qmail-default does not use it" "needs root and unshare"
  t_skip "... and silent when it does" "needs root and unshare"
else
  out=$(unshare -m sh -c "mount -t tmpfs none /etc || exit 9
      QMAILHOME=$H $QBIN/newaliases; echo rc=\$?" 2>&1)
  if printf '%s' "$out" | grep -q 'rc=9'; then
    t_skip "no /etc/aliases: newaliases says so and exits 0" "mount failed"
    t_skip "newaliases compiles /etc/aliases into /etc/aliases.cdb" "mount failed"
    t_skip "... warning that alias/.qmail-default does not use it" "mount failed"
    t_skip "... and silent when it does" "mount failed"
  else
    t_check "no /etc/aliases: newaliases says so and exits 0" "$out" \
      "newaliases: /etc/aliases does not exist: nothing to compile
rc=0"
    out=$(unshare -m sh -c "mount -t tmpfs none /etc || exit 9
        echo 'root: etcroot' > /etc/aliases
        QMAILHOME=$H $QBIN/newaliases 2> $W/warn && $QBIN/printforward < /etc/aliases.cdb" 2>&1)
    t_check "newaliases compiles /etc/aliases into /etc/aliases.cdb" "$out" "root@:
, &etcroot@example.org
;"
    t_match "... warning that alias/.qmail-default does not use it" "$(cat warn)" \
      "warning: $H/alias/.qmail-default does not exist, so /etc/aliases.cdb is not used"
    mkdir -p "$H/alias" && echo '| fastforward -d /etc/aliases.cdb' > "$H/alias/.qmail-default"
    unshare -m sh -c "mount -t tmpfs none /etc || exit 9
        echo 'root: etcroot' > /etc/aliases
        QMAILHOME=$H $QBIN/newaliases" > out 2>&1
    t_check "... and silent when it does" "$?:$(cat out)" "0:"
  fi
fi

# newinclude
printf '# staff\na, b@x.y\nc (comment) , "d e"@f.g\n:include:%s/other\n\n  indented@h.i\nJoe <joe@j.k>\n' "$W" > staff
out=$(ni "$W/staff" 2>&1)
t_check "newinclude exits 0, silently" "$?:$out" "0:"
t_check "newinclude's list (printmaillist)" "$("$QBIN/printmaillist" < staff.bin)" \
'&b@x.y
&a@example.org
&d e@f.g
&c@example.org
'"$W"'/other.bin
&indented@h.i
&joe@j.k'
t_check "staff.bin is world-readable" "$(stat -c %a staff.bin)" 644
printf 'a\n"|prog"\n' > badstaff
ni "$W/badstaff" 2> err
t_check "newinclude refuses a program (100)" "$?" 100
t_match "... naming file and line" "$(cat err)" 'badstaff:2: programs are not supported'

# syntax errors: file and line, exit 100, the old database kept
cp aliases.cdb good.cdb
n=0
for bad in 'x: "unterminated' 'x: (unterminated' 'x: <a@b' 'x: /var/mail/x' \
           'x:' 'x: a@' 'x: :include:' 'x: a >' ; do
  n=$((n + 1))
  { echo 'first: a'; echo; printf '%s\n' "$bad"; echo 'last: b'; } > aliases
  na "$W/aliases" 2> err
  t_check "'$bad': exit 100" "$?" 100
  t_match "'$bad': names file and line 3" "$(cat err)" "^newaliases: fatal: $W/aliases:3: "
  t_ok "'$bad': the old aliases.cdb is kept" cmp aliases.cdb good.cdb
done
printf 'first: a\nx: a, :include:%s/nonexistent\n' "$W" > aliases
na "$W/aliases" 2> err
t_check "an include of a missing file: exit 100" "$?" 100
t_match "... naming file, line and the reason" "$(cat err)" "aliases:2: the :include: file does not exist"
t_ok "... the old aliases.cdb is kept" cmp aliases.cdb good.cdb
printf 'first: a\nx: a\0b\n' > aliases
na "$W/aliases" 2> err
t_check "a NUL byte: exit 100" "$?" 100
t_match "a NUL byte: named, with file and line" "$(cat err)" "aliases:2: NUL bytes are not permitted"
t_ok "a NUL byte: the old aliases.cdb is kept" cmp aliases.cdb good.cdb
printf 'x: %0801d@example.org\n' 0 > aliases
na "$W/aliases" 2> err
t_check "an 801-byte address: exit 100" "$?" 100
t_ok "... the old aliases.cdb is kept" cmp aliases.cdb good.cdb
rm -f aliases
na "$W/aliases" 2> err
t_check "a missing aliases file: exit 111" "$?" 111
t_match "... saying so" "$(cat err)" 'unable to read .*aliases.*No such file'
t_ok "... the old aliases.cdb is kept" cmp aliases.cdb good.cdb
mkdir ro && echo 'a: b' > ro/aliases
if [ "$T_UID" != 0 ]; then
  chmod 555 ro
  na "$W/ro/aliases" 2> err
  t_check "an unwritable directory: exit 111" "$?" 111
  chmod 755 ro
else
  t_skip "an unwritable directory: exit 111" "root writes anywhere"
fi

# sendmail -bi, -I and the newaliases name run our newaliases (bin/newaliases
# of the home), the file given with sendmail's -oA
mkdir -p sm && ln -s "$QBIN" "$H/bin" && ln -s "$QBIN/sendmail" sm/newaliases
printf 'root: sm1\n' > smaliases
QMAILHOME=$H "$QBIN/sendmail" -bi -oA"$W/smaliases"
t_check "sendmail -bi -oAFILE: exit 0" "$?" 0
t_match "... FILE.cdb made by our newaliases" "$("$QBIN/printforward" < smaliases.cdb 2>&1)" '^, &sm1@example\.org$'
printf 'root: sm2\n' > smaliases
QMAILHOME=$H "$QBIN/sendmail" -I -oA"$W/smaliases"
t_match "sendmail -I -oAFILE too" "$("$QBIN/printforward" < smaliases.cdb 2>&1)" '^, &sm2@example\.org$'
printf 'root: sm3\n' > smaliases
QMAILHOME=$H sm/newaliases -oA"$W/smaliases"
t_match "sendmail run as newaliases too" "$("$QBIN/printforward" < smaliases.cdb 2>&1)" '^, &sm3@example\.org$'
printf 'root: "sm4\n' > smaliases
QMAILHOME=$H "$QBIN/sendmail" -bi -oA"$W/smaliases" 2> err
t_check "sendmail -bi passes on newaliases' exit code (100)" "$?" 100
t_match "... and its message" "$(cat err)" 'smaliases:1: unterminated quoted string'
t_match "... the old database kept" "$("$QBIN/printforward" < smaliases.cdb 2>&1)" '^, &sm3@example\.org$'

# the example every system starts from
cp "$TOP/etc/aliases" example
na "$W/example" 2> err
t_check "etc/aliases compiles cleanly" "$?:$(cat err)" "0:"
for name in postmaster mailer-daemon abuse root; do
  t_match "etc/aliases has $name" "$("$QBIN/printforward" < example.cdb)" "^$name@:\$"
done

# big input
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "user%d: target%d@example.org, other%d\n", i, i, i }' > big
start=$(date +%s%N)
na "$W/big"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
t_check "100,000 entries: exit 0" "$rc" 0
echo "# newaliases took $ms ms for 100,000 entries"
# the sanitizer build (tests/sanitize.sh sets QSTATIC empty) runs several
# times slower; the bound is for the real programs
limit=1000
[ "${QSTATIC+set}" = set ] && [ -z "$QSTATIC" ] && limit=10000
t_ok "100,000 entries in under $limit ms ($ms ms)" test "$ms" -lt "$limit"
if command -v cdb > /dev/null 2>&1; then
  t_check "the last of them is there" "$(cdb -q big.cdb ':user99999@' | tr '\0' ' ')" \
    '&other99999@example.org &target99999@example.org '
else
  t_skip "the last of them is there" "cdb(1) missing"
fi
awk 'BEGIN { printf "wide: "; for (i = 0; i < 120000; i++) printf "u%d, ", i; print "end" }' > wide
t_ok "a 1 MB line is a list of 120,001 recipients" sh -c "QMAILHOME=$H $QBIN/newaliases $W/wide && test \$($QBIN/printforward < $W/wide.cdb | grep -c '^, &') = 120001"
awk 'BEGIN { printf "x: \""; for (i = 0; i < 1048576; i++) printf "a"; print "" }' > wideq
na "$W/wideq" 2> err
t_check "a 1 MB unterminated quote: exit 100" "$?" 100
t_match "... with file and line" "$(cat err)" 'wideq:1: unterminated quoted string'
t_done
