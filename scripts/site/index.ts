// The site stage's public surface.
export { buildSite, userLinks, type SiteOptions, type SiteResult, type UserLink } from './build.ts';
export { isDemoBuild, DEMO_MARKER, DEMO_META } from './demo.ts';
export { readStatus, type StatusView, type NodeStatus, type NodeState } from './status-adapter.ts';
export { rankNodes, profileOrder } from './health-order.ts';
export { APPS, PROFILE_FILES, type ProfileFile } from './deeplinks.ts';
