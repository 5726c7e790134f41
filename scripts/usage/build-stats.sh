#!/usr/bin/env bash
# The stats build (#18): sing-box VERSION from its Go module, built as its release workflow
# builds it (CGO_ENABLED=0, -trimpath, the version's release tags, its release/LDFLAGS,
# -X constant.Version) plus the with_v2ray_api tag that turns on per-user counters, and
# boxfleet's ledger helper (scripts/usage/node-helper), packed like the official tarball:
#
#   OUTDIR/sing-box-VERSION-linux-ARCH.tar.gz
#     sing-box-VERSION-linux-ARCH/{sing-box, boxfleet-usage, LICENSE}
#
# Reproducible: no build IDs, fixed owners, times and order, gzip without a name or time,
# so two machines with the same Go toolchain make the same bytes (stats-build.yml builds it
# twice and compares). Prints the tarball's SHA-256: pin it as fleet.yaml singbox.sha256.
#
#   bash scripts/usage/build-stats.sh 1.12.25 amd64 build/stats
#
# Tags left out of the release set, and why (boxfleet renders none of them):
#   with_naive_outbound  needs Chromium's cronet
#   with_wireguard, with_tailscale, with_cloudflared, with_ccm, with_ocm, with_usbip,
#   with_openvpn, with_openconnect   features boxfleet never renders; together they double
#                        a build on 2 cores
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: build-stats.sh VERSION ARCH OUTDIR   e.g. build-stats.sh 1.12.25 amd64 build/stats" >&2; exit 2; }
version=$1 arch=$2 out=$3
[[ $version =~ ^1\.[0-9]+\.[0-9]+$ ]] || { echo "build-stats.sh: VERSION must look like 1.12.25" >&2; exit 2; }
[[ $arch == amd64 || $arch == arm64 ]] || { echo "build-stats.sh: ARCH must be amd64 or arm64" >&2; exit 2; }
command -v go > /dev/null || { echo "build-stats.sh: needs Go (https://go.dev/dl/, or apt-get install -y golang)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
dropped=',with_naive_outbound,with_wireguard,with_tailscale,with_cloudflared,with_ccm,with_ocm,with_usbip,with_openvpn,with_openconnect,'
export GOFLAGS=-mod=mod CGO_ENABLED=0 GOOS=linux GOARCH=$arch

src=$(go mod download -json "github.com/sagernet/sing-box@v$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[[ -d $src ]] || { echo "build-stats.sh: the module proxy has no sing-box v$version" >&2; exit 1; }
if [[ -f $src/release/DEFAULT_BUILD_TAGS ]]; then tags=$(cat "$src/release/DEFAULT_BUILD_TAGS")
else tags=$(grep -o "TAGS='[^']*'" "$src/.github/workflows/build.yml" | head -n 1 | cut -d"'" -f2); fi
kept=()
for t in ${tags//,/ }; do case "$dropped" in *",$t,"*) ;; *) kept+=("$t") ;; esac; done
kept+=(with_v2ray_api)
tags=$(IFS=,; echo "${kept[*]}")
ldflags="-X github.com/sagernet/sing-box/constant.Version=$version -s -w -buildid="
[[ -f $src/release/LDFLAGS ]] && ldflags="$ldflags $(cat "$src/release/LDFLAGS")"

name=sing-box-$version-linux-$arch
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2> /dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/$name" "$out"
# Inside a writable copy of the module, so its own go.mod (replace directives too) applies.
cp -r "$src/." "$work/src/"; chmod -R u+w "$work/src"
(cd "$work/src" && go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$work/$name/sing-box" ./cmd/sing-box)
# -buildvcs=false: the helper sits in a Git work tree, whose commit would end up in the binary.
(cd "$here/node-helper" && go build -trimpath -buildvcs=false -ldflags "-s -w -buildid=" -o "$work/$name/boxfleet-usage" .)
cp "$src/LICENSE" "$work/$name/LICENSE"
chmod 0755 "$work/$name/sing-box" "$work/$name/boxfleet-usage"; chmod 0644 "$work/$name/LICENSE"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work" -cf - "$name" | gzip -n -9 > "$out/$name.tar.gz"
echo "tags: $tags" >&2
sha256sum "$out/$name.tar.gz" | cut -c1-64
