#!/usr/bin/env bash
# Checks the dependency rules of docs/architecture.md ("Modules and what they may use") over
# every #include in the tree: each shared/ module uses only the modules below it, the server
# never the client library, nothing in shared/ anything of the deployables, libsodium only
# where the UDP path's crypto is, libwebsockets only in the server and the client library.
# Prints every breach with its file and line; exits 1 if there is one.
# Usage: scripts/check-dependencies.sh [TREE]   (default: this checkout)
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

breaches=0
# rule FOLDER ALLOWED_PATTERN WHAT: every samspil/ include under FOLDER must match ALLOWED.
rule() {
  local folder="$1" allowed="$2" what="$3"
  [ -d "$folder" ] || return 0
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    echo "check-dependencies: $line — $what"
    breaches=$((breaches + 1))
  done < <(grep -rnE '#include "samspil/[a-z_]+/' "$folder" --include='*.h' --include='*.cpp' \
             | grep -vE "#include \"samspil/($allowed)/" || true)
}
# forbid FOLDER PATTERN WHAT: no include under FOLDER may match PATTERN.
forbid() {
  local folder="$1" pattern="$2" what="$3"
  [ -d "$folder" ] || return 0
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    echo "check-dependencies: $line — $what"
    breaches=$((breaches + 1))
  done < <(grep -rnE "#include [<\"]($pattern)" "$folder" --include='*.h' --include='*.cpp' || true)
}

rule shared/base     'base'                               'base uses nothing of Samspil'
rule shared/rt       'base|rt'                            'rt uses only base'
rule shared/time     'base|time'                          'time uses only base'
rule shared/protocol 'base|protocol'                      'protocol uses only base (pure: no codec, no crypto, no sockets)'
rule shared/udp      'base|udp'                           'udp uses only base'
rule shared/audio    'base|rt|protocol|audio'             'audio uses base, rt and protocol (no crypto, no sockets)'
rule shared/io       'base|udp|io'                        'io uses base and udp'
rule shared/net      'base|rt|time|protocol|udp|io|net'   'net is the client side over the modules below it'
rule shared/video    'base|video'                         'video (VP8, pictures, the test pattern) uses only base'
rule server          'base|rt|time|protocol|udp|audio|io' 'the server uses shared/ but never the client library (net)'
forbid shared        '\.\./|server/|client-app/|plugin/|juce_' 'shared/ depends on nothing of the deployables'
forbid server        'juce_|client-app/|plugin/|samspil/settings/' 'the server uses no client code'
for module in base rt time protocol audio; do
  forbid "shared/$module" 'sodium\.h' "$module has no libsodium (only udp's crypto has)"
done
for module in base rt time protocol udp audio io; do
  forbid "shared/$module" 'libwebsockets\.h' "$module has no libwebsockets (the server and the client library have)"
done
forbid server     'vpx/|libyuv' 'the server relays video and never decodes it (no libvpx, no libyuv)'
forbid client-app 'rooms/|relay/|store/|api/|accounts/' 'the clients use no server code'
forbid plugin     'rooms/|relay/|store/|api/|accounts/' 'the plugin uses no server code'

if [ "$breaches" -gt 0 ]; then
  echo "check-dependencies: $breaches breach(es) of the rules in docs/architecture.md" >&2
  exit 1
fi
echo "check-dependencies: every include keeps the rules of docs/architecture.md ($(grep -rhE '#include "samspil/' shared server client-app plugin 2>/dev/null | wc -l) includes of Samspil's modules checked)"
