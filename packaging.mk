# The Debian package (debian/), included from the Makefile
# (-include packaging.mk); on its own: make -f Makefile -f packaging.mk deb.
#
#   make deb        build/deb/libapache2-mod-invoice_$(VERSION)_$(DEB_ARCH).deb
#                   (scripts/build-deb.sh: built in a copy of the work tree
#                   with debhelper and dh_apache2; lintian errors or
#                   warnings fail).  DEB_FROM=REV (e.g. HEAD) builds the
#                   committed tree of REV instead of the work tree (for
#                   deb-test too: both of its packages); DEB_FLAGS=--snapshot
#                   builds as VERSION+gitDATE.SHA.
#   make deb-test   that package (made again if a source file is newer) in
#                   a clean Debian 12 root (test/deb/run.sh):
#                   apt-get install, mod-invoice-migrate --create-database,
#                   a2enmod, Apache, the API flow with curl, upgrade to a
#                   rebuilt higher version keeping an edited conffile, purge.
#                   Needs root.  The test itself takes 3.5-4.5 minutes with
#                   the cached root (the first run debootstraps it: a few
#                   minutes more); building the package first adds 1-4
#                   (measured on 2 busy cores).  Not in `make test`.
#
# VERSION is the one version number: the Makefile compiles it into the
# module, debian/changelog must agree (build-deb.sh and debian/rules check).

# Build-Depends of debian/control, and the tools around them.
DEB_PACKAGES := debhelper dpkg-dev lintian apache2-dev libaprutil1-dev \
                libcurl4-openssl-dev libjson-c-dev libpq-dev libssl-dev pkg-config \
                python3 python3-yaml
# The root (debootstrap) and the test's PostgreSQL (the host's binaries).
DEB_TEST_PACKAGES := debootstrap postgresql-15 postgresql-client-15

DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB_FILE := build/deb/libapache2-mod-invoice_$(VERSION)_$(DEB_ARCH).deb
DEB_FLAGS ?=
DEB_FROM ?=
export DEB_FROM
DEB_SOURCE_FLAGS := $(if $(DEB_FROM),--from $(DEB_FROM))
# What goes into the package's source: the files build-deb.sh copies.
DEB_SOURCES := $(wildcard $(shell git ls-files --cached --others --exclude-standard 2>/dev/null))

.PHONY: deb deb-test

deb:
	@scripts/ensure-packages.sh $(DEB_PACKAGES)
	@scripts/build-deb.sh $(DEB_SOURCE_FLAGS) $(DEB_FLAGS)

# For deb-test: made again only when a source file changed.
$(DEB_FILE): $(DEB_SOURCES)
	@scripts/ensure-packages.sh $(DEB_PACKAGES)
	@scripts/build-deb.sh $(DEB_SOURCE_FLAGS) >/dev/null

deb-test: $(DEB_FILE)
	@scripts/ensure-packages.sh $(DEB_TEST_PACKAGES)
	@test/deb/run.sh $(DEB_FILE)
