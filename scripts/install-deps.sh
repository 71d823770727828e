#!/bin/sh
# Install what thuvien needs on Debian 12, idempotently: build tools and libraries, PostgreSQL
# (for the test run), Chromium (browser test), wrk (benchmarks), Node.js + npm (front-end
# libraries at build time). Packages already present are not touched; apt runs only when
# something is missing. Needs root (or sudo).
set -eu

PACKAGES="build-essential pkg-config gzip ca-certificates
libmicrohttpd-dev libsqlite3-dev sqlite3 libpq-dev libsodium-dev libutf8proc-dev libjansson-dev
libyaz-dev yaz libcairo2-dev libpango1.0-dev libzint-dev poppler-utils zbar-tools python3-openpyxl
libzip-dev libxlsxwriter-dev
postgresql postgresql-contrib
chromium fonts-noto-core
wrk procps curl"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# Tools that may come from elsewhere than Debian (a NodeSource Node.js bundles npm and conflicts
# with Debian's npm package; Python may be a pyenv one): asked for by command, not by package.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
else
	echo "install-deps: all Debian packages present"
fi
# The sanitizer build needs the compiler's ASan/UBSan runtimes (in gcc's packages on Debian 12).
