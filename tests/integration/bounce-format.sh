#!/bin/sh
# Bounces are well-formed whatever the sender looks like: a sender with
# quotes, spaces, backslashes and non-ASCII bytes gets a bounce whose
# To: field is one quoted address that parses back to exactly that
# sender; a report with blank lines stays one QSBMF paragraph; a torn
# paragraph left in bounce/ID is never mailed.
. "$TOP/tests/lib.sh"

I=$(t_tmpdir)/inst
t_instance "$I" test.example
A=$I/alias
t_maildir "$A/catch/Maildir"
echo ./catch/Maildir/ > "$A/.qmail-default"
printf '%s\n' '|printf "line one\n\nline three\n"; exit 100' > "$A/.qmail-fail"
t_start "$I"

# local part: odd "user" \x ü  (UTF-8), domain test.example: the bounce
# comes back here, to the default maildir
sender=$(printf 'odd "user" \\x \303\274@test.example')
printf 'Subject: to fail\n\nbody\n' | t_queue "$I" "$sender" fail@test.example
t_check "qmail-queue takes the odd sender" "$?" 0
t_ok "the bounce arrives" t_wait_mail "$A/catch/Maildir" 1 15
f=$(ls "$A"/catch/Maildir/new/* 2>/dev/null | head -n 1)
to=$(grep -m1 '^To: ' "$f")
t_check "To: is the quoted sender" "$to" "$(printf 'To: "odd \\"user\\" \\\\x \303\274"@test.example')"
if command -v python3 > /dev/null 2>&1; then
  parsed=$(python3 - "$f" <<'EOF'
import sys, email, email.policy
raw = open(sys.argv[1], 'rb').read().decode('utf-8')
msg = email.message_from_string(raw, policy=email.policy.default)
# every header line of the bounce is a field this system writes
head = raw.split('\n\n', 1)[0].split('\n')
names = sorted({h.split(':', 1)[0] for h in head if h and h[0] not in ' \t'})
tos = msg['To'].addresses
sys.stdout.buffer.write(('%d %s@%s\n' % (len(tos), tos[0].username, tos[0].domain)).encode())
print(' '.join(names))
EOF
)
  t_check "Python's email parser reads one address, exactly the sender" \
    "$(printf '%s\n' "$parsed" | sed -n 1p)" "1 $sender"
  t_check "the header has only the fields qmail-send writes (and delivery adds)" \
    "$(printf '%s\n' "$parsed" | sed -n 2p)" "Date Delivered-To From Received Return-Path Subject To"
else
  t_skip "Python's email parser reads the To: address" "no python3"
  t_skip "the header has only the fields qmail-send writes" "no python3"
fi
t_match "Return-Path of the bounce is <>" "$(sed -n 1p "$f")" '^Return-Path: <>$'
para=$(sed -n '/^<fail@test.example>:$/,/^$/p' "$f")
t_check "the failure is one paragraph, its blank line dropped" "$para" \
  "$(printf '<fail@test.example>:\nline one\nline three\nProgram on line 1 of .qmail-fail failed permanently (exit code 100). (#5.2.0)\n')"
t_match "the copy of the message follows" "$(cat "$f")" '^--- Below this line is a copy of the message\.$'

# A torn paragraph at the end of bounce/ID (a crash in the middle of a
# write) is cut off before the next failure is added, and never mailed.
t_stop "$I"
printf 'Subject: torn\n\nbody\n' | t_queue "$I" tornsender@test.example fail@test.example
id=$(ls "$I"/queue/todo/*/ | grep -m1 '^[0-9]')
printf '<ghost@test.example>:\nhalf a repo' > "$I/queue/bounce/$id"
t_start "$I"
t_ok "the second bounce arrives" t_wait_mail "$A/catch/Maildir" 2 15
g=$(grep -l '^<fail@test.example>:$' "$A"/catch/Maildir/new/* | xargs grep -l 'Subject: torn' | head -n 1)
t_ok "found it" test -n "$g"
t_fail "the torn paragraph is not in it" grep -q 'ghost' "$g"
t_check "the real failure is" "$(sed -n '/^<fail@test.example>:$/,/^$/p' "$g")" \
  "$(printf '<fail@test.example>:\nline one\nline three\nProgram on line 1 of .qmail-fail failed permanently (exit code 100). (#5.2.0)\n')"
t_ok "qmail-send says it cut the torn paragraph" t_wait_log "$I" "^warning: cut a torn paragraph off bounce/$id\$" 2
t_done
