#!/bin/sh
# The queue and configuration tools: qmail-qread, qmail-qstat,
# qmail-qmsg and qmail-showctl.  Messages are queued with the real
# qmail-queue; preprocessed states are written by hand exactly as
# src/queue/README.md describes (info/, local/, remote/, bounce/), then
# the tools' output is compared byte for byte.  At the end qmail-qmsg
# deletes and bounces messages under a running qmail-send.
. "$TOP/tests/lib.sh"

W=$(t_tmpdir)
I=$W/inst
t_instance "$I" test.example
Q=$I/queue
split=$(sed -n 's/^#define CONF_QUEUE_SPLIT //p' "$TOP/build/include/qconf.h")
spawn=$(sed -n 's/^#define CONF_SPAWN_LIMIT //p' "$TOP/build/include/qconf.h")

qread() { QMAILHOME=$I "$QBIN/qmail-qread" "$@"; }
qstat() { QMAILHOME=$I "$QBIN/qmail-qstat" "$@"; }
qmsg() { QMAILHOME=$I "$QBIN/qmail-qmsg" "$@"; }
showctl() { QMAILHOME=$I "$QBIN/qmail-showctl" "$@"; }

# Queue a message with qmail-queue and print its id (its mess/ inode).
# queue_msg HOME SENDER RCPT...
queue_msg() {
  qm_home=$1
  find "$qm_home/queue/mess" -type f | sort > "$W/mess.before"
  printf 'Subject: test\n\nbody of a queued message\n' | t_queue "$@" || return 1
  find "$qm_home/queue/mess" -type f | sort > "$W/mess.after"
  basename "$(comm -13 "$W/mess.before" "$W/mess.after")"
}

# Records for info/local/remote files: records T a@b D c@d ... -> "Ta@b\0Dc@d\0"
records() {
  while [ $# -ge 2 ]; do printf '%s%s\0' "$1" "$2"; shift 2; done
}

# Do what qmail-send's preprocessing does, by hand:
# preprocess HOME ID BIRTH SENDER LOCAL-RECORDS REMOTE-RECORDS
# (records as files; an empty name means no such file).
preprocess() {
  pp_n=$(($2 % split))
  printf 'F%s\0' "$4" > "$1/queue/info/$pp_n/$2"
  touch -d "@$3" "$1/queue/info/$pp_n/$2"
  [ -z "$5" ] || cp "$5" "$1/queue/local/$pp_n/$2"
  [ -z "$6" ] || cp "$6" "$1/queue/remote/$pp_n/$2"
  rm -f "$1/queue/todo/$pp_n/$2" "$1/queue/intd/$pp_n/$2"
  # qmail-send would have made them as the instance's owner
  t_give "$1" "$1/queue/info/$pp_n/$2" "$1/queue/local/$pp_n/$2" "$1/queue/remote/$pp_n/$2" 2> /dev/null
}

size_of() { stat -c %s "$Q/mess/$(($1 % split))/$1"; }
hex() { od -An -tx1 "$1" | tr -d ' \n'; }
tab=$(printf '\t')

# 1. an empty queue
t_check "qread: empty queue lists nothing" "$(qread 2>&1)" ""
t_check "qstat: empty queue" "$(qstat 2>&1)" "messages in queue: 0
messages in queue but not yet preprocessed: 0"
t_check "qmsg -s: empty queue" "$(qmsg -s 2>&1)" "messages in queue: 0
messages in queue but not yet preprocessed: 0
messages preprocessed: 0
local recipients: 0 pending, 0 done
remote recipients: 0 pending, 0 done
bounces waiting to be sent: 0 (0 recipients)"

# 2. three messages: m1 preprocessed (local and remote), m2 not yet
# preprocessed (a bounce, null sender), m3 preprocessed (remote only)
m1=$(queue_msg "$I" joe@test.example a@test.example z@test.example bob@remote.example)
m2=$(queue_msg "$I" '' back@remote.example)
m3=$(queue_msg "$I" mary@test.example r1@remote.example r2@remote.example)
t_ok "three messages queued with qmail-queue" test -n "$m1" -a -n "$m2" -a -n "$m3"
records T a@test.example D z@test.example > "$W/m1.local"
records T bob@remote.example > "$W/m1.remote"
records T r1@remote.example T r2@remote.example > "$W/m3.remote"
preprocess "$I" "$m1" 1700000000 joe@test.example "$W/m1.local" "$W/m1.remote"
preprocess "$I" "$m3" 1700000100 mary@test.example "" "$W/m3.remote"
touch -d @1700000200 "$Q/todo/$((m2 % split))/$m2"

block1="Tue, 14 Nov 2023 22:13:20 +0000 #$m1 $(size_of "$m1") <joe@test.example>"
local1="  local${tab}a@test.example
  done  local${tab}z@test.example"
remote1="  remote${tab}bob@remote.example"
block2="Tue, 14 Nov 2023 22:16:40 +0000 #$m2 $(size_of "$m2") <> (not yet preprocessed)
  todo${tab}back@remote.example"
block3="Tue, 14 Nov 2023 22:15:00 +0000 #$m3 $(size_of "$m3") <mary@test.example>"
remote3="  remote${tab}r1@remote.example
  remote${tab}r2@remote.example"
# the tools list in order of message id
expect_all= expect_local= expect_remote=
for id in $(printf '%s\n' "$m1" "$m2" "$m3" | sort -n); do
  case $id in
    "$m1") expect_all="$expect_all$block1
$local1
$remote1
"
      expect_local="$expect_local$block1
$local1
"
      expect_remote="$expect_remote$block1
$remote1
" ;;
    "$m2") expect_all="$expect_all$block2
" ;;
    "$m3") expect_all="$expect_all$block3
$remote3
"
      expect_remote="$expect_remote$block3
$remote3
" ;;
  esac
done

# (command substitution drops the final newline, as it does for the output)
expect_all=$(printf '%s' "$expect_all")
expect_local=$(printf '%s' "$expect_local")
expect_remote=$(printf '%s' "$expect_remote")
out=$(qread 2>&1)
t_check "qread exits 0" "$?" 0
t_check "qread lists every message with date, id, size, sender, recipients" "$out" "$expect_all"
t_check "qmsg -l lists like qread" "$(qmsg -l 2>&1)" "$expect_all"
t_check "qmsg -L lists local recipients only" "$(qmsg -L 2>&1)" "$expect_local"
t_check "qmsg -R lists remote recipients only" "$(qmsg -R 2>&1)" "$expect_remote"
t_check "qstat counts messages and todo" "$(qstat 2>&1)" "messages in queue: 3
messages in queue but not yet preprocessed: 1"
t_check "qmsg -s counts states and recipients" "$(qmsg -s 2>&1)" "messages in queue: 3
messages in queue but not yet preprocessed: 1
messages preprocessed: 2
local recipients: 1 pending, 1 done
remote recipients: 3 pending, 0 done
bounces waiting to be sent: 0 (0 recipients)"

{ printf '%s\n%s\n%s\n\n' "$block1" "$local1" "$remote1"; cat "$Q/mess/$((m1 % split))/$m1"; } > "$W/v1.want"
qmsg -v "$m1" > "$W/v1.got" 2>&1
t_check "qmsg -v exits 0" "$?" 0
t_ok "qmsg -v shows the envelope, a blank line, the message" cmp "$W/v1.want" "$W/v1.got"
{ printf '%s\n\n' "$block2"; cat "$Q/mess/$((m2 % split))/$m2"; } > "$W/v2.want"
qmsg -v"$m2" > "$W/v2.got" 2>&1
t_ok "qmsg -vID shows a message not yet preprocessed" cmp "$W/v2.want" "$W/v2.got"

missing=4000000007
t_ok "id $missing is not in the queue" test -z "$(find "$Q" -name "$missing")"
out=$(qmsg -v "$missing" 2>&1)
t_check "qmsg -v of a missing message exits 100" "$?" 100
t_match "qmsg -v says there is no such message" "$out" "no message $missing in the queue"

# Control characters in an address cannot break the one-line records.
# (qmail-queue refuses them now; a queue written by another program may
# hold them, so the envelope records are written by hand.)
m5=$(queue_msg "$I" sender@test.example x@test.example)
records T "$(printf 'x\ty')@test.example" > "$W/m5.local"
preprocess "$I" "$m5" 1700000300 "$(printf 'evil\nsender')" "$W/m5.local" ""
t_check "control characters in addresses are shown as ?" "$(qread | grep -A1 "#$m5 ")" \
  "Tue, 14 Nov 2023 22:18:20 +0000 #$m5 $(size_of "$m5") <evil?sender>
  local${tab}x?y@test.example"

# 3. a message not yet preprocessed cannot be deleted
cp "$Q/todo/$((m2 % split))/$m2" "$W/m2.todo"
out=$(qmsg -d "$m2" 2>&1)
t_check "qmsg -d of a todo message exits 111" "$?" 111
t_match "it says: not yet preprocessed, try again" "$out" "message $m2 is not yet preprocessed: try again in a moment"
t_ok "the todo envelope is untouched" cmp "$W/m2.todo" "$Q/todo/$((m2 % split))/$m2"
t_fail "no bounce file was made for it" test -e "$Q/bounce/$m2"
out=$(qmsg -b "$m2" 2>&1)
t_check "qmsg -b of a todo message exits 111" "$?" 111

# 4. -d with qmail-send listening: D flags in place, "R<ID>\n" in the trigger
count_files() { find "$Q" -type f | wc -l; }
files_before=$(count_files)
timeout 5 cat "$Q/lock/trigger" > "$W/trigger.got" &
reader=$!
# open the fifo for writing first: that waits (bounded) until the reader is there
out=$(timeout 5 sh -c 'exec 4> "$1"; shift; exec "$@"' sh "$Q/lock/trigger" \
  env QMAILHOME="$I" "$QBIN/qmail-qmsg" -d "$m3" 2>&1)
t_check "qmsg -d exits 0" "$?" 0
wait "$reader"
t_check "qmsg -d reports what it did" "$out" "message $m3: 2 recipients removed; qmail-send was told to finish the message now"
printf 'R%s\n' "$m3" > "$W/trigger.want"
t_check "the trigger received exactly R<ID> newline" "$(hex "$W/trigger.got")" "$(hex "$W/trigger.want")"
records D r1@remote.example D r2@remote.example > "$W/m3.remote.done"
t_ok "every T record became D in remote/" cmp "$W/m3.remote.done" "$Q/remote/$((m3 % split))/$m3"
t_check "no file was created or removed" "$(count_files)" "$files_before"
t_fail "-d makes no bounce" test -e "$Q/bounce/$m3"
t_check "qread shows the recipients done" "$(qread | grep -A2 "#$m3 ")" "$block3
  done  remote${tab}r1@remote.example
  done  remote${tab}r2@remote.example"
out=$(qmsg -d "$m3" 2>&1)
t_check "deleting again exits 0" "$?" 0
t_check "deleting again changes nothing" "$out" "message $m3: no recipients left to deliver; nothing changed"

# 5. -b without qmail-send: QSBMF paragraphs appended to bounce/ID
printf '<z@test.example>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n' > "$Q/bounce/$m1"
t_give "$I" "$Q/bounce/$m1"      # as qmail-send would have written it
cp "$Q/bounce/$m1" "$W/m1.bounce"
t_check "qread marks a message with a bounce pending" "$(qread | grep -F "#$m1 ")" "$block1 bouncing"
out=$(qmsg -b "$m1" 2>&1)
t_check "qmsg -b exits 0" "$?" 0
t_check "qmsg -b says qmail-send is not running" "$out" \
  "message $m1: 2 recipients set to bounce; qmail-send is not running: it finishes the message when it next runs"
reason='This message was removed from the queue by the postmaster. (#5.7.1)'
printf '<a@test.example>:\n%s\n\n<bob@remote.example>:\n%s\n\n' "$reason" "$reason" >> "$W/m1.bounce"
t_ok "one paragraph per pending recipient appended to bounce/ID" cmp "$W/m1.bounce" "$Q/bounce/$m1"
records D a@test.example D z@test.example > "$W/m1.local.done"
records D bob@remote.example > "$W/m1.remote.done"
t_ok "local records all D" cmp "$W/m1.local.done" "$Q/local/$((m1 % split))/$m1"
t_ok "remote records all D" cmp "$W/m1.remote.done" "$Q/remote/$((m1 % split))/$m1"
t_check "qmsg -s counts the bounce paragraphs" "$(qmsg -s | tail -n 3)" "local recipients: 1 pending, 2 done
remote recipients: 0 pending, 3 done
bounces waiting to be sent: 1 (3 recipients)"
qmsg -b "$m1" > /dev/null 2>&1
t_ok "bouncing again appends nothing" cmp "$W/m1.bounce" "$Q/bounce/$m1"

# a new bounce file is created with mode 0600
m4=$(queue_msg "$I" ann@test.example c@remote.example)
records T c@remote.example > "$W/m4.remote"
preprocess "$I" "$m4" 1700000400 ann@test.example "" "$W/m4.remote"
out=$(qmsg -b"$m4" 2>&1)
t_check "qmsg -bID exits 0" "$?" 0
t_check "new bounce file holds the paragraph" "$(cat "$Q/bounce/$m4")" "<c@remote.example>:
$reason"
t_check "new bounce file has mode 600" "$(stat -c %a "$Q/bounce/$m4")" 600

# several ids: every one is tried, the worst exit code wins
out=$(qmsg -d "$missing" "$m4" 2>&1)
t_check "a missing id among several: exit 100" "$?" 100
t_match "the other id was still handled" "$out" "message $m4: no recipients left"
out=$(qmsg -d "$missing" "$m2" 2>&1)
t_check "a todo id and a missing id: exit 111" "$?" 111

# 6. usage errors
t_check "qmsg without arguments: 100" "$(qmsg > /dev/null 2>&1; echo $?)" 100
t_match "qmsg says how to use it" "$(qmsg 2>&1)" '^qmail-qmsg: fatal: usage: qmail-qmsg -l'
t_check "qmsg -x: 100" "$(qmsg -x > /dev/null 2>&1; echo $?)" 100
t_check "qmsg -d without id: 100" "$(qmsg -d > /dev/null 2>&1; echo $?)" 100
t_check "qmsg -d abc: 100" "$(qmsg -d abc > /dev/null 2>&1; echo $?)" 100
t_match "qmsg names the bad id" "$(qmsg -d abc 2>&1)" 'not a message number: abc'
t_check "qmsg -d 0: 100" "$(qmsg -d 0 > /dev/null 2>&1; echo $?)" 100
t_check "a bad id among good ones changes nothing: 100" "$(qmsg -d "$m4" 12x > /dev/null 2>&1; echo $?)" 100
t_check "qmsg -l with an argument: 100" "$(qmsg -l "$m1" > /dev/null 2>&1; echo $?)" 100
t_check "qmsg -lL: 100" "$(qmsg -lL > /dev/null 2>&1; echo $?)" 100
t_check "qmsg -d of a missing message: 100" "$(qmsg -d "$missing" > /dev/null 2>&1; echo $?)" 100
t_check "qread with an argument: 100" "$(qread x > /dev/null 2>&1; echo $?)" 100
t_check "qstat with an argument: 100" "$(qstat x > /dev/null 2>&1; echo $?)" 100
t_check "showctl with an argument: 100" "$(showctl x > /dev/null 2>&1; echo $?)" 100

# 7. privileges
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null 2>&1 && id nobody > /dev/null 2>&1; then
  as_nobody() { setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups "$@"; }
  # a user who neither is root nor owns the instance (which, run by
  # root, belongs to an unprivileged user: see tests/lib.sh)
  other=4242
  [ "$(stat -c %u "$I")" = $other ] && other=4243
  as_other() { setpriv --reuid=$other --regid=$other --clear-groups "$@"; }
  chmod 755 "$T_ROOT" "$W"
  out=$(QMAILHOME=$I as_other "$QBIN/qmail-qread" 2>&1)
  t_check "qread as another user: exit 111" "$?" 111
  t_match "qread says who may run it" "$out" "qmail-qread: fatal: permission denied reading $Q: run qmail-qread as root or as the owner of $I"
  chmod 755 "$Q"
  out=$(QMAILHOME=$I as_other "$QBIN/qmail-qmsg" -d "$m1" 2>&1)
  t_check "qmsg -d as another user: exit 111" "$?" 111
  t_match "qmsg names info/ it cannot read" "$out" "permission denied reading $Q/info: run qmail-qmsg as root or as the owner of $I"
  out=$(QMAILHOME=$I as_other "$QBIN/qmail-qstat" 2>&1)
  t_check "qstat as another user: exit 111" "$?" 111
  chmod 750 "$Q"

  # root works on an instance as the instance's owner: files it creates
  # belong to that owner, as qmail-send's own files would
  U=$(t_tmpdir)/user-inst
  chmod 755 "$(dirname "$U")"
  mkdir "$U" && chown nobody "$U"
  QMAILHOME=$U as_nobody "$QBIN/qmail-instcheck" > /dev/null 2>&1
  u1=$(queue_msg "$U" joe@test.example far@remote.example)
  records T far@remote.example > "$W/u1.remote"
  preprocess "$U" "$u1" 1700000000 joe@test.example "" "$W/u1.remote"
  chown nobody "$U/queue/info/$((u1 % split))/$u1" "$U/queue/remote/$((u1 % split))/$u1"
  out=$(QMAILHOME=$U "$QBIN/qmail-qmsg" -b "$u1" 2>&1)
  t_check "root bounces a message of a user's instance" "$?" 0
  t_check "the bounce file belongs to the instance owner" "$(stat -c %U "$U/queue/bounce/$u1" 2>&1)" nobody
else
  t_skip "privilege checks" "need root, setpriv and the user nobody"
fi

# 8. qmail-showctl
out=$(showctl 2>&1)
t_check "showctl exits 0" "$?" 0
t_check "showctl shows the home of the instance" "$(printf '%s\n' "$out" | sed -n 1p)" \
  "qmail home directory: $I (an instance, from \$QMAILHOME; compiled in: $(sed -n 's/^#define CONF_HOME "\(.*\)"$/\1/p' "$TOP/build/include/qconf.h"))"
t_match "showctl shows the split" "$out" "^subdirectory split: $split\$"
t_match "showctl shows the spawn limit" "$out" "^silent concurrency limit: $spawn\$"
t_match "showctl shows the user-ext delimiter" "$out" '^user-ext delimiter: .$'
t_match "showctl shows paternalism" "$out" '^paternalism \(octal\): [0-7]{3}$'
t_match "showctl shows the user ids" "$out" '^user ids:( [a-z0-9_-]+=[0-9]+){8}$'
t_match "showctl shows the group ids" "$out" '^group ids:( [a-z0-9_-]+=[0-9]+){3}$'
t_match "me is shown" "$out" '^me: test.example$'
t_match "me is explained" "$out" '^  The name of this host\.'
t_match "missing bouncefrom: its default" "$out" '^bouncefrom: \(default: MAILER-DAEMON\)$'
t_match "missing helohost: the name in me" "$out" '^helohost: \(default: me, test.example\)$'
t_match "missing concurrencylocal: 10" "$out" '^concurrencylocal: \(default: 10\)$'
t_match "missing queuelifetime: one week" "$out" '^queuelifetime: \(default: 604800\)$'
t_match "missing locals: me" "$out" '^locals: \(default: me, test.example\)$'
t_match "missing rcpthosts: none" "$out" '^rcpthosts: \(default: none\)$'
t_match "missing rcpthosts explained: open relay" "$out" 'open relay'
t_check "every known file is shown once" \
  "$(printf '%s\n' "$out" | grep -cE '^(me|badmailfrom|bouncefrom|bouncehost|concurrencylocal|concurrencyremote|databytes|defaultdomain|defaulthost|doublebouncehost|doublebounceto|envnoathost|helohost|idhost|localiphost|locals|morercpthosts|morercpthosts\.cdb|percenthack|plusdomain|qmqpservers|queuelifetime|rcpthosts|smtpgreeting|smtproutes|timeoutconnect|timeoutremote|timeoutsmtpd|virtualdomains): ')" 29
t_check "no unrecognized file in a fresh instance" "$(printf '%s\n' "$out" | grep -c 'unrecognized')" 0

C=$I/control
printf 'a.example\n# a comment\n\nb.example\n' > "$C/locals"
echo $((spawn + 80)) > "$C/concurrencyremote"
echo 0 > "$C/databytes"
echo 5 > "$C/concurrencylocal"
: > "$C/bouncehost"
echo soon > "$C/timeoutsmtpd"
echo mx.example > "$C/helohost"
echo '# nothing' > "$C/badmailfrom"
echo x > "$C/rcpthost"
echo x > "$C/Me"
out=$(showctl 2>&1)
t_check "showctl with files exits 0" "$?" 0
t_check "a list file: its entries, comments left out" \
  "$(printf '%s\n' "$out" | grep -A2 '^locals:')" "locals: 2 entries
    a.example
    b.example"
t_match "a list file without entries" "$out" '^badmailfrom: \(no entries\)$'
t_match "a value" "$out" '^helohost: mx.example$'
t_match "a number" "$out" '^concurrencylocal: 5$'
t_match "a concurrency above the limit says so" "$out" "^concurrencyremote: $((spawn + 80)) \\(above the limit: $spawn is used\\)\$"
t_match "databytes 0 means no limit" "$out" '^databytes: 0 \(no limit\)$'
t_match "an empty file gets the default" "$out" '^bouncehost: \(empty, default: me, test.example\)$'
t_match "not a number is pointed out" "$out" '^timeoutsmtpd: \(not a number: "soon"; programs that read it refuse to start\)$'
t_check "unknown files are listed as unrecognized, sorted" \
  "$(printf '%s\n' "$out" | grep 'unrecognized$')" "Me: unrecognized
rcpthost: unrecognized"

rm "$C/me"
out=$(showctl 2>&1)
t_match "missing me is pointed out" "$out" '^me: \(missing: '
t_match "defaults from me say me is missing" "$out" '^idhost: \(default: me, which is missing\)$'

mkdir "$C/smtproutes"
out=$(showctl 2>&1)
t_check "an unreadable control file: exit 111" "$?" 111
t_match "the unreadable file is named with the reason" "$out" '^smtproutes: error: unable to read it: Is a directory$'
t_match "the files after it are still shown" "$out" '^virtualdomains: \(default: none\)$'
rmdir "$C/smtproutes"
echo test.example > "$C/me"
rm "$C/rcpthost" "$C/Me"

E=$W/nocontrol
mkdir "$E"
out=$(QMAILHOME=$E "$QBIN/qmail-showctl" 2>&1)
t_check "showctl without a control directory: exit 111" "$?" 111
t_match "it names the directory" "$out" "unable to enter $E/control"

# 9. with qmail-send running: -d and -b take effect through the trigger
if [ -x "$QBIN/qmail-send" ] && [ -x "$QBIN/qmail-start" ]; then
  S=$W/send
  t_instance "$S" test.example
  A=$S/alias
  t_maildir "$A/sender/Maildir"
  echo ./sender/Maildir/ > "$A/.qmail-sender"
  echo ./later/Maildir/ > "$A/.qmail-later"       # no such maildir: deferral
  # log lines since the mark (message ids are inode numbers, which a new
  # message may reuse as soon as an old one is gone)
  log_since_mark() { tail -n +$((T_LOG_FROM + 1)) "$S/send.log"; }
  # wait up to 10 s for N log lines since the mark matching PATTERN
  wait_count() {
    wc_i=0
    while [ $wc_i -lt 100 ]; do
      [ "$(log_since_mark | grep -cE -- "$1")" -ge "$2" ] && return 0
      sleep 0.1; wc_i=$((wc_i + 1))
    done
    return 1
  }
  t_start "$S"
  s1=$(queue_msg "$S" sender@test.example later@test.example)
  t_ok "the first delivery attempt is deferred" wait_count "deferral: " 1
  sleep 0.5                 # let qmail-send reschedule the message
  out=$(QMAILHOME=$S "$QBIN/qmail-qmsg" -b "$s1" 2>&1)
  t_check "qmsg -b under qmail-send exits 0" "$?" 0
  t_match "qmail-send was told" "$out" "qmail-send was told to finish the message now"
  t_ok "qmail-send finishes the message at once" t_wait_log "$S" "^end msg $s1\$" 10
  t_ok "qmail-send queues the bounce" t_wait_log "$S" "^bounce msg $s1 qp [0-9]+\$" 10
  # The bounce, from the sender's maildir, or from the queue while local
  # delivery is not possible (a tree without qmail-local).
  bounce_text() {
    for f in "$A"/sender/Maildir/new/*; do
      [ -f "$f" ] && { cat "$f"; return 0; }
    done
    bid=$(sed -n 's/^info msg \([0-9]*\): bytes [0-9]* from <> .*/\1/p' "$S/send.log" | head -n 1)
    [ -n "$bid" ] && cat "$S/queue/mess/$((bid % split))/$bid" 2>/dev/null
  }
  i=0
  while [ $i -lt 100 ] && ! bounce_text | grep -q 'removed from the queue'; do
    sleep 0.1; i=$((i + 1))
  done
  b=$(bounce_text)
  t_match "the bounce goes to the sender" "$b" '^To: sender@test.example$'
  t_match "the bounce names the recipient" "$b" '^<later@test.example>:$'
  t_match "the bounce gives the postmaster's reason" "$b" "^This message was removed from the queue by the postmaster. \\(#5.7.1\\)\$"

  T_LOG_FROM=$(wc -l < "$S/send.log")
  s2=$(queue_msg "$S" sender@test.example later@test.example)
  t_ok "its first attempt is deferred too" wait_count "deferral: " 1
  sleep 0.5
  out=$(QMAILHOME=$S "$QBIN/qmail-qmsg" -d "$s2" 2>&1)
  t_check "qmsg -d under qmail-send exits 0" "$?" 0
  t_ok "qmail-send removes the deleted message" t_wait_log "$S" "^end msg $s2\$" 10
  t_check "no bounce for a deleted message" "$(log_since_mark | grep -c '^bounce msg ')" 0
  t_check "the deleted message is gone from the queue" \
    "$(QMAILHOME=$S "$QBIN/qmail-qread" 2>&1 | grep -F "#$s2 ")" ""
  t_ok "its message file is gone" test ! -e "$S/queue/mess/$((s2 % split))/$s2"
  t_stop "$S"
else
  t_skip "qmail-qmsg under a running qmail-send" "qmail-send is not built"
fi
t_done
