#!/bin/sh
# TLS through the tls module's programs, against OpenSSL on loopback:
# our server (tlsserver) under openssl s_client (handshake, cipher, the
# chain shown, echo, STARTTLS in SMTP, RSA and EC keys in every PEM
# format), our client (tlsclient) against openssl s_server (verified
# with the right CA, refused with a wrong CA or host name and the
# reason named, accepted when opportunistic), a TLS 1.3-only peer, a
# STARTTLS reply with injected bytes, garbage instead of a ClientHello,
# a client and a server that stop mid-handshake (timed out), inetd-style
# descriptors, IPv6, who may read the key, and tlsserver under our own
# tcpserver (dropping to nobody when run as root).  Every certificate
# and key is made here at run time.
# run.sh: alone -- a 2 s handshake timeout must end within 4 s
. "$TOP/tests/lib.sh"

if ! command -v openssl > /dev/null 2>&1; then
  t_skip "TLS against OpenSSL" "openssl not installed"
  t_done
  exit
fi
if command -v python3 > /dev/null 2>&1; then PY=python3; else PY=; fi

D=$(t_tmpdir)
PIDS=
SRV=$QBIN/tlsserver
CLI=$QBIN/tlsclient

# Certificates: a test CA, server certificates for mail.test and
# localhost signed by it (RSA and EC), and a CA nobody trusts.
mkcerts() {
  cd "$D" || return 1
  printf 'subjectAltName=DNS:mail.test,DNS:localhost\n' > san.ext
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
    -days 2 -subj "/O=Test CA Org/CN=Test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=keyCertSign,cRLSign" || return 1
  openssl req -x509 -newkey rsa:2048 -nodes -keyout wrongca.key \
    -out wrongca.pem -days 2 -subj "/O=Elsewhere/CN=Wrong CA" || return 1
  openssl req -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr \
    -subj "/O=Test Org/CN=mail.test" || return 1
  openssl x509 -req -in rsa.csr -CA ca.pem -CAkey ca.key -set_serial 2 \
    -days 2 -extfile san.ext -out rsa.pem || return 1
  openssl ecparam -name prime256v1 -genkey -out ec.key || return 1
  openssl req -new -key ec.key -out ec.csr -subj "/O=Test Org/CN=mail.test" \
    || return 1
  openssl x509 -req -in ec.csr -CA ca.pem -CAkey ca.key -set_serial 3 \
    -days 2 -extfile san.ext -out ec.pem || return 1
  # the key formats: PKCS#8 (what openssl req writes), PKCS#1, SEC1
  openssl rsa -in rsa.key -traditional -out rsa-pkcs1.key || return 1
  openssl pkey -in ec.key -out ec-pkcs8.key || return 1
  openssl rsa -in rsa.key -aes128 -passout pass:secret -traditional \
    -out rsa-encrypted.key || return 1
  # qmail's habit: chain and key in one file
  cat rsa.pem ca.pem rsa.key > rsa-all.pem
  cat ec.pem ca.pem ec.key > ec-all.pem
  cat rsa.pem ca.pem > rsa-chain.pem
  cat ec.pem ca.pem > ec-chain.pem
}
if ! (mkcerts) > "$D/mkcerts.log" 2>&1; then
  echo "Bail out! openssl could not make the test certificates"
  sed 's/^/#   /' "$D/mkcerts.log" | tail -n 20
  exit 1
fi
t_match "RSA key written as PKCS#8" "$(head -n 1 "$D/rsa.key")" 'BEGIN PRIVATE KEY'
t_match "RSA key written as PKCS#1" "$(head -n 1 "$D/rsa-pkcs1.key")" 'BEGIN RSA PRIVATE KEY'
t_match "EC key written as SEC1 after its parameters" "$(cat "$D/ec.key")" 'BEGIN EC PRIVATE KEY'

# start_server NAME tlsserver-arguments...: a listening tlsserver on a
# free loopback port (PORT); its log is $D/NAME.log.
start_server() {
  s_name=$1; shift
  timeout 120 "$SRV" -1 "$@" > "$D/$s_name.port" 2> "$D/$s_name.log" &
  PIDS="$PIDS $!"
  s_i=0
  while [ ! -s "$D/$s_name.port" ] && [ $s_i -lt 50 ]; do
    sleep 0.1; s_i=$((s_i + 1))
  done
  PORT=$(cat "$D/$s_name.port")
  [ -n "$PORT" ]
}

# start_s_server NAME s_server-arguments...: openssl s_server on a free
# loopback port (PORT), reversing each line it gets; log $D/NAME.log.
start_s_server() {
  s_name=$1; shift
  timeout 120 openssl s_server -accept 127.0.0.1:0 -naccept 50 -rev "$@" \
    < /dev/null > "$D/$s_name.log" 2>&1 &
  PIDS="$PIDS $!"
  s_i=0
  while ! grep -q '^ACCEPT' "$D/$s_name.log" 2>/dev/null && [ $s_i -lt 50 ]; do
    sleep 0.1; s_i=$((s_i + 1))
  done
  PORT=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$D/$s_name.log")
  [ -n "$PORT" ]
}

# s_client PORT args... < input: openssl s_client that stays until the
# server closes.
s_client() {
  s_port=$1; shift
  timeout 20 openssl s_client -connect "127.0.0.1:$s_port" -ign_eof "$@" 2>&1
}

### Our server under openssl s_client

start_server rsa -T 10 -t 10 -c "$D/rsa-all.pem" 127.0.0.1 0 ||
  echo "Bail out! tlsserver did not start: $(cat "$D/rsa.log")"
RSA_PORT=$PORT
out=$(printf 'hello tls\nQUIT\n' | s_client "$RSA_PORT" -servername mail.test \
  -CAfile "$D/ca.pem" -verify_return_error -showcerts)
t_match "s_client: handshake with our RSA server verifies" "$out" 'Verify return code: 0 \(ok\)'
t_match "s_client: TLS 1.2 negotiated" "$out" 'Protocol *: TLSv1.2'
t_match "s_client: ECDHE-RSA-AES128-GCM-SHA256 chosen" "$out" 'Cipher is ECDHE-RSA-AES128-GCM-SHA256'
t_match "s_client: the server's certificate is shown first" "$out" '^ 0 s:O = Test Org, CN = mail.test'
t_match "s_client: the CA certificate follows in the chain" "$out" '^ 1 s:O = Test CA Org, CN = Test CA'
t_check "s_client: two certificates sent" "$(printf '%s\n' "$out" | grep -c 'BEGIN CERTIFICATE')" 2
t_match "s_client: a line comes back" "$out" '^hello tls$'
t_match "s_client: QUIT answered, then closed" "$out" '^221 bye'
t_wait_grep "$D/rsa.log" 'sni=mail.test' 5
t_match "server log: protocol, cipher and SNI" "$(cat "$D/rsa.log")" \
  '^tlsserver: pid [0-9]+: TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 sni=mail.test$'

out=$(echo QUIT | s_client "$RSA_PORT" -cipher ECDHE-RSA-CHACHA20-POLY1305 -tls1_2)
t_match "ChaCha20-Poly1305 when the client wants only that" "$out" 'Cipher is ECDHE-RSA-CHACHA20-POLY1305'
out=$(echo QUIT | s_client "$RSA_PORT" -cipher AES256-SHA -tls1_2)
t_match "RSA key exchange with AES-CBC for old clients" "$out" 'Cipher is AES256-SHA'

# TLS 1.3 only: refused, with the reason in the log
: > "$D/rsa.log"
out=$(echo QUIT | s_client "$RSA_PORT" -tls1_3)
t_match "a TLS 1.3-only client gets no session" "$out" 'Cipher is \(NONE\)'
t_match "a TLS 1.3-only client is told handshake_failure" "$out" 'alert handshake failure'
t_wait_grep "$D/rsa.log" 'TLS handshake failed' 5
t_match "the server names why in the log" "$(cat "$D/rsa.log")" \
  '^tlsserver: pid [0-9]+: TLS handshake failed: BR_ERR_SEND_FATAL_ALERT \(sent the peer the fatal alert handshake_failure, 40\)$'

# EC: the SEC1 key (after its EC PARAMETERS block), PKCS#8, separate files
start_server ec -T 10 -c "$D/ec-all.pem" 127.0.0.1 0
out=$(echo QUIT | s_client "$PORT" -servername mail.test -CAfile "$D/ca.pem" -verify_return_error)
t_match "EC server: ECDHE-ECDSA-AES128-GCM-SHA256" "$out" 'Cipher is ECDHE-ECDSA-AES128-GCM-SHA256'
t_match "EC server: chain verifies" "$out" 'Verify return code: 0 \(ok\)'
for k in rsa-pkcs1.key rsa.key; do
  start_server "k-$k" -T 10 -c "$D/rsa-chain.pem" -k "$D/$k" 127.0.0.1 0
  out=$("$CLI" -C "$D/ca.pem" -n mail.test 127.0.0.1 "$PORT" 2>&1)
  t_match "RSA key as $(head -n 1 "$D/$k" | tr -d -- '-')" "$out" '^verified: yes \(mail.test\)$'
done
for k in ec.key ec-pkcs8.key; do
  start_server "k-$k" -T 10 -c "$D/ec-chain.pem" -k "$D/$k" 127.0.0.1 0
  out=$("$CLI" -C "$D/ca.pem" -n mail.test 127.0.0.1 "$PORT" 2>&1)
  t_match "EC key as $(grep 'PRIVATE KEY' "$D/$k" | head -n 1 | tr -d -- '-')" "$out" '^cipher: ECDHE-ECDSA-AES128-GCM-SHA256$'
done

# Keys that cannot be used are refused before any connection
out=$("$SRV" -c "$D/rsa-chain.pem" -k "$D/rsa-encrypted.key" 2>&1 < /dev/null)
t_check "encrypted key: exit 100" "$?" 100
t_match "encrypted key: says so" "$out" 'unusable key file .*rsa-encrypted.key: encrypted private keys are not supported'
out=$("$SRV" -c "$D/rsa-chain.pem" -k "$D/ec.key" 2>&1 < /dev/null)
t_check "key of another certificate: exit 100" "$?" 100
t_match "key of another certificate: says so" "$out" 'does not belong to the first certificate'
out=$("$SRV" -c "$D/rsa.key" 2>&1 < /dev/null)
t_match "no certificate in the file" "$out" 'unusable certificate file .*: no certificate found'
out=$("$SRV" -c "$D/missing.pem" 2>&1 < /dev/null)
t_check "missing certificate file: exit 111" "$?" 111
t_match "missing certificate file: says so" "$out" 'unable to read certificate file .*missing.pem: No such file'

### STARTTLS in SMTP

start_server smtp -s -T 10 -c "$D/rsa-all.pem" 127.0.0.1 0
out=$(printf 'hello after starttls\nQUIT\n' | s_client "$PORT" -starttls smtp -CAfile "$D/ca.pem" -verify_return_error)
t_match "s_client -starttls smtp: verified" "$out" 'Verify return code: 0 \(ok\)'
t_match "s_client -starttls smtp: echo inside TLS" "$out" '^hello after starttls$'
out=$(printf 'NOOP\nQUIT\n' | "$CLI" -v -s -r -C "$D/ca.pem" -n mail.test 127.0.0.1 "$PORT" 2>&1)
t_check "tlsclient -s -r: exit 0" "$?" 0
t_match "tlsclient -s: EHLO answered with STARTTLS" "$out" '^< 250 STARTTLS'
t_match "tlsclient -s: 220 to STARTTLS" "$out" '^< 220 ready to start TLS'
t_match "tlsclient -s: verified after STARTTLS" "$out" '^verified: yes \(mail.test\)$'
t_match "tlsclient -s -r: data relayed both ways" "$out" '^NOOP'

if [ -n "$PY" ]; then
  # a server whose 220 to STARTTLS comes with extra bytes (RFC 3207 6)
  cat > "$D/inject.py" <<'EOF'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
s.settimeout(20)
c, _ = s.accept()
c.settimeout(10)
f = c.makefile("rb")
c.sendall(b"220 fake ESMTP\r\n")
f.readline()
c.sendall(b"250-fake\r\n250 STARTTLS\r\n")
f.readline()
c.sendall(b"220 go ahead\r\n250 injected\r\n")
try:
    c.recv(100)
except OSError:
    pass
EOF
  timeout 30 $PY "$D/inject.py" > "$D/inject.port" &
  PIDS="$PIDS $!"
  i=0; while [ ! -s "$D/inject.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  out=$("$CLI" -s -o 127.0.0.1 "$(cat "$D/inject.port")" 2>&1)
  t_check "injected bytes after STARTTLS: exit 1" "$?" 1
  t_match "injected bytes after STARTTLS: refused" "$out" 'sent data after its reply to STARTTLS; not starting TLS'
else
  t_skip "STARTTLS injection" "python3 not installed"
fi

### Our client against openssl s_server

start_s_server s_rsa -cert "$D/rsa.pem" -key "$D/rsa.key" -cert_chain "$D/ca.pem" ||
  echo "Bail out! openssl s_server did not start"
out=$("$CLI" -C "$D/ca.pem" -n mail.test 127.0.0.1 "$PORT" 2>&1)
t_check "right CA and name: exit 0" "$?" 0
t_match "right CA and name: verified" "$out" '^verified: yes \(mail.test\)$'
t_match "protocol printed" "$out" '^protocol: TLSv1.2$'
t_match "cipher printed" "$out" '^cipher: ECDHE-RSA-AES128-GCM-SHA256$'
t_match "subject printed, most specific first" "$out" '^subject: CN=mail.test,O=Test Org$'
t_match "chain length printed" "$out" '^chain: 2 certificates$'
out=$("$CLI" -C "$D/ca.pem" localhost "$PORT" 2>&1)
t_match "a name from subjectAltName (localhost) verifies" "$out" '^verified: yes \(localhost\)$'

out=$("$CLI" -C "$D/wrongca.pem" -n mail.test 127.0.0.1 "$PORT" 2>&1)
t_check "wrong CA: exit 1" "$?" 1
t_check "wrong CA: the reason, named" "$out" \
  "tlsclient: fatal: TLS handshake failed: BR_ERR_X509_NOT_TRUSTED (the certificate chain does not lead to a trusted CA)"
out=$("$CLI" -C "$D/ca.pem" -n other.test 127.0.0.1 "$PORT" 2>&1)
t_check "wrong host name: exit 1" "$?" 1
t_check "wrong host name: the reason, named" "$out" \
  "tlsclient: fatal: TLS handshake failed: BR_ERR_X509_BAD_SERVER_NAME (the certificate is not for the expected host name)"
out=$("$CLI" -o -C "$D/wrongca.pem" -n mail.test 127.0.0.1 "$PORT" 2>&1)
t_check "opportunistic with a wrong CA: exit 0" "$?" 0
t_match "opportunistic: encrypted anyway" "$out" '^cipher: ECDHE-RSA-AES128-GCM-SHA256$'
t_match "opportunistic: the verdict is still reported" "$out" \
  '^verified: no: BR_ERR_X509_NOT_TRUSTED \(.*\) \(opportunistic\)$'
t_match "opportunistic: the subject is still known" "$out" '^subject: CN=mail.test,O=Test Org$'
out=$("$CLI" -o -C "$D/missing.pem" 127.0.0.1 "$PORT" 2>&1)
t_check "opportunistic without any CA file: exit 0" "$?" 0
out=$("$CLI" -C "$D/missing.pem" -n mail.test 127.0.0.1 "$PORT" 2>&1)
t_check "verifying without the CA file: exit 111" "$?" 111
t_match "verifying without the CA file: says so" "$out" 'unable to read CA file .*missing.pem: No such file'
out=$("$CLI" -C "$D/ca.pem" 127.0.0.1 "$PORT" 2>&1)
t_check "verifying an address literal: exit 100" "$?" 100
t_match "verifying an address literal: says why" "$out" 'verification needs the server.s host name'
if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
  out=$("$CLI" -C /etc/ssl/certs/ca-certificates.crt -n mail.test 127.0.0.1 "$PORT" 2>&1)
  t_match "the system CA bundle loads, and does not trust the test CA" "$out" 'BR_ERR_X509_NOT_TRUSTED'
else
  t_skip "system CA bundle" "/etc/ssl/certs/ca-certificates.crt absent"
fi

start_s_server s_ec -cert "$D/ec.pem" -key "$D/ec.key" -cert_chain "$D/ca.pem"
out=$("$CLI" -C "$D/ca.pem" -n mail.test 127.0.0.1 "$PORT" 2>&1)
t_match "EC server: ECDSA suite, verified" "$out" 'cipher: ECDHE-ECDSA-AES128-GCM-SHA256'
t_match "EC server: verified" "$out" '^verified: yes \(mail.test\)$'

start_s_server s_13 -cert "$D/rsa.pem" -key "$D/rsa.key" -tls1_3
out=$("$CLI" -o 127.0.0.1 "$PORT" 2>&1)
t_check "TLS 1.3-only server: exit 1" "$?" 1
t_match "TLS 1.3-only server: the alert is named" "$out" \
  'TLS handshake failed: BR_ERR_RECV_FATAL_ALERT \(the peer sent the fatal alert protocol_version, 70\)'

# relaying through our client to our server
out=$(printf 'one\ntwo\nQUIT\n' | "$CLI" -r -C "$D/ca.pem" -n mail.test 127.0.0.1 "$RSA_PORT" 2>/dev/null | tr -d '\r')
t_check "tlsclient -r: lines relayed and echoed" "$out" "$(printf 'one\ntwo\n221 bye')"

### Hostile and silent peers

if [ -n "$PY" ]; then
  start_server slow -T 2 -t 2 -c "$D/rsa-all.pem" 127.0.0.1 0
  SLOW_PORT=$PORT
  cat > "$D/peer.py" <<'EOF'
import os, socket, sys, time
port, what = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
if what == "garbage":
    s.sendall(b"EHLO garbage.example\r\n" + os.urandom(300))
else:
    # the first bytes of a ClientHello record, then nothing
    s.sendall(bytes([0x16, 3, 1, 2, 0, 1, 0, 1, 0xfc, 3, 3]) + b"\0" * 20)
start = time.time()
s.settimeout(10)
try:
    data = s.recv(100)
    print("closed" if data == b"" else "data", round(time.time() - start, 1))
except socket.timeout:
    print("hang")
except OSError as e:
    print("reset", round(time.time() - start, 1))
EOF
  out=$(timeout 20 $PY "$D/peer.py" "$SLOW_PORT" garbage)
  t_match "garbage instead of a ClientHello: orderly close at once" "$out" '^closed 0\.[0-9]$'
  t_wait_grep "$D/slow.log" 'failed' 5
  t_match "garbage: the log names BearSSL's error" "$(cat "$D/slow.log")" \
    '^tlsserver: pid [0-9]+: TLS handshake failed: BR_ERR_[A-Z_]+ \(.+\)$'
  out=$(timeout 20 $PY "$D/peer.py" "$SLOW_PORT" partial)
  t_match "a client that stops mid-handshake is cut off after 2 s" "$out" '^closed (1\.[5-9]|2\.[0-9]|3\.[0-9])$'
  t_wait_grep "$D/slow.log" 'timed out' 5
  t_match "the log says it timed out" "$(cat "$D/slow.log")" \
    '^tlsserver: pid [0-9]+: TLS handshake timed out after 2 seconds$'

  # a server that accepts and says nothing: the client gives up
  cat > "$D/mute.py" <<'EOF'
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
s.settimeout(20)
c, _ = s.accept()
time.sleep(8)
EOF
  timeout 30 $PY "$D/mute.py" > "$D/mute.port" &
  PIDS="$PIDS $!"
  i=0; while [ ! -s "$D/mute.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  start=$(date +%s)
  out=$("$CLI" -o -T 2 127.0.0.1 "$(cat "$D/mute.port")" 2>&1)
  rc=$?
  took=$(($(date +%s) - start))
  t_check "silent server: exit 111" "$rc" 111
  t_check "silent server: the client's error" "$out" "tlsclient: fatal: TLS handshake timed out after 2 seconds"
  t_ok "silent server: given up within 4 s" test "$took" -le 4

  # inetd style: the connection on descriptors 0 and 1
  cat > "$D/inetd.py" <<'EOF'
import socket, subprocess, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
s.settimeout(20)
c, _ = s.accept()
subprocess.run(sys.argv[1:], stdin=c, stdout=c, timeout=20)
EOF
  timeout 30 $PY "$D/inetd.py" "$SRV" -T 5 -c "$D/ec-all.pem" > "$D/inetd.port" 2> "$D/inetd.log" &
  PIDS="$PIDS $!"
  i=0; while [ ! -s "$D/inetd.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  out=$(printf 'via inetd\nQUIT\n' | "$CLI" -r -C "$D/ca.pem" -n mail.test 127.0.0.1 "$(cat "$D/inetd.port")" 2>&1)
  t_match "inetd style: handshake and echo on descriptors 0 and 1" "$out" '^via inetd$'
  t_wait_grep "$D/inetd.log" 'TLSv1.2' 5
  t_match "inetd style: logged" "$(cat "$D/inetd.log")" 'TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256 sni=mail.test'
else
  t_skip "garbage, timeouts and inetd style" "python3 not installed"
fi

# IPv6 loopback, when the machine has it
if start_server v6 -T 5 -c "$D/ec-all.pem" ::1 0 2>/dev/null; then
  out=$("$CLI" -C "$D/ca.pem" -n mail.test ::1 "$PORT" 2>&1)
  t_match "IPv6: handshake over ::1" "$out" '^verified: yes \(mail.test\)$'
else
  t_skip "IPv6" "no ::1 here"
fi

# Who may read the key: the daemon user reads it after the privilege
# drop, so a key only root can read stops the server with a clear error.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null 2>&1 && id nobody > /dev/null 2>&1; then
  chmod 755 "$T_ROOT" "$D"
  K=$(t_tmpdir)
  chmod 755 "$K"
  cp "$D/rsa-all.pem" "$K/servercert.pem"
  chmod 0400 "$K/servercert.pem"
  out=$(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
    "$SRV" -c "$K/servercert.pem" 2>&1 < /dev/null)
  t_check "key readable only by root: the daemon user stops (111)" "$?" 111
  t_match "key readable only by root: says so" "$out" 'unable to read certificate file .*: Permission denied'
  chown nobody "$K/servercert.pem"
  timeout 60 setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
    "$SRV" -1 -T 5 -c "$K/servercert.pem" 127.0.0.1 0 > "$K/port" 2> "$K/log" &
  PIDS="$PIDS $!"
  i=0; while [ ! -s "$K/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  out=$("$CLI" -C "$D/ca.pem" -n mail.test 127.0.0.1 "$(cat "$K/port")" 2>&1)
  t_match "key owned by the daemon user, mode 0400: served" "$out" '^verified: yes \(mail.test\)$'
else
  t_skip "key ownership" "needs root, setpriv and nobody"
fi

# Under the project's tcpserver, as qmail-smtpd will run: descriptors 0
# and 1, and as root the switch to the daemon user (-u, -g) before the
# key, owned by that user with mode 0400, is read.
if [ -x "$QBIN/tcpserver" ]; then
  U=$(t_tmpdir)
  cp "$D/ec-all.pem" "$U/servercert.pem"
  chmod 0400 "$U/servercert.pem"
  ug=
  if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1; then
    chmod 755 "$T_ROOT" "$D" "$U"
    chown nobody "$U/servercert.pem"
    ug="-u $(id -u nobody) -g $(id -g nobody)"
  fi
  timeout 60 "$QBIN/tcpserver" -1 $ug 127.0.0.1 0 \
    "$SRV" -T 5 -c "$U/servercert.pem" > "$U/port" 2> "$U/log" &
  PIDS="$PIDS $!"
  i=0; while [ ! -s "$U/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  out=$(printf 'under tcpserver\nQUIT\n' | "$CLI" -r -C "$D/ca.pem" -n mail.test 127.0.0.1 "$(cat "$U/port")" 2>&1)
  t_match "under tcpserver${ug:+ -u nobody}: handshake and echo" "$out" '^under tcpserver'
  t_wait_grep "$U/log" 'tlsserver: pid' 5
  t_match "under tcpserver: logged" "$(cat "$U/log")" \
    'tlsserver: pid [0-9]+: TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256 sni=mail.test'
else
  t_skip "under tcpserver" "no tcpserver built"
fi

for p in $PIDS; do kill "$p" 2>/dev/null; done
t_done
