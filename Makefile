# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Builds the fast path (clang, BPF target), its skeletons (bpftool) and the
# controller (one executable, tna) against the system libbpf, libmnl and
# libnftnl; the demo and benchmark driver (tna-demo, tools/demo/) with its
# own traffic programs; the tests. All outputs go to $(B).

B ?= build
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m)
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Iinclude -I$(B) -Isrc/ctl
LIBS := $(shell pkg-config --libs libbpf libmnl libnftnl) -lelf -lz
BPF_CFLAGS := -O2 -g -target bpf -D__BPF__ -Wall -Werror -Iinclude -Isrc/bpf \
	-I/usr/include/$(MULTIARCH)
# V=1 shows every command.
Q := $(if $(V),,@)
msg = $(if $(V),,@printf '  %-8s %s\n' $(1) $(2);)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BPF_PROGS := tna
TOOL_BPF := trafgen sink redirect
SKELS := $(patsubst %,$(B)/%.skel.h,$(BPF_PROGS))
TOOL_SKELS := $(patsubst %,$(B)/%.skel.h,$(TOOL_BPF))
BPF_HDRS := include/tna/abi.h $(wildcard src/bpf/lib/*.h)

PREFIX ?= /usr/local
DESTDIR ?=
LIBEXECDIR ?= $(PREFIX)/libexec/tna

CTL_SRCS := $(filter-out src/ctl/main.c,$(wildcard src/ctl/*.c))
CTL_HDRS := $(wildcard src/ctl/*.h) include/tna/abi.h
CTL_OBJS := $(patsubst src/ctl/%.c,$(B)/ctl/%.o,$(CTL_SRCS))
ASAN_OBJS := $(patsubst src/ctl/%.c,$(B)/asan/%.o,$(CTL_SRCS))
DEMO_SRCS := $(filter-out %.bpf.c,$(wildcard tools/demo/*.c))
DEMO_OBJS := $(patsubst tools/demo/%.c,$(B)/demo/%.o,$(DEMO_SRCS)) $(B)/ctl/ctl.o $(B)/ctl/log.o

TESTS := test_plan test_fastpath test_verify test_fuzz
FORMAT_SRCS := $(shell git ls-files '*.c' '*.h' 2>/dev/null)

.PHONY: all tests check format-check verify test clean install bench bench-quick
.SECONDARY: $(patsubst %,$(B)/%.bpf.o,$(BPF_PROGS) $(TOOL_BPF))
all: $(B)/tna $(B)/tna-demo tests $(B)/tna-asan $(B)/tna-latency

tests: $(patsubst %,$(B)/%,$(TESTS)) $(B)/test_plan-asan $(B)/test_fw-asan $(B)/tna-pktio

$(B)/tna.bpf.o: src/bpf/tna.bpf.c $(BPF_HDRS) | $(B)
	$(call msg,BPF,$@)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(patsubst %,$(B)/%.bpf.o,$(TOOL_BPF)): $(B)/%.bpf.o: tools/demo/%.bpf.c tools/demo/sink.h | $(B)
	$(call msg,BPF,$@)$(CLANG) $(BPF_CFLAGS) -Itools/demo -c $< -o $@

$(B)/%.skel.h: $(B)/%.bpf.o
	$(call msg,SKEL,$@)$(BPFTOOL) gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

$(B)/ctl/%.o: src/ctl/%.c $(CTL_HDRS) $(SKELS) | $(B)/ctl
	$(call msg,CC,$@)$(CC) $(CFLAGS) -c $< -o $@

$(B)/asan/%.o: src/ctl/%.c $(CTL_HDRS) $(SKELS) | $(B)/asan
	$(call msg,CC,$@)$(CC) $(CFLAGS) $(SAN) -c $< -o $@

$(B)/demo/%.o: tools/demo/%.c $(wildcard tools/demo/*.h) src/ctl/ctl.h $(TOOL_SKELS) | $(B)/demo
	$(call msg,CC,$@)$(CC) $(CFLAGS) -Itools/demo -c $< -o $@

$(B)/tna-demo: $(DEMO_OBJS)
	$(call msg,CC,$@)$(CC) $(CFLAGS) $^ -o $@ $(LIBS) -lpthread

$(B)/ctl/main.o: CFLAGS += -DTNA_LIBEXECDIR='"$(LIBEXECDIR)"'

$(B)/tna: $(B)/ctl/main.o $(CTL_OBJS)
	$(call msg,CC,$@)$(CC) $(CFLAGS) $^ -o $@ $(LIBS)

$(B)/tna-asan: $(B)/asan/main.o $(ASAN_OBJS)
	$(call msg,CC,$@)$(CC) $(CFLAGS) $(SAN) $^ -o $@ $(LIBS)

$(B)/test_plan: tests/unit/test_plan.c $(CTL_OBJS)
	$(call msg,CC,$@)$(CC) $(CFLAGS) $^ -o $@ $(LIBS)

$(B)/test_plan-asan: tests/unit/test_plan.c $(ASAN_OBJS)
	$(call msg,CC,$@)$(CC) $(CFLAGS) $(SAN) $^ -o $@ $(LIBS)

$(B)/test_fw-asan: tests/unit/test_fw.c $(ASAN_OBJS)
	$(call msg,CC,$@)$(CC) $(CFLAGS) $(SAN) $^ -o $@ $(LIBS)

$(B)/test_fastpath: tests/unit/test_fastpath.c tests/unit/pkt.h tests/unit/fixture.h $(SKELS) $(CTL_OBJS)
	$(call msg,CC,$@)$(CC) $(CFLAGS) $< $(CTL_OBJS) -o $@ $(LIBS)

$(B)/test_fuzz: tests/unit/test_fuzz.c tests/unit/pkt.h tests/unit/fixture.h $(SKELS) $(CTL_OBJS)
	$(call msg,CC,$@)$(CC) $(CFLAGS) $< $(CTL_OBJS) -o $@ $(LIBS)

$(B)/test_verify: tests/unit/test_verify.c $(SKELS) $(TOOL_SKELS) $(CTL_OBJS)
	$(call msg,CC,$@)$(CC) $(CFLAGS) $< $(CTL_OBJS) -o $@ $(LIBS)

$(B)/tna-latency: bench/latency.c tests/unit/pkt.h
	$(call msg,CC,$@)$(CC) $(CFLAGS) $< -o $@ $(LIBS)

$(B)/tna-pktio: tests/integ/pktio.c
	$(call msg,CC,$@)$(CC) $(CFLAGS) $< -o $@

$(B) $(B)/ctl $(B)/asan $(B)/demo:
	$(Q)mkdir -p $@

format-check:
	$(call msg,FORMAT,"$(words $(FORMAT_SRCS)) files")clang-format --dry-run -Werror $(FORMAT_SRCS)

verify: $(B)/test_verify
	$(Q)$(B)/test_verify

check: format-check verify

test: all
	$(Q)tests/run

# Benchmarks (root, a quiet machine): make bench <= 10 min, bench-quick <= 2 min
bench: all
	$(Q)bench/run.sh

bench-quick: all
	$(Q)bench/run.sh quick

# The daemon, its man page and systemd units (host and per-namespace); the
# demo driver beside it in libexec (`tna demo` runs it).
install: $(B)/tna $(B)/tna-demo
	install -D -m 0755 $(B)/tna $(DESTDIR)$(PREFIX)/sbin/tna
	install -D -m 0755 $(B)/tna-demo $(DESTDIR)$(LIBEXECDIR)/tna-demo
	install -D -m 0644 docs/tna.8 $(DESTDIR)$(PREFIX)/share/man/man8/tna.8
	install -D -m 0644 packaging/tna.service $(DESTDIR)$(PREFIX)/lib/systemd/system/tna.service
	install -D -m 0644 packaging/tna@.service $(DESTDIR)$(PREFIX)/lib/systemd/system/tna@.service

clean:
	rm -rf $(B)
