// The apps a user page offers, per platform, each with the profile file it reads best, its
// one-tap import link (../shared/reference/singbox.md §7.3) and where to get it. Only links
// whose form the app documents or its code reads are offered; the page states them plainly.

export type ProfileFile = 'sing-box.json' | 'mihomo.yaml' | 'links.txt';
export const PROFILE_FILES: readonly ProfileFile[] = ['sing-box.json', 'mihomo.yaml', 'links.txt'];

export type Platform = 'ios' | 'android' | 'desktop';
export const PLATFORMS: readonly Platform[] = ['ios', 'android', 'desktop'];

export type AppId = 'sing-box-ios' | 'shadowrocket' | 'sing-box-android' | 'hiddify' | 'v2rayng' | 'clash-verge-rev';

export interface App {
  id: AppId;
  /** What the button says ("Open in …"). */
  name: string;
  platform: Platform;
  file: ProfileFile;
  /** The default download page: the app's own store or release page. */
  get: string;
  link(url: string, name: string): string;
}

const enc = encodeURIComponent;
/** base64url without padding, as Shadowrocket's `add/sub://` form takes the URL. */
const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

const singBox = (url: string, name: string): string => `sing-box://import-remote-profile?url=${enc(url)}#${enc(name)}`;
// Hiddify's wiki form takes the URL as it is, in the path.
const hiddify = (url: string, name: string): string => `hiddify://import/${url}#${enc(name)}`;

export const APPS: readonly App[] = [
  // sing-box's own apps: documented in sing-box clients/general.md; the profile is a full config.
  { id: 'sing-box-ios', name: 'sing-box', platform: 'ios', file: 'sing-box.json', get: 'https://sing-box.sagernet.org/clients/apple/', link: singBox },
  // Shadowrocket registers shadowrocket://; `add/sub://<base64url>` adds a subscription.
  { id: 'shadowrocket', name: 'Shadowrocket', platform: 'ios', file: 'links.txt', get: 'https://apps.apple.com/app/shadowrocket/id932747118', link: (url, name) => `shadowrocket://add/sub://${b64url(url)}?remark=${enc(name)}` },
  { id: 'sing-box-android', name: 'sing-box', platform: 'android', file: 'sing-box.json', get: 'https://sing-box.sagernet.org/clients/android/', link: singBox },
  { id: 'hiddify', name: 'Hiddify', platform: 'android', file: 'links.txt', get: 'https://github.com/hiddify/hiddify-app/releases', link: hiddify },
  // v2rayNG's current code reads the name from the fragment (older releases: &name=).
  { id: 'v2rayng', name: 'v2rayNG', platform: 'android', file: 'links.txt', get: 'https://github.com/2dust/v2rayNG/releases', link: (url, name) => `v2rayng://install-config?url=${enc(url)}#${enc(name)}` },
  // Documented by Clash for Windows and Clash Verge Rev.
  { id: 'clash-verge-rev', name: 'Clash Verge Rev', platform: 'desktop', file: 'mihomo.yaml', get: 'https://github.com/clash-verge-rev/clash-verge-rev/releases', link: (url, name) => `clash://install-config?url=${enc(url)}&name=${enc(name)}` },
];
