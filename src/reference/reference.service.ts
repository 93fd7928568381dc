// Reference data lookups, served from memory (the data is owned by the code; no SQL per request).
import {
  EHR_PLATFORMS,
  HHS_REGIONS,
  LANGUAGE_CODES,
  NATIONWIDE,
  SERVICE_CATEGORIES,
  STATE_NAMES,
} from './reference.data';
import { EhrPlatform, Region, RegionKind, ServiceCategory } from './reference.types';

const stateCode = (s: string) => `US-${s}`;

const hhsOfState = new Map<string, string>();
for (const [code, r] of Object.entries(HHS_REGIONS)) for (const s of r.states) hhsOfState.set(stateCode(s), code);

const allStates = Object.keys(STATE_NAMES).map(stateCode).sort();

export const regions: Region[] = [
  ...Object.entries(STATE_NAMES).map(([s, name]) => ({
    code: stateCode(s),
    name,
    kind: RegionKind.STATE,
    states: [stateCode(s)],
    hhsRegion: hhsOfState.get(stateCode(s)) ?? null,
  })),
  ...Object.entries(HHS_REGIONS).map(([code, r]) => ({
    code,
    name: r.name,
    kind: RegionKind.HHS_REGION,
    states: r.states.map(stateCode),
    hhsRegion: null,
  })),
  {
    code: NATIONWIDE,
    name: 'Nationwide (all states, DC and PR)',
    kind: RegionKind.NATIONWIDE,
    states: allStates,
    hhsRegion: null,
  },
];
export const ehrPlatforms: EhrPlatform[] = EHR_PLATFORMS.map((e) => ({ ...e }));
export const serviceCategories: ServiceCategory[] = SERVICE_CATEGORIES.map((c) => ({ ...c }));

const regionByCode = new Map(regions.map((r) => [r.code, r]));
const ehrByCode = new Map(ehrPlatforms.map((e) => [e.code, e]));
const categoryByCode = new Map(serviceCategories.map((c) => [c.code, c]));

export const region = (code: string) => regionByCode.get(code);
export const ehrPlatform = (code: string) => ehrByCode.get(code);
export const serviceCategory = (code: string) => categoryByCode.get(code);
export const isLanguage = (code: string) => LANGUAGE_CODES.has(code);
export const isState = (code: string) => regionByCode.get(code)?.kind === RegionKind.STATE;

/**
 * Region codes whose coverage includes all of `code`: itself, its HHS region and NATIONWIDE.
 * An offering serving any of them serves the whole of `code`.
 */
export function coveringRegions(code: string): string[] {
  const r = regionByCode.get(code);
  if (!r) return [];
  if (r.kind === RegionKind.STATE) return [code, ...(r.hhsRegion ? [r.hhsRegion] : []), NATIONWIDE];
  if (r.kind === RegionKind.HHS_REGION) return [code, NATIONWIDE];
  return [NATIONWIDE];
}

/**
 * Region codes a need located in `code` may carry: the states inside it plus every region that
 * overlaps it (a need in US-OH is "in" US-OH, HHS-5 and NATIONWIDE). Empty for an unknown code.
 */
export function regionsOfNeedsIn(code: string): string[] {
  const r = regionByCode.get(code);
  return r ? [...new Set([...r.states, ...overlappingRegions(code)])] : [];
}

/** Region codes serving at least part of `code`: the covering ones plus the regions inside it. */
export function overlappingRegions(code: string): string[] {
  const r = regionByCode.get(code);
  if (!r) return [];
  const inside =
    r.kind === RegionKind.STATE
      ? []
      : regions.filter((x) => x.code !== code && x.states.every((s) => r.states.includes(s))).map((x) => x.code);
  return [...new Set([...coveringRegions(code), ...inside])];
}
