#!/bin/sh
# tcpserver.sh -- the listener through its real interfaces: Python
# clients on the loopback addresses see the TCP* environment exactly
# (and the same as under ucspi-tcp's tcpserver with the same rules),
# the log lines in ucspi-tcp's format, -B, deny rules, -c 3 against 10
# clients at once (never more than 3 programs), 1,000 connections
# dropped at once against -c 40, the -u/-g drop (as root), SIGTERM,
# port names, -h/-p against dnsmasq on a loopback port (through
# $DNSSERVER, so no query leaves the machine), and tcp-env under a
# Python "inetd".
#
# ucspi-tcp's tcpserver is the referee when installed (Debian:
# ucspi-tcp); an IPv6-capable one (ucspi-tcp-ipv6) is used for the IPv6
# comparison when $UCSPI6_TCPSERVER names it.  It always runs with
# -H -R -l, so it never asks a name server.
# run.sh: alone -- counts programs at once; 1,000 connections
. "$TOP/tests/lib.sh"

if ! command -v python3 > /dev/null 2>&1; then
  t_skip "tcpserver" "python3 is not installed"
  t_done
  exit 0
fi
# the interpreter itself, not a wrapper such as pyenv's shim that costs
# seconds per start
PY=$(python3 -c 'import sys; print(sys.executable)')
CLIENT="$PY $TOP/tests/integration/tcpclient.py"
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
UCSPI=$(ucspi_tool tcpserver)
UCSPI_RULES=$(ucspi_tool tcprules)

have_ipv6() {
  "$PY" -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' \
    > /dev/null 2>&1
}

# start NAME COMMAND...: run a server that prints its port (-1); sets
# $port, leaves the pid in $D/NAME.pid, the log in $D/NAME.log and,
# once it has ended, its exit code in $D/NAME.rc.
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

# stop NAME: TERM and wait (bounded); its exit code in $stopped.
stop() {
  kill -TERM "$(cat "$D/$1.pid")" 2>/dev/null
  stop_i=0
  while [ ! -s "$D/$1.rc" ] && [ $stop_i -lt 100 ]; do
    sleep 0.05; stop_i=$((stop_i + 1))
  done
  [ -s "$D/$1.rc" ] || kill -KILL "$(cat "$D/$1.pid")" 2>/dev/null
  stopped=$(cat "$D/$1.rc" 2>/dev/null)
}

# Wait (bounded) until the log of NAME has COUNT lines matching PATTERN.
wait_log() {
  wait_i=0
  while [ "$(grep -Ec -- "$2" "$D/$1.log")" -lt "${3:-1}" ] && [ $wait_i -lt 100 ]; do
    sleep 0.1; wait_i=$((wait_i + 1))
  done
}

# The environment without port numbers, for comparisons.
noports() {
  grep -v '^PID=' | sed -E 's/^(TCP6?(LOCAL|REMOTE)PORT)=[0-9]+$/\1=N/'
}

# Log lines with pids and ports replaced.
normal_log() {
  sed -E -e 's/^tcpserver: (pid|ok|deny|end) [0-9]+/tcpserver: \1 P/' \
    -e 's/:[0-9]+( |$)/:N\1/g' "$1"
}

cat > "$D/envprog" <<'EOF'
#!/bin/sh
echo "PID=$$"
env | grep -E '^(PROTO|TCP[A-Z0-9]*|RULEVAR)=' | sort
EOF
cat > "$D/hello" <<'EOF'
#!/bin/sh
echo hello
EOF
cat > "$D/overlap" <<'EOF'
#!/bin/sh
echo + >> "$OVERLAP"
sleep 0.5
echo - >> "$OVERLAP"
echo done
EOF
chmod +x "$D/envprog" "$D/hello" "$D/overlap"
cat > "$D/rules.txt" <<'EOF'
# the env comparison rules
127.0.0.1:allow,RULEVAR="one",TCPLOCALHOST="fromrule"
127.0.0.2:deny
127.0.0.:allow,RULEVAR="prefix"
::1:allow,RULEVAR="six"
:allow,RULEVAR="default"
EOF
grep -v '::' "$D/rules.txt" > "$D/rules4.txt"
if [ -n "$UCSPI_RULES" ]; then
  "$UCSPI_RULES" "$D/rules.cdb" "$D/rules.tmp" < "$D/rules4.txt"
else
  "$QBIN/tcprules" "$D/rules.cdb" "$D/rules.tmp" < "$D/rules4.txt"
fi
"$QBIN/tcprules" "$D/rules6.cdb" "$D/rules6.tmp" < "$D/rules.txt"

# A fixed environment with stale values that must go or be replaced.
STALE="TCPREMOTEHOST=stale.example TCPREMOTEINFO=stale TCPLOCALHOST=stale TCP6REMOTEIP=stale PROTO=stale"

# --- the environment over IPv4, compared with ucspi-tcp -------------
start ours env -i PATH="$PATH" $STALE "$QBIN/tcpserver" -1 -v -HR -l lh \
  -x "$D/rules.cdb" 127.0.0.1 0 "$D/envprog"
ourport=$port
$CLIENT connect 127.0.0.1 "$ourport" --src 127.0.0.1 > "$D/ours.1" 2> "$D/ours.1.err"
cport=$(sed -n 's/^# client port //p' "$D/ours.1.err")
$CLIENT connect 127.0.0.1 "$ourport" --src 127.0.0.3 > "$D/ours.3" 2>/dev/null
$CLIENT connect 127.0.0.1 "$ourport" --src 127.0.0.2 > "$D/ours.2" 2>/dev/null
rc2=$?
wait_log ours '^tcpserver: end ' 3
stop ours
t_check "SIGTERM: tcpserver exits 0" "$stopped" 0

want="PID=$(sed -n 's/^PID=//p' "$D/ours.1")
PROTO=TCP
RULEVAR=one
TCPLOCALHOST=fromrule
TCPLOCALIP=127.0.0.1
TCPLOCALPORT=$ourport
TCPREMOTEIP=127.0.0.1
TCPREMOTEPORT=$cport"
t_check "IPv4 client: the exact TCP* environment, rule variables last" \
  "$(cat "$D/ours.1")" "$want"
t_check "IPv4 client: a prefix rule" "$(noports < "$D/ours.3")" "PROTO=TCP
RULEVAR=prefix
TCPLOCALHOST=lh
TCPLOCALIP=127.0.0.1
TCPLOCALPORT=N
TCPREMOTEIP=127.0.0.3
TCPREMOTEPORT=N"
t_check "a deny rule closes the connection without running the program" \
  "$rc2:$(cat "$D/ours.2")" "0:"

pid1=$(sed -n 's/^PID=//p' "$D/ours.1")
t_check "log: one connection in ucspi-tcp's format" \
  "$(grep -E "^tcpserver: (pid|ok|end) $pid1 " "$D/ours.log")" \
  "tcpserver: pid $pid1 from 127.0.0.1
tcpserver: ok $pid1 lh:127.0.0.1:$ourport :127.0.0.1::$cport
tcpserver: end $pid1 status 0"
t_match "log: the denied connection and its exit status 100" \
  "$(cat "$D/ours.log")" \
  "^tcpserver: deny [0-9]+ lh:127\.0\.0\.1:$ourport :127\.0\.0\.2::[0-9]+\$"
t_check "log: status lines" "$(head -n 2 "$D/ours.log")" \
  "tcpserver: status: 0/40
tcpserver: status: 1/40"
t_match "log: a denied connection ends with status 25600" \
  "$(cat "$D/ours.log")" '^tcpserver: end [0-9]+ status 25600$'

if [ -n "$UCSPI" ]; then
  start theirs env -i PATH="$PATH" $STALE "$UCSPI" -1 -v -HR -l lh \
    -x "$D/rules.cdb" 127.0.0.1 0 "$D/envprog"
  $CLIENT connect 127.0.0.1 "$port" --src 127.0.0.1 > "$D/theirs.1" 2>/dev/null
  $CLIENT connect 127.0.0.1 "$port" --src 127.0.0.3 > "$D/theirs.3" 2>/dev/null
  $CLIENT connect 127.0.0.1 "$port" --src 127.0.0.2 > "$D/theirs.2" 2>/dev/null
  wait_log theirs '^tcpserver: end ' 3
  stop theirs
  # ucspi-tcp leaves a stale TCP6 variable alone; we remove it
  t_check "IPv4: the same environment as ucspi-tcp's tcpserver (rule)" \
    "$(noports < "$D/ours.1")" "$(grep -v '^TCP6' "$D/theirs.1" | noports)"
  t_check "IPv4: the same environment as ucspi-tcp's tcpserver (prefix)" \
    "$(noports < "$D/ours.3")" "$(grep -v '^TCP6' "$D/theirs.3" | noports)"
  t_check "IPv4: denied by both" "$(cat "$D/ours.2")" "$(cat "$D/theirs.2")"
  t_check "log: the same lines as ucspi-tcp's, pids and ports aside" \
    "$(normal_log "$D/ours.log")" "$(normal_log "$D/theirs.log")"
else
  t_skip "IPv4: the same environment as ucspi-tcp's tcpserver" "ucspi-tcp is not installed"
fi

# --- IPv6 ------------------------------------------------------------
if have_ipv6; then
  start ours6 env -i PATH="$PATH" $STALE "$QBIN/tcpserver" -1 -v -HR -l lh \
    -x "$D/rules6.cdb" ::1 0 "$D/envprog"
  $CLIENT connect ::1 "$port" > "$D/ours6" 2> "$D/ours6.err"
  cport=$(sed -n 's/^# client port //p' "$D/ours6.err")
  wait_log ours6 '^tcpserver: end ' 1
  stop ours6
  want="PROTO=TCP6
RULEVAR=six
TCP6LOCALHOST=lh
TCP6LOCALIP=::1
TCP6LOCALPORT=$port
TCP6REMOTEIP=::1
TCP6REMOTEPORT=$cport
TCPLOCALHOST=lh
TCPLOCALIP=::1
TCPLOCALPORT=$port
TCPREMOTEIP=::1
TCPREMOTEPORT=$cport"
  t_check "IPv6 client: PROTO=TCP6, the TCP6* and TCP* variables" \
    "$(grep -v '^PID=' "$D/ours6")" "$want"
  t_match "IPv6 log line" "$(cat "$D/ours6.log")" \
    "^tcpserver: ok [0-9]+ lh:::1:$port :::1::$cport\$"
  if [ -n "${UCSPI6_TCPSERVER:-}" ]; then
    start theirs6 env -i PATH="$PATH" $STALE "$UCSPI6_TCPSERVER" -1 -v -HR -l lh \
      -x "$D/rules6.cdb" ::1 0 "$D/envprog"
    $CLIENT connect ::1 "$port" > "$D/theirs6" 2>/dev/null
    wait_log theirs6 '^tcpserver: end ' 1
    stop theirs6
    t_check "IPv6: the same environment as ucspi-tcp-ipv6's tcpserver" \
      "$(noports < "$D/ours6")" "$(noports < "$D/theirs6")"
  else
    t_skip "IPv6: the same environment as ucspi-tcp-ipv6's tcpserver" \
      "set UCSPI6_TCPSERVER to its tcpserver"
  fi

  # "::" takes IPv4 clients too, which look exactly like IPv4 ones
  start dual env -i PATH="$PATH" $STALE "$QBIN/tcpserver" -1 -HR -l lh \
    -x "$D/rules6.cdb" :: 0 "$D/envprog"
  $CLIENT connect 127.0.0.1 "$port" --src 127.0.0.3 > "$D/dual4" 2>/dev/null
  $CLIENT connect ::1 "$port" > "$D/dual6" 2>/dev/null
  stop dual
  t_check ":: serves IPv4 clients as PROTO=TCP, without TCP6 variables" \
    "$(noports < "$D/dual4")" "$(noports < "$D/ours.3")"
  t_match ":: serves IPv6 clients" "$(cat "$D/dual6")" '^TCP6REMOTEIP=::1$'
else
  t_skip "IPv6 client" "no ::1 on this machine"
fi

# --- the banner -------------------------------------------------------
banner=$(printf 'hi there\r\nX'); banner=${banner%X}
start banner "$QBIN/tcpserver" -1 -B "$banner" 127.0.0.1 0 "$D/hello"
$CLIENT connect 127.0.0.1 "$port" | od -c > "$D/banner.got"
stop banner
printf 'hi there\r\nhello\n' | od -c > "$D/banner.want"
t_check "-B: the banner comes first, byte for byte" \
  "$(cat "$D/banner.got")" "$(cat "$D/banner.want")"
t_check "without -v nothing is logged" "$(cat "$D/banner.log")" ""

# --- -c 3 against 10 clients at once ----------------------------------
: > "$D/overlap.log"
start limit env OVERLAP="$D/overlap.log" "$QBIN/tcpserver" -1 -v -c 3 \
  127.0.0.1 0 "$D/overlap"
$CLIENT many 127.0.0.1 "$port" 10 --timeout 60 > "$D/many.out"
wait_log limit '^tcpserver: end ' 10
stop limit
t_check "-c 3: all 10 clients served, none refused" "$(cat "$D/many.out")" \
  "served 10
refused 0
timeout 0
empty 0"
most=$(awk '/\+/ { n++; if (n > m) m = n } /-/ { n-- } END { print m + 0 }' "$D/overlap.log")
t_check "-c 3: at most 3 programs at once, and 3 did run together" "$most" 3
t_check "-c 3: the status lines never pass 3/3" \
  "$(sed -n 's/^tcpserver: status: \([0-9]*\)\/3$/\1/p' "$D/limit.log" | sort -n | tail -n 1)" 3

# --- 1,000 connections dropped at once against -c 40 -----------------
start flood "$QBIN/tcpserver" -1 -v 127.0.0.1 0 "$D/hello"
$CLIENT flood 127.0.0.1 "$port" 1000 > /dev/null
got=$($CLIENT connect 127.0.0.1 "$port" --timeout 120)
t_check "after 1,000 dropped connections the next client is served" "$got" hello
t_ok "the listener is still running" kill -0 "$(cat "$D/flood.pid")"
stop flood
t_check "the status lines never pass 40/40" \
  "$(sed -n 's/^tcpserver: status: \([0-9]*\)\/40$/\1/p' "$D/flood.log" | sort -n | tail -n 1 | awk '{ print ($1 <= 40) }')" 1

# --- missing rules, -X, -q ----------------------------------------------
start norules "$QBIN/tcpserver" -1 -x "$D/missing.cdb" 127.0.0.1 0 "$D/hello"
got=$($CLIENT connect 127.0.0.1 "$port")
stop norules
t_check "-x with a missing database drops the connection" "$got" ""
t_match "... and says why" "$(cat "$D/norules.log")" \
  "^tcpserver: warning: dropping connection, unable to read $D/missing.cdb: "
start norulesX "$QBIN/tcpserver" -1 -X -x "$D/missing.cdb" 127.0.0.1 0 "$D/hello"
got=$($CLIENT connect 127.0.0.1 "$port")
stop norulesX
t_check "-X: a missing database allows the connection" "$got" hello
start quiet "$QBIN/tcpserver" -1 -q -x "$D/missing.cdb" 127.0.0.1 0 "$D/hello"
$CLIENT connect 127.0.0.1 "$port" > /dev/null
stop quiet
t_check "-q: no messages" "$(cat "$D/quiet.log")" ""
start noprog "$QBIN/tcpserver" -1 127.0.0.1 0 "$D/no-such-program"
$CLIENT connect 127.0.0.1 "$port" > /dev/null
sleep 0.3
stop noprog
t_match "a program that cannot run is a warning" "$(cat "$D/noprog.log")" \
  "^tcpserver: warning: dropping connection, unable to run $D/no-such-program: "

# --- rules change while it runs ---------------------------------------
echo ':deny' | "$QBIN/tcprules" "$D/live.cdb" "$D/live.tmp"
start live "$QBIN/tcpserver" -1 -x "$D/live.cdb" 127.0.0.1 0 "$D/hello"
before=$($CLIENT connect 127.0.0.1 "$port")
echo ':allow' | "$QBIN/tcprules" "$D/live.cdb" "$D/live.tmp"
after=$($CLIENT connect 127.0.0.1 "$port")
stop live
t_check "new rules take effect with the next connection" "$before/$after" "/hello"

# --- usage and startup errors -------------------------------------------
"$QBIN/tcpserver" > /dev/null 2>&1
t_check "no arguments: usage, exit 100" "$?" 100
"$QBIN/tcpserver" -c 0 127.0.0.1 0 true > /dev/null 2>&1
t_check "-c 0 is refused" "$?" 100
"$QBIN/tcpserver" 127.0.0.1 no-such-service true 2> "$D/noport.err"
t_check "an unknown port name: exit 111" "$?" 111
t_match "... naming it" "$(cat "$D/noport.err")" \
  'unable to figure out port number for no-such-service'
start busy "$QBIN/tcpserver" -1 127.0.0.1 0 true
"$QBIN/tcpserver" 127.0.0.1 "$port" true 2> "$D/busy.err"
t_check "a port in use: exit 111" "$?" 111
stop busy

# a port name from /etc/services, on a port nobody uses here
service=$(awk '$2 ~ /^[0-9]+\/tcp$/ { split($2, p, "/"); if (p[1] > 1024) { print $1 " " p[1] } }' \
  /etc/services 2>/dev/null | while read -r name num; do
    if "$PY" -c "import socket,sys; s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1])))" "$num" 2>/dev/null; then
      echo "$name $num"; break
    fi
  done)
if [ -n "$service" ]; then
  start named "$QBIN/tcpserver" -1 127.0.0.1 "${service% *}" "$D/hello"
  stop named
  t_check "a port name from /etc/services (${service% *})" "$port" "${service#* }"
else
  t_skip "a port name from /etc/services" "no free named port above 1024"
fi

# --- -h and -p: host names from dnsmasq on a loopback port, never from
# the machine's name servers ($DNSSERVER points the resolver there)
DNSMASQ=$(command -v dnsmasq 2>/dev/null)
[ -z "$DNSMASQ" ] && [ -x /usr/sbin/dnsmasq ] && DNSMASQ=/usr/sbin/dnsmasq
dport=
if [ -n "$DNSMASQ" ]; then
  set -- --host-record=good.test,127.0.0.5 \
    --ptr-record=6.0.0.127.in-addr.arpa,liar.test \
    --host-record=liar.test,127.0.0.99 \
    --ptr-record="8.0.0.127.in-addr.arpa,a b.test" \
    --ptr-record="9.0.0.127.in-addr.arpa,x*y.test" \
    --txt-record=x.test,unused \
    --local=/test/ --local=/127.in-addr.arpa/
  listen=127.0.0.1
  if have_ipv6; then
    set -- "$@" --host-record=six.test,::1 --local=/ip6.arpa/
    listen=127.0.0.1,::1
  fi
  for try in 1 2 3; do
    p=$(t_free_port)
    "$DNSMASQ" -k --port="$p" --listen-address=$listen --bind-interfaces \
      --no-resolv --no-hosts --conf-file=/dev/null --pid-file= "$@" \
      2> "$D/dnsmasq.err" &
    dm=$!
    SERVERS="$SERVERS $dm"
    i=0
    while [ $i -lt 50 ] && kill -0 $dm 2>/dev/null; do
      if DNSSERVER=127.0.0.1:$p RES_OPTIONS="timeout:1 attempts:1" \
         "$QBIN/dnsptr" 127.0.0.5 > /dev/null 2>&1; then
        dport=$p; break
      fi
      sleep 0.1; i=$((i + 1))
    done
    [ -n "$dport" ] && break
    kill $dm 2>/dev/null
  done
fi
if [ -n "$dport" ]; then
  printf '=good.test:allow,RULEVAR="byname"\n=.test:allow,RULEVAR="domain"\n:allow,RULEVAR="nohost"\n' | \
    "$QBIN/tcprules" "$D/host.cdb" "$D/host.tmp"
  printf '#!/bin/sh\nenv | grep -E "^(TCPREMOTEHOST|RULEVAR)=" | sort\n' > "$D/hostprog"
  chmod +x "$D/hostprog"
  start paranoid env DNSSERVER=127.0.0.1:$dport "$QBIN/tcpserver" -1 -h -p \
    -x "$D/host.cdb" 127.0.0.1 0 "$D/hostprog"
  $CLIENT sweep 127.0.0.1 "$port" 127.0.0.5 127.0.0.6 127.0.0.7 127.0.0.8 > "$D/paranoid.out"
  stop paranoid
  t_check "-h -p: a confirmed name and its =host rule; a liar, no name, a bad name stay unknown" \
    "$(cat "$D/paranoid.out")" "== 127.0.0.5
RULEVAR=byname
TCPREMOTEHOST=good.test
== 127.0.0.6
RULEVAR=nohost
== 127.0.0.7
RULEVAR=nohost
== 127.0.0.8
RULEVAR=nohost"
  start trusting env DNSSERVER=127.0.0.1:$dport "$QBIN/tcpserver" -1 -h \
    -x "$D/host.cdb" 127.0.0.1 0 "$D/hostprog"
  $CLIENT sweep 127.0.0.1 "$port" 127.0.0.6 127.0.0.8 127.0.0.9 > "$D/trusting.out"
  stop trusting
  t_check "-h without -p: the PTR name as it is and =.domain rules; names with a space or '*' are ignored" \
    "$(cat "$D/trusting.out")" "== 127.0.0.6
RULEVAR=domain
TCPREMOTEHOST=liar.test
== 127.0.0.8
RULEVAR=nohost
== 127.0.0.9
RULEVAR=nohost"
  start nolookup env DNSSERVER=127.0.0.1:$dport "$QBIN/tcpserver" -1 \
    -x "$D/host.cdb" 127.0.0.1 0 "$D/hostprog"
  $CLIENT sweep 127.0.0.1 "$port" 127.0.0.5 > "$D/nolookup.out"
  stop nolookup
  t_check "-H (the default): no lookup" "$(cat "$D/nolookup.out")" "== 127.0.0.5
RULEVAR=nohost"
  if have_ipv6; then
    start host6 env DNSSERVER=127.0.0.1:$dport "$QBIN/tcpserver" -1 -h -p \
      -x "$D/host.cdb" ::1 0 "$D/hostprog"
    got=$($CLIENT connect ::1 "$port" 2>/dev/null)
    stop host6
    t_check "-h -p over IPv6" "$got" "RULEVAR=domain
TCPREMOTEHOST=six.test"
  fi
  got=$(env -i PATH="$PATH" DNSSERVER=127.0.0.1:$dport $CLIENT inetd 127.0.0.1 -- \
    "$QBIN/tcp-env" -h -p "$D/hostprog" | grep -v ' port ')
  t_check "tcp-env -h -p: no confirmed name for 127.0.0.1" "$got" ""
else
  t_skip "-h and -p" "dnsmasq is not installed (apt-get install dnsmasq-base)"
fi

# --- the privilege drop -------------------------------------------------
if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
  nuid=$(id -u nobody) ngid=$(id -g nobody)
  start drop "$QBIN/tcpserver" -1 -u "$nuid" -g "$ngid" 127.0.0.1 0 \
    /bin/sh -c 'echo "$(id -u) $(id -g) $(id -G)"'
  got=$($CLIENT connect 127.0.0.1 "$port")
  listener=$(awk '/^Uid:/ { print $2 "," $3 }' "/proc/$(cat "$D/drop.pid")/status" 2>/dev/null)
  stop drop
  t_check "-u/-g: the program runs as that user and only that group" "$got" \
    "$nuid $ngid $ngid"
  if [ -n "$listener" ]; then
    t_check "-u/-g: the listener itself dropped root before accepting" \
      "$listener" "$nuid,$nuid"
  fi
  start dropU env UID="$nuid" GID="$ngid" "$QBIN/tcpserver" -1 -U 127.0.0.1 0 \
    /bin/sh -c 'echo "$(id -u) $(id -g) $(id -G)"'
  got=$($CLIENT connect 127.0.0.1 "$port")
  stop dropU
  t_check "-U: the ids from \$UID and \$GID" "$got" "$nuid $ngid $ngid"
else
  t_skip "-u/-g privilege drop" "needs root and the user nobody"
fi

# --- tcp-env under inetd ------------------------------------------------
env -i PATH="$PATH" $STALE $CLIENT inetd 127.0.0.1 -- \
  "$QBIN/tcp-env" -R -t 5 -l lh "$D/envprog" > "$D/inetd4"
sport=$(sed -n 's/^server port //p' "$D/inetd4")
cport=$(sed -n 's/^client port //p' "$D/inetd4")
t_check "tcp-env: the TCP* environment from descriptor 0" \
  "$(grep -v -e '^PID=' -e ' port ' "$D/inetd4")" "PROTO=TCP
TCPLOCALHOST=lh
TCPLOCALIP=127.0.0.1
TCPLOCALPORT=$sport
TCPREMOTEIP=127.0.0.1
TCPREMOTEPORT=$cport"
if have_ipv6; then
  env -i PATH="$PATH" $STALE $CLIENT inetd ::1 -- \
    "$QBIN/tcp-env" "$D/envprog" > "$D/inetd6"
  sport=$(sed -n 's/^server port //p' "$D/inetd6")
  cport=$(sed -n 's/^client port //p' "$D/inetd6")
  t_check "tcp-env: IPv6" "$(grep -v -e '^PID=' -e ' port ' "$D/inetd6")" \
    "PROTO=TCP6
TCP6LOCALIP=::1
TCP6LOCALPORT=$sport
TCP6REMOTEIP=::1
TCP6REMOTEPORT=$cport
TCPLOCALIP=::1
TCPLOCALPORT=$sport
TCPREMOTEIP=::1
TCPREMOTEPORT=$cport"
else
  t_skip "tcp-env: IPv6" "no ::1 on this machine"
fi
got=$(echo | env -i PATH="$PATH" PROTO=KEPT TCPREMOTEIP=192.0.2.1 \
  "$QBIN/tcp-env" "$D/envprog" | grep -v '^PID=')
t_check "tcp-env: not a socket: the environment stays as it was" "$got" \
  "PROTO=KEPT
TCPREMOTEIP=192.0.2.1"
"$QBIN/tcp-env" < /dev/null > /dev/null 2>&1
t_check "tcp-env: no program: usage, exit 100" "$?" 100

t_done
