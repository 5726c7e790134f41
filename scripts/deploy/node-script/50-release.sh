# ---- sing-box releases -------------------------------------------------------------------
# A release, only with a pin signed by the fleet's pin key: the caller names version, arch
# and SHA-256, and the signature proves FLEET_SECRET's holder chose them. With a live
# config the new binary must pass `check` of it before the swap, and sing-box is
# restarted on it and verified; if it fails the previous binary comes back (exit 11).
cmd_install_singbox() {
  [[ $# -eq 4 ]] || usage
  local version=$1 arch=$2 want=$3 sig=$4
  need version "$version" "$RE_VERSION"; need arch "$arch" "$RE_ARCH"; need sha256 "$want" "$RE_HEX64"; need signature "$sig" "$RE_SIG"
  take_lock
  WORK=$(mktemp -d /run/boxfleet-install.XXXXXXXX)
  trap 'rm -rf "$WORK"' EXIT
  # Hash and unpack one root-owned copy: the caller cannot swap the file in between.
  read_stdin "$WORK/release.tar.gz" "$MAX_RELEASE_BYTES" "release tarball"
  install_release "$version" "$arch" "$want" "$sig"
}

# Installs $WORK/release.tar.gz (root-owned, in the private $WORK) under the signed pin.
install_release() {
  local version=$1 arch=$2 want=$3 sig=$4
  [[ -f $PIN_PUB ]] || die 15 "no pin key ($PIN_PUB): bootstrap this node as root first (fleet bootstrap NODE --as-root)"
  [[ $arch == "$(machine_arch)" ]] || die 1 "the pin is for $arch; this machine is $(machine_arch)"
  printf '%s' "boxfleet-singbox-pin|v1|$version|$arch|$want" > "$WORK/pin.msg"
  base64 -d <<< "$sig" > "$WORK/pin.sig" 2>/dev/null || die 14 "the pin signature is not base64"
  openssl pkeyutl -verify -pubin -inkey "$PIN_PUB" -rawin -in "$WORK/pin.msg" -sigfile "$WORK/pin.sig" > /dev/null 2>&1 \
    || die 14 "the pin (sing-box $version, $arch, $want) is not signed by this fleet's pin key"
  [[ $(sha_of "$WORK/release.tar.gz") == "$want" ]] || die 14 "release tarball does not have the pinned sha256"
  mkdir "$WORK/x"
  tar -xzf "$WORK/release.tar.gz" -C "$WORK/x" --strip-components=1 --no-same-owner --no-same-permissions
  [[ -f $WORK/x/sing-box && ! -L $WORK/x/sing-box ]] || die 1 "release tarball holds no sing-box binary"
  chmod 0755 "$WORK/x/sing-box"
  [[ $("$WORK/x/sing-box" version 2>/dev/null | sed -n '1s/^sing-box version \([^ ]*\).*/\1/p') == "$version" ]] || die 1 "release binary is not version $version"
  install_usage_helper
  if [[ -x $SINGBOX ]] && cmp -s "$WORK/x/sing-box" "$SINGBOX"; then say "unchanged sing-box $version"; return 0; fi
  trap '' HUP PIPE
  if [[ -f $CONFIG ]] && ! singbox_check_with "$WORK/x/sing-box" "$CONFIG"; then say "result=check-failed"; exit 10; fi
  local running old
  old=$(svc_pid); running=$old
  [[ -x $SINGBOX ]] && cp -p "$SINGBOX" "$SINGBOX.prev"
  install -m 0755 "$WORK/x/sing-box" "$SINGBOX.new" && mv -f "$SINGBOX.new" "$SINGBOX"
  say "changed sing-box $version"
  [[ $running != 0 ]] || return 0
  if svc_restart && verify_started "$old"; then say "result=applied"; return 0; fi
  err "sing-box $version failed to start; restoring the previous binary"
  if restore_binary; then say "result=rolled-back"; exit 11; fi
  say "result=rollback-failed"; exit 12
}

singbox_check_with() { "$1" check -c "$2" 2>&1 | tail -n 20 >&2; return "${PIPESTATUS[0]}"; }

# The binary before the last install, back in place and running.
restore_binary() {
  [[ -f $SINGBOX.prev ]] || { err "no previous sing-box binary"; return 1; }
  local old
  cp -p "$SINGBOX.prev" "$SINGBOX.new" && mv -f "$SINGBOX.new" "$SINGBOX"
  old=$(svc_pid)
  svc_restart && verify_started "$old"
}

