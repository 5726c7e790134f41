usage() {
  cat >&2 <<'EOF2'
usage: boxfleet-node COMMAND
  status | version | self-version | hash | marker | is-active | main-pid | ports
  session                                  one whole deploy over stdin/stdout (see the session section)
  install-singbox VERSION ARCH SHA256 SIG  the release tarball on stdin, installed under its signed pin
  bootstrap (root) | refresh               the manifest on stdin (see the bootstrap section)
  watchdog                                 restart sing-box when it is not running (the timer's job)
  usage-read | usage-ack SEQ               the stats build's per-user totals, and the collector's receipt
EOF2
  exit 2
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    status) cmd_status ;;
    version) singbox_version ;;
    self-version) say "$SCRIPT_VERSION" ;;
    hash) sha_of "$CONFIG" ;;
    marker) [[ -f $MARKER ]] || exit 3; cat "$MARKER" ;;
    is-active) if [[ $(svc_pid) != 0 ]]; then say active; else say inactive; exit 3; fi ;;
    main-pid) svc_pid ;;
    ports) pid=$(svc_pid); [[ $pid != 0 ]] && pid_ports "$pid" | sort ;;
    session) [[ $# -eq 0 ]] || usage; cmd_session ;;
    install-singbox) cmd_install_singbox "$@" ;;
    bootstrap|refresh) [[ $# -eq 0 ]] || usage; cmd_bootstrap "$cmd" ;;
    watchdog) cmd_watchdog ;;
    usage-read) [[ $# -eq 0 ]] || usage; cmd_usage_read ;;
    usage-ack) cmd_usage_ack "$@" ;;
    *) usage ;;
  esac
}

main "$@"
