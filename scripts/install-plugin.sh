#!/usr/bin/env bash
# Builds the Samspil plugin and installs it where Linux DAWs look for plugins:
# VST3 in ~/.vst3, LV2 in ~/.lv2 (PREFIX=/usr/local as root: /usr/local/lib/vst3 and
# /usr/local/lib/lv2 for every user), and the standalone app in ~/.local/bin/samspil-plugin.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build="${BUILD_DIR:-build}"
SAMSPIL_TARGETS="samspil_plugin_VST3 samspil_plugin_LV2 samspil_plugin_Standalone" \
  bash scripts/build.sh "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAMSPIL_BUILD_JUCE=ON
artefacts="$build"/plugin/samspil_plugin_artefacts/RelWithDebInfo
if [ -n "${PREFIX:-}" ]; then
  vst3="$PREFIX/lib/vst3"; lv2="$PREFIX/lib/lv2"; bin="$PREFIX/bin"
else
  vst3="$HOME/.vst3"; lv2="$HOME/.lv2"; bin="$HOME/.local/bin"
fi
mkdir -p "$vst3" "$lv2" "$bin"
rm -rf "$vst3/Samspil.vst3" "$lv2/Samspil.lv2"
cp -r "$artefacts/VST3/Samspil.vst3" "$vst3/"
cp -r "$artefacts/LV2/Samspil.lv2" "$lv2/"
install -m 755 "$artefacts/Standalone/Samspil" "$bin/samspil-plugin"
echo "Installed: $vst3/Samspil.vst3, $lv2/Samspil.lv2 and $bin/samspil-plugin."
echo "Rescan plugins in your DAW (Reaper: Options > Preferences > Plug-ins; Ardour: Window > Plugin Manager)."
