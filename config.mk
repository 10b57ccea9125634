# config.mk -- build-time knobs, the one place to change them.
#
# Override on the command line (make QMAILHOME=/opt/qmail) or edit here.
# Everything below ends up in build/include/qconf.h (for the C programs)
# and in the install and user-creation scripts; nothing else hard-codes
# these values.

# Home of the installed system: bin/ control/ queue/ alias/ users/ ...
QMAILHOME = /var/qmail

# The seven users, the owner of installed files, and the two groups
# of the privilege split (DESIGN.md).
USER_ALIAS = alias
USER_DAEMON = qmaild
USER_LOG = qmaill
USER_OWNER = root
USER_PASSWD = qmailp
USER_QUEUE = qmailq
USER_REMOTE = qmailr
USER_SEND = qmails
GROUP_QMAIL = qmail
GROUP_NOFILES = nofiles

# The group that owns the system mail spool (/var/mail); binmail is
# installed setgid to it so that it can make a user's mailbox and its
# dot-lock there.  Debian, Alpine and the BSDs call it mail.
GROUP_MAIL = mail

# The system mail spool binmail delivers into.  Empty: control/mailspool
# if present, else /var/mail or /var/spool/mail, whichever exists.
MAILSPOOL =

# The sendmail-style aliases file newaliases compiles into ALIASES.cdb
# (newaliases takes another path as its argument at run time).
ALIASES = /etc/aliases

# Number of queue subdirectories; must be prime.
QUEUE_SPLIT = 23

# Upper bound for concurrencylocal/concurrencyremote.
SPAWN_LIMIT = 120

# Separator between user and extension in local parts (joe-list).
EXT_CHAR = -

# Bits that must NOT be set in a home directory or .qmail file mode
# before qmail-local trusts it (octal; 002 = not world-writable).
PATERNALISM = 002
