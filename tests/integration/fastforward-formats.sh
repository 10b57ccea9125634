#!/bin/sh
# setforward, printforward, setmaillist, printmaillist: the cdb and the
# binary list formats of fastforward 0.51, byte for byte both ways with
# Debian's fastforward package (installed by .ci/run): ours written and
# theirs read, theirs written and ours read, the same files from the
# same input, the same printed text, the same verdict on broken input.
. "$TOP/tests/lib.sh"

W=$(t_tmpdir)
cd "$W" || exit 1

cat > table <<'EOF2'
# a comment, then every kind of command
root@yp.to: god@heaven.af.mil, staff@af.mil;
sos@heaven.af.mil: ?owner-sos@heaven.af.mil, &a@b.c, |prog arg,
   !prog2, /etc/lists/sos.bin, ./rel.bin;
dew@: |dew-monitor;
@dom.ain: x@y.z;
Fo\ o@BAR: x\,y@z, \|escaped-prefix, x\#y;
nothing: ,;
dup@x: a@x;
dup@x: b@x;
owner@x: ?;
EOF2

"$QBIN/setforward" ours.cdb ours.tmp < table
t_check "setforward exits 0" "$?" 0
t_fail "setforward leaves no tmp file" test -e ours.tmp
t_check "the cdb is world-readable" "$(stat -c %a ours.cdb)" 644

if command -v cdb > /dev/null 2>&1; then
  t_check "records as fastforward writes them (cdb -d)" \
    "$(cdb -d ours.cdb | tr '\0' '0' | sed '/^$/d')" \
'+11,33::root@yp.to->&god@heaven.af.mil0&staff@af.mil0
+18,23:?sos@heaven.af.mil->owner-sos@heaven.af.mil
+18,52::sos@heaven.af.mil->&a@b.c0|progarg0!prog20/etc/lists/sos.bin0./rel.bin0
+5,13::dew@->|dew-monitor0
+9,7::@dom.ain->&x@y.z0
+9,28::fo o@bar->&x,y@z0|escaped-prefix0&x#y0
+6,5::dup@x->&a@x0
+6,5::dup@x->&b@x0
+8,0:?owner@x->'
else
  t_skip "records as fastforward writes them (cdb -d)" "tinycdb's cdb tool is not installed"
fi

# hostile bits: each must be refused with 100 and keep the old cdb
cp ours.cdb keep.cdb
for bad in 'a: x@y' 'a: x@y\' 'a;' 'a,b: c;' 'a: b: c;' \
           "a: $(printf '%0801d' 0);"; do
  printf '%s' "$bad" | "$QBIN/setforward" ours.cdb ours.tmp 2> err
  t_check "setforward refuses '$(printf '%.20s' "$bad")' with 100" "$?" 100
  t_ok "... and keeps the old cdb" cmp ours.cdb keep.cdb
done
printf 'a: x\0y;' | "$QBIN/setforward" ours.cdb ours.tmp 2> err
t_check "setforward refuses a NUL byte with 100" "$?" 100
t_match "... saying so" "$(cat err)" 'NUL'
printf 'a: x@y;' | "$QBIN/setforward" "$W/no/such/dir/x.cdb" "$W/no/such/dir/x.tmp" 2> err
t_check "an unwritable tmp is a temporary failure (111)" "$?" 111

"$QBIN/printforward" < ours.cdb > ours.txt
t_check "printforward exits 0" "$?" 0
"$QBIN/setforward" again.cdb again.tmp < ours.txt
t_ok "printforward | setforward gives the same cdb back" cmp ours.cdb again.cdb
cat ours.cdb | "$QBIN/printforward" > piped.txt
t_ok "printforward reads a pipe" cmp ours.txt piped.txt

# every byte value in a command, escaped and read back
awk 'BEGIN { for (i = 1; i < 256; i++) if (i != 10) printf "a: x\\%c;\n", i }' > every.txt 2>/dev/null
"$QBIN/setforward" every.cdb every.tmp < every.txt
"$QBIN/printforward" < every.cdb | "$QBIN/setforward" every2.cdb every2.tmp
t_ok "every byte survives printforward | setforward" cmp every.cdb every2.cdb

printf '# c\n\ngod@heaven.af.mil  \n&amp@x\n/etc/inc.bin\n./rel\n  lead@space\n|prog\n-dash\ntab@x\t\t\nlast' > list
"$QBIN/setmaillist" ours.bin ours.btmp < list
t_check "setmaillist exits 0" "$?" 0
t_check "setmaillist's format" "$(tr '\0' '0' < ours.bin)" \
  '&god@heaven.af.mil0&amp@x0/etc/inc.bin0./rel0&  lead@space0&|prog0&-dash0&tab@x0&last0'
t_check "printmaillist prints it back" "$("$QBIN/printmaillist" < ours.bin)" \
'&god@heaven.af.mil
&amp@x
/etc/inc.bin
./rel
&  lead@space
&|prog
&-dash
&tab@x
&last'
printf '&x' | "$QBIN/printmaillist" > /dev/null 2>&1
t_check "printmaillist refuses a list without the final NUL (100)" "$?" 100
printf '%0801d\n' 0 | "$QBIN/setmaillist" ours.bin ours.btmp 2> /dev/null
t_check "setmaillist refuses an 801-byte address (100)" "$?" 100
printf 'x\0y\n' | "$QBIN/setmaillist" ours.bin ours.btmp 2> /dev/null
t_check "setmaillist refuses a NUL byte (100)" "$?" 100
t_check "... and keeps the old list" "$(tr '\0' '0' < ours.bin | cut -c1-18)" '&god@heaven.af.mil'

# Debian's fastforward 0.51 as the peer
if ! command -v setforward > /dev/null 2>&1 || [ ! -x /usr/bin/printforward ]; then
  for n in 1 2 3 4 5 6 7 8; do
    t_skip "compatibility with Debian's fastforward ($n)" "package fastforward is not installed"
  done
  t_done; exit
fi
/usr/bin/setforward theirs.cdb theirs.tmp < table
t_ok "setforward: the same cdb as Debian's from the same table" cmp ours.cdb theirs.cdb
/usr/bin/printforward < ours.cdb > theirs.txt
t_ok "Debian's printforward reads ours and prints what ours prints" cmp ours.txt theirs.txt
/usr/bin/printforward < every.cdb > theirs-every.txt
"$QBIN/printforward" < every.cdb > ours-every.txt
t_ok "the same escaping of every byte as Debian's printforward" cmp ours-every.txt theirs-every.txt
/usr/bin/setmaillist theirs.bin theirs.btmp < list
"$QBIN/setmaillist" ours.bin ours.btmp < list
t_ok "setmaillist: the same list as Debian's" cmp ours.bin theirs.bin
t_ok "Debian's printmaillist reads ours" sh -c '/usr/bin/printmaillist < ours.bin > t1 && "$0/printmaillist" < theirs.bin > t2 && cmp t1 t2' "$QBIN"
# broken databases: the same verdict (records in cdb -c's input form)
verdicts=
if command -v cdb > /dev/null 2>&1; then
  for rec in '+2,2::a->&x' '+2,5::a->zfoo\0' '+2,5:xa->&foo\0' '+2,2::a->\0\0' \
             '+2,10::a->&foo\0?own\0' '+0,5:->&foo\0' '+2,0::a->' '+3,5:?ab->x y\0z'; do
    printf "$rec\n\n" | cdb -c bad.cdb
    "$QBIN/printforward" < bad.cdb > /dev/null 2>&1; o=$?
    /usr/bin/printforward < bad.cdb > /dev/null 2>&1; t=$?
    verdicts="$verdicts $o/$t"
  done
  t_check "broken records: the same exit codes as Debian's printforward" "$verdicts" " 100/100 100/100 100/100 100/100 100/100 100/100 0/0 0/0"
else
  t_skip "broken records: the same exit codes as Debian's printforward" "cdb(1) missing"
fi
head -c 100 ours.cdb > short.cdb
"$QBIN/printforward" < short.cdb > /dev/null 2>&1
t_check "a truncated cdb is refused (100)" "$?" 100
t_done
