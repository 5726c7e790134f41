// The render stage's checks, applied to profiles as the site serves them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import { validateSingBoxConfig } from '../../scripts/render/singbox-schema/index.ts';
import { ROOT } from './helpers.ts';

let mihomo: ((v: unknown) => string[]) | undefined;
function mihomoErrors(value: unknown): string[] {
  if (!mihomo) {
    const ajv = new (Ajv as any).default({ allErrors: true, strict: false }) as import('ajv').default;
    (addFormats as any).default(ajv);
    const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'meta-json-schema', 'schemas', 'meta-json-schema.json'), 'utf8'));
    const validate = ajv.compile(schema);
    mihomo = (v) => (validate(v) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
  }
  return mihomo(value);
}

const SCHEMES = /^(vless|vmess|trojan|ss|hysteria2|hy2|tuic):\/\//;

/** Problems with one user's three files; [] when all parse and pass. */
export function profileProblems(files: { singbox: string; mihomo: string; links: string }): string[] {
  const out: string[] = [];
  const sb = JSON.parse(files.singbox);
  out.push(...validateSingBoxConfig(sb).map((e) => `sing-box.json ${e}`));
  const mh = YAML.parse(files.mihomo, { merge: true });
  out.push(...mihomoErrors(mh).map((e) => `mihomo.yaml ${e}`));
  if (!Array.isArray(mh?.proxies) || mh.proxies.length === 0) out.push('mihomo.yaml: no proxies');
  const body = files.links.trim();
  if (!/^[A-Za-z0-9+/]+=*$/.test(body)) out.push('links.txt: not one line of standard base64');
  const lines = Buffer.from(body, 'base64').toString('utf8').split('\n').filter(Boolean);
  if (lines.length === 0) out.push('links.txt: no links');
  for (const l of lines) if (!SCHEMES.test(l)) out.push(`links.txt: not a share link: ${l.slice(0, 20)}…`);
  return out;
}
