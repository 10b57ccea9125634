# syslog-lib.sh -- a private syslog for tests (sourced after lib.sh).
#
# Programs log through /dev/log, a fixed path, and a test must not use
# (or create) the machine's own.  So a test runs them in a private mount
# namespace whose /dev is a directory of the test's, holding the device
# nodes a program needs (bound from the real /dev) and a socket "log"
# served by a small collector that appends every record it receives, one
# per line, to a file.
#
#   sl_ok                       true when a private namespace can be made
#                               (root, or unprivileged user namespaces)
#   sl_start DIR                start the collector: socket DIR/dev/log,
#                               records appended to DIR/syslog; stopped
#                               at exit (T_PIDS); its PID in SL_PID
#   sl_run DIR CMD [ARG...]     run CMD with DIR/dev as /dev (as an
#                               ordinary user: in a user namespace, with
#                               the same uid and gid)
#   sl_wait DIR PATTERN [SECS]  wait for a record matching PATTERN

sl_unshare() {
  if [ "$(id -u)" = 0 ]; then SL_MAP= unshare -m --propagation private "$@"
  else SL_MAP="$(id -u):$(id -g)" unshare -r -m --propagation private "$@"
  fi
}

sl_ok() {
  command -v unshare > /dev/null 2>&1 && command -v python3 > /dev/null 2>&1 \
    && sl_unshare true 2> /dev/null
}

sl_start() {
  mkdir -p "$1/dev" || return 1
  rm -f "$1/dev/log" "$1/syslog.ready"
  : > "$1/syslog"
  timeout 600 python3 -c '
import os, socket, sys
path, out, ready = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
open(ready, "w").close()
with open(out, "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
' "$1/dev/log" "$1/syslog" "$1/syslog.ready" &
  SL_PID=$!
  T_PIDS="$T_PIDS $SL_PID"
  sl_i=0
  while [ ! -e "$1/syslog.ready" ] && [ $sl_i -lt 100 ]; do
    sleep 0.1; sl_i=$((sl_i + 1))
  done
  [ -S "$1/dev/log" ] && chmod 644 "$1/syslog"
}

sl_run() {
  sl_d=$1; shift
  for sl_n in null zero full random urandom tty; do
    [ -e "$sl_d/dev/$sl_n" ] || : > "$sl_d/dev/$sl_n"
  done
  [ -L "$sl_d/dev/fd" ] || ln -s /proc/self/fd "$sl_d/dev/fd"
  [ -L "$sl_d/dev/stdin" ] || ln -s /proc/self/fd/0 "$sl_d/dev/stdin"
  [ -L "$sl_d/dev/stdout" ] || ln -s /proc/self/fd/1 "$sl_d/dev/stdout"
  [ -L "$sl_d/dev/stderr" ] || ln -s /proc/self/fd/2 "$sl_d/dev/stderr"
  sl_unshare sh -c '
d=$1; shift
for n in null zero full random urandom tty; do
  mount --bind "/dev/$n" "$d/dev/$n" 2> /dev/null || exit 111
done
# --rbind: the device nodes bound above come along (a plain bind
# would show the empty files under them, which only root can write)
mount --rbind "$d/dev" /dev || exit 111
# an ordinary user was root only to mount: back to its own ids, in a
# user namespace nested in that one, for the command
[ -z "$SL_MAP" ] && exec "$@"
exec unshare -U --map-user="${SL_MAP%:*}" --map-group="${SL_MAP#*:}" "$@"' \
    sl "$sl_d" "$@"
}

sl_wait() {
  t_wait_grep "$1/syslog" "$2" "${3:-10}"
}
