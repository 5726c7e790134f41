usage() {
  cat >&2 <<'EOF'
usage: boxfleet-node COMMAND
  status | version | self-version | hash | marker | is-active | main-pid | ports
  check FILE
  session                               one whole deploy over stdin/stdout (see the session section)
  lock                                  hold the deploy lock until stdin closes; prints "locked TOKEN"
  with-lock COMMAND ARGS...             run one mutating command under the lock
  apply FILE --sha256 HEX --token T     check, keep previous, swap, firewall, restart, verify
  rollback --token T | restart --token T | rollback-singbox --token T | firewall [SPEC...] --token T
  write-marker --sha256 HEX --commit C --deployed-at TIME --token T
  install-singbox TARBALL VERSION ARCH SHA256 SIGNATURE --token T
  bootstrap MANIFEST --token T (root) | refresh MANIFEST --token T | watchdog
EOF
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
    ports) pid=$(svc_pid); [[ $pid != 0 ]] && pid_ports "$pid" ;;
    check)
      [[ $# -eq 1 ]] || usage
      WORK=$(mktemp -d /run/boxfleet-check.XXXXXXXX); trap 'rm -rf "$WORK"' EXIT
      take_upload "$1" "$WORK/config.json" "$MAX_CONFIG_BYTES" || exit 1
      config_policy "$WORK/config.json" && singbox_check "$WORK/config.json" && say "check ok" || exit 10 ;;
    session) [[ $# -eq 0 ]] || usage; cmd_session ;;
    lock) cmd_lock ;;
    with-lock) [[ $# -gt 0 ]] || usage; cmd_with_lock "$@" ;;
    apply) cmd_apply "$@" ;;
    rollback) locked_restore restore_previous "$@" ;;
    restart) cmd_restart "$@" ;;
    firewall)
      local args=() token=""
      while [[ $# -gt 0 ]]; do if [[ $1 == --token ]]; then token=$2; shift 2; else args+=("${1/:/ }"); shift; fi; done
      require_lock "$token"; firewall_apply "${args[@]}" ;;
    write-marker) cmd_write_marker "$@" ;;
    install-singbox) [[ $# -eq 7 && $6 == --token ]] || usage; cmd_install_singbox "$@" ;;
    rollback-singbox) locked_restore restore_binary "$@" ;;
    bootstrap|refresh) [[ $# -eq 3 && $2 == --token ]] || usage; cmd_bootstrap "$cmd" "$@" ;;
    watchdog) cmd_watchdog ;;
    *) usage ;;
  esac
}

main "$@"
