# bsd.mk -- shared build rules, included by the top-level Makefile.
#
# Written in the subset that GNU make (4.x) and BSD make (bmake,
# FreeBSD/NetBSD make) both understand: plain and ?= += != assignments,
# suffix rules, $@ and $<, nested $(VAR_$(X)) references, include.
# No conditionals, no pattern rules, no $^ or $(wildcard).

# Compiler and flags.  CC, CFLAGS, CPPFLAGS and LDFLAGS are yours to
# override on the command line (cross toolchains: CC=mipsel-openwrt-
# linux-musl-gcc); the warning, include and static-link flags the
# project needs stay in QCFLAGS and LDSTATIC.
CC = musl-gcc
CFLAGS = -Os -pipe
CPPFLAGS =
LDFLAGS = -s
LDSTATIC = -static
AR = ar
RANLIB = ranlib
STRIP = strip
JOBS = 2

# Section garbage collection: each function and each object gets its own
# section, and the linker drops the ones no program refers to (a static
# program otherwise carries every function of each library object it
# touches).  gcc, clang, musl-gcc and GNU ld, gold and lld understand
# them; for a toolchain that does not, set both empty:
#   make SECTIONFLAGS= GCLDFLAGS=
SECTIONFLAGS = -ffunction-sections -fdata-sections
GCLDFLAGS = -Wl,--gc-sections

WARNFLAGS = -Wall -Wextra
QCFLAGS = -std=gnu99 $(WARNFLAGS) -Ibuild/include -Isrc/lib $(DEPINC)

# Dependencies: DEPS=bundled (default) builds BearSSL and tinycdb from the
# pinned archives in porting/distinfo; DEPS=system links the system's
# libbearssl and libcdb instead (headers and libraries on the default
# search paths).
DEPS = bundled
DISTDIR ?= $(.CURDIR)$(CURDIR)/build/distfiles
DEPINC_bundled = -Ibuild/deps/include
DEPINC_system =
DEPINC = $(DEPINC_$(DEPS))
DEPLIBS_bundled = build/deps/lib/libbearssl.a build/deps/lib/libcdb.a
DEPLIBS_system = -lbearssl -lcdb
DEPLIBS = $(DEPLIBS_$(DEPS))
DEPSTAMP = build/deps/$(DEPS).stamp

LIBQ = src/lib/libq.a
LIBS = $(LIBQ) $(DEPLIBS)
LINK = $(CC) $(CFLAGS) $(SECTIONFLAGS) $(LDSTATIC) $(GCLDFLAGS) $(LDFLAGS)

.SUFFIXES:
.SUFFIXES: .c .o

.c.o:
	$(CC) $(CFLAGS) $(SECTIONFLAGS) $(CPPFLAGS) $(QCFLAGS) -c -o $@ $<

# The knobs of config.mk as a C header.  Regenerated on every run but
# replaced only when its content changes, so a knob given on the command
# line takes effect without touching unrelated objects.
build/include/qconf.h: config.mk .FORCE
	@QMAILHOME='$(QMAILHOME)' USER_ALIAS='$(USER_ALIAS)' \
	USER_DAEMON='$(USER_DAEMON)' USER_LOG='$(USER_LOG)' \
	USER_OWNER='$(USER_OWNER)' USER_PASSWD='$(USER_PASSWD)' \
	USER_QUEUE='$(USER_QUEUE)' USER_REMOTE='$(USER_REMOTE)' \
	USER_SEND='$(USER_SEND)' GROUP_QMAIL='$(GROUP_QMAIL)' \
	GROUP_NOFILES='$(GROUP_NOFILES)' GROUP_MAIL='$(GROUP_MAIL)' \
	MAILSPOOL='$(MAILSPOOL)' ALIASES='$(ALIASES)' QUEUE_SPLIT='$(QUEUE_SPLIT)' \
	SPAWN_LIMIT='$(SPAWN_LIMIT)' EXT_CHAR='$(EXT_CHAR)' \
	PATERNALISM='$(PATERNALISM)' sh porting/mkconf.sh $@

build/deps/bundled.stamp: porting/distinfo porting/deps.sh
	@mkdir -p build/deps
	CC='$(CC)' CFLAGS='$(CFLAGS) $(SECTIONFLAGS)' AR='$(AR)' RANLIB='$(RANLIB)' \
	DISTDIR='$(DISTDIR)' JOBS='$(JOBS)' sh porting/deps.sh build/deps bearssl tinycdb
	@touch $@

build/deps/system.stamp:
	@mkdir -p build/deps
	@touch $@

.FORCE:
