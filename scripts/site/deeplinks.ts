// One-tap import links (../shared/reference/singbox.md §7.3). Each app gets the profile
// format it reads best. `uncertain` marks formats seen only in community usage, which the
// page flags so a user who finds one broken knows to copy the link instead.

export type ProfileFile = 'sing-box.json' | 'mihomo.yaml' | 'links.txt';
export const PROFILE_FILES: readonly ProfileFile[] = ['sing-box.json', 'mihomo.yaml', 'links.txt'];

export interface AppLink { id: string; app: string; href: string; uncertain: boolean }

const enc = encodeURIComponent;

/** Apps offered for each profile file, in the order shown. */
export function appLinks(file: ProfileFile, url: string, name: string): AppLink[] {
  switch (file) {
    case 'sing-box.json':
      // Documented (sing-box clients/general.md) and the profile is a full sing-box config.
      return [{ id: 'sing-box', app: 'sing-box', href: `sing-box://import-remote-profile?url=${enc(url)}#${enc(name)}`, uncertain: false }];
    case 'mihomo.yaml':
      // Documented by Clash for Windows and Clash Verge Rev; most mihomo GUIs register it too.
      return [{ id: 'clash', app: 'Clash Verge Rev / mihomo', href: `clash://install-config?url=${enc(url)}&name=${enc(name)}`, uncertain: false }];
    case 'links.txt':
      return [
        // Hiddify's wiki form takes the URL as it is, in the path.
        { id: 'hiddify', app: 'Hiddify', href: `hiddify://import/${url}#${enc(name)}`, uncertain: false },
        // v2rayNG's current code reads the name from the fragment (older releases: &name=).
        { id: 'v2rayng', app: 'v2rayNG', href: `v2rayng://install-config?url=${enc(url)}#${enc(name)}`, uncertain: false },
        // Shadowrocket publishes no URL scheme; `sub://<base64 of the URL>` is what panels use.
        { id: 'shadowrocket', app: 'Shadowrocket', href: `sub://${Buffer.from(url, 'utf8').toString('base64')}#${enc(name)}`, uncertain: true },
      ];
  }
}
