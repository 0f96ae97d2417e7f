#!/usr/bin/env bash
# The Debian packages as scripts/package.sh makes them: four of them, each with the files
# an installation needs in Debian's places, runtime dependencies worked out from the
# libraries linked (dpkg-shlibdeps), the config file marked as a conffile, maintainer
# scripts that make the service user and keep data on remove, and lintian's verdict
# (errors fail; warnings are printed). Usage: check_packages.sh BUILD_DIR.
set -euo pipefail
build=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
name="packages"
. "$(dirname "$0")/server_helpers.sh"

BUILD_DIR="$build" bash "$repo/scripts/package.sh" >"$work/made.txt" || fail "scripts/package.sh"
deb() { ls "$build"/packages/"$1"_*.deb 2>/dev/null | head -1; }
for package in samspil-server samspil-cli samspil-desktop samspil-plugin; do
  [ -n "$(deb $package)" ] || fail "no $package package in $build/packages"
done
has() {  # PACKAGE PATH: the package holds the path
  dpkg-deb -c "$(deb "$1")" | awk '{print $6}' | grep -qx "\.$2" || fail "$1 lacks $2"
}
has samspil-server /usr/bin/samspil-server
has samspil-server /usr/share/samspil/web/index.html
has samspil-server /usr/share/samspil/web/js/app.js
has samspil-server /lib/systemd/system/samspil.service
has samspil-server /etc/samspil/samspil.conf
has samspil-server /usr/share/man/man1/samspil-server.1.gz
has samspil-server /usr/share/doc/samspil-server/copyright
has samspil-cli /usr/bin/samspil-cli
has samspil-cli /usr/share/man/man1/samspil-cli.1.gz
has samspil-desktop /usr/share/man/man1/samspil.1.gz
has samspil-desktop /usr/bin/samspil
has samspil-desktop /usr/share/applications/samspil.desktop
has samspil-desktop /usr/share/icons/hicolor/scalable/apps/samspil.svg
has samspil-plugin /usr/lib/vst3/Samspil.vst3/Contents/x86_64-linux/Samspil.so
has samspil-plugin /usr/lib/lv2/Samspil.lv2/manifest.ttl
dpkg-deb -c "$(deb samspil-server)" | grep -q "node_modules\|/test/" && fail "samspil-server carries the web client's test tooling"

# Dependencies from the libraries actually linked.
depends=$(dpkg-deb -f "$(deb samspil-server)" Depends)
for library in libwebsockets17 libopus0 libsqlite3-0 libsodium23 libogg0 adduser; do
  grep -q "$library" <<<"$depends" || fail "samspil-server does not depend on $library: $depends"
done
grep -q "libjack\|libasound2" <<<"$(dpkg-deb -f "$(deb samspil-desktop)" Depends)" || fail "samspil-desktop has no audio library dependency"
dpkg-deb --ctrl-tarfile "$(deb samspil-server)" | tar -xO ./conffiles | grep -qx /etc/samspil/samspil.conf ||
  fail "/etc/samspil/samspil.conf is not a conffile"
dpkg-deb --ctrl-tarfile "$(deb samspil-server)" | tar -xO ./postinst | grep -q "adduser --system" || fail "postinst makes no user"
dpkg-deb --ctrl-tarfile "$(deb samspil-server)" | tar -xO ./postrm | grep -q 'purge' || fail "postrm does not purge"
mkdir -p "$work/x" && dpkg-deb -x "$(deb samspil-server)" "$work/x"
file "$work/x/usr/bin/samspil-server" | grep -q "stripped" && ! file "$work/x/usr/bin/samspil-server" | grep -q "not stripped" ||
  fail "the server binary is not stripped"
# The packaged server runs from its own tree and finds its web files beside it.
"$work/x/usr/bin/samspil-server" --port 0 --db "$work/p.db" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
wait_for_port "$work/server.out" "$work/server.err"
grep -q 'src="/js/app.js"' <<<"$(curl -sf "localhost:$port/")" || fail "the packaged server does not serve its web files"

# lintian: errors fail, the rest is printed.
errors=0
for package in samspil-server samspil-cli samspil-desktop samspil-plugin; do
  lintian --tag-display-limit 0 "$(deb $package)" >"$work/lintian-$package.txt" 2>&1 || true
  sed "s/^/  /" "$work/lintian-$package.txt"
  errors=$((errors + $(grep -c '^E:' "$work/lintian-$package.txt" || true)))
done
[ "$errors" = 0 ] || fail "lintian reports $errors errors"
# The packages and the tree are hundreds of MB of page cache to write back: done here, not
# during the next test (the JACK and browser tests measure audio with real clocks).
sync
echo "packages: $(cd "$build/packages" && ls *.deb | tr '\n' ' ')— contents, dependencies, conffile and maintainer scripts as expected; lintian: no errors, $(cat "$work"/lintian-*.txt | grep -c '^W:' || true) warnings"
