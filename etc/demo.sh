#!/bin/sh
# demo.sh -- run a self-contained mail system in build/demo (make demo).
#
# Creates an instance (a complete queue, control files and an alias
# maildir) in a directory, starts its daemons as the invoking user (or,
# run by root, as nobody: nothing is ever delivered as root), sends a
# welcome message through sendmail and shows it arriving.  Needs no
# installation and no root.  Stop it with `make demo-stop`.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build/bin
demo=${DEMO_DIR:-$top/build/demo}
host=demo.localhost

if [ -f "$demo/qmail-send.pid" ] && kill -0 "$(cat "$demo/qmail-send.pid")" 2>/dev/null; then
  echo "demo: stopping the previous demo"
  sh "$top/etc/demo-stop.sh"
fi
owner=
if [ "$(id -u)" = 0 ]; then
  if ! id nobody > /dev/null 2>&1; then
    echo "demo: run by root, the demo runs as nobody, and there is no user nobody; run it as an ordinary user" >&2
    exit 1
  fi
  owner=nobody:$(id -g nobody)
fi
rm -rf "$demo"
mkdir -p "$demo"
[ -z "$owner" ] || chown "$owner" "$demo"
if [ -n "$owner" ] && command -v su > /dev/null 2>&1 \
    && ! su -s /bin/sh nobody -c "test -x '$bin/qmail-send' && test -w '$demo'" 2> /dev/null; then
  echo "demo: run by root, the demo runs as nobody, who cannot reach $bin/qmail-send or $demo; put the demo where nobody can (DEMO_DIR=/tmp/qmail-demo) or run it as an ordinary user" >&2
  exit 1
fi
QMAILHOME=$demo "$bin/qmail-instcheck" > /dev/null
ln -s "$bin" "$demo/bin"
echo "$host" > "$demo/control/me"
echo "$host" > "$demo/control/locals"

# every local address ends up in one maildir
mkdir -p "$demo/alias/Maildir/cur" "$demo/alias/Maildir/new" "$demo/alias/Maildir/tmp"
echo ./Maildir/ > "$demo/alias/.qmail-default"
[ -z "$owner" ] || chown -R "$owner" "$demo/alias"

(cd "$demo" && QMAILHOME=$demo exec "$bin/qmail-start" ./Maildir/ > "$demo/qmail-send.log" 2>&1) &
echo $! > "$demo/qmail-send.pid"

printf 'From: demo <demo@%s>\nTo: you@%s\nSubject: Welcome\n\nThe mail system is running.  This message went through\nsendmail, qmail-queue, qmail-send, qmail-lspawn and qmail-local.\n' \
  "$host" "$host" | QMAILHOME=$demo "$bin/sendmail" -t

i=0
while [ -z "$(ls "$demo/alias/Maildir/new")" ] && [ $i -lt 100 ]; do
  sleep 0.1; i=$((i + 1))
done
msg=$(ls "$demo/alias/Maildir/new" | head -n 1)
if [ -z "$msg" ]; then
  echo "demo: the welcome message did not arrive; see $demo/qmail-send.log" >&2
  exit 1
fi
echo "demo: delivered to $demo/alias/Maildir/new/$msg:"
echo
sed 's/^/    /' "$demo/alias/Maildir/new/$msg"
cat <<EOT

The demo mail system runs in $demo (qmail-send pid $(cat "$demo/qmail-send.pid")).

Send more mail (any address @$host lands in the same maildir):
    printf 'Subject: hi\\n\\nhello\\n' | QMAILHOME=$demo $bin/sendmail someone@$host
Read it:     ls $demo/alias/Maildir/new
Watch:       tail -f $demo/qmail-send.log
Stop it:     make demo-stop
EOT
