/** The probe's own user on every inbound; no fleet user may take this name. */
export const PROBE_USER = 'boxfleet-probe';

/**
 * A name that is also a member every JavaScript object inherits. Names key plain objects
 * (usage per user, status per node), where `constructor` would read the inherited function
 * instead of nothing: a user of that name was never counted. It is the only such member
 * that fits the lowercase name pattern.
 */
export const INHERITED_NAME = 'constructor';
