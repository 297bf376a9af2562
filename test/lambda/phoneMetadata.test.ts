/**
 * The bundle embeds libphonenumber's `max` metadata without its display formats
 * (lambda/build.ts routingMetadata). Every number must parse, validate and type exactly as
 * with the full metadata, or the toll-fraud guard would judge differently in Lambda.
 */
import { getCountries, parsePhoneNumberFromString, type CountryCode, type MetadataJson } from 'libphonenumber-js/core';
import fullMetadata from 'libphonenumber-js/metadata.max.json';
import examples from 'libphonenumber-js/examples.mobile.json';
import fc from 'fast-check';
import { routingMetadata } from '../../lambda/build';

const full = fullMetadata as unknown as MetadataJson;
const routing = routingMetadata(fullMetadata as never) as unknown as MetadataJson;

function judged(input: string, country: CountryCode, metadata: MetadataJson) {
  const parsed = parsePhoneNumberFromString(input, country, metadata);
  return parsed && { e164: parsed.number, country: parsed.country, valid: parsed.isValid(), type: parsed.getType() };
}

describe('the metadata the router bundles', () => {
  it('is a third smaller', () => {
    expect(JSON.stringify(routing).length).toBeLessThan(JSON.stringify(full).length * 0.75);
  });

  it('judges every country\'s example numbers, national and international, as the full metadata does', () => {
    const countries = getCountries(full);
    let compared = 0;
    for (const country of countries) {
      const national = (examples as Record<string, string>)[country];
      if (!national) continue;
      const e164 = parsePhoneNumberFromString(national, country, full)?.number;
      for (const input of [national, e164, `0${national}`, national.slice(0, -1), `${national}9`].filter(Boolean) as string[]) {
        for (const defaultCountry of [country, 'US', 'GB'] as CountryCode[]) {
          expect(judged(input, defaultCountry, routing)).toEqual(judged(input, defaultCountry, full));
          compared += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(3000);
  });

  it('judges random dial strings as the full metadata does', () => {
    const countries = getCountries(full);
    fc.assert(
      fc.property(fc.stringMatching(/^\+?[0-9]{3,15}$/), fc.constantFrom(...countries), (input, country) => {
        expect(judged(input, country, routing)).toEqual(judged(input, country, full));
      }),
      { numRuns: 5000 },
    );
  });
});
