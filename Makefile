# tinyproxy-rs -- build, test, install and package.
#
#   make run        build and run the proxy in the foreground (conf/tinyproxy.conf)
#   make test       everything CI runs: deps, fmt, clippy, cargo test,
#                   fuzz smoke, deploy and release checks, image test, kube
#                   play of README's walk-through, Debian package test
#   make fuzz       every fuzz target for FUZZ_SECONDS (default 600) each
#   make lint       fmt --check, clippy, deploy and release checks
#                   (actionlint, shellcheck, kustomize output validated),
#                   no new import cycle in src/ (scripts/check-layers.py)
#   make install    release build installed under $(DESTDIR)$(PREFIX)
#   make image      container image with podman (localhost/tinyproxy-rs:dev)
#   make deb        Debian package target/debian/tinyproxy-rs_VERSION_amd64.deb
#   make test-deb   lintian, then the package tested in a Debian 12 root
#                   (chroot, and booted with systemd under podman)
#   make bench      loopback benchmark of the static release binary beside tinyproxy
#                   and squid (../shared/bench, 3 rounds, median; ~15 min)

CARGO    ?= cargo
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share
MANDIR   ?= $(DATADIR)/man
# Packages installed under /usr keep their configuration in /etc.
ifeq ($(PREFIX),/usr)
SYSCONFDIR ?= /etc
else
SYSCONFDIR ?= $(PREFIX)/etc
endif
SYSTEMDUNITDIR ?= /etc/systemd/system
CARGO_TARGET_DIR ?= $(CURDIR)/target
# The binary `make install` copies; set it to install a prebuilt one.
BIN      ?= $(CARGO_TARGET_DIR)/release/tinyproxy
IMAGE    ?= localhost/tinyproxy-rs:dev
# 1 runs the image's end-to-end test (proxying, kube play) in `make test`.
IMAGE_E2E ?= 1
# Seconds per fuzz target: `make fuzz`, and the smoke run in `make test`.
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 15

export CARGO_TARGET_DIR IMAGE IMAGE_E2E

# The test steps must run in order.
.NOTPARALLEL:

.PHONY: all build release run test deps fmt-check clippy cargo-test lint \
	fuzz fuzz-smoke check-deploy test-image image install install-files install-systemd \
	uninstall clean deb test-deb bench release-static

all: build

build:
	$(CARGO) build

release:
	$(CARGO) build --release

# The static build the image and the release tarballs ship (glibc with
# crt-static, symbols stripped): what `make bench` measures.
STATIC_BIN ?= $(CARGO_TARGET_DIR)/x86_64-unknown-linux-gnu/release/tinyproxy
release-static:
	TRIPLE=x86_64-unknown-linux-gnu bash scripts/build-static.sh

run:
	$(CARGO) run -- -d -c conf/tinyproxy.conf

# ---------------------------------------------------------------- tests
test: deps fmt-check clippy cargo-test fuzz-smoke check-deploy test-image test-deb

deps:
	bash scripts/install-test-deps.sh

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

cargo-test:
	$(CARGO) test --all-targets
	$(CARGO) test --doc

# Each cargo-fuzz target (fuzz/) in turn; fails on any crash, hang or
# runaway allocation (nightly toolchain and cargo-fuzz are installed by
# scripts/install-fuzz-deps.sh).
fuzz:
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz-smoke:
	bash scripts/fuzz.sh $(FUZZ_SMOKE_SECONDS)

check-deploy:
	bash scripts/check-deploy.sh
	bash scripts/check-release.sh
	python3 scripts/check-layers.py

# test-image.sh builds and removes an image of its own tag; the kube play of
# README's walk-through uses the one `make image` builds, as README says.
test-image:
	bash scripts/test-image.sh
	if [ "$(IMAGE_E2E)" = 1 ]; then bash scripts/build-image.sh && bash scripts/test-kube-play.sh; fi

# Needs root: builds (once, cached in .cache/debian-root/) a Debian 12 root
# with mmdebstrap, installs the package in it with chroot, then again in
# that root booted with systemd under podman.
test-deb: deb
	bash scripts/test-deb.sh
	bash scripts/test-deb-systemd.sh

lint: fmt-check clippy check-deploy

image:
	bash scripts/build-image.sh

# The Debian package of the release binary (version from Cargo.toml).
deb: release
	bash scripts/build-deb.sh

# ---------------------------------------------------------------- bench
# The shared loopback benchmark (../shared/bench beside the checkout; run
# its setup.sh once, as root). Each proxy is pinned to one core; the report
# (markdown and json) goes to the bench directory, or to a temporary
# directory when that is read-only; the path is printed at the end.
BENCH_DIR    ?= $(firstword $(wildcard $(CURDIR)/../shared/bench $(CURDIR)/../../shared/bench))
BENCH_ROUNDS ?= 3

bench: release-static
	@test -n "$(BENCH_DIR)" || { echo "make bench: ../shared/bench not found; set BENCH_DIR" >&2; exit 1; }
	PROXY_BIN=$(STATIC_BIN) PROXY_NAME=tinyproxy-rs ROUNDS=$(BENCH_ROUNDS) \
		$(BENCH_DIR)/run.sh tinyproxy squid

# -------------------------------------------------------------- install
install: release install-files

# Installs $(BIN) and the data files; never overwrites an existing
# configuration file.  The page template paths in the installed
# configuration follow DATADIR.
install-files:
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/tinyproxy \
		$(DESTDIR)$(DATADIR)/tinyproxy $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/tinyproxy
	install -m 0644 conf/default.html conf/stats.html $(DESTDIR)$(DATADIR)/tinyproxy/
	install -m 0644 man/tinyproxy.8 $(DESTDIR)$(MANDIR)/man8/tinyproxy.8
	install -m 0644 man/tinyproxy.conf.5 $(DESTDIR)$(MANDIR)/man5/tinyproxy.conf.5
	@conf=$(DESTDIR)$(SYSCONFDIR)/tinyproxy/tinyproxy.conf; \
	if [ -e "$$conf" ]; then \
		echo "keeping existing $$conf"; \
	else \
		sed 's|"/usr/share/tinyproxy/|"$(DATADIR)/tinyproxy/|' conf/tinyproxy.conf > "$$conf.tmp" && \
		chmod 0644 "$$conf.tmp" && mv "$$conf.tmp" "$$conf"; \
	fi

# The systemd unit, with the installed paths.  Then:
#   systemctl daemon-reload && systemctl enable --now tinyproxy
install-systemd:
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed -e 's|/usr/bin/tinyproxy|$(BINDIR)/tinyproxy|g' \
		-e 's|/etc/tinyproxy/tinyproxy.conf|$(SYSCONFDIR)/tinyproxy/tinyproxy.conf|g' \
		deploy/tinyproxy.service > $(DESTDIR)$(SYSTEMDUNITDIR)/tinyproxy.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/tinyproxy.service

# Leaves the configuration file in place.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tinyproxy \
		$(DESTDIR)$(DATADIR)/tinyproxy/default.html $(DESTDIR)$(DATADIR)/tinyproxy/stats.html \
		$(DESTDIR)$(MANDIR)/man8/tinyproxy.8 $(DESTDIR)$(MANDIR)/man5/tinyproxy.conf.5 \
		$(DESTDIR)$(SYSTEMDUNITDIR)/tinyproxy.service

clean:
	$(CARGO) clean
	rm -rf fuzz/target
	rm -rf .cache/image-context
