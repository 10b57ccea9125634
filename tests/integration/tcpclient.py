"""tcpclient.py -- the TCP clients of tcpserver.sh and tcprules.sh.

Every network operation has a time limit, and everything stays on the
loopback addresses the caller names.

  connect HOST PORT [--src ADDR] [--send TEXT] [--timeout S]
      Connect (from source address ADDR when given), send TEXT, read
      until the server closes, and write what came to standard output.
      Prints "# client port N" on standard error.  Exit 0 when the
      server closed the connection, 2 when the connection was refused or
      reset, 3 on a timeout.
  many HOST PORT N [--timeout S]
      N clients at once, each reading until the server closes; prints
      "served K" (K clients that got a reply and a clean close) and
      "refused R" (connections refused or reset).
  flood HOST PORT N
      Open N connections at once without waiting for replies, then drop
      them all (half with a reset, half with a normal close).
  sweep HOST PORT SRC...
      One client from each source address in turn; prints "== SRC" and
      then what that client got, or "(refused)" / "(timeout)".
  inetd HOST -- COMMAND...
      Be inetd: listen on HOST, connect to it, and run COMMAND with the
      accepted connection on descriptors 0 and 1 (stderr is passed
      through).  Prints "server port N" and "client port N", then what
      COMMAND wrote to the connection.
"""
import socket
import struct
import subprocess
import sys
import threading
import time


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def read_all(sock, deadline):
    data = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        sock.settimeout(left)
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def connect(host, port, src=None, timeout=10.0):
    sock = socket.socket(family(host), socket.SOCK_STREAM)
    if src:
        sock.bind((src, 0))
    sock.settimeout(timeout)
    sock.connect((host, port))
    return sock


def cmd_connect(args):
    host, port = args[0], int(args[1])
    src, send, timeout = None, None, 10.0
    rest = args[2:]
    while rest:
        if rest[0] == "--src":
            src = rest[1]
        elif rest[0] == "--send":
            send = rest[1]
        elif rest[0] == "--timeout":
            timeout = float(rest[1])
        rest = rest[2:]
    deadline = time.monotonic() + timeout
    try:
        sock = connect(host, port, src, timeout)
        sys.stderr.write("# client port %d\n" % sock.getsockname()[1])
        if send is not None:
            sock.sendall(send.encode())
        data = read_all(sock, deadline)
    except socket.timeout:
        return 3
    except (ConnectionRefusedError, ConnectionResetError):
        return 2
    sys.stdout.buffer.write(data)
    sock.close()
    return 0


def cmd_many(args):
    host, port, count = args[0], int(args[1]), int(args[2])
    timeout = float(args[4]) if len(args) > 4 and args[3] == "--timeout" else 30.0
    results = []
    lock = threading.Lock()
    start = threading.Event()

    def one():
        start.wait()
        deadline = time.monotonic() + timeout
        try:
            sock = connect(host, port, None, timeout)
            data = read_all(sock, deadline)
            sock.close()
            outcome = "served" if data else "empty"
        except (ConnectionRefusedError, ConnectionResetError):
            outcome = "refused"
        except socket.timeout:
            outcome = "timeout"
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for t in threads:
        t.start()
    start.set()
    for t in threads:
        t.join(timeout + 5)
    for outcome in ("served", "refused", "timeout", "empty"):
        print("%s %d" % (outcome, results.count(outcome)))
    return 0


def cmd_flood(args):
    host, port, count = args[0], int(args[1]), int(args[2])
    socks = []
    for _ in range(count):
        sock = socket.socket(family(host), socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex((host, port))
        socks.append(sock)
    time.sleep(0.5)
    for i, sock in enumerate(socks):
        if i % 2:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
        sock.close()
    print("opened %d" % count)
    return 0


def cmd_sweep(args):
    host, port = args[0], int(args[1])
    for src in args[2:]:
        print("== %s" % src)
        sys.stdout.flush()
        try:
            sock = connect(host, port, src)
            data = read_all(sock, time.monotonic() + 10)
            sock.close()
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        except (ConnectionRefusedError, ConnectionResetError):
            print("(refused)")
        except socket.timeout:
            print("(timeout)")
    return 0


def cmd_inetd(args):
    host = args[0]
    command = args[2:]
    listener = socket.socket(family(host), socket.SOCK_STREAM)
    listener.bind((host, 0))
    listener.listen(1)
    listener.settimeout(10)
    client = connect(host, listener.getsockname()[1])
    conn, _ = listener.accept()
    print("server port %d" % listener.getsockname()[1])
    print("client port %d" % client.getsockname()[1])
    sys.stdout.flush()
    proc = subprocess.Popen(command, stdin=conn, stdout=conn)
    conn.close()
    data = read_all(client, time.monotonic() + 10)
    proc.wait(10)
    sys.stdout.buffer.write(data)
    return proc.returncode


def main():
    commands = {"connect": cmd_connect, "many": cmd_many,
                "flood": cmd_flood, "sweep": cmd_sweep, "inetd": cmd_inetd}
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
