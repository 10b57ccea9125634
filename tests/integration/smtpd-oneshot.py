"""smtpd-oneshot.py -- SMTP clients for smtpd-replies.sh and smtpd-relay.sh.

Everything stays on 127.0.0.1 and every wait has a time limit.

  oneshot PORT FILE [--timeout S]
      Connect, wait for the greeting, then send the whole of FILE with
      one send() call (a client that pipelines everything, including
      what follows DATA, in a single TCP segment), and read until the
      server closes the connection.  Writes the greeting and every reply
      to standard output, then one line "closed", "reset" or "timeout"
      saying how the session ended.
  silent PORT TEXT [--timeout S]
      Connect, wait for the greeting, send TEXT (escapes such as \\r\\n
      are decoded), then say nothing more and read until the server
      closes.  Writes the replies after the greeting, then
      "closed after N.N s" (or "reset after", "timeout after"), measured
      from the end of TEXT.
"""
import socket
import sys
import time


def open_session(port, timeout):
    sock = socket.create_connection(("127.0.0.1", port), timeout)
    greeting = b""
    deadline = time.monotonic() + timeout
    while not greeting.endswith(b"\r\n"):
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        chunk = sock.recv(4096)
        if not chunk:
            break
        greeting += chunk
    return sock, greeting


def read_to_end(sock, timeout):
    """Everything until the server closes: (bytes, "closed"|"reset"|"timeout")."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return data, "timeout"
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data, "timeout"
        except ConnectionResetError:
            return data, "reset"
        if not chunk:
            return data, "closed"
        data += chunk


def option_timeout(args, default):
    if len(args) >= 2 and args[-2] == "--timeout":
        return float(args[-1]), args[:-2]
    return default, args


def cmd_oneshot(args):
    timeout, args = option_timeout(args, 10.0)
    port, path = int(args[0]), args[1]
    with open(path, "rb") as f:
        blob = f.read()
    sock, greeting = open_session(port, timeout)
    sent = sock.send(blob)
    if sent != len(blob):
        sys.stderr.write("only %d of %d bytes went in one send\n"
                         % (sent, len(blob)))
        return 1
    data, how = read_to_end(sock, timeout)
    sys.stdout.buffer.write(greeting + data)
    sys.stdout.write("%s\n" % how)
    return 0


def cmd_silent(args):
    timeout, args = option_timeout(args, 10.0)
    port = int(args[0])
    text = args[1].encode().decode("unicode_escape").encode("latin-1")
    sock, _ = open_session(port, timeout)
    sock.sendall(text)
    start = time.monotonic()
    data, how = read_to_end(sock, timeout)
    sys.stdout.buffer.write(data)
    sys.stdout.write("%s after %.1f s\n" % (how, time.monotonic() - start))
    return 0


def main():
    commands = {"oneshot": cmd_oneshot, "silent": cmd_silent}
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
