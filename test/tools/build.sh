#!/usr/bin/env bash
# Builds the real programs the tests run, from their Go modules through the module proxy,
# into a cache outside the repository (one folder per name, version and tag set), skipping
# whatever is already there. Versions: test/tools/versions.json. Prints each build's time.
#
#   bash test/tools/build.sh            # everything
#   BOXFLEET_TOOLS=/some/dir bash test/tools/build.sh
#
# sing-box is built as its release workflow builds sing-box-<v>-linux-amd64.tar.gz:
# CGO_ENABLED=0, -trimpath, the version's release tags, its release/LDFLAGS where that file
# exists, and -X constant.Version (without it `sing-box version` says "unknown" and
# bootstrap refuses the binary). Tags dropped from the release set, and why:
#   with_naive_outbound  needs Chromium's cronet, which no registry here serves
#   with_wireguard       1.14's github.com/sagernet/wireguard-go v0.0.6 is not served by the
#                        module proxy here (403); boxfleet renders no WireGuard endpoint
#   with_tailscale, with_cloudflared, with_ccm, with_ocm, with_usbip, with_openvpn,
#   with_openconnect     features boxfleet never renders; together they double a cold
#                        build on 2 cores
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${BOXFLEET_TOOLS:-$HOME/.cache/boxfleet-tools}
mkdir -p "$cache"
export GOFLAGS=-mod=mod CGO_ENABLED=0
dropped=',with_naive_outbound,with_wireguard,with_tailscale,with_cloudflared,with_ccm,with_ocm,with_usbip,with_openvpn,with_openconnect,'

version() { node -e "const v=require('$here/versions.json');console.log($1)"; }

# timed NAME DIR CMD...: run CMD unless DIR/.done exists, then mark DIR done.
timed() {
  local name=$1 dir=$2; shift 2
  if [ -f "$dir/.done" ]; then echo "tools: $name cached in $dir"; return; fi
  rm -rf "$dir"; mkdir -p "$dir"
  local start=$SECONDS
  "$@"
  touch "$dir/.done"
  echo "tools: $name built in $((SECONDS - start)) s -> $dir"
}

# release_tags DIR: the release tag list of the sing-box source in DIR, less the dropped ones.
release_tags() {
  local src=$1 tags
  if [ -f "$src/release/DEFAULT_BUILD_TAGS" ]; then
    tags=$(cat "$src/release/DEFAULT_BUILD_TAGS")
  else
    tags=$(grep -o "TAGS='[^']*'" "$src/.github/workflows/build.yml" | head -n 1 | cut -d"'" -f2)
  fi
  local out=() t
  for t in ${tags//,/ }; do
    case "$dropped" in *",$t,"*) ;; *) out+=("$t") ;; esac
  done
  local IFS=,; echo "${out[*]}"
}

module_dir() { go mod download -json "$1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})'; }

# build_in_module MODULE@V OUT PKG [go build args...]: build inside a writable copy of the
# module, so its own go.mod (replace directives included) applies.
build_in_module() {
  local mod=$1 out=$2 pkg=$3; shift 3
  local src work
  src=$(module_dir "$mod")
  work=$(mktemp -d)
  cp -r "$src/." "$work/"; chmod -R u+w "$work"
  (cd "$work" && go build -trimpath -o "$out" "$@" "$pkg")
  rm -rf "$work"
}

build_singbox() {
  local v=$1 src tags ldflags dir
  src=$(module_dir "github.com/sagernet/sing-box@v$v")
  tags=$(release_tags "$src")
  ldflags="-X github.com/sagernet/sing-box/constant.Version=$v -s -w -buildid="
  [ -f "$src/release/LDFLAGS" ] && ldflags="$ldflags $(cat "$src/release/LDFLAGS")"
  dir="$cache/sing-box-$v-$(echo "$tags" | sha256sum | cut -c1-8)"
  timed "sing-box $v [$tags]" "$dir" \
    build_in_module "github.com/sagernet/sing-box@v$v" "$dir/sing-box" ./cmd/sing-box \
    -tags "$tags" -ldflags "$ldflags"
  ln -sfn "$dir" "$cache/sing-box-$v"
}

build_singbox "$(version v.singbox.pinned)"
build_singbox "$(version v.singbox.newest)"
# The stats build (#18) exactly as a fleet makes it: scripts/usage/build-stats.sh, whose
# tarball holds sing-box with with_v2ray_api and boxfleet's ledger helper. Keyed by that
# script and the helper's source; test/tools/index.ts finds it by the same hash.
stats_v=$(version v.singbox.pinned)
stats_src="$here/../../scripts/usage"
stats_key=$(cat "$stats_src/build-stats.sh" "$stats_src/node-helper/go.mod" "$stats_src/node-helper/main.go" | sha256sum | cut -c1-12)
stats_dir="$cache/sing-box-$stats_v-stats-$stats_key"
stats_build() {
  bash "$stats_src/build-stats.sh" "$stats_v" amd64 "$stats_dir" > "$stats_dir/sha256"
  tar -xzf "$stats_dir/sing-box-$stats_v-linux-amd64.tar.gz" -C "$stats_dir" --strip-components=1
}
timed "sing-box $stats_v stats build $stats_key" "$stats_dir" stats_build

mv_=$(version v.mihomo)
timed "mihomo $mv_" "$cache/mihomo-$mv_" \
  build_in_module "github.com/metacubex/mihomo@v$mv_" "$cache/mihomo-$mv_/mihomo" . \
  -tags with_gvisor -ldflags "-X github.com/metacubex/mihomo/constant.Version=$mv_ -s -w -buildid="

pv=$(version v.pebble)
pebble_build() {
  build_in_module "github.com/letsencrypt/pebble/v2@v$pv" "$cache/pebble-$pv/pebble" ./cmd/pebble
  build_in_module "github.com/letsencrypt/pebble/v2@v$pv" "$cache/pebble-$pv/pebble-challtestsrv" ./cmd/pebble-challtestsrv
  # Pebble's own HTTPS certificate and the minica root that signs it (test data of its module).
  cp "$(module_dir "github.com/letsencrypt/pebble/v2@v$pv")/test/certs/pebble.minica.pem" "$cache/pebble-$pv/"
  cp -r "$(module_dir "github.com/letsencrypt/pebble/v2@v$pv")/test/certs/localhost" "$cache/pebble-$pv/"
  chmod -R u+w "$cache/pebble-$pv"
}
timed "pebble $pv" "$cache/pebble-$pv" pebble_build
# SeaweedFS: the S3-compatible store `fleet publish` is tested against (one binary, `weed`).
sv=$(version v.seaweedfs)
timed "seaweedfs $sv" "$cache/seaweedfs-$sv" \
  build_in_module "github.com/seaweedfs/seaweedfs@v$sv" "$cache/seaweedfs-$sv/weed" ./weed -ldflags "-s -w -buildid="
echo "tools: all in $cache"
