# postfix-lib.sh -- a private Postfix for integration tests (sourced after
# tests/lib.sh), with its own config_directory and queue_directory under
# DIR; root only.
#
#   pf_services
#       The unix-socket services of master.cf that a private instance
#       needs (no inet service, nothing chrooted); a test prints its own
#       inet lines first.
#   pf_start DIR
#       postfix -c DIR/conf start (output in DIR/start.out), then wait up
#       to 10 s for the master's pid in DIR/queue/pid/master.pid: sets
#       pf_pid and returns 0 when the master runs, 1 otherwise.

pf_services() {
  cat <<'PFEOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
PFEOF
}

pf_start() {
  postfix -c "$1/conf" start > "$1/start.out" 2>&1
  pf_i=0
  while [ ! -s "$1/queue/pid/master.pid" ] && [ $pf_i -lt 100 ]; do
    sleep 0.1; pf_i=$((pf_i + 1))
  done
  pf_pid=$(tr -d ' ' < "$1/queue/pid/master.pid" 2>/dev/null)
  [ -n "$pf_pid" ] && kill -0 "$pf_pid" 2>/dev/null
}
