"""inetdclient.py -- the client side of inetd.sh: what a client of a
listener started by xinetd or inetd sees, one observation a line.

  inetdclient.py ports N
      N free TCP ports on 127.0.0.1, one a line.
  inetdclient.py wait PORT
      wait (up to 10 seconds) until 127.0.0.1:PORT accepts; "up" or
      "down".
  inetdclient.py transcript PORT
      EHLO, MAIL, a RCPT for a domain that is not ours, QUIT, each after
      the previous reply; prints every byte received, as text.
  inetdclient.py smtps PORT CAFILE MARK RCPT
      SMTPS (TLS from the first byte, verifying mail.test against
      CAFILE) and a message to RCPT: "tls VERSION", "data CODE".
  inetdclient.py hold PORT N
      N connections kept open, each greeted ("greeted K" when its 220
      came), then one more: "extra 220 ..." / "extra closed" /
      "extra refused"; then all are closed.
  inetdclient.py burst PORT N
      N connections one after another, each closed after its greeting:
      "K 220" / "K closed" / "K refused".

Every network operation has a time limit of 10 seconds.
"""
import smtplib
import socket
import ssl
import sys
import time


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def first_line(sock):
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode("ascii", "replace").strip()


def greeting(port):
    try:
        sock = connect(port)
    except ConnectionRefusedError:
        return None, "refused"
    try:
        line = first_line(sock)
    except (ConnectionResetError, socket.timeout):
        line = ""
    if not line:
        sock.close()
        return None, "closed"
    return sock, line


def main(argv):
    cmd = argv[1]
    if cmd == "ports":
        socks = []
        for _ in range(int(argv[2])):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            print(s.getsockname()[1])
        return 0
    port = int(argv[2])
    if cmd == "wait":
        end = time.time() + 10
        while time.time() < end:
            try:
                connect(port).close()
                print("up")
                return 0
            except OSError:
                time.sleep(0.1)
        print("down")
        return 1
    if cmd == "transcript":
        sock = connect(port)
        got = first_line(sock)
        out = [got]
        for line in ("EHLO client.example", "MAIL FROM:<a@b.example>",
                     "RCPT TO:<x@elsewhere.example>", "QUIT"):
            sock.sendall(line.encode("ascii") + b"\r\n")
            reply = b""
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                reply += chunk
                lines = reply.split(b"\r\n")
                if len(lines) > 1 and lines[-2][3:4] == b" ":
                    break
            out.append(reply.decode("ascii", "replace").rstrip())
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            out.append(chunk.decode("ascii", "replace").rstrip())
        print("\n".join(out))
        return 0
    if cmd == "smtps":
        cafile, mark, rcpt = argv[3:6]
        ctx = ssl.create_default_context(cafile=cafile)
        s = smtplib.SMTP_SSL(host="", timeout=10, context=ctx)
        s._host = "mail.test"
        s.connect("127.0.0.1", port)
        name, version, _ = s.sock.cipher()
        print("tls", version, name)
        s.ehlo("client.example")
        code, _ = s.mail("a@b.example")
        print("mail", code)
        code, _ = s.rcpt(rcpt)
        print("rcpt", code)
        code, _ = s.data("From: a@b.example\r\nTo: " + rcpt + "\r\nSubject: "
                         + mark + "\r\n\r\nbody " + mark + "\r\n")
        print("data", code)
        s.quit()
        return 0
    if cmd == "hold":
        held = []
        for k in range(int(argv[3])):
            sock, line = greeting(port)
            if sock:
                held.append(sock)
                if line.startswith("220"):
                    print("greeted", k + 1)
        sock, line = greeting(port)
        print("extra", line)
        for s in held + ([sock] if sock else []):
            s.close()
        return 0
    if cmd == "burst":
        for k in range(int(argv[3])):
            sock, line = greeting(port)
            print(k + 1, line.split(" ")[0] if sock else line)
            if sock:
                sock.sendall(b"QUIT\r\n")
                sock.close()
        return 0
    print("usage: inetdclient.py ports|wait|transcript|smtps|hold|burst ...",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
