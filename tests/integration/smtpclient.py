"""smtpclient.py -- Python's smtplib as a client of qmail-smtpd, for
smtpd-clients.sh.

  smtpclient.py PORT [options]

Connects to 127.0.0.1:PORT and reports what the server answered, one
observation a line, for the shell to check:

  ehlo CODE FEATURE...        the EHLO reply (extension names, lower case)
  starttls CODE               the reply to STARTTLS (with --tls)
  tls VERSION CIPHER          the negotiated protocol and suite
  ehlo-tls CODE FEATURE...    EHLO again, inside TLS
  auth-offered MECH...        what the AUTH line names
  norelay CODE                RCPT for --norelay before any AUTH (then RSET)
  auth CODE                   the final reply to AUTH (with --auth)
  mail CODE / rcpt ADDR CODE / data CODE TEXT
  quit CODE

Options:
  --tls CAFILE     STARTTLS, verifying the server against CAFILE for the
                   name mail.test
  --auth MECH USER PASS
                   AUTH PLAIN or LOGIN; --no-initial sends no initial
                   response (the server asks with 334)
  --norelay ADDR   try ADDR as a recipient before authenticating
  --to ADDR        a recipient (repeatable; none: no transaction)
  --mark TEXT      the Subject and a body line of the message

Every network operation has a time limit of 30 seconds.
"""
import base64
import smtplib
import ssl
import sys


def features(s):
    return " ".join(sorted(s.esmtp_features))


def main(argv):
    port = int(argv[1])
    cafile = None
    auth = None
    initial = True
    norelay = None
    rcpts = []
    mark = "no mark"
    i = 2
    while i < len(argv):
        a = argv[i]
        if a == "--tls":
            cafile = argv[i + 1]
            i += 2
        elif a == "--auth":
            auth = argv[i + 1:i + 4]
            i += 4
        elif a == "--no-initial":
            initial = False
            i += 1
        elif a == "--norelay":
            norelay = argv[i + 1]
            i += 2
        elif a == "--to":
            rcpts.append(argv[i + 1])
            i += 2
        elif a == "--mark":
            mark = argv[i + 1]
            i += 2
        else:
            print("usage: unknown option " + a, file=sys.stderr)
            return 2

    s = smtplib.SMTP(timeout=30)
    s.connect("127.0.0.1", port)
    code, _ = s.ehlo("client.example")
    print("ehlo", code, features(s))
    if cafile:
        ctx = ssl.create_default_context(cafile=cafile)
        # the certificate names mail.test: verify against that name
        s._host = "mail.test"
        code, _ = s.starttls(context=ctx)
        print("starttls", code)
        name, version, _ = s.sock.cipher()
        print("tls", version, name)
        code, _ = s.ehlo("client.example")
        print("ehlo-tls", code, features(s))
    if s.has_extn("auth"):
        print("auth-offered", s.esmtp_features["auth"].strip())
    if norelay:
        s.mail("a@b.example")
        code, _ = s.rcpt(norelay)
        print("norelay", code)
        s.rset()
    if auth:
        mech, s.user, s.password = auth
        obj = s.auth_plain if mech.upper() == "PLAIN" else s.auth_login
        if s.has_extn("auth"):
            try:
                code, _ = s.auth(mech, obj, initial_response_ok=initial)
            except smtplib.SMTPAuthenticationError as e:
                code = e.smtp_code
        else:
            # not offered: smtplib would not even try, so ask anyway
            resp = base64.b64encode(obj().encode("utf-8")).decode("ascii")
            code, _ = s.docmd("AUTH", mech + " " + resp)
        print("auth", code)
    if rcpts:
        code, _ = s.mail("a@b.example")
        print("mail", code)
        ok = 0
        for r in rcpts:
            code, _ = s.rcpt(r)
            print("rcpt", r, code)
            ok += code == 250
        if ok:
            msg = ("From: a@b.example\r\nTo: " + ", ".join(rcpts)
                   + "\r\nSubject: " + mark + "\r\n\r\nbody " + mark
                   + "\r\n.a line that starts with a dot\r\n")
            code, text = s.data(msg)
            print("data", code, text.decode("ascii", "replace"))
        else:
            s.rset()
    code, _ = s.docmd("QUIT")
    print("quit", code)
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
