# SPDX-License-Identifier: GPL-2.0
#
# The build of one test program (selftests/NAME/NAME), shared by the
# programs' Makefiles. A Makefile sets PROG, SRCS (the C files to compile)
# and, if any, HDRS (the other files a change to which rebuilds it), then
# includes this file, then adds to CFLAGS and LDLIBS what it needs.
# `make -C selftests/NAME` builds it; the initramfs carries the binary with
# the rest of selftests/.

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE
PKG_CONFIG ?= pkg-config

all: $(PROG)

$(PROG): $(SRCS) $(HDRS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(SRCS) $(LDLIBS)

clean:
	rm -f $(PROG)

.PHONY: all clean
