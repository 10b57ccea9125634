#!/bin/sh
# remote.sh -- qmail-remote against scripted SMTP peers (python3), our own
# qmail-smtpd with TLS and AUTH, Postfix's smtp-sink, and dnsmasq serving
# MX records that point at loopback addresses; once through the whole
# queue (qmail-send, qmail-rspawn).  Every server listens on 127.0.0.x at
# a port picked at run time and is stopped by its PID; nothing connects
# beyond loopback.
# run.sh: long -- dozens of scripted peers, dnsmasq, TLS handshakes
. "$TOP/tests/lib.sh"
. "$TOP/tests/smtpd-lib.sh"

PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
  t_skip "qmail-remote against scripted peers" "python3 is not installed"
  t_done; exit
fi
D=$(t_tmpdir)
H=$D/home
mkdir -p "$H/control"
echo me.test > "$H/control/me"
QMAILHOME=$H
export QMAILHOME
# no resolver of this machine is ever asked; DNS tests set their own
DNSSERVER=127.0.0.1:1
RES_OPTIONS="timeout:1 attempts:1"
export DNSSERVER RES_OPTIONS

cat > "$D/peer.py" <<'PYEOF'
# A scripted SMTP server for qmail-remote's tests.
#   python3 peer.py SCENARIO ADDRESS PORT DIR
# listens on ADDRESS:PORT (PORT 0: any; the port goes to DIR/NAME.port),
# serves connections one after another, and appends what happened to
# DIR/NAME.log: "conn", each command line, "data N" with the body bytes
# saved to DIR/NAME.data.K.  NAME is SCENARIO@ADDRESS.
import os, socket, sys

scenario, address, port, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
name = scenario + '@' + address
fam = socket.AF_INET6 if ':' in address else socket.AF_INET
srv = socket.socket(fam, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((address, port))
srv.listen(5)
with open(os.path.join(out, name + '.port.tmp'), 'w') as f:
    f.write('%d\n' % srv.getsockname()[1])
os.rename(os.path.join(out, name + '.port.tmp'), os.path.join(out, name + '.port'))
log = open(os.path.join(out, name + '.log'), 'a', buffering=1)
ndata = 0

def readline(c, buf):
    while b'\n' not in buf[0]:
        d = c.recv(4096)
        if not d:
            return None
        buf[0] += d
    line, buf[0] = buf[0].split(b'\n', 1)
    return line.rstrip(b'\r')

def session(c):
    global ndata
    buf = [b'']
    log.write('conn\n')
    if scenario == 'greet554':
        c.sendall(b'554 5.7.1 no service for you\r\n'); return
    if scenario == 'greet421':
        c.sendall(b'421 4.3.2 busy\r\n'); return
    if scenario == 'biggreet':
        c.sendall(b'220 ' + b'x' * (1 << 20) + b'\r\n'); return
    if scenario == 'manylines':
        c.sendall(b'220-x\r\n' * 10000 + b'220 end\r\n'); return
    c.sendall(b'220 peer ESMTP\r\n')
    rcpts = 0
    while True:
        line = readline(c, buf)
        if line is None:
            return
        log.write(line.decode('latin-1') + '\n')
        verb = line[:4].upper()
        if verb == b'EHLO':
            if scenario == 'heloonly':
                c.sendall(b'502 5.5.2 what\r\n'); continue
            ext = b'250-peer\r\n250-PIPELINING\r\n'
            if scenario in ('garbagetls', 'inject'):
                ext += b'250-STARTTLS\r\n'
            if scenario == 'auth':
                ext += b'250-AUTH LOGIN\r\n'
            c.sendall(ext + b'250 8BITMIME\r\n')
        elif verb == b'HELO':
            c.sendall(b'250 peer\r\n')
        elif verb == b'STAR':
            if scenario == 'inject':
                c.sendall(b'220 go ahead\r\n250 injected\r\n')
                continue
            c.sendall(b'220 go ahead\r\n')
            c.recv(4096)
            c.sendall(b'this is not a TLS ServerHello at all\r\n' * 10)
            return
        elif verb == b'AUTH':
            c.sendall(b'334 VXNlcm5hbWU6\r\n')
            user = readline(c, buf)
            c.sendall(b'334 UGFzc3dvcmQ6\r\n')
            pw = readline(c, buf)
            log.write('auth %s %s\n' % (user.decode(), pw.decode()))
            if user == b'am9l' and pw == b'c2VjcmV0':
                c.sendall(b'235 2.7.0 ok\r\n')
            else:
                c.sendall(b'535 5.7.8 bad credentials\r\n')
        elif verb == b'MAIL':
            rcpts = 0
            if scenario == 'mail5xx':
                c.sendall(b'553 5.7.1 sender rejected\r\n')
            else:
                c.sendall(b'250 ok\r\n')
        elif verb == b'RCPT':
            rcpts += 1
            if scenario == 'rcpt4xx':
                c.sendall(b'451 4.2.0 try later\r\n')
            elif scenario == 'rcptmix' and b'bad' in line:
                c.sendall(b'550 5.1.1 no such user\r\n')
            elif scenario == 'rcpt452' and rcpts > 2:
                c.sendall(b'452 4.5.3 too many recipients\r\n')
            else:
                c.sendall(b'250 ok\r\n')
        elif verb == b'DATA':
            c.sendall(b'354 go\r\n')
            body = b''
            while True:
                l = readline(c, buf)
                if l is None:
                    return
                if l == b'.':
                    break
                body += l + b'\r\n'
            ndata += 1
            with open(os.path.join(out, '%s.data.%d' % (name, ndata)), 'wb') as f:
                f.write(body)
            log.write('data %d\n' % ndata)
            if scenario == 'dropdot':
                return
            if scenario == 'data4xx':
                c.sendall(b'451 4.3.0 queue full\r\n')
            elif scenario == 'data5xx':
                c.sendall(b'554 5.6.0 content rejected\r\n')
            else:
                c.sendall(b'250 ok queued as %d\r\n' % ndata)
        elif verb == b'QUIT':
            c.sendall(b'221 bye\r\n'); return
        elif verb == b'RSET':
            c.sendall(b'250 ok\r\n')
        else:
            c.sendall(b'502 unknown\r\n')

while True:
    c, _ = srv.accept()
    try:
        session(c)
    except OSError:
        pass
    c.close()
PYEOF

# peer SCENARIO ADDRESS [PORT]: start a scripted server; P is its port.
peer() {
  "$PY" "$D/peer.py" "$1" "$2" "${3:-0}" "$D" 2> "$D/$1@$2.err" &
  T_PIDS="$T_PIDS $!"
  p_i=0
  while [ ! -s "$D/$1@$2.port" ] && [ $p_i -lt 100 ]; do sleep 0.1; p_i=$((p_i + 1)); done
  P=$(cat "$D/$1@$2.port" 2>/dev/null)
}

# remote HOST SENDER RCPT... < message: the report with each NUL made a
# newline in $out, the exit code in $rc
remote() {
  "$QBIN/qmail-remote" "$@" > "$D/report" 2> "$D/report.err"
  rc=$?
  out=$(tr '\0' '\n' < "$D/report")
}
# letters: the first byte of each report line
letters() { printf '%s\n' "$out" | cut -c1 | tr -d '\n'; }
route() { printf '%s\n' "$@" > "$H/control/smtproutes"; }

printf 'Subject: test\n\nbody\n' > "$D/msg"

# --- usage -----------------------------------------------------------------
remote onlyhost < "$D/msg"
t_check "too few arguments: exit 111" "$rc" 111

# --- a normal delivery, byte-exact body ----------------------------------------
peer ok 127.0.0.1
OK=$P
route "example.test:[127.0.0.1]:$OK"
printf 'Subject: dots\n\n.leading dot\n..two dots\n.\ncrlf\r\n\351t\351 8bit\nlast line' > "$D/dotmsg"
remote example.test a@me.test x@example.test 'y z@example.test' < "$D/dotmsg"
t_check "two recipients accepted, message delivered: r r K, exit 0" "$rc $(letters)" "0 rrK"
t_match "the K text names the server and says no TLS" "$out" '^KDelivered to \[127\.0\.0\.1\] \(no TLS\)\. Remote host said: 250 ok queued as 1$'
t_match "the recipients went as one transaction" "$(grep -c '^RCPT' "$D/ok@127.0.0.1.log")" '^2$'
t_match "a local part with a space is quoted" "$(cat "$D/ok@127.0.0.1.log")" '^RCPT TO:<"y z"@example\.test>$'
printf 'Subject: dots\r\n\r\n..leading dot\r\n...two dots\r\n..\r\ncrlf\r\n\351t\351 8bit\r\nlast line\r\n' > "$D/want"
t_ok "the body arrives dot-stuffed, CRLF, 8-bit intact, last line ended" cmp "$D/want" "$D/ok@127.0.0.1.data.1"
t_match "EHLO with control/me" "$(cat "$D/ok@127.0.0.1.log")" '^EHLO me\.test$'
echo helo.example > "$H/control/helohost"
remote example.test '' x@example.test < "$D/msg"
t_match "control/helohost is the EHLO name; the null sender is <>" "$(tail -n 6 "$D/ok@127.0.0.1.log" | tr '\n' ' ')" 'EHLO helo\.example MAIL FROM:<> '
rm "$H/control/helohost"

# --- errors at each stage ------------------------------------------------------------
peer mail5xx 127.0.0.1
route "example.test:[127.0.0.1]:$P"
remote example.test a@me.test x@example.test y@example.test < "$D/msg"
t_check "5xx at MAIL: only a D line" "$rc $(letters)" "0 D"
t_match "it says the sender was rejected and quotes the server" "$out" '^DConnected to \[127\.0\.0\.1\] \(no TLS\) but the sender was rejected\. Remote host said: 553 5\.7\.1 sender rejected$'

peer rcpt4xx 127.0.0.1
route "example.test:[127.0.0.1]:$P"
remote example.test a@me.test x@example.test y@example.test < "$D/msg"
t_check "4xx at RCPT: s s Z" "$(letters)" "ssZ"
t_match "the recipient line says deferred, with the reply" "$out" '^sConnected to .* but the recipient was deferred\. Remote host said: 451 4\.2\.0 try later$'
t_check "no DATA was sent" "$(grep -c '^DATA' "$D/rcpt4xx@127.0.0.1.log")" 0

peer rcptmix 127.0.0.1
route "example.test:[127.0.0.1]:$P"
remote example.test a@me.test good@example.test bad@example.test ok2@example.test < "$D/msg"
t_check "one recipient 550, two accepted: r h r K" "$(letters)" "rhrK"
t_match "the h line has the 550" "$out" '^hConnected to .* but the recipient was rejected\. Remote host said: 550 5\.1\.1 no such user$'

peer rcpt452 127.0.0.1
route "example.test:[127.0.0.1]:$P"
remote example.test a@me.test r1@example.test r2@example.test r3@example.test r4@example.test r5@example.test < "$D/msg"
t_check "452 from the 3rd RCPT: all five delivered" "$(letters)" "rrrrrK"
t_check "in three transactions" "$(grep -c '^data' "$D/rcpt452@127.0.0.1.log")" 3
t_check "each transaction starts with the recipient refused by 452" \
  "$(grep '^RCPT' "$D/rcpt452@127.0.0.1.log" | sed 's/.*<r\(.\)@.*/\1/' | tr -d '\n')" 1233455
t_ok "every transaction got the whole body" cmp "$D/rcpt452@127.0.0.1.data.1" "$D/rcpt452@127.0.0.1.data.3"

peer data4xx 127.0.0.1
route "example.test:[127.0.0.1]:$P"
remote example.test a@me.test x@example.test < "$D/msg"
t_check "4xx after the dot: s Z" "$(letters)" "sZ"
t_match "it says the message was deferred" "$out" 'but the message was deferred\. Remote host said: 451 4\.3\.0 queue full'

peer data5xx 127.0.0.1
route "example.test:[127.0.0.1]:$P"
remote example.test a@me.test x@example.test < "$D/msg"
t_check "5xx after the dot: h D" "$(letters)" "hD"

peer dropdot 127.0.0.1
route "example.test:[127.0.0.1]:$P"
remote example.test a@me.test x@example.test < "$D/msg"
t_check "connection dropped after the dot: deferred (s Z)" "$(letters)" "sZ"
t_match "and the text says it may have been delivered" "$out" '^s.*sent the message, but got no reply to it \(connection closed by the server\)\. It may have been delivered already; .* may arrive twice\. \(#4\.4\.2\)$'

peer heloonly 127.0.0.1
route "example.test:[127.0.0.1]:$P"
remote example.test a@me.test x@example.test < "$D/msg"
t_check "EHLO refused: HELO, then delivered" "$(letters) $(grep -c '^HELO' "$D/heloonly@127.0.0.1.log")" "rK 1"

peer greet554 127.0.0.1
route "example.test:[127.0.0.1]:$P"
remote example.test a@me.test x@example.test < "$D/msg"
t_match "a 554 greeting from the only server: D" "$out" '^DConnected to .* but the greeting was not 2xx\. Remote host said: 554 5\.7\.1 no service for you$'

peer greet421 127.0.0.1
route "example.test:[127.0.0.1]:$P"
remote example.test a@me.test x@example.test < "$D/msg"
t_match "a 421 greeting: Z" "$out" '^ZConnected to .* 421 4\.3\.2 busy$'

CLOSED=$(t_free_port)
route "example.test:[127.0.0.1]:$CLOSED"
remote example.test a@me.test x@example.test < "$D/msg"
t_match "connection refused: Z saying so" "$out" "^ZUnable to connect to \[127\.0\.0\.1\] port $CLOSED: Connection refused\. \(#4\.4\.1\)\$"

# --- hostile peers: bounded, clean temporary failures -----------------------
peer biggreet 127.0.0.1
route "example.test:[127.0.0.1]:$P"
remote example.test a@me.test x@example.test < "$D/msg"
t_match "a 1 MB greeting line: Z, exit 0" "$rc $out" '^0 ZConnected to .* but there was no usable greeting: reply line longer than 4096 bytes\. \(#4\.4\.2\)$'
peer manylines 127.0.0.1
route "example.test:[127.0.0.1]:$P"
remote example.test a@me.test x@example.test < "$D/msg"
t_match "a 10,001-line greeting: Z, exit 0" "$rc $out" '^0 Z.*reply longer than 1000 lines'
peer garbagetls 127.0.0.1
route "example.test:[127.0.0.1]:$P"
remote example.test a@me.test x@example.test < "$D/msg"
t_match "garbage instead of a ServerHello: Z, exit 0" "$rc $out" '^0 ZConnected to .* but TLS could not be set up: TLS handshake failed'
peer inject 127.0.0.1
route "example.test:[127.0.0.1]:$P"
remote example.test a@me.test x@example.test < "$D/msg"
t_match "bytes after the 220 to STARTTLS: refused, Z" "$out" '^Z.*STARTTLS failed: the server sent data after its 220 reply to STARTTLS'
t_check "and no QUIT into what may be a TLS stream: a hang-up" "$(tail -n 1 "$D/inject@127.0.0.1.log")" STARTTLS
echo "example.test:none" > "$H/control/tlspolicy"
remote example.test a@me.test x@example.test < "$D/msg"
t_check "tlspolicy none: no STARTTLS, delivered" "$(letters) $(grep -c STARTTLS "$D/inject@127.0.0.1.log")" "rK 1"
rm "$H/control/tlspolicy"
# TLS required of a server that does not offer it: no mail, but a QUIT
route "example.test:[127.0.0.1]:$OK"
echo "example.test:require" > "$H/control/tlspolicy"
before=$(grep -c '^MAIL' "$D/ok@127.0.0.1.log")
remote example.test a@me.test x@example.test < "$D/msg"
t_match "tlspolicy require, no STARTTLS offered: Z, #4.7.5" "$rc $out" \
  '^0 ZConnected to \[127\.0\.0\.1\] \(no TLS\) but it does not offer STARTTLS, and control/tlspolicy says require for this destination\. \(#4\.7\.5\)$'
t_check "no MAIL was sent, and the session ended with QUIT" \
  "$(grep -c '^MAIL' "$D/ok@127.0.0.1.log") $(tail -n 1 "$D/ok@127.0.0.1.log")" "$before QUIT"
rm "$H/control/tlspolicy"

# --- AUTH without TLS (scripted peer offering AUTH LOGIN) ----------------------
peer auth 127.0.0.1
AUTHP=$P
route "example.test:[127.0.0.1]:$AUTHP"
echo "[127.0.0.1]:joe:secret" > "$H/control/smtpauth"
remote example.test a@me.test x@example.test < "$D/msg"
t_match "credentials but no TLS: Z, password not sent" "$out$(grep -c '^auth' "$D/auth@127.0.0.1.log")" '^Z.*could not log in .*the connection is not encrypted, and the line does not say plaintext\. \(#4\.7\.8\)0$'
echo "[127.0.0.1]:joe:secret:plaintext" > "$H/control/smtpauth"
remote example.test a@me.test x@example.test < "$D/msg"
t_check "with plaintext: AUTH LOGIN, delivered" "$(letters) $(grep '^auth' "$D/auth@127.0.0.1.log")" "rK auth am9l c2VjcmV0"
echo "[127.0.0.1]:joe:wrong:plaintext" > "$H/control/smtpauth"
remote example.test a@me.test x@example.test < "$D/msg"
t_match "a wrong password: Z with the 535" "$out" '^Z.*could not log in with the credentials in control/smtpauth: 535 5\.7\.8 bad credentials\. \(#4\.7\.8\)$'
rm "$H/control/smtpauth"

# --- smtp-sink ----------------------------------------------------------------------
if [ -x /usr/sbin/smtp-sink ]; then
  SINK=$(t_free_port)
  ( cd "$D" && exec /usr/sbin/smtp-sink -u "$(id -un)" -d "$D/sink/%M." 127.0.0.1:$SINK 10 ) \
    > "$D/sink.log" 2>&1 &
  T_PIDS="$T_PIDS $!"
  mkdir -p "$D/sink"
  sleep 0.5
  route "example.test:[127.0.0.1]:$SINK"
  n=0
  while [ $n -lt 5 ]; do
    remote example.test a@me.test "s$n@example.test" < "$D/msg"
    [ "$(letters)" = rK ] || break
    n=$((n + 1))
  done
  t_check "smtp-sink: five messages accepted" "$n" 5
  t_check "and five arrived" "$(ls "$D/sink" | wc -l)" 5
else
  t_skip "smtp-sink" "/usr/sbin/smtp-sink is not installed (postfix)"
fi

# --- routing by DNS: dnsmasq with MX records on loopback addresses ---------
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
DNSPORT=
if [ -x "$DNSMASQ" ]; then
  t_dnsmasq arec.test \
    --local=/test/ \
    --mx-host=mx.test,b.mx.test,20 --mx-host=mx.test,a.mx.test,10 \
    --host-record=a.mx.test,127.0.0.2 --host-record=b.mx.test,127.0.0.3 \
    --mx-host=down.test,dead.down.test,10 --mx-host=down.test,b.mx.test,20 \
    --host-record=dead.down.test,127.0.0.5 \
    --mx-host=busy.test,busy.busy.test,10 --mx-host=busy.test,b.mx.test,20 \
    --host-record=busy.busy.test,127.0.0.6 \
    --host-record=arec.test,127.0.0.4 \
    --mx-host=loop.test,self.loop.test,10 --host-record=self.loop.test,127.0.0.1 \
    --mx-host=better.test,a.mx.test,5 --mx-host=better.test,self.loop.test,10 \
    --host-record=relay.test,127.0.0.3 \
    --host-record=mail.test,127.0.0.1 --host-record=wrong.test,127.0.0.1 \
    --mx-host=nullmx.test,.,0
  DNSPORT=$T_DNSPORT
fi
if [ -n "$DNSPORT" ]; then
  DNSSERVER=127.0.0.1:$DNSPORT
  # one port on every loopback address; 127.0.0.5 has no server
  MXP=$(t_free_port)
  peer ok 127.0.0.2 "$MXP"
  peer ok 127.0.0.3 "$MXP"
  peer ok 127.0.0.4 "$MXP"
  peer greet421 127.0.0.6 "$MXP"
  NOTME="127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6"
  count() { c_n=$(cat "$D/ok@$1.log" 2>/dev/null | grep -c '^data'); echo "${c_n:-0}"; }

  route "::$MXP"
  QMAILREMOTE_NOTME=$NOTME remote mx.test a@me.test x@mx.test < "$D/msg"
  t_check "by MX: the preference 10 host gets it" "$(letters) $(count 127.0.0.2) $(count 127.0.0.3)" "rK 1 0"
  t_match "the K text names the MX host" "$out" '^KDelivered to a\.mx\.test \[127\.0\.0\.2\]'
  QMAILREMOTE_NOTME=$NOTME remote down.test a@me.test x@down.test < "$D/msg"
  t_check "first MX refuses the connection: the next one" "$(letters) $(count 127.0.0.3)" "rK 1"
  QMAILREMOTE_NOTME=$NOTME remote busy.test a@me.test x@busy.test < "$D/msg"
  t_check "first MX greets 421: the next one" "$(letters) $(count 127.0.0.3)" "rK 2"
  QMAILREMOTE_NOTME=$NOTME remote arec.test a@me.test x@arec.test < "$D/msg"
  t_check "no MX: the A record" "$(letters) $(count 127.0.0.4)" "rK 1"
  QMAILREMOTE_NOTME=$NOTME remote loop.test a@me.test x@loop.test < "$D/msg"
  t_match "the best MX is this machine: D loop (#5.4.6)" "$out" '^DThis machine is itself a best mail server for loop\.test .* \(#5\.4\.6\)$'
  QMAILREMOTE_NOTME=$NOTME remote better.test a@me.test x@better.test < "$D/msg"
  t_check "an MX better than this machine is used" "$(letters) $(count 127.0.0.2)" "rK 2"
  remote mx.test a@me.test x@mx.test < "$D/msg"
  t_match "without the test override, 127.0.0.2 is this machine too" "$out" '^D.*\(#5\.4\.6\)$'
  QMAILREMOTE_NOTME=$NOTME remote nothere.test a@me.test x@nothere.test < "$D/msg"
  t_match "a domain that does not exist: D (#5.1.2)" "$out" '^DThere is no mail server for nothere\.test: .*\(#5\.1\.2\)$'
  QMAILREMOTE_NOTME=$NOTME remote nullmx.test a@me.test x@nullmx.test < "$D/msg"
  t_match "a null MX: D (#5.1.10)" "$out" '^Dnullmx\.test does not accept mail.*\(#5\.1\.10\)$'
  DNSSERVER=127.0.0.1:$(t_free_port) QMAILREMOTE_NOTME=$NOTME remote mx.test a@me.test x@mx.test < "$D/msg"
  t_match "no DNS server answers: Z (#4.4.3)" "$out" '^ZTemporary failure looking up the mail servers of mx\.test: .*\(#4\.4\.3\)$'

  # smtproutes forms
  route "routed.test:relay.test:$MXP" ".sub.test:relay.test:$MXP" "other.test:[127.0.0.4]:$MXP" ":[127.0.0.2]:$MXP"
  remote routed.test a@me.test x@routed.test < "$D/msg"
  t_check "domain:relay:port (relay by its A record)" "$(letters) $(count 127.0.0.3)" "rK 3"
  remote deep.a.sub.test a@me.test x@deep.a.sub.test < "$D/msg"
  t_check ".suffix:relay" "$(letters) $(count 127.0.0.3)" "rK 4"
  remote other.test a@me.test x@other.test < "$D/msg"
  t_check "domain:[IP]:port" "$(letters) $(count 127.0.0.4)" "rK 2"
  remote anything.example a@me.test x@anything.example < "$D/msg"
  t_check ":relay, the default route, needs no DNS for the domain" "$(letters) $(count 127.0.0.2)" "rK 3"
  route "[127.0.0.3]::$MXP"
  QMAILREMOTE_NOTME=$NOTME remote '[127.0.0.3]' a@me.test 'x@[127.0.0.3]' < "$D/msg"
  t_check "an address literal as the host" "$(letters) $(count 127.0.0.3)" "rK 5"
else
  t_skip "routing by MX against dnsmasq" "dnsmasq is not installed or did not start (apt-get install dnsmasq-base)"
fi

# --- TLS and AUTH against our qmail-smtpd ----------------------------------------
I=$D/q
s_instance "$I"
if [ -n "$DNSPORT" ] && s_certs "$I"; then
  t_start "$I"
  cat > "$D/checkpw" <<'CPEOF'
#!/bin/sh
creds=$(tr '\0' '\n' <&3)
[ "$(printf '%s\n' "$creds" | sed -n 1p)" = joe ] && \
  [ "$(printf '%s\n' "$creds" | sed -n 2p)" = "s3cret pass" ] && exec "$@"
exit 1
CPEOF
  chmod 755 "$D/checkpw"
  s_listen smtpd "$I" -- "$D/checkpw" true
  SP=$S_PORT
  cp "$I/ca.pem" "$D/ca.pem"
  echo "$D/ca.pem" > "$H/control/tlscafile"
  route "test.example:mail.test:$SP" "wrong.example:wrong.test:$SP"
  echo "test.example:verify" > "$H/control/tlspolicy"
  remote test.example a@me.test joe@test.example < "$D/msg"
  t_match "verify: delivered over verified TLS" "$(letters) $(printf '%s' "$out" | tr '\n' ' ')" '^rK.*KDelivered to mail\.test \[127\.0\.0\.1\] \(TLS=TLSv1\.2 [A-Z0-9-]+ verified\)\. Remote host said: 250 ok'
  t_ok "the message arrives" t_wait_mail "$I/alias/Maildir" 1
  echo "wrong.example:verify" > "$H/control/tlspolicy"
  remote wrong.example a@me.test joe@test.example < "$D/msg"
  t_match "verify, certificate for another name: Z" "$out" '^ZConnected to wrong\.test .* but TLS could not be set up: .*BAD_SERVER_NAME.*\(#4\.7\.5\)$'
  rm "$H/control/tlspolicy"
  remote wrong.example a@me.test joe@test.example < "$D/msg"
  t_match "may (the default), same certificate: delivered, unverified" "$out" 'TLS=TLSv1\.2 [A-Z0-9-]+ unverified\)'
  echo "$D/msg" > "$H/control/tlscafile"
  echo "test.example:verify" > "$H/control/tlspolicy"
  remote test.example a@me.test joe@test.example < "$D/msg"
  t_match "verify without usable trust anchors: Z" "$out" '^ZTLS must be verified for mail\.test but there are no trust anchors'
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/other.key" -out "$D/other.pem" \
    -days 2 -subj "/CN=Other CA" > /dev/null 2>&1
  echo "$D/other.pem" > "$H/control/tlscafile"
  remote test.example a@me.test joe@test.example < "$D/msg"
  t_match "verify against another CA: Z NOT_TRUSTED" "$out" '^Z.*TLS could not be set up: .*BR_ERR_X509_NOT_TRUSTED'
  echo "$D/ca.pem" > "$H/control/tlscafile"
  echo "mail.test:verify" > "$H/control/tlspolicy"
  printf 'mail.test:joe:s3cret pass\n' > "$H/control/smtpauth"
  remote test.example a@me.test someone@elsewhere.example < "$D/msg"
  t_check "AUTH over verified TLS, keyed by the relay: relaying allowed" "$(letters)" "rK"
  t_match "qmail-smtpd logged the login" "$(cat "$I/smtpd.log")" 'auth ip=127\.0\.0\.1 ok user=joe'
  printf 'mail.test:joe:bad\n' > "$H/control/smtpauth"
  remote test.example a@me.test someone@elsewhere.example < "$D/msg"
  t_match "a wrong password over TLS: Z with the 535" "$out" '^Z.*control/smtpauth: 535 .*\(#4\.7\.8\)$'
  rm "$H/control/smtpauth"
  # no STARTTLS offered: the scripted peer
  route "plain.example:[127.0.0.1]:$OK"
  echo "plain.example:require" > "$H/control/tlspolicy"
  remote plain.example a@me.test x@plain.example < "$D/msg"
  t_match "require, no STARTTLS offered: Z" "$out" "^ZConnected to .* but it does not offer STARTTLS, and control/tlspolicy says require for this destination\. \(#4\.7\.5\)\$"
  echo ".example:may" > "$H/control/tlspolicy"
  remote plain.example a@me.test x@plain.example < "$D/msg"
  t_match "may, no STARTTLS offered: delivered in plain text" "$(letters) $(printf '%s' "$out" | tr '\n' ' ')" '^rK.*\(no TLS\)'
  rm "$H/control/tlspolicy"
else
  t_skip "TLS and AUTH against qmail-smtpd" "needs dnsmasq and openssl"
fi

# --- through the whole queue: qmail-send, qmail-rspawn, qmail-remote ---------
Q=$D/queue
t_instance "$Q" queue.test
echo "remote.example:[127.0.0.1]:$OK" > "$Q/control/smtproutes"
echo "bad.example:[127.0.0.1]:$CLOSED" >> "$Q/control/smtproutes"
echo 1 > "$Q/control/timeoutconnect"
t_start "$Q"
before=$(grep -c '^data' "$D/ok@127.0.0.1.log")
printf 'Subject: through the queue\n\nhello\n' | t_queue "$Q" a@queue.test friend@remote.example
t_ok "qmail-send logs the remote delivery as a success" t_wait_log "$Q" 'delivery [0-9]+: success: Delivered_to_\[127\.0\.0\.1\]_\(no_TLS\)\._Remote_host_said:_250_ok' 20
t_check "the scripted peer got the message" "$(grep -c '^data' "$D/ok@127.0.0.1.log")" "$((before + 1))"
printf 'Subject: deferred\n\nhello\n' | t_queue "$Q" a@queue.test friend@bad.example
t_ok "a refused connection is logged as deferral with the reason" t_wait_log "$Q" 'delivery [0-9]+: deferral: Unable_to_connect_to_\[127\.0\.0\.1\]' 20

t_done
