/** The probe's own user on every inbound; no fleet user may take this name. */
export const PROBE_USER = 'boxfleet-probe';
