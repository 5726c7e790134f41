// `fleet node cert <name>`: makes the self-signed certificate of a `tls.mode: self-signed`
// node from its derived key and commits it (public) into the node's YAML, comments kept.
import { isMap, Pair, Scalar, type YAMLMap } from 'yaml';
import type { CommandContext, ParsedArgs } from '../core/command.ts';
import { EXIT, OperationError } from '../core/command.ts';
import { expectPositionals } from '../core/args.ts';
import { openCredentialStore, DEMO_WARNING, loadMasterSecret } from './index.ts';
import { certificateMatchesKey, makeSelfSignedCertificate } from '../core/certificate.ts';
import { checkEdit, documentText, isoSeconds, openDocument, replaceFile, requireSlug } from '../model/edit.ts';

export async function runNodeCert(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const [raw] = expectPositionals(args, 1, 'the node name, e.g. `node cert frankfurt-1`');
  const name = requireSlug(raw, 'node name');
  const rel = `nodes/${name}.yaml`;
  const doc = openDocument(ctx, rel);
  // Load the fleet with the current certificate set aside: an unreadable or stale one is
  // exactly what this command repairs, so it must not stop the command from loading.
  const existing = doc.getIn(['tls', 'certificate']);
  const withoutCert = doc.clone();
  withoutCert.deleteIn(['tls', 'certificate']);
  const fleet = checkEdit(ctx, { [rel]: documentText(withoutCert) });
  const node = fleet.nodes.find((n) => n.name === name)!;
  if (node.tls?.mode !== 'self-signed') {
    throw new OperationError(`node \`${name}\` has ${node.tls ? `\`tls.mode: ${node.tls.mode}\`` : 'no `tls:` block'}; only \`mode: self-signed\` nodes get a certificate from this command`);
  }
  const master = loadMasterSecret(ctx.env, { purpose: 'preview' });
  if (master.demo) ctx.io.err(DEMO_WARNING);
  const key = openCredentialStore(master, fleet.settings.epoch).node(name, node.rev).selfSignedKey;
  if (typeof existing === 'string' && !args.options.replace) {
    if (certificateMatchesKey(existing, key.publicKeyPem)) {
      ctx.io.out(`${rel} already has a certificate for the key of ${name} rev ${node.rev}; nothing to do`);
      return EXIT.ok;
    }
    throw new OperationError(`${rel} has a certificate made from another key (another FLEET_SECRET, epoch or node rev) or an unreadable one; pass --replace to make a new one (clients must refresh their profiles)`);
  }
  const pem = makeSelfSignedCertificate({ privateKeyPem: key.privateKeyPem, serverName: node.tls.server_name, address: node.address });
  const tls = doc.get('tls', true);
  if (!isMap(tls)) throw new OperationError(`${rel}: \`tls:\` is not a mapping that can be edited`);
  setCertificate(tls, pem, commentFor(name, node.rev, fleet.settings.epoch, master.demo, ctx.now));
  const text = documentText(doc);
  const checked = checkEdit(ctx, { [rel]: text });
  const written = checked.nodes.find((n) => n.name === name)?.tls?.certificate;
  if (!written || !certificateMatchesKey(written, key.publicKeyPem)) throw new OperationError(`the edited ${rel} does not carry the new certificate (nothing was changed)`);
  replaceFile(ctx, rel, text);
  ctx.io.out(`wrote a self-signed certificate for ${node.tls.server_name} (valid 10 years) into ${rel} \`tls.certificate\``);
  if (master.demo) ctx.io.out(`it was made with the public DEMO secret: run this again with the real FLEET_SECRET and --replace before deploying ${name}`);
  return EXIT.ok;
}

function commentFor(name: string, rev: number, epoch: number, demo: boolean, now: Date): string {
  const lines = [` Written by \`fleet node cert ${name}\` on ${isoSeconds(now).slice(0, 10)} (epoch ${epoch}, node rev ${rev}) from the`];
  if (demo) {
    lines.push(
      ' key derived from the public DEMO secret, not from a real FLEET_SECRET. The certificate',
      ' is public; its key is never stored. Before deploying, run with the real secret:',
      ` \`fleet node cert ${name} --replace\` (render and deploy refuse a mismatch).`,
    );
  } else {
    lines.push(' key derived from FLEET_SECRET. The certificate is public; its key is never stored.');
  }
  return lines.join('\n');
}

/** Sets `certificate` as a literal block scalar, replacing an older one in place. */
function setCertificate(tls: YAMLMap, pem: string, comment: string): void {
  const value = new Scalar(pem.endsWith('\n') ? pem : `${pem}\n`);
  value.type = 'BLOCK_LITERAL';
  const key = new Scalar('certificate');
  key.commentBefore = comment;
  const index = tls.items.findIndex((p) => String((p.key as Scalar | undefined)?.value ?? p.key) === 'certificate');
  if (index >= 0) tls.items[index] = new Pair(key, value);
  else tls.items.push(new Pair(key, value));
}
