#!/bin/sh
# tcpto.sh -- qmail-remote's table of addresses that timed out
# (queue/lock/tcpto), qmail-tcpto and qmail-tcpok.
#
# A connect timeout on loopback without privileges: a listener with a
# backlog of 0 whose one queue slot is taken by a connection it never
# accepts.  Linux then drops every further SYN, so a connect to it
# times out (control/timeoutconnect is 1 second).  The listener checks
# this itself; where the system answers such SYNs anyway the timeout
# tests are skipped.
#
# Asserts: two timeouts in a row are recorded (file created on demand,
# mode 0644) and listed; the third attempt is skipped at once with
# "timed out recently"; a refusal is not recorded; the host is skipped
# even after it came back, until qmail-tcpok clears the table, and then
# the message is delivered to a working server there; a success clears
# a recorded timeout; qmail-tcpok ADDRESS clears one entry; a garbage
# table is read as empty; through the queue, qmail-remote run by
# qmail-rspawn as the instance's user records into the installed table;
# with dnsmasq, a dead first MX is passed over for the second one
# without waiting; an IPv6 timeout is listed and cleared.
# run.sh: alone -- a skipped address must be passed over well inside a 5 s connect timeout
. "$TOP/tests/lib.sh"

PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
  t_skip "tcpto" "python3 is not installed"
  t_done; exit
fi
D=$(t_tmpdir)
H=$D/home
mkdir -p "$H/control" "$H/queue/lock"
echo me.test > "$H/control/me"
echo 1 > "$H/control/timeoutconnect"
QMAILHOME=$H
export QMAILHOME
TABLE=$H/queue/lock/tcpto

now_ms() { "$PY" -c 'import time; print(int(time.time() * 1000))'; }

cat > "$D/servers.py" <<'PYEOF'
# python3 servers.py KIND ADDRESS PORT FILE
#   KIND hole: a listener whose SYNs are dropped (see tcpto.sh); writes
#              "ready" to FILE, or "answers" when a connect got through
#   KIND sink: an SMTP server that accepts everything; writes "ready" to
#              FILE, then a line "conn" per connection and "data" per
#              message to FILE.log
import socket, sys, time

kind, address, port, status = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
fam = socket.AF_INET6 if ':' in address else socket.AF_INET
srv = socket.socket(fam, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((address, port))

def say(text):
    with open(status + '.tmp', 'w') as f:
        f.write(text + '\n')
    import os
    os.rename(status + '.tmp', status)

if kind == 'hole':
    srv.listen(0)
    fill = socket.socket(fam, socket.SOCK_STREAM)
    fill.connect((address, port))
    probe = socket.socket(fam, socket.SOCK_STREAM)
    probe.settimeout(1.5)
    try:
        probe.connect((address, port))
        say('answers')
    except socket.timeout:
        say('ready')
    except OSError:
        say('answers')
    probe.close()
    while True:
        time.sleep(60)

srv.listen(5)
say('ready')
log = open(status + '.log', 'a', buffering=1)
while True:
    c, _ = srv.accept()
    log.write('conn\n')
    f = c.makefile('rb')
    c.sendall(b'220 sink ready\r\n')
    indata = False
    for line in f:
        if indata:
            if line in (b'.\r\n', b'.\n'):
                indata = False
                log.write('data\n')
                c.sendall(b'250 ok queued\r\n')
            continue
        verb = line[:4].upper()
        if verb == b'DATA':
            indata = True
            c.sendall(b'354 go ahead\r\n')
        elif verb == b'QUIT':
            c.sendall(b'221 bye\r\n')
            break
        else:
            c.sendall(b'250 ok\r\n')
    c.close()
PYEOF

# server KIND ADDRESS PORT NAME: start one; its PID in $S, "ready" or
# "answers" (hole) in $D/NAME
server() {
  rm -f "$D/$4"
  "$PY" "$D/servers.py" "$1" "$2" "$3" "$D/$4" 2> "$D/$4.err" &
  S=$!
  T_PIDS="$T_PIDS $S"
  s_i=0
  while [ ! -s "$D/$4" ] && [ $s_i -lt 50 ]; do sleep 0.1; s_i=$((s_i + 1)); done
}
stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# remote HOST: deliver $D/msg to x@HOST; the report (NULs made newlines)
# in $out, the milliseconds it took in $ms
printf 'Subject: tcpto\n\nbody\n' > "$D/msg"
remote() {
  r_t0=$(now_ms)
  "$QBIN/qmail-remote" "$1" a@me.test "x@$1" < "$D/msg" > "$D/report" 2> "$D/report.err"
  rc=$?
  ms=$(($(now_ms) - r_t0))
  out=$(tr '\0' '\n' < "$D/report")
}
letters() { printf '%s\n' "$out" | cut -c1 | tr -d '\n'; }
sinkdata() { s_n=$(grep -c '^data' "$D/$1.log" 2>/dev/null); echo "${s_n:-0}"; }
tcpto() { "$QBIN/qmail-tcpto"; }

PORT=$(t_free_port)
server hole 127.0.0.1 "$PORT" hole
HOLE=$S
if [ "$(cat "$D/hole" 2>/dev/null)" != ready ]; then
  stop "$HOLE"
  t_skip "connect timeouts on loopback" "a listener with a full backlog still answers SYNs on this system ($(cat "$D/hole" "$D/hole.err" 2>/dev/null | head -n 2 | tr '\n' ' '))"
  t_done; exit
fi
echo "dead.test:[127.0.0.1]:$PORT" > "$H/control/smtproutes"

# --- two timeouts in a row, then the address is skipped -------------------
t_check "no table yet: qmail-tcpto lists nothing" "$(tcpto; echo "rc=$?")" "rc=0"
remote dead.test
t_match "first attempt: connect timed out, Z" "$out" '^ZUnable to connect to \[127\.0\.0\.1\] port [0-9]+: timed out\. \(#4\.4\.1\)$'
t_check "the table is created on demand, 2048 bytes, mode 644" \
  "$(wc -c < "$TABLE" | tr -d ' ') $(ls -l "$TABLE" | cut -c1-10)" "2048 -rw-r--r--"
t_match "qmail-tcpto lists one timeout, still tried" "$(tcpto)" \
  '^127\.0\.0\.1 timed out 1 time in a row, last [0-9]+ seconds ago; tried at the next delivery$'
remote dead.test
t_match "second attempt: timed out again (one timeout is not enough to skip)" "$out" 'timed out\. \(#4\.4\.1\)$'
t_match "qmail-tcpto: two in a row, skipped for about 2 minutes" "$(tcpto)" \
  '^127\.0\.0\.1 timed out 2 times in a row, last [0-9]+ seconds ago; skipped for [0-9]+ more seconds$'
# a wait for the connection would now take 5 s: the skip takes none
echo 5 > "$H/control/timeoutconnect"
remote dead.test
t_check "third attempt: deferred without connecting" "$out" \
  "ZAll the mail servers for dead.test timed out recently (see qmail-tcpto); not trying again yet. (#4.4.1)"
t_ok "the skip is immediate (${ms} ms, timeoutconnect is 5000)" test "$ms" -lt 2500
echo 1 > "$H/control/timeoutconnect"

# --- the host comes back: still skipped until qmail-tcpok -----------------
stop "$HOLE"
server sink 127.0.0.1 "$PORT" sink
SINK=$S
remote dead.test
t_check "back, but the table still says skip" "$(printf '%s' "$out" | cut -c1-26) $(sinkdata sink)" "ZAll the mail servers for  0"
t_fail "qmail-tcpok with something that is not an address: usage error" "$QBIN/qmail-tcpok" nonsense
t_ok "qmail-tcpok ::1 (not in the table)" "$QBIN/qmail-tcpok" ::1
t_match "the entry for 127.0.0.1 is still there" "$(tcpto)" '^127\.0\.0\.1 timed out 2 times'
t_ok "qmail-tcpok clears the table" "$QBIN/qmail-tcpok"
t_check "qmail-tcpto lists nothing after qmail-tcpok" "$(tcpto)" ""
t_check "the cleared table keeps its size and mode" \
  "$(wc -c < "$TABLE" | tr -d ' ') $(ls -l "$TABLE" | cut -c1-10)" "2048 -rw-r--r--"
remote dead.test
t_check "after qmail-tcpok the server is tried and takes the message" "$(letters)" rK
t_check "the sink got it" "$(sinkdata sink)" 1

# --- a refusal is not a timeout -------------------------------------------
CLOSED=$(t_free_port)
echo "refused.test:[127.0.0.1]:$CLOSED" >> "$H/control/smtproutes"
remote refused.test
t_match "a refused connection defers" "$out" '^ZUnable to connect to \[127\.0\.0\.1\] port [0-9]+: Connection refused'
t_check "and is not recorded" "$(tcpto)" ""

# --- a success forgets a recorded timeout; qmail-tcpok ADDRESS -------------
PORT2=$(t_free_port)
server hole 127.0.0.1 "$PORT2" hole2
HOLE2=$S
echo "dead2.test:[127.0.0.1]:$PORT2" >> "$H/control/smtproutes"
remote dead2.test
t_match "a timeout on another port of the same address is recorded" "$(tcpto)" '^127\.0\.0\.1 timed out 1 time in a row'
remote dead.test
t_check "a connection to the address succeeds" "$(letters)" rK
t_check "the success cleared its entry" "$(tcpto)" ""
remote dead2.test
t_match "recorded again" "$(tcpto)" '^127\.0\.0\.1 timed out 1 time'
t_ok "qmail-tcpok 127.0.0.1" "$QBIN/qmail-tcpok" 127.0.0.1
t_check "clears that entry" "$(tcpto)" ""

# --- a table full of garbage ----------------------------------------------
head -c 2048 /dev/urandom > "$TABLE"
t_ok "qmail-tcpto reads a garbage table without failing" "$QBIN/qmail-tcpto"
remote dead.test
t_check "qmail-remote delivers with a garbage table" "$(letters)" rK
head -c 7 /dev/urandom > "$TABLE"
remote dead2.test
t_match "a short table: the timeout is still recorded" "$(tcpto)" '^127\.0\.0\.1 timed out 1 time'
t_check "and the table is full size again" "$(wc -c < "$TABLE" | tr -d ' ')" 2048
"$QBIN/qmail-tcpok"
stop "$HOLE2"

# --- through the queue: qmail-rspawn runs qmail-remote as the instance's
# remote user, which must be able to write the installed table ----------
Q=$D/queue
t_instance "$Q" queue.test
PORTQ=$(t_free_port)
server hole 127.0.0.1 "$PORTQ" holeq
HOLEQ=$S
echo "gone.example:[127.0.0.1]:$PORTQ" > "$Q/control/smtproutes"
echo 1 > "$Q/control/timeoutconnect"
t_start "$Q"
printf 'Subject: to a host that does not answer\n\nhello\n' | t_queue "$Q" a@queue.test friend@gone.example
t_ok "qmail-send logs the timeout as a deferral" t_wait_log "$Q" 'delivery [0-9]+: deferral: Unable_to_connect_to_.*timed_out' 20
t_match "the instance's table has it (qmail-tcpto with QMAILHOME)" "$(QMAILHOME=$Q "$QBIN/qmail-tcpto")" '^127\.0\.0\.1 timed out 1 time in a row'
t_check "the instance's table kept its owner" "$(stat -c %u "$Q/queue/lock/tcpto")" "$(stat -c %u "$Q/queue")"
t_ok "qmail-tcpok on the instance" env QMAILHOME="$Q" "$QBIN/qmail-tcpok"
t_check "the instance's table is empty" "$(QMAILHOME=$Q "$QBIN/qmail-tcpto")" ""
t_stop "$Q"
stop "$HOLEQ"

# --- by MX: a dead first MX is passed over for the second -----------------
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
DNSPORT=
if [ -x "$DNSMASQ" ] && "$PY" -c 'import socket; socket.socket().bind(("127.0.0.2", 0))' 2>/dev/null; then
  t_dnsmasq a.mx.test \
    --local=/test/ \
    --mx-host=mx.test,a.mx.test,10 --mx-host=mx.test,b.mx.test,20 \
    --host-record=a.mx.test,127.0.0.2 --host-record=b.mx.test,127.0.0.3
  DNSPORT=$T_DNSPORT
fi
if [ -n "$DNSPORT" ]; then
  MXP=$(t_free_port)
  server hole 127.0.0.2 "$MXP" hole3
  server sink 127.0.0.3 "$MXP" sink3
  echo "::$MXP" > "$H/control/smtproutes"
  DNSSERVER=127.0.0.1:$DNSPORT
  QMAILREMOTE_NOTME="127.0.0.2 127.0.0.3"
  export DNSSERVER QMAILREMOTE_NOTME
  remote mx.test
  t_check "first MX times out: the second takes it" "$(letters) $(sinkdata sink3)" "rK 1"
  remote mx.test
  t_match "twice in a row: 127.0.0.2 is now skipped" "$(tcpto)" '^127\.0\.0\.2 timed out 2 times.*; skipped for'
  echo 5 > "$H/control/timeoutconnect"
  remote mx.test
  t_check "third message: delivered by the second MX" "$(letters) $(sinkdata sink3)" "rK 3"
  t_ok "without waiting 5 s for the first (${ms} ms)" test "$ms" -lt 2500
  echo 1 > "$H/control/timeoutconnect"
  unset QMAILREMOTE_NOTME
  "$QBIN/qmail-tcpok"
else
  t_skip "tcpto with MX records" "dnsmasq is not installed or did not start, or 127.0.0.2 is not a local address"
fi

# --- IPv6 -----------------------------------------------------------------
if "$PY" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
  PORT6=$(t_free_port)
  server hole ::1 "$PORT6" hole6
  if [ "$(cat "$D/hole6" 2>/dev/null)" = ready ]; then
    echo "six.test:[::1]:$PORT6" > "$H/control/smtproutes"
    remote six.test
    t_match "IPv6: connect timed out" "$out" '^ZUnable to connect to \[::1\] port [0-9]+: timed out'
    t_match "IPv6: qmail-tcpto lists ::1" "$(tcpto)" '^::1 timed out 1 time in a row'
    t_ok "qmail-tcpok ::1" "$QBIN/qmail-tcpok" ::1
    t_check "IPv6 entry cleared" "$(tcpto)" ""
  else
    t_skip "IPv6 timeout" "a full backlog on ::1 still answers SYNs"
  fi
else
  t_skip "IPv6 timeout" "::1 is not available"
fi

t_done
