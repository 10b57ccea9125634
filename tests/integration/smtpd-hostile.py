"""smtpd-hostile.py -- the hostile SMTP clients of smtpd-hostile.sh.

Each command connects to 127.0.0.1 PORT, misbehaves in one way, and
prints what it observed, one fact per line, for the shell script to
check.  Server replies are printed with bytes outside printable ASCII
as \\xNN.  Every socket operation has a time limit (T seconds, default
30); a limit that runs out prints "timeout" and exits 3.

  longline PORT SIZE
      A command line of SIZE bytes ("NOOP " and x's), then NOOP and
      QUIT in one write: prints the three replies.
  nul PORT EXPECTED
      NUL bytes in commands (in the verb, in HELO's argument, in MAIL
      and RCPT paths), each followed by the same command without it,
      then a message with NUL and 8-bit bytes in its body; prints every
      reply as "COMMAND-NAME: REPLY" and writes the body as the queue
      should store it (LF line ends, dot-stuffing removed) to EXPECTED.
  rcpts PORT N DOMAIN
      MAIL, N RCPTs (flood-I@DOMAIN) and DATA in one write, the replies
      read meanwhile by a second thread; prints "mail CODE",
      "accepted A", "refused452 R", "other X", "order ok|mixed",
      "data CODE", then sends a short message and prints "end REPLY".
  slow PORT TEXT GAP
      Sends TEXT (\\r\\n escapes allowed) one byte at a time, GAP seconds
      apart, then prints "elapsed S" and the reply.
  silent PORT [data]
      Says nothing (after MAIL, RCPT and DATA's 354 when "data" is
      given); prints what the server sent and "closed after S" when it
      closes.
  garbage PORT plain|starttls|smtps
      Sends bytes that are not a TLS ClientHello where the server
      expects one (after STARTTLS's 220, or as the first bytes of an
      SMTPS connection); prints "closed after S" when the server closes.
  middata PORT partial|lines|reset
      MAIL, RCPT, DATA, then part of a message and goes away: in the
      middle of a line, after whole lines, or with a TCP reset.
  inject PORT CAFILE
      "STARTTLS\\r\\n" and an injected "RSET" and "MAIL FROM" in one
      write (CVE-2011-0411), then the handshake, then EHLO and NOOP:
      prints "discarded-sent N", the replies after the handshake (one
      per line, "reply: ..."), then a whole transaction's replies.
  smtps PORT CAFILE
      A well-behaved SMTPS client: handshake, greeting, EHLO, QUIT.
  quit PORT
      Greeting and QUIT; prints both replies.
"""
import os
import socket
import ssl
import sys
import threading
import time

T = float(os.environ.get("T", "30"))


def show(b):
    out = []
    for c in b:
        if 32 <= c < 127 and c != 0x5C:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


class Conn:
    def __init__(self, port, sock=None):
        if sock is None:
            sock = socket.create_connection(("127.0.0.1", port), timeout=T)
        self.sock = sock
        self.sock.settimeout(T)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(show(self.buf))
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        """One whole reply (all its lines), joined with " | "."""
        lines = []
        while True:
            line = self.line()
            lines.append(show(line))
            if len(line) < 4 or line[3:4] != b"-":
                return " | ".join(lines)

    def until_close(self):
        got = self.buf
        self.buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                return got + b"<reset>"
            if not chunk:
                return got
            got += chunk


def cmd_longline(port, size):
    c = Conn(port)
    c.reply()
    size = int(size)
    c.send(b"NOOP " + b"x" * (size - 5) + b"\r\nNOOP\r\nQUIT\r\n")
    for _ in range(3):
        print(c.reply())


def cmd_nul(port, expected):
    c = Conn(port)
    c.reply()
    steps = [
        ("verb", b"HE\0LO nul.example\r\n"),
        ("verb-end", b"NOOP\0\r\n"),
        ("helo", b"HELO a\0b.example\r\n"),
        ("mail", b"MAIL FROM:<s\0x@test.example>\r\n"),
        ("mail-quoted", b'MAIL FROM:<"s\0x"@test.example>\r\n'),
        ("mail-ok", b"MAIL FROM:<sender@test.example>\r\n"),
        ("rcpt", b"RCPT TO:<nul\0@test.example>\r\n"),
        ("rcpt-param", b"RCPT TO:<nul@test.example> X\0Y=1\r\n"),
        ("rcpt-ok", b"RCPT TO:<nul@test.example>\r\n"),
        ("data", b"DATA\r\n"),
    ]
    for name, data in steps:
        c.send(data)
        print("%s: %s" % (name, c.reply()))
    # the body: NULs alone, inside lines, at a line's start after a dot,
    # every byte value but CR and LF, a dot-stuffed line, a bare CR
    body = (b"Subject: nul bytes\r\n\r\n" + b"\0\r\n" + b"a\0b\0\0c\r\n"
            + b"..\0leading dot\r\n"
            + bytes(b for b in range(256) if b not in (10, 13)) + b"\r\n"
            + b"bare\rcr\0\r\n" + b"\0\0\0\0" * 300 + b"\r\n")
    stored = body.replace(b"\r\n", b"\n").replace(b"\n..", b"\n.")
    with open(expected, "wb") as f:
        f.write(stored)
    c.send(body + b".\r\n")
    print("end: %s" % c.reply())
    c.send(b"QUIT\r\n")
    print("quit: %s" % c.reply())


def cmd_rcpts(port, n, domain):
    n = int(n)
    c = Conn(port)
    c.reply()
    c.send(b"EHLO flood.example\r\n")
    c.reply()
    replies = []
    failure = []

    def reader():
        try:
            for _ in range(n + 2):
                replies.append(c.reply())
        except Exception as e:      # reported below
            failure.append(repr(e))

    th = threading.Thread(target=reader)
    th.start()
    batch = [b"MAIL FROM:<flood@test.example>\r\n"]
    for i in range(n):
        batch.append(b"RCPT TO:<flood-%d@%s>\r\n" % (i, domain.encode()))
    batch.append(b"DATA\r\n")
    c.send(b"".join(batch))
    th.join(T * 4)
    if th.is_alive() or failure:
        print("reader failed: %s (%d replies)" % (failure, len(replies)))
        sys.exit(3)
    print("mail %s" % replies[0][:3])
    rc = [r[:3] for r in replies[1:-1]]
    print("accepted %d" % rc.count("250"))
    print("refused452 %d" % rc.count("452"))
    print("other %d" % (len(rc) - rc.count("250") - rc.count("452")))
    first452 = rc.index("452") if "452" in rc else len(rc)
    ordered = all(x == "250" for x in rc[:first452]) and \
        all(x == "452" for x in rc[first452:])
    print("order %s" % ("ok" if ordered else "mixed"))
    print("452-text %s" % next((r for r in replies if r[:3] == "452"), "-"))
    print("data %s" % replies[-1][:3])
    c.send(b"Subject: flood\r\n\r\nmany recipients\r\n.\r\n")
    print("end %s" % c.reply())
    c.send(b"QUIT\r\n")
    c.reply()


def cmd_slow(port, text, gap):
    c = Conn(port)
    c.reply()
    data = text.encode().decode("unicode_escape").encode("latin-1")
    start = time.monotonic()
    for i in range(len(data)):
        c.send(data[i:i + 1])
        if i + 1 < len(data):
            time.sleep(float(gap))
    print("sent over %.1f" % (time.monotonic() - start))
    print(c.reply())


def cmd_silent(port, phase=""):
    c = Conn(port)
    c.reply()
    if phase == "data":
        for cmd in (b"MAIL FROM:<s@test.example>\r\n",
                    b"RCPT TO:<silent@test.example>\r\n", b"DATA\r\n"):
            c.send(cmd)
            print(c.reply())
        c.send(b"Subject: half\r\n\r\nstarted but ")
    start = time.monotonic()
    got = c.until_close()
    print("got %s" % show(got).replace("\\x0d\\x0a", " "))
    print("closed after %.1f" % (time.monotonic() - start))


def cmd_garbage(port, how):
    c = Conn(port)
    if how == "starttls":
        c.reply()
        c.send(b"EHLO garbage.example\r\n")
        c.reply()
        c.send(b"STARTTLS\r\n")
        print("starttls: %s" % c.reply())
    start = time.monotonic()
    # an HTTP request, then 8 KB of bytes that resemble no TLS record
    c.send(b"GET / HTTP/1.0\r\n\r\n" + bytes(range(256)) * 32)
    got = c.until_close()
    print("received %d bytes" % len(got))
    print("closed after %.1f" % (time.monotonic() - start))


def cmd_middata(port, how):
    c = Conn(port)
    c.reply()
    for cmd in (b"HELO gone.example\r\n", b"MAIL FROM:<s@test.example>\r\n",
                b"RCPT TO:<gone@test.example>\r\n", b"DATA\r\n"):
        c.send(cmd)
        print(c.reply())
    body = b"Subject: never queued\r\n\r\n" + b"line\r\n" * 2000
    if how == "partial":
        body += b"half a li"
    c.send(body)
    if how == "reset":
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                          b"\x01\x00\x00\x00\x00\x00\x00\x00")
    c.sock.close()
    print("gone")


def tls_client(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = True
    return ctx


def cmd_inject(port, cafile):
    c = Conn(port)
    c.reply()
    c.send(b"EHLO inject.example\r\n")
    c.reply()
    injected = b"RSET\r\nMAIL FROM:<injected@evil.example>\r\n"
    c.send(b"STARTTLS\r\n" + injected)
    print("discarded-sent %d" % len(injected))
    print("starttls: %s" % c.reply())
    if c.buf:
        print("unexpected plain bytes: %s" % show(c.buf))
    tls = tls_client(cafile).wrap_socket(c.sock, server_hostname="mail.test")
    t = Conn(port, tls)
    t.send(b"EHLO inject.example\r\nNOOP\r\n")
    # exactly two replies must come: EHLO's and NOOP's; anything the
    # injected commands produced would come first
    print("reply: %s" % t.reply())
    print("reply: %s" % t.reply())
    t.send(b"RCPT TO:<inject@test.example>\r\n")
    print("rcpt-before-mail: %s" % t.reply())
    for cmd in (b"MAIL FROM:<real@test.example>\r\n",
                b"RCPT TO:<inject@test.example>\r\n", b"DATA\r\n"):
        t.send(cmd)
        print("tx: %s" % t.reply())
    t.send(b"Subject: after starttls\r\n\r\nsafe\r\n.\r\n")
    print("tx: %s" % t.reply())
    t.send(b"QUIT\r\n")
    print("tx: %s" % t.reply())


def cmd_smtps(port, cafile):
    sock = socket.create_connection(("127.0.0.1", int(port)), timeout=T)
    tls = tls_client(cafile).wrap_socket(sock, server_hostname="mail.test")
    t = Conn(port, tls)
    print(t.reply())
    t.send(b"EHLO smtps.example\r\n")
    print(t.reply().split(" | ")[0])
    t.send(b"QUIT\r\n")
    print(t.reply())


def cmd_quit(port):
    c = Conn(port)
    print(c.reply())
    c.send(b"QUIT\r\n")
    print(c.reply())


def main():
    cmds = {"longline": cmd_longline, "nul": cmd_nul, "rcpts": cmd_rcpts,
            "slow": cmd_slow, "silent": cmd_silent, "garbage": cmd_garbage,
            "middata": cmd_middata, "inject": cmd_inject,
            "smtps": cmd_smtps, "quit": cmd_quit}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        sys.exit("usage: smtpd-hostile.py COMMAND PORT ARGS...")
    try:
        cmds[sys.argv[1]](int(sys.argv[2]), *sys.argv[3:])
    except socket.timeout:
        print("timeout")
        sys.exit(3)
    except EOFError as e:
        print("closed early after: %s" % e)
        sys.exit(4)
    except (ssl.SSLError, OSError) as e:
        print("error: %s" % e)
        sys.exit(5)


if __name__ == "__main__":
    main()
