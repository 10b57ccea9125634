#!/bin/sh
# tcprules.sh -- the rules databases against ucspi-tcp's (Debian
# package ucspi-tcp): a table of rules in every syntax form compiled by
# both tools gives the same file; tcprulescheck answers like theirs on
# either file; real connections from many loopback source addresses get
# the same decisions and variables from our tcpserver on their database
# and from their tcpserver on ours.  Then refusals (the line is named,
# the old database stays), hostile input (100,000 lines, a 1 MB line,
# NUL bytes, a corrupt database), and IPv6 rules.
. "$TOP/tests/lib.sh"

D=$(t_tmpdir)
SERVERS=
trap 'for p in $SERVERS; do kill -TERM "$p" 2>/dev/null; done
      chmod -R u+rwx "$T_ROOT" 2>/dev/null; rm -rf "$T_ROOT"' EXIT

# ucspi-tcp's programs, never ours
ucspi_tool() {
  for dir in $(echo "$PATH" | tr ':' ' '); do
    [ "$dir" = "$QBIN" ] && continue
    [ -x "$dir/$1" ] && { echo "$dir/$1"; return 0; }
  done
  return 1
}
THEIR_RULES=$(ucspi_tool tcprules)
THEIR_CHECK=$(ucspi_tool tcprulescheck)
THEIR_SERVER=$(ucspi_tool tcpserver)
PY=
command -v python3 > /dev/null 2>&1 && PY=$(python3 -c 'import sys; print(sys.executable)')
CLIENT="$PY $TOP/tests/integration/tcpclient.py"

start() {
  start_name=$1; shift
  rm -f "$D/$start_name.pid" "$D/$start_name.rc"
  ( sh -c 'echo $$ > "$0"; exec "$@"' "$D/$start_name.pid" "$@" \
      > "$D/$start_name.port" 2> "$D/$start_name.log"
    echo $? > "$D/$start_name.rc" ) &
  start_i=0
  while ! grep -q '^[0-9]' "$D/$start_name.port" 2>/dev/null && [ $start_i -lt 100 ]; do
    sleep 0.1; start_i=$((start_i + 1))
  done
  SERVERS="$SERVERS $(cat "$D/$start_name.pid")"
  port=$(head -n 1 "$D/$start_name.port")
}

stop() {
  kill -TERM "$(cat "$D/$1.pid")" 2>/dev/null
  stop_i=0
  while [ ! -s "$D/$1.rc" ] && [ $stop_i -lt 100 ]; do
    sleep 0.05; stop_i=$((stop_i + 1))
  done
  [ -s "$D/$1.rc" ] || kill -KILL "$(cat "$D/$1.pid")" 2>/dev/null
}

# The table: every form both tools know, and the ones that only matter
# with -h (host names) or ident (info@), which must still compile alike.
cat > "$D/rules.txt" <<'EOF'
# the rules table of tcprules.sh
127.0.0.1:allow,RULEVAR="exact",TCPLOCALHOST="fromrule"
127.0.0.2:deny
127.0.0.3:deny,RULEVAR="denied"

127.0.1.:allow,RULEVAR="prefix3"
127.1.:allow,RULEVAR="prefix2"
127.0.2.10-20:allow,RULEVAR="range"
127.0.3-4.:allow,RULEVAR="range-prefix"
127.0.5.5:allow,RULEVAR=/slashes/,OTHER="two"
127.0.5.6:allow,RULEVAR="with,comma"
127.0.5.7:allow,RULEVAR="",EMPTY=""
127.0.5.8:allow,RULEVAR='single'
127.0.5.9:allow,RULEVAR="a=b=c"
127.0.5.10:allow,RULEVAR="has space"
127.0.5.11:allow   
127.0.5.12:allow,RULEVAR=xquotedx
127.0.5.13:allow,RULEVAR="first",RULEVAR="second"
127.0.5.14:deny,RULEVAR="ignored"
127.2.:deny
=localhost:allow,RULEVAR="host"
=.example.com:allow,RULEVAR="domain"
=mail.example.org:deny
=:allow,RULEVAR="anyhost"
joe@127.0.0.1:allow,RULEVAR="info"
joe@=host.example.com:deny
127.:allow,RULEVAR="prefix1"
:allow,RULEVAR="default"
EOF
"$QBIN/tcprules" "$D/ours.cdb" "$D/ours.tmp" < "$D/rules.txt"
t_check "our tcprules compiles the table" "$?" 0
t_ok "... and leaves no temporary file" test ! -e "$D/ours.tmp"
t_check "... mode 0644" "$(ls -l "$D/ours.cdb" | cut -c1-10)" "-rw-r--r--"

# section FILE KEY: the lines after "== KEY", up to the next "== "
section() {
  awk -v key="== $2" '$0 == key { on = 1; next } /^== / { on = 0 } on' "$1"
}

PROBES="127.0.0.1 127.0.0.2 127.0.0.3 127.0.1.9 127.1.2.3 127.0.2.9 127.0.2.10
127.0.2.15 127.0.2.20 127.0.2.21 127.0.3.1 127.0.4.200 127.0.5.1 127.0.5.5
127.0.5.6 127.0.5.7 127.0.5.8 127.0.5.9 127.0.5.10 127.0.5.11 127.0.5.12
127.0.5.13 127.0.5.14 127.2.0.1 127.9.9.9"

# what tcprulescheck says for every probe (address, then host names)
check_all() {
  for ip in $PROBES 192.0.2.1; do
    echo "== $ip"
    "$@" "$ip"
  done
  for host in localhost a.example.com b.a.example.com mail.example.org \
              other.net; do
    echo "== 192.0.2.1 $host"
    "$@" 192.0.2.1 "$host"
  done
  echo "== joe@127.0.0.1"
  TCPREMOTEINFO=joe "$@" 127.0.0.1
  echo "== joe@=host.example.com"
  TCPREMOTEINFO=joe "$@" 192.0.2.1 host.example.com
}
ours_check() { "$QBIN/tcprulescheck" "$CDB" "$@"; }
their_check() { env TCPREMOTEIP="$1" ${2:+TCPREMOTEHOST="$2"} "$THEIR_CHECK" "$CDB"; }

CDB=$D/ours.cdb check_all ours_check > "$D/check.ours" 2>&1
t_check "tcprulescheck: an exact rule" "$(section "$D/check.ours" 127.0.0.1)" \
  "rule 127.0.0.1:
set environment variable RULEVAR=exact
set environment variable TCPLOCALHOST=fromrule
allow connection"
t_check "tcprulescheck: a range" "$(section "$D/check.ours" 127.0.2.20)" \
  "rule 127.0.2.20:
set environment variable RULEVAR=range
allow connection"
t_check "tcprulescheck: a deny rule shows no variables" \
  "$(section "$D/check.ours" 127.0.5.14)" "rule 127.0.5.14:
deny connection"
t_check "tcprulescheck: =.domain" \
  "$(section "$D/check.ours" '192.0.2.1 b.a.example.com')" "rule =.example.com:
set environment variable RULEVAR=domain
allow connection"
t_check "tcprulescheck: the default rule" "$(section "$D/check.ours" 192.0.2.1)" \
  "rule :
set environment variable RULEVAR=default
allow connection"
t_check "tcprulescheck: an info@ rule with \$TCPREMOTEINFO" \
  "$(section "$D/check.ours" joe@127.0.0.1)" "rule joe@127.0.0.1:
set environment variable RULEVAR=info
allow connection"
got=$(env TCPREMOTEIP=127.1.2.3 "$QBIN/tcprulescheck" "$D/ours.cdb" | head -n 1)
t_check "tcprulescheck: the address from \$TCPREMOTEIP" "$got" "rule 127.1.:"

if [ -n "$THEIR_RULES" ] && [ -n "$THEIR_CHECK" ]; then
  "$THEIR_RULES" "$D/theirs.cdb" "$D/theirs.tmp" < "$D/rules.txt"
  t_ok "ucspi-tcp's tcprules compiles the table" test -s "$D/theirs.cdb"
  t_ok "both give the same database, byte for byte" cmp "$D/ours.cdb" "$D/theirs.cdb"
  if command -v cdb > /dev/null 2>&1; then
    t_check "cdb -d shows the same records" "$(cdb -d "$D/ours.cdb" | od -c)" \
      "$(cdb -d "$D/theirs.cdb" | od -c)"
  fi
  CDB=$D/theirs.cdb check_all ours_check > "$D/check.ours-on-theirs" 2>&1
  CDB=$D/theirs.cdb check_all their_check > "$D/check.theirs" 2>&1
  CDB=$D/ours.cdb check_all their_check > "$D/check.theirs-on-ours" 2>&1
  t_check "our tcprulescheck on their database answers like theirs" \
    "$(cat "$D/check.ours-on-theirs")" "$(cat "$D/check.theirs")"
  t_check "their tcprulescheck on our database answers like ours" \
    "$(cat "$D/check.theirs-on-ours")" "$(cat "$D/check.ours")"
else
  t_skip "the same database as ucspi-tcp's tcprules" "ucspi-tcp is not installed"
fi

# --- real connections from many source addresses -----------------------
cat > "$D/envprog" <<'EOF'
#!/bin/sh
env | grep -E '^(RULEVAR|OTHER|EMPTY|TCPLOCALHOST|TCPREMOTEIP)=' | sort
EOF
chmod +x "$D/envprog"
SOURCES=$(echo $PROBES)
if [ -n "$PY" ]; then
  # our listener reads their database when there is one
  rulesdb=$D/ours.cdb
  [ -s "$D/theirs.cdb" ] && rulesdb=$D/theirs.cdb
  start ours "$QBIN/tcpserver" -1 -HR -l lh -x "$rulesdb" 127.0.0.1 0 "$D/envprog"
  $CLIENT sweep 127.0.0.1 "$port" $SOURCES > "$D/sweep.ours"
  stop ours
  t_check "connections: an exact rule's variables" \
    "$(section "$D/sweep.ours" 127.0.0.1)" "RULEVAR=exact
TCPLOCALHOST=fromrule
TCPREMOTEIP=127.0.0.1"
  t_check "connections: denied clients get nothing" \
    "$(section "$D/sweep.ours" 127.0.0.2)$(section "$D/sweep.ours" 127.0.0.3)$(section "$D/sweep.ours" 127.2.0.1)" ""
  t_check "connections: the last of two values counts" \
    "$(section "$D/sweep.ours" 127.0.5.13 | head -n 1)" "RULEVAR=second"
  t_check "connections: a range ends where it says" \
    "$(section "$D/sweep.ours" 127.0.2.20 | head -n 1)/$(section "$D/sweep.ours" 127.0.2.21 | head -n 1)" \
    "RULEVAR=range/RULEVAR=prefix1"
  t_check "connections: quoting with any character, empty values" \
    "$(section "$D/sweep.ours" 127.0.5.5 | head -n 2)/$(section "$D/sweep.ours" 127.0.5.7 | head -n 2)" \
    "OTHER=two
RULEVAR=slashes/EMPTY=
RULEVAR="
  t_check "connections: every probe answered" \
    "$(grep -c '^== ' "$D/sweep.ours"):$(grep -c '(refused)\|(timeout)' "$D/sweep.ours")" \
    "$(echo $SOURCES | wc -w | tr -d ' '):0"
  if [ -n "$THEIR_SERVER" ] && [ -n "$THEIR_RULES" ]; then
    start theirs "$THEIR_SERVER" -1 -HR -l lh -x "$D/ours.cdb" 127.0.0.1 0 "$D/envprog"
    $CLIENT sweep 127.0.0.1 "$port" $SOURCES > "$D/sweep.theirs"
    stop theirs
    t_check "ucspi-tcp's tcpserver on our database decides like ours on theirs" \
      "$(cat "$D/sweep.theirs")" "$(cat "$D/sweep.ours")"
  else
    t_skip "ucspi-tcp's tcpserver on our database" "ucspi-tcp is not installed"
  fi
else
  t_skip "connections with the rules" "python3 is not installed"
fi

# --- IPv6 rules -----------------------------------------------------------
cat > "$D/rules6.txt" <<'EOF'
::1:allow,RULEVAR="loopback6"
2001:DB8:0:0::7:deny
2001:db8::allow,RULEVAR="doc"
2001:db8:::allow,RULEVAR="doc-zero"
fe80::deny
:allow,RULEVAR="default"
EOF
"$QBIN/tcprules" "$D/six.cdb" "$D/six.tmp" < "$D/rules6.txt"
t_check "IPv6 rules compile" "$?" 0
got=$(for ip in ::1 2001:db8::7 2001:0DB8::8 2001:db8:1::1 fe80::1 ::ffff:127.0.0.1; do
  echo "== $ip"; "$QBIN/tcprulescheck" "$D/six.cdb" "$ip" | head -n 2; done)
t_check "IPv6 rules: exact, prefixes, the text form, mapped as IPv4" "$got" \
  "== ::1
rule ::1:
set environment variable RULEVAR=loopback6
== 2001:db8::7
rule 2001:db8::7:
deny connection
== 2001:0DB8::8
rule 2001:db8:::
set environment variable RULEVAR=doc-zero
== 2001:db8:1::1
rule 2001:db8::
set environment variable RULEVAR=doc
== fe80::1
rule fe80::
deny connection
== ::ffff:127.0.0.1
rule :
set environment variable RULEVAR=default"
if [ -n "$THEIR_RULES" ] && echo '::1:allow' | "$THEIR_RULES" "$D/probe.cdb" "$D/probe.tmp" 2>/dev/null; then
  grep -v DB8 "$D/rules6.txt" | "$THEIR_RULES" "$D/six-theirs.cdb" "$D/six-theirs.tmp"
  grep -v DB8 "$D/rules6.txt" | "$QBIN/tcprules" "$D/six-ours.cdb" "$D/six-ours.tmp"
  t_ok "IPv6 rules: the same database as ucspi-tcp-ipv6's tcprules" \
    cmp "$D/six-ours.cdb" "$D/six-theirs.cdb"
else
  t_skip "IPv6 rules: the same database as ucspi-tcp-ipv6's" "its tcprules is not installed"
fi

# --- refusals: the line is named, the old database stays -----------------
cp "$D/ours.cdb" "$D/keep.cdb"
bad() {
  printf '%s' "$2" | "$QBIN/tcprules" "$D/ours.cdb" "$D/ours.tmp" 2> "$D/bad.err"
  bad_rc=$?
  t_check "refused ($1): exit 111" "$bad_rc" 111
  t_ok "refused ($1): the old database is unchanged" cmp "$D/ours.cdb" "$D/keep.cdb"
  t_ok "refused ($1): no temporary file is left" test ! -e "$D/ours.tmp"
}
bad "unquoted value" '127.0.0.1:allow
127.0.0.2:deny
# fine so far

127.0.0.5:allow,RELAYCLIENT=yes
:allow
'
t_match "refused: the message names line 5 and the reason" "$(cat "$D/bad.err")" \
  "^tcprules: fatal: unable to parse line 5: a value has no closing quote .*: 127\.0\.0\.5:allow,RELAYCLIENT=yes; $D/ours\.cdb is unchanged\$"
bad "prefix length" '10.0.0.0/8:allow
'
t_match "refused: prefix lengths are explained" "$(cat "$D/bad.err")" 'line 1: prefix lengths'
bad "no decision" '127.0.0.1
'
printf '127.0.0.1:allow\n127.0.\0002:deny\n' | "$QBIN/tcprules" "$D/ours.cdb" "$D/ours.tmp" 2> "$D/bad.err"
t_check "refused (NUL byte): exit 111" "$?" 111
t_match "refused (NUL byte): line 2 named" "$(cat "$D/bad.err")" 'line 2: the line contains a NUL byte'
t_ok "refused (NUL byte): the old database is unchanged" cmp "$D/ours.cdb" "$D/keep.cdb"
got=$(printf 'A\001B=/x/\n' | sed 's/^/127.0.0.1:allow,/' | "$QBIN/tcprules" "$D/ours.cdb" "$D/ours.tmp" 2>&1)
t_match "refused: control characters are shown as '?'" "$got" 'line 1: .*127\.0\.0\.1:allow,A\?B=/x/'

"$QBIN/tcprules" "$D/ours.cdb" 2> /dev/null < /dev/null
t_check "one argument: usage, exit 100" "$?" 100
mkdir "$D/ro"
"$QBIN/tcprules" "$D/ro/x.cdb" "$D/nodir/x.tmp" < "$D/rules.txt" 2> "$D/nodir.err"
t_check "an impossible temporary file: exit 111" "$?" 111
t_match "... named" "$(cat "$D/nodir.err")" "unable to create $D/nodir/x\.tmp"

# --- hostile input ----------------------------------------------------------
awk 'BEGIN { for (i = 1; i <= 100000; i++)
  printf "10.%d.%d.%d:allow,N=\"%d\"\n", int(i / 65536), int(i / 256) % 256, i % 256, i }' \
  > "$D/big.txt"
"$QBIN/tcprules" "$D/big.cdb" "$D/big.tmp" < "$D/big.txt"
t_check "100,000 lines compile" "$?" 0
t_check "... and the last one is found" \
  "$("$QBIN/tcprulescheck" "$D/big.cdb" 10.1.134.160 | sed -n 2p)" \
  "set environment variable N=100000"
if [ -n "$THEIR_RULES" ]; then
  "$THEIR_RULES" "$D/big-theirs.cdb" "$D/big-theirs.tmp" < "$D/big.txt"
  t_ok "... the same database as ucspi-tcp's" cmp "$D/big.cdb" "$D/big-theirs.cdb"
fi

# a rule with a 1 MB value is a rule; a 1 MB line of junk is refused
# with a short message
awk 'BEGIN { s = "x"; while (length(s) < 1048576) s = s s;
  printf "127.0.0.1:allow,BIG=\"%s\"\n:deny\n", s }' > "$D/huge.txt"
"$QBIN/tcprules" "$D/huge.cdb" "$D/huge.tmp" < "$D/huge.txt"
t_check "a 1 MB line compiles" "$?" 0
t_check "... and the value comes back whole" \
  "$("$QBIN/tcprulescheck" "$D/huge.cdb" 127.0.0.1 | sed -n 2p | wc -c | tr -d ' ')" \
  $((25 + 4 + 1048576 + 1))
if [ -n "$THEIR_RULES" ]; then
  "$THEIR_RULES" "$D/huge-theirs.cdb" "$D/huge-theirs.tmp" < "$D/huge.txt"
  t_ok "... the same database as ucspi-tcp's" cmp "$D/huge.cdb" "$D/huge-theirs.cdb"
fi
{ echo ':allow'; awk 'BEGIN { s = "9"; while (length(s) < 1048576) s = s s; print s }'; } \
  > "$D/junk.txt"
"$QBIN/tcprules" "$D/huge.cdb" "$D/huge.tmp" < "$D/junk.txt" 2> "$D/junk.err"
t_check "a 1 MB line of junk: exit 111" "$?" 111
t_match "... naming line 2" "$(cat "$D/junk.err")" 'unable to parse line 2: '
t_check "... in one short line" "$(wc -l < "$D/junk.err" | tr -d ' '):$(awk '{ print (length($0) < 400) }' "$D/junk.err")" "1:1"
head -c 100000 /dev/urandom > "$D/random.txt" 2>/dev/null
"$QBIN/tcprules" "$D/random.cdb" "$D/random.tmp" < "$D/random.txt" 2> /dev/null
rc=$?
t_check "random bytes: refused or compiled, never a crash" "$(( rc == 0 || rc == 111 ))" 1

# a corrupt database: tcprulescheck fails, tcpserver drops the client
head -c 3000 "$D/big.cdb" > "$D/cut.cdb"
"$QBIN/tcprulescheck" "$D/cut.cdb" 10.0.0.1 > /dev/null 2> "$D/cut.err"
t_check "a truncated database: tcprulescheck exits 111" "$?" 111
printf '\377\377\377\377' | dd of="$D/corrupt.cdb" bs=1 seek=0 conv=notrunc 2>/dev/null
cp "$D/ours.cdb" "$D/corrupt.cdb"
printf 'X' | dd of="$D/corrupt.cdb" bs=1 seek=2049 conv=notrunc 2>/dev/null
"$QBIN/tcprulescheck" "$D/corrupt.cdb" 127.0.0.1 > /dev/null 2>&1
rc=$?
t_check "a damaged record: tcprulescheck answers or exits 111, never crashes" \
  "$(( rc == 0 || rc == 111 ))" 1
if [ -n "$PY" ]; then
  start cut "$QBIN/tcpserver" -1 -x "$D/cut.cdb" 127.0.0.1 0 "$D/envprog"
  got=$($CLIENT connect 127.0.0.1 "$port" 2>/dev/null)
  stop cut
  t_check "a truncated database: tcpserver drops the connection" "$got" ""
  t_match "... with a warning" "$(cat "$D/cut.log")" \
    "^tcpserver: warning: dropping connection, unable to read $D/cut\.cdb: "
fi

t_done
