#!/usr/bin/env bash
# Builds the Samspil desktop app and installs it for the current user: the program in
# ~/.local/bin/samspil and a menu entry (~/.local/share/applications/samspil.desktop).
# PREFIX=/usr/local (run as root) installs it for everyone on the computer instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build="${BUILD_DIR:-build}"
SAMSPIL_TARGETS=samspil_desktop bash scripts/build.sh "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAMSPIL_BUILD_JUCE=ON
prefix="${PREFIX:-$HOME/.local}"
install -D -m 755 "$build"/client-app/desktop/samspil_desktop_artefacts/RelWithDebInfo/samspil "$prefix/bin/samspil"
mkdir -p "$prefix/share/applications"
cat > "$prefix/share/applications/samspil.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=Samspil
Comment=Play and teach music together over the network
Exec=$prefix/bin/samspil
Terminal=false
Categories=AudioVideo;Audio;Education;Music;
DESKTOP
echo "Installed: $prefix/bin/samspil (and a menu entry). Start it from the menu or with: samspil"
