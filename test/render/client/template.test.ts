// Profile templates (users with the same nodes share one, filled with each user's
// credentials) must give exactly the bytes of the direct render, for every user, for any
// credential shape, and must ask the credential store for the same secrets.
import { describe, expect, it } from 'vitest';
import type { Fleet } from '../../../scripts/model/types.ts';
import type { Identity } from '../../../scripts/render/endpoint.ts';
import { profileNodes } from '../../../scripts/render/client/endpoints.ts';
import { directProfile, profileBytes, profileFiles } from '../../../scripts/render/client/files.ts';
import { renderProfileBytes, renderProfiles, renderProfilesDirect } from '../../../scripts/render/client/index.ts';
import { endpointsFor } from '../../../scripts/render/client/endpoints.ts';
import { buildTemplate, fillTemplate, fillTemplateBytes } from '../../../scripts/render/client/template.ts';
import { CredentialStore } from '../../../scripts/secrets/index.ts';
import { demoFleet, NOW, TEST_SECRET, testStore, userOf } from './fixture.ts';

const ACTIVE = ['alice', 'dave', 'erin', 'frank'];
const FLEETS: [string, () => Fleet][] = [
  ['demo', () => demoFleet()],
  ['cn-direct', () => demoFleet({ 'fleet.yaml': (d) => { d.subscription.routing = 'cn-direct'; } })],
  // Two nodes titled alike: labels are renamed, the same way for every user.
  ['shared title', () => demoFleet({ 'nodes/singapore-1.yaml': (d) => { d.title = 'Tokyo 1'; } })],
];
const ORDERS: (string[] | undefined)[] = [undefined, ['singapore-1', 'tokyo-1', 'frankfurt-1'], ['frankfurt-1']];

/** An identity with credentials no real derivation gives: quoting and escaping must still follow the value. */
function oddIdentity(i: number): Identity {
  const odd = ['123', 'yes', '-x', 'a: b', '"q"', 'e5', '1:20', 'x #y', 'ok', '~', 'pässwört·例'];
  return { name: `odd-${i}`, uuid: odd[i % odd.length], password: odd[(i + 3) % odd.length], ss2022Key: (m) => `${odd[(i + 5) % odd.length]}+/=${m}` };
}

describe('profile templates', () => {
  for (const [what, make] of FLEETS) {
    it(`${what}: every user's files are the direct render's bytes, in any node order`, () => {
      const fleet = make();
      const store = testStore(fleet);
      const reference = testStore(fleet);
      // Three rounds: the first renders directly, the second builds templates, the third fills them.
      for (let round = 0; round < 3; round++) {
        for (const order of ORDERS) {
          for (const name of ACTIVE) {
            const user = userOf(fleet, name);
            const direct = renderProfilesDirect(fleet, user, reference, NOW, order)!;
            expect(renderProfiles(fleet, user, store, NOW, order), `${what} ${name} ${order} round ${round}`).toEqual(direct);
            // What the site writes: the same files as UTF-8, from the template's encoded literals.
            expect(renderProfileBytes(fleet, user, store, NOW, order), `${what} ${name} ${order} round ${round} (bytes)`).toEqual(profileBytes(direct));
          }
        }
      }
      // The same secrets were handed out (and so masked in CI) as by direct renders.
      expect(store.allSecretValues()).toEqual(reference.allSecretValues());
    });
  }

  it('a template filled with odd credentials matches their direct render, share links included', () => {
    for (const [what, make] of FLEETS) {
      const fleet = make();
      const store = testStore(fleet);
      const nodes = profileNodes(fleet, userOf(fleet, 'alice'));
      const built = buildTemplate(fleet.settings, nodes, store, oddIdentity(0));
      expect(built.template, what).toBeDefined();
      for (let i = 0; i < 11; i++) {
        const who = oddIdentity(i);
        const direct = profileFiles(directProfile(fleet.settings, endpointsFor(nodes, store, who)));
        expect(fillTemplate(built.template!, who), `${what} ${i}`).toEqual(direct);
        expect(fillTemplateBytes(built.template!, who), `${what} ${i} (bytes)`).toEqual(profileBytes(direct));
      }
    }
  });

  it('a template that does not reproduce the direct render is not used', () => {
    // A title carrying a marker: the template would put credentials into a proxy name.
    const fleet = demoFleet({ 'nodes/tokyo-1.yaml': (d) => { d.title = 'Tokyo \uE000u\uE001'; } });
    const store = new CredentialStore(TEST_SECRET, fleet.settings.epoch);
    const nodes = profileNodes(fleet, userOf(fleet, 'alice'));
    expect(buildTemplate(fleet.settings, nodes, store, oddIdentity(1)).template).toBeUndefined();
    for (let round = 0; round < 3; round++) {
      for (const name of ACTIVE) {
        expect(renderProfiles(fleet, userOf(fleet, name), store, NOW)).toEqual(renderProfilesDirect(fleet, userOf(fleet, name), store, NOW));
      }
    }
  });
});
