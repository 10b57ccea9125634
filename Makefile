# Makefile -- entry point.  Works with GNU make and BSD make (bmake):
#
#   make                 build everything (static, musl-gcc by default)
#   make check           build and run the unit and integration tests
#   make check-sanitize  the same tests, built with ASan and UBSan
#   make size            each installed program's stripped size, and the total
#   make install         install under $(DESTDIR)$(QMAILHOME); adds the man
#                        pages to man-db's manpath (MANPATH_ENTRY=no: not)
#   make install-sendmail-links  /usr/sbin/sendmail, /usr/lib/sendmail,
#                        /usr/bin/mailq, /usr/bin/newaliases -> our sendmail;
#                        another MTA's files only with FORCE=1 (kept as
#                        NAME.pre-qmail)
#   make uninstall-sendmail-links  remove them, put the originals back
#   make demo            run a self-contained instance (see README.md)
#   make demo-stop       stop it
#
# Knobs live in config.mk; compiler and dependency switches in bsd.mk.

all: build

PROGS =
PROG_OBJS =
MANS =

include config.mk
include bsd.mk
include src/lib/Makefile.inc
include src/admin/Makefile.inc
include src/local/Makefile.inc
include src/queue/Makefile.inc
include src/users/Makefile.inc
include src/inject/Makefile.inc
include src/user/Makefile.inc
include src/net/Makefile.inc
include src/dns/Makefile.inc
include src/tls/Makefile.inc
include src/smtpd/Makefile.inc
include src/remote/Makefile.inc
include src/alias/Makefile.inc
include src/serial/Makefile.inc
include tests/Makefile.inc

build: $(DEPSTAMP) build/include/qconf.h $(LIBQ) $(PROGS)

deps: $(DEPSTAMP)

check: build $(UNIT_TESTS)
	@QSTATIC='$(LDSTATIC)' MAKE='$(MAKE)' DISTDIR='$(DISTDIR)' sh tests/run.sh $(UNIT_TESTS) tests/integration/*.sh

check-sanitize:
	@DISTDIR='$(DISTDIR)' MAKE='$(MAKE)' sh tests/sanitize.sh

size: build
	@STRIP='$(STRIP)' sh porting/size.sh build/bin

install: build
	build/bin/qmail-install . '$(DESTDIR)$(QMAILHOME)'
	@MANPATH_ENTRY='$(MANPATH_ENTRY)' sh etc/install-manpath.sh '$(QMAILHOME)' '$(DESTDIR)'

# Callers find the mail system under the names sendmail has always
# had; mailq and newaliases are sendmail -bp and -bi by their names.
# Another mail system's files there are refused unless FORCE=1, which
# keeps each as NAME.pre-qmail (dpkg-divert on Debian); the uninstall
# target puts them back.  See etc/sendmail-links.sh.
install-sendmail-links:
	@QMAILHOME='$(QMAILHOME)' DESTDIR='$(DESTDIR)' FORCE='$(FORCE)' sh etc/sendmail-links.sh install

uninstall-sendmail-links:
	@QMAILHOME='$(QMAILHOME)' DESTDIR='$(DESTDIR)' sh etc/sendmail-links.sh undo

demo: build
	@sh etc/demo.sh

demo-stop:
	@sh etc/demo-stop.sh

clean:
	rm -f $(LIB_OBJS) $(LIBQ) $(PROG_OBJS) $(PROGS) $(UNIT_TESTS)
	rm -rf build/bin build/include build/tests build/sanitize

distclean: clean
	rm -rf build

.PHONY: all build deps check check-sanitize install demo demo-stop clean distclean
.PHONY: install-sendmail-links uninstall-sendmail-links size
