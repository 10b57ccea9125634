#!/bin/sh
# serialmail-netns.sh -- the link to the smarthost goes down and comes
# back: two network namespaces made by the test (the gateway and the
# ISP, joined by a veth pair), smtp-sink in the ISP's.  With the link
# down the flush sends nothing and keeps the whole spool, however old;
# with the link up again the next flush empties it.  Root only.
. "$TOP/tests/lib.sh"

if [ "$(id -u)" != 0 ]; then
  t_skip "link down and up in network namespaces" "needs root (ip netns)"
  t_done; exit
fi
if ! command -v ip > /dev/null 2>&1 || [ ! -x /usr/sbin/smtp-sink ]; then
  t_skip "link down and up in network namespaces" "needs ip (iproute2) and smtp-sink (postfix)"
  t_done; exit
fi
GW=smgw$$
ISP=smisp$$
VG=smg$$
VI=smi$$
netns_cleanup() {
  [ -n "${SINKPID:-}" ] && kill -TERM "$SINKPID" 2>/dev/null
  ip netns del "$GW" 2>/dev/null
  ip netns del "$ISP" 2>/dev/null
}
# run the cleanup before lib.sh's own exit work
eval "set -- $(trap | sed -n "s/^trap -- \\(.*\\) EXIT\$/\\1/p")"
t_trap=${1:-}
trap "netns_cleanup; $t_trap" EXIT
if ! ip netns add "$GW" 2> "$T_ROOT/netns.err" || ! ip netns add "$ISP" 2>> "$T_ROOT/netns.err" \
   || ! ip link add "$VG" type veth peer name "$VI" 2>> "$T_ROOT/netns.err"; then
  t_skip "link down and up in network namespaces" "cannot make namespaces or a veth pair: $(head -n 1 "$T_ROOT/netns.err")"
  t_done; exit
fi
ip link set "$VG" netns "$GW"
ip link set "$VI" netns "$ISP"
ip -n "$GW" addr add 10.231.77.1/30 dev "$VG"
ip -n "$ISP" addr add 10.231.77.2/30 dev "$VI"
for ns in "$GW" "$ISP"; do ip -n "$ns" link set lo up; done
ip -n "$GW" link set "$VG" up
ip -n "$ISP" link set "$VI" up

D=$(t_tmpdir)
I=$D/gw
t_instance "$I" gw.test
SPOOL=$I/alias/spool
t_maildir "$SPOOL"
for n in 1 2 3; do
  printf 'Return-Path: <alice@gw.test>\nDelivered-To: alias-outgoing-u%s@far.example\nSubject: link %s\n\nwaiting for the link\n' $n $n \
    > "$SPOOL/new/$n.link.gw"
done
t_give "$I"
OWNER=$(t_owner "$I")
mkdir -p "$D/sink"
chmod 777 "$D/sink"
( cd "$D" && exec ip netns exec "$ISP" /usr/sbin/smtp-sink -u nobody -d "$D/sink/%M." 10.231.77.2:25 10 ) \
  > "$D/sink.log" 2>&1 &
SINKPID=$!
T_PIDS="$T_PIDS $SINKPID"
i=0
while ! ip netns exec "$ISP" ss -ltn 2>/dev/null | grep -q '10\.231\.77\.2:25 ' && [ $i -lt 100 ]; do
  sleep 0.1; i=$((i + 1))
done

# flush: maildirsmtp in the gateway's namespace, as the spool's owner
flush() {
  ip netns exec "$GW" setpriv --reuid="${OWNER%%:*}" --regid="${OWNER#*:}" --clear-groups \
    env QMAILHOME="$I" "$QBIN/maildirsmtp" -C 5 "$SPOOL" alias-outgoing- 10.231.77.2 gw.test \
    > "$D/flush.out" 2> "$D/flush.log"
  rc=$?
  log=$(cat "$D/flush.log")
}
spooled() { ls "$SPOOL/new" "$SPOOL/cur" | grep -vc '^$\|:$'; }

ip -n "$GW" link set "$VG" down
touch -d "@$(( $(date +%s) - 30 * 86400 ))" "$SPOOL/new/1.link.gw"
start=$(date +%s)
flush
t_match "link down: exit 111, the smarthost is unreachable, nothing sent" "$rc $log" \
  '^111 maildirsmtp: fatal: .*: flush: unable to connect to 10\.231\.77\.2 \[10\.231\.77\.2\] port 25: (Network (is )?unreachable|timed out|No route to host|Host is unreachable); nothing sent, the spool is kept \(#4\.4\.1\)$'
t_check "all three messages are kept, the old one too" "$(spooled)" 3
t_check "smtp-sink got nothing" "$(ls "$D/sink" | wc -l | tr -d ' ')" 0
t_ok "and the flush gave up within the connect limit" test $(( $(date +%s) - start )) -le 10

ip -n "$GW" link set "$VG" up
i=0
while ! ip -n "$GW" route get 10.231.77.2 > /dev/null 2>&1 && [ $i -lt 20 ]; do
  sleep 0.2; i=$((i + 1))
done
flush
t_check "link up: the next flush delivers everything, exit 0" "$rc $(spooled)" "0 0"
t_match "its line: three delivered" "$log" 'flush: 3 delivered, 0 deferred, 0 bounced, 0 left unsent, 0 unusable; no TLS$'
t_check "smtp-sink got each once" "$(grep -h '^X-Rcpt-Args' "$D"/sink/* | sort | uniq -c | awk '{print $1}' | tr -d '\n')" 111
t_check "for the right recipients" "$(grep -h '^X-Rcpt-Args' "$D"/sink/* | sort | tr '\n' ' ')" \
  "X-Rcpt-Args: <u1@far.example> X-Rcpt-Args: <u2@far.example> X-Rcpt-Args: <u3@far.example> "

t_done
