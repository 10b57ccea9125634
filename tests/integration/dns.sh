#!/bin/sh
# dns.sh -- the stub resolver (src/lib/dns*.c), through the dns* programs,
# against dnsmasq on a loopback port and a small python3 server for what
# dnsmasq cannot be made to do (forged replies, a silent server, SERVFAIL
# from upstream, malformed answers, a CNAME loop, TC with a TCP-only
# answer).  Every server listens on 127.0.0.1 (and ::1 when the machine
# has it) at a port picked at run time and is stopped by its PID.
. "$TOP/tests/lib.sh"

if ! command -v dnsmasq > /dev/null 2>&1 && [ ! -x /usr/sbin/dnsmasq ]; then
  t_skip "resolver against dnsmasq" "dnsmasq is not installed (apt-get install dnsmasq-base)"
  t_done; exit
fi
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
PY=$(command -v python3 || true)
D=$(t_tmpdir)
PIDS=

trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done
      chmod -R u+rwx "$T_ROOT" 2>/dev/null; rm -rf "$T_ROOT"' EXIT

now_ms() { date +%s%3N; }
case $(now_ms) in *[!0-9]*) now_ms() { echo $(($(date +%s) * 1000)); } ;; esac

# run PROG ARGS...: out, err, rc and ms (elapsed milliseconds) of one run.
run() {
  r_prog=$1; shift
  r_start=$(now_ms)
  "$QBIN/$r_prog" "$@" > "$D/out" 2> "$D/err"
  rc=$?
  ms=$(($(now_ms) - r_start))
  out=$(cat "$D/out")
  err=$(cat "$D/err")
}

# wait_file FILE: up to 10 s for FILE to appear.
wait_file() {
  w_i=0
  while [ ! -s "$1" ] && [ $w_i -lt 100 ]; do sleep 0.1; w_i=$((w_i + 1)); done
  [ -s "$1" ]
}

# --- the fake server (python3) ------------------------------------------
FAKE= SILENT=
if [ -n "$PY" ]; then
  cat > "$D/fake.py" <<'EOF'
# A DNS server for tests on 127.0.0.1 (UDP and TCP on one port), whose
# answer depends on the first label of the name asked; plus a silent UDP
# port that reads and never answers.  Writes "PORT SILENTPORT" to argv[1].
import os, select, socket, struct, sys

def parse(q):
    qid = struct.unpack('>H', q[:2])[0]
    pos, labels = 12, []
    while q[pos]:
        labels.append(q[pos + 1:pos + 1 + q[pos]])
        pos += 1 + q[pos]
    qtype = struct.unpack('>H', q[pos + 1:pos + 3])[0]
    return qid, b'.'.join(labels).decode().lower(), q[12:pos + 5], qtype

def wire(name):
    return b''.join(bytes([len(l)]) + l.encode() for l in name.split('.') if l) + b'\0'

def rr(rtype, rdata, owner=b'\xc0\x0c'):
    return owner + struct.pack('>HHIH', rtype, 1, 60, len(rdata)) + rdata

def a(ip, owner=b'\xc0\x0c'):
    return rr(1, socket.inet_aton(ip), owner)

def reply(qid, question, answers=(), rcode=0, flags=0x8180):
    return (struct.pack('>HHHHHH', qid, flags | rcode, 1, len(answers), 0, 0)
            + question + b''.join(answers))

def answer(q, udp):
    qid, name, question, qtype = parse(q)
    first = name.split('.')[0]
    out = []
    if first == 'spoof':
        # forgeries first, each wrong in one way, then the real answer
        out.append(reply(qid ^ 0x5555, question, [a('192.0.2.66')]))
        other = wire('other.fake') + question[-4:]
        out.append(reply(qid, other, [a('192.0.2.67', wire('other.fake'))]))
        othertype = question[:-4] + struct.pack('>HH', 28, 1)
        out.append(reply(qid, othertype, [a('192.0.2.68')]))
        out.append(reply(qid, question, [a('192.0.2.69')], flags=0x0180))
        out.append(('elsewhere', reply(qid, question, [a('192.0.2.70')])))
        out.append(reply(qid, question, [a('192.0.2.99')] if qtype == 1 else []))
    elif first == 'servfail':
        out.append(reply(qid, question, rcode=2))
    elif first == 'notimp':
        out.append(reply(qid, question, rcode=4))
    elif first == 'loop':
        # every name is an alias of a longer one: the chain never ends
        out.append(reply(qid, question, [rr(5, wire('loop.' + name))]))
    elif first == 'garbage':
        # an A record whose length runs past the end of the packet
        out.append(reply(qid, question,
                         [b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 60, 200) + b'\x01\x02']))
    elif first == 'big':
        # TC over UDP with nothing in it; the records only over TCP
        if udp:
            out.append(reply(qid, question, flags=0x8380))
        elif qtype == 16:
            txt = b''.join(bytes([200]) + bytes([65 + i]) * 200 for i in range(10))
            out.append(reply(qid, question, [rr(16, txt)]))
        else:
            out.append(reply(qid, question))
    elif first == 'tcpclose':
        out.append(reply(qid, question, flags=0x8380) if udp else b'')
    return out

def main():
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(('127.0.0.1', 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            t.bind(('127.0.0.1', port))
            break
        except OSError:
            u.close()
            t.close()
    t.listen(5)
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(('127.0.0.1', 0))
    elsewhere = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    elsewhere.bind(('127.0.0.1', 0))
    with open(sys.argv[1] + '.tmp', 'w') as f:
        f.write('%d %d\n' % (port, silent.getsockname()[1]))
    os.rename(sys.argv[1] + '.tmp', sys.argv[1])
    while True:
        ready = select.select([u, t, silent], [], [])[0]
        for s in ready:
            if s is silent:
                silent.recvfrom(65535)
            elif s is u:
                q, peer = u.recvfrom(65535)
                for p in answer(q, True):
                    if isinstance(p, tuple):
                        elsewhere.sendto(p[1], peer)
                    else:
                        u.sendto(p, peer)
            else:
                c = t.accept()[0]
                c.settimeout(5)
                try:
                    n = struct.unpack('>H', c.recv(2))[0]
                    q = b''
                    while len(q) < n:
                        q += c.recv(n - len(q))
                    for p in answer(q, False):
                        if p:
                            c.sendall(struct.pack('>H', len(p)) + p)
                except Exception:
                    pass
                c.close()

main()
EOF
  "$PY" "$D/fake.py" "$D/fake.ports" 2> "$D/fake.err" &
  PIDS="$PIDS $!"
  if wait_file "$D/fake.ports"; then
    read -r FAKE SILENT < "$D/fake.ports"
  else
    echo "# the python3 server did not start:"; sed 's/^/#   /' "$D/fake.err"
  fi
fi

# --- dnsmasq ---------------------------------------------------------------
# A free port for UDP and TCP: ask python3, else guess; dnsmasq's own
# refusal to bind is caught below and another port tried.
pick_port() {
  if [ -n "$PY" ]; then
    t_free_port
  else
    echo $((20000 + $$ % 20000 + ${1:-0} * 7))
  fi
}

HAVE6=
if [ -n "$PY" ] && "$PY" -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null; then
  HAVE6=1
fi

set -- --local=/test/ --local=/2.0.192.in-addr.arpa/ \
  --mx-host=mail.test,mx10.mail.test,10 --mx-host=mail.test,mx20.mail.test,20 \
  --mx-host=mail.test,mx5.mail.test,5 --mx-host=mail.test,mx30a.mail.test,30 \
  --mx-host=mail.test,mx30b.mail.test,30 --mx-host=mail.test,gone.mail.test,40 \
  --host-record=mx5.mail.test,192.0.2.5 \
  --host-record=mx10.mail.test,192.0.2.10,2001:db8::10 \
  --host-record=mx20.mail.test,2001:db8::20 \
  --host-record=mx30a.mail.test,192.0.2.31 --host-record=mx30b.mail.test,192.0.2.32 \
  --host-record=real.test,192.0.2.1 --host-record=six.test,2001:db8::6 \
  --cname=alias.test,real.test --cname=alias2.test,alias.test \
  --cname=dangling.test,nothere.test \
  --mx-host=nullmx.test,.,0 --mx-host=ghostmx.test,nothere.test,10 \
  --txt-record=txt.test,"v=spf1 -all"," second string" \
  --txt-record=txt.test,"another record"
i=1
while [ $i -le 60 ]; do
  set -- "$@" --mx-host=big.test,mx$i.big.test,$i
  i=$((i + 1))
done
[ -n "$FAKE" ] && set -- "$@" --server=/fake/127.0.0.1#$FAKE
LISTEN=127.0.0.1
[ -n "$HAVE6" ] && LISTEN=127.0.0.1,::1

PORT=
for try in 1 2 3 4 5; do
  p=$(pick_port $try)
  "$DNSMASQ" -k --port="$p" --listen-address=$LISTEN --bind-interfaces \
    --no-resolv --no-hosts --conf-file=/dev/null --pid-file= \
    --log-facility=- "$@" 2> "$D/dnsmasq.err" &
  dm=$!
  # up when it answers a query, gone when the port was taken
  j=0
  while [ $j -lt 50 ] && kill -0 $dm 2>/dev/null; do
    if DNSSERVER=127.0.0.1:$p RES_OPTIONS="timeout:1 attempts:1" \
       "$QBIN/dnsip" real.test > /dev/null 2>&1; then
      PORT=$p; break
    fi
    sleep 0.1
    j=$((j + 1))
  done
  if [ -n "$PORT" ]; then PIDS="$PIDS $dm"; break; fi
  kill $dm 2>/dev/null; wait $dm 2>/dev/null
done
if [ -z "$PORT" ]; then
  echo "# dnsmasq did not come up:"; sed 's/^/#   /' "$D/dnsmasq.err" | head -20
  t_check "dnsmasq answers on a loopback port" "no" "yes"
  t_done; exit
fi
DNSSERVER=127.0.0.1:$PORT
RES_OPTIONS="timeout:2 attempts:1"
export DNSSERVER RES_OPTIONS
# no control/dnsservers of a real installation may interfere
QMAILHOME=$D/home
export QMAILHOME
mkdir -p "$QMAILHOME/control"

# --- addresses, CNAME chains ------------------------------------------------
run dnsip real.test
t_check "dnsip: A record" "$rc $out" "0 192.0.2.1"
run dnsip mx10.mail.test
t_check "dnsip: A then AAAA" "$rc $out" "0 192.0.2.10
2001:db8::10"
run dnsip six.test
t_check "dnsip: AAAA-only host" "$rc $out" "0 2001:db8::6"
run dnsip alias.test
t_check "dnsip: CNAME to A" "$rc $out" "0 192.0.2.1"
run dnsip alias2.test
t_check "dnsip: CNAME to CNAME to A" "$rc $out" "0 192.0.2.1"
run dnsip real.test six.test
t_check "dnsip: several names, in order" "$rc $out" "0 192.0.2.1
2001:db8::6"
run dnscname alias2.test
t_check "dnscname: the whole chain" "$rc $out" "0 alias.test
real.test"
run dnscname real.test
t_check "dnscname: no alias exits 100" "$rc" 100
t_match "dnscname: says NODATA" "$err" '^dnscname: permanent failure: real\.test: .*NODATA'
run dnscname dangling.test
t_check "dnscname: a chain may end in a missing name" "$rc $out" "0 nothere.test"
run dnsip dangling.test
t_check "dnsip: CNAME to a missing name is NXDOMAIN, exit 100" "$rc" 100
t_match "dnsip: dangling CNAME message" "$err" 'permanent failure: dangling\.test: no such domain \(NXDOMAIN\)'

# --- NXDOMAIN, NODATA, bad names ------------------------------------------------
run dnsip nx.test
t_check "NXDOMAIN exits 100" "$rc" 100
t_match "NXDOMAIN message on stderr" "$err" '^dnsip: permanent failure: nx\.test: no such domain \(NXDOMAIN\)$'
t_check "NXDOMAIN prints nothing" "$out" ""
run dnsmx real.test
t_check "NODATA (no MX) exits 100" "$rc" 100
t_match "NODATA is reported as such" "$err" 'real\.test: no record of that type \(NODATA\)'
run dnsip 'a..b.test'
t_check "a malformed name exits 100" "$rc" 100
t_match "a malformed name is named" "$err" 'a\.\.b\.test: not a valid domain name'
run dnsip "$(printf 'x%.0s' $(seq 1 64)).test"
t_check "a 64-byte label is refused" "$rc" 100
run dnsip nx.test real.test
t_check "a failed name does not stop the others" "$rc $out" "100 192.0.2.1"
run dnsip example.org
t_check "REFUSED (dnsmasq has no upstream) exits 111" "$rc" 111
t_match "REFUSED message" "$err" 'temporary failure: example\.org: .*\(REFUSED\)'

# --- MX ---------------------------------------------------------------------
run dnsmx mail.test
t_check "dnsmx: exit 0" "$rc" 0
t_check "dnsmx: sorted by preference" "$(echo "$out" | cut -d' ' -f1 | tr '\n' ' ')" "5 10 20 30 30 40 "
t_check "dnsmx: names" "$(echo "$out" | sed -n '1p;2p;3p;6p' | tr '\n' ' ')" \
  "5 mx5.mail.test 10 mx10.mail.test 20 mx20.mail.test 40 gone.mail.test "
# equal preferences come in random order: both orders within 20 runs
orders=
n=0
while [ $n -lt 20 ]; do
  run dnsmx mail.test
  o=$(echo "$out" | sed -n 4p | cut -d' ' -f2)
  case " $orders " in *" $o "*) ;; *) orders="$orders $o" ;; esac
  n=$((n + 1))
done
t_check "dnsmx: equal preferences in random order (RFC 5321)" \
  "$(echo $orders | tr ' ' '\n' | sort | tr '\n' ' ')" "mx30a.mail.test mx30b.mail.test "
run dnsmxip mail.test
t_check "dnsmxip: hosts by preference, A then AAAA, a host without address left out" \
  "$rc $(echo "$out" | sed -n '1,4p' | tr '\n' '|')" \
  "0 5 mx5.mail.test 192.0.2.5|10 mx10.mail.test 192.0.2.10|10 mx10.mail.test 2001:db8::10|20 mx20.mail.test 2001:db8::20|"
t_check "dnsmxip: equal preferences both listed" "$(echo "$out" | sed -n '5,6p' | sort | tr '\n' '|')" \
  "30 mx30a.mail.test 192.0.2.31|30 mx30b.mail.test 192.0.2.32|"
t_check "dnsmxip: nothing more" "$(echo "$out" | wc -l | tr -d ' ')" 6
run dnsmxip real.test
t_check "dnsmxip: no MX falls back to the domain's address" "$rc $out" "0 0 real.test 192.0.2.1"
run dnsmxip six.test
t_check "dnsmxip: no MX, AAAA only" "$rc $out" "0 0 six.test 2001:db8::6"
run dnsmxip nx.test
t_check "dnsmxip: NXDOMAIN exits 100" "$rc" 100
run dnsmx nullmx.test
t_check "dnsmx: a null MX is shown as it is" "$rc $out" "0 0 ."
run dnsmxip nullmx.test
t_check "dnsmxip: a null MX fails permanently" "$rc" 100
t_match "dnsmxip: null MX message" "$err" 'accepts no mail \(null MX'
run dnsmxip ghostmx.test
t_check "dnsmxip: an MX host that does not exist fails permanently" "$rc" 100

# --- TCP fallback -------------------------------------------------------------
if [ -n "$PY" ]; then
  tc=$("$PY" - "$PORT" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
q = struct.pack('>HHHHHH', 0x4242, 0x0100, 1, 0, 0, 0) + b'\x03big\x04test\x00' + struct.pack('>HH', 15, 1)
s.sendto(q, ('127.0.0.1', int(sys.argv[1])))
d = s.recv(65535)
print('tc=%d len=%d' % ((d[2] >> 1) & 1, len(d)))
EOF
)
  t_match "dnsmasq sets TC on the 60-record MX answer over UDP" "$tc" '^tc=1 len=([1-4][0-9][0-9]|50[0-9]|51[0-2])$'
else
  t_skip "dnsmasq sets TC over UDP" "python3 is not installed"
fi
run dnsmx big.test
t_check "dnsmx: all 60 MX records, over TCP after TC" "$rc $(echo "$out" | wc -l | tr -d ' ')" "0 60"
t_check "dnsmx: the 60 in order" "$(echo "$out" | cut -d' ' -f1 | tr '\n' ' ')" "$(seq 1 60 | tr '\n' ' ')"
t_check "dnsmx: last of the 60" "$(echo "$out" | tail -n 1)" "60 mx60.big.test"

# --- TXT, PTR -----------------------------------------------------------------
run dnstxt txt.test
t_check "dnstxt: two records, strings joined" "$rc $(echo "$out" | sort | tr '\n' '|')" \
  "0 another record|v=spf1 -all second string|"
run dnsptr 192.0.2.1
t_check "dnsptr: IPv4" "$rc $out" "0 real.test"
run dnsptr 2001:db8::6
t_check "dnsptr: IPv6 (ip6.arpa)" "$rc $out" "0 six.test"
run dnsptr 192.0.2.222
t_check "dnsptr: no PTR exits 100" "$rc" 100
run dnsptr not-an-ip
t_check "dnsptr: not an address exits 100" "$rc" 100
run dnsfq real.test
t_check "dnsfq: A then PTR" "$rc $out" "0 real.test"
run dnsfq alias.test
t_check "dnsfq: an alias gives the PTR name" "$rc $out" "0 real.test"
run dnsfq nx.test
t_check "dnsfq: unknown name exits 100" "$rc" 100

# --- usage --------------------------------------------------------------------
for p in dnsip dnsmx dnsmxip dnsptr dnscname dnstxt; do
  run $p
  t_check "$p without arguments exits 100" "$rc" 100
done

# --- configuration: control/dnsservers, $DNSSERVER, IPv6 ---------------------------
printf '# the test server\n127.0.0.1:%s\n' "$PORT" > "$QMAILHOME/control/dnsservers"
DNSSERVER= run dnsip real.test
t_check "control/dnsservers names the server" "$rc $out" "0 192.0.2.1"
if [ -n "$SILENT" ]; then
  printf '127.0.0.1:%s\n' "$SILENT" > "$QMAILHOME/control/dnsservers"
  run dnsmx mail.test
  t_check "\$DNSSERVER overrides control/dnsservers" "$rc $(echo "$out" | head -n 1)" "0 5 mx5.mail.test"
fi
rm -f "$QMAILHOME/control/dnsservers"
printf 'nonsense\n' > "$QMAILHOME/control/dnsservers"
DNSSERVER= run dnsip real.test
t_check "a malformed control/dnsservers is a temporary failure" "$rc" 111
rm -f "$QMAILHOME/control/dnsservers"
if [ -n "$HAVE6" ]; then
  DNSSERVER="[::1]:$PORT" run dnsip real.test
  t_check "an IPv6 server address" "$rc $out" "0 192.0.2.1"
else
  t_skip "an IPv6 server address" "no IPv6 loopback"
fi

# --- timeout, SERVFAIL, forgeries, malformed answers (python3 server) -------------
if [ -z "$FAKE" ]; then
  t_skip "timeout, SERVFAIL, forged replies, malformed answers" "python3 server not available"
  t_done; exit
fi
DNSSERVER=127.0.0.1:$SILENT RES_OPTIONS="timeout:1 attempts:1" run dnsmx mail.test
t_check "a silent server: temporary failure" "$rc" 111
t_match "a silent server: timeout message" "$err" 'mail\.test: no answer from the DNS servers \(timeout\)'
t_ok "a silent server: gives up after the 1 s timeout (took ${ms} ms)" \
  test "$ms" -ge 900 -a "$ms" -lt 4000
DNSSERVER=127.0.0.1:$SILENT RES_OPTIONS="timeout:1 attempts:2" run dnsmx mail.test
t_ok "attempts:2 asks twice (took ${ms} ms)" test "$ms" -ge 1900 -a "$ms" -lt 5000
DNSSERVER="127.0.0.1:$SILENT,127.0.0.1:$PORT" RES_OPTIONS="timeout:1 attempts:1" run dnsmx mail.test
t_check "a silent first server: the second answers" "$rc $(echo "$out" | head -n 1)" "0 5 mx5.mail.test"
run dnsip servfail.fake
t_check "SERVFAIL (relayed by dnsmasq) exits 111" "$rc" 111
t_match "SERVFAIL message" "$err" 'servfail\.fake: DNS server failure \(SERVFAIL\)'
DNSSERVER=127.0.0.1:$FAKE run dnsip servfail.fake
t_check "SERVFAIL straight from the server exits 111" "$rc" 111
DNSSERVER=127.0.0.1:$FAKE run dnsip notimp.fake
t_check "another rcode (NOTIMP) is temporary" "$rc" 111
DNSSERVER=127.0.0.1:$FAKE run dnsip spoof.fake
t_check "forged replies (wrong id, question, type, QR bit, source port) are ignored" "$rc $out" "0 192.0.2.99"
DNSSERVER=127.0.0.1:$FAKE run dnsip garbage.fake
t_check "a record running past the packet is a temporary failure" "$rc" 111
t_match "malformed answer message" "$err" 'garbage\.fake: malformed'
DNSSERVER=127.0.0.1:$FAKE run dnsip loop.fake
t_check "an endless CNAME chain is cut (temporary failure)" "$rc" 111
t_match "CNAME loop message" "$err" 'loop\.fake: CNAME chain too long'
DNSSERVER=127.0.0.1:$FAKE run dnstxt big.fake
t_check "TC over UDP, the answer only over TCP" "$rc $(echo "$out" | wc -c | tr -d ' ')" "0 2001"
DNSSERVER=127.0.0.1:$FAKE run dnsip tcpclose.fake
t_check "TC, then the TCP connection closes: temporary failure" "$rc" 111

# --- ipmeprint ----------------------------------------------------------------
run ipmeprint
t_check "ipmeprint exits 0" "$rc" 0
t_match "ipmeprint lists 127.0.0.1" "$out" '^127\.0\.0\.1$'
t_match "ipmeprint lists 0.0.0.0" "$out" '^0\.0\.0\.0$'
t_check "ipmeprint prints only addresses" "$(echo "$out" | grep -Evc '^([0-9.]+|[0-9a-f:.]+)$')" 0
run ipmeprint x
t_check "ipmeprint with an argument exits 100" "$rc" 100

t_done
