#!/bin/sh
# demo-stop.sh -- stop the demo started by demo.sh (make demo-stop).
top=$(cd "$(dirname "$0")/.." && pwd)
demo=${DEMO_DIR:-$top/build/demo}
pidfile=$demo/qmail-send.pid
if [ ! -f "$pidfile" ]; then
  echo "demo-stop: no demo is running in $demo"
  exit 0
fi
pid=$(cat "$pidfile")
kill -TERM "$pid" 2>/dev/null
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
  sleep 0.1; i=$((i + 1))
done
kill -KILL "$pid" 2>/dev/null
rm -f "$pidfile"
echo "demo-stop: stopped"
