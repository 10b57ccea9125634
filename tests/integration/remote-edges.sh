#!/bin/sh
# remote-edges.sh -- qmail-remote against a server that trickles its
# greeting one byte a second (timeoutremote bounds the whole reply, so
# the delivery is deferred within seconds, not held for hours), over
# IPv6 to [::1], and from the source address control/outgoingip names.
# run.sh: alone -- the trickle must be cut off within a few seconds
. "$TOP/tests/lib.sh"

PY=python3
if ! command -v $PY > /dev/null 2>&1; then
  t_skip "qmail-remote edge cases" "python3 is not installed"
  t_done; exit
fi
D=$(t_tmpdir)
H=$D/home
mkdir -p "$H/control"
echo me.test > "$H/control/me"
QMAILHOME=$H
export QMAILHOME
DNSSERVER=127.0.0.1:1
export DNSSERVER
printf 'From: a@me.test\nSubject: edges\n\nhello\n' > "$D/msg"

# peer.py MODE ADDRESS: an SMTP server on ADDRESS, a free port written
# to D/MODE.port; it logs the client's address and each command to
# D/MODE.log.  MODE trickle sends its greeting one byte a second.
cat > "$D/peer.py" <<'PYEOF'
import os, socket, sys, time
mode, addr, d = sys.argv[1], sys.argv[2], sys.argv[3]
fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
s = socket.socket(fam)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, 0))
s.listen(5)
open(os.path.join(d, mode + '.port'), 'w').write('%d\n' % s.getsockname()[1])
log = open(os.path.join(d, mode + '.log'), 'a', buffering=1)
s.settimeout(60)
while True:
    try:
        c, peer = s.accept()
    except socket.timeout:
        break
    log.write('conn %s\n' % peer[0])
    c.settimeout(30)
    try:
        if mode == 'trickle':
            for b in b'220 slow.test ESMTP a very slow greeting indeed\r\n':
                c.sendall(bytes([b]))
                time.sleep(1)
            continue
        f = c.makefile('rb')
        c.sendall(b'220 ok.test ESMTP\r\n')
        while True:
            line = f.readline()
            if not line:
                break
            log.write(line.decode('latin-1').rstrip('\r\n') + '\n')
            cmd = line[:4].upper()
            if cmd == b'EHLO':
                c.sendall(b'250-ok.test\r\n250 8BITMIME\r\n')
            elif cmd == b'DATA':
                c.sendall(b'354 go\r\n')
                while f.readline() not in (b'.\r\n', b''):
                    pass
                c.sendall(b'250 accepted\r\n')
            elif cmd == b'QUIT':
                c.sendall(b'221 bye\r\n')
                break
            else:
                c.sendall(b'250 ok\r\n')
    except OSError:
        pass
    finally:
        c.close()
PYEOF

# peer MODE ADDRESS: start it, wait for its port (PORT)
peer() {
  rm -f "$D/$1.port"
  $PY "$D/peer.py" "$1" "$2" "$D" &
  T_PIDS="$T_PIDS $!"
  i=0
  while [ ! -s "$D/$1.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  PORT=$(cat "$D/$1.port" 2>/dev/null)
  [ -n "$PORT" ]
}

# remote HOST SENDER RCPT... < message: the report, NULs made newlines
remote() {
  "$QBIN/qmail-remote" "$@" | tr '\0' '\n'
}

# 1. a trickling greeting
if peer trickle 127.0.0.1; then
  echo "slow.test:[127.0.0.1]:$PORT" > "$H/control/smtproutes"
  echo 3 > "$H/control/timeoutremote"
  start=$(date +%s)
  out=$(remote slow.test a@me.test x@slow.test < "$D/msg")
  took=$(( $(date +%s) - start ))
  t_match "a greeting trickled a byte a second: deferred (Z)" "$out" '^Z.*timed out'
  t_ok "... within timeoutremote and a little, not after 50 s (${took}s)" test "$took" -le 8
  t_match "... and the report says the reply took too long" "$out" 'the reply took longer than the time allowed'
  rm "$H/control/timeoutremote"
else
  t_skip "trickling greeting" "the scripted peer did not start"
fi

# 2. IPv6
if $PY -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2> /dev/null \
    && peer six ::1; then
  echo "six.test:[::1]:$PORT" > "$H/control/smtproutes"
  out=$(remote six.test a@me.test x@six.test < "$D/msg")
  t_match "delivery over IPv6 to [::1]: accepted (r, K)" "$out" '^r'
  t_match "... the K line names the IPv6 address" "$out" '^K.*::1'
  t_match "... the peer saw an IPv6 client" "$(cat "$D/six.log")" '^conn ::1$'
  t_match "... and the envelope" "$(cat "$D/six.log")" '^RCPT TO:<x@six\.test>$'
else
  t_skip "delivery over IPv6" "::1 is not available"
fi

# 3. control/outgoingip: the source address of the connection
if peer source 127.0.0.1; then
  echo "src.test:[127.0.0.1]:$PORT" > "$H/control/smtproutes"
  echo 127.0.0.2 > "$H/control/outgoingip"
  out=$(remote src.test a@me.test x@src.test < "$D/msg")
  t_match "control/outgoingip 127.0.0.2: delivered" "$out" '^K'
  t_match "... from 127.0.0.2, as the server saw it" "$(cat "$D/source.log")" '^conn 127\.0\.0\.2$'
  echo 192.0.2.99 > "$H/control/outgoingip"
  out=$(remote src.test a@me.test x@src.test < "$D/msg")
  t_match "an outgoingip this host does not have: deferred (Z), saying why" "$out" '^Z.*(192\.0\.2\.99|outgoingip|assign)'
  rm "$H/control/outgoingip"
else
  t_skip "control/outgoingip" "the scripted peer did not start"
fi
t_done
