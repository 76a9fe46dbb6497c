/**
 * The corpus manifest (tab-separated, one row per photo, labelled by eye) and the groups the
 * evaluation splits by. Parsing takes text, so this stays free of the file system.
 */

export interface ManifestRow {
  /** Path relative to the corpus folder, e.g. images/deb_skimage_astronaut.png. */
  path: string;
  peopleCount: number | undefined;
  personsGenderAge: string;
  skinToneVisible: string;
  pets: string;
  scene: string;
  expectedClass: string;
  /** Every column by header name, as written. */
  columns: Record<string, string>;
}

export function parseManifest(text: string): ManifestRow[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) return [];
  const header = lines[0].split('\t').map((h) => h.trim());
  if (!header.includes('path')) throw new Error('manifest has no "path" column');
  return lines.slice(1).map((line) => {
    const cells = line.split('\t');
    const columns: Record<string, string> = {};
    header.forEach((name, i) => {
      columns[name] = (cells[i] ?? '').trim();
    });
    const count = Number.parseInt(columns.people_count ?? '', 10);
    return {
      path: columns.path,
      peopleCount: Number.isFinite(count) ? count : undefined,
      personsGenderAge: columns.persons_gender_age ?? '',
      skinToneVisible: columns.skin_tone_visible ?? '',
      pets: columns.pets ?? '',
      scene: columns.scene ?? '',
      expectedClass: columns.expected_class ?? '',
      columns,
    };
  });
}

/** The two skin-tone groups, plus photos that hold both or say neither. */
export type SkinGroup = 'light' | 'medium-dark' | 'mixed' | 'unknown';
export const SKIN_GROUPS: readonly SkinGroup[] = ['light', 'medium-dark', 'mixed', 'unknown'];

const LIGHT_TONES = new Set(['light', 'light-medium']);
const DARKER_TONES = new Set(['medium', 'medium-dark', 'dark']);

/**
 * light = light, light-medium; medium-dark = medium, medium-dark, dark (per the manifest's
 * skin_tone_visible). A photo naming tones from both groups (a mixed group, "light/medium") is
 * 'mixed'; one naming none ("-", "n/a …") is 'unknown'. Remarks in brackets are ignored.
 */
export function skinGroupOf(skinToneVisible: string): SkinGroup {
  const text = skinToneVisible.toLowerCase().replace(/\([^)]*\)/g, ' ');
  const tones = text.match(/light-medium|medium-dark|light|medium|dark/g) ?? [];
  const light = tones.some((t) => LIGHT_TONES.has(t));
  const darker = tones.some((t) => DARKER_TONES.has(t));
  if (light && darker) return 'mixed';
  if (light) return 'light';
  if (darker) return 'medium-dark';
  return 'unknown';
}

export type AgeGroup = 'child' | 'teen' | 'adult' | 'elderly' | 'mixed' | 'none';
export const AGE_GROUPS: readonly AgeGroup[] = ['child', 'teen', 'adult', 'elderly', 'mixed', 'none'];

/** The one age bucket all labelled people share ('mixed' when they differ, 'none' without people). */
export function ageGroupOf(personsGenderAge: string): AgeGroup {
  const buckets = new Set(personsGenderAge.toLowerCase().match(/child|teen|adult|elderly/g) ?? []);
  if (buckets.size === 0) return 'none';
  if (buckets.size > 1) return 'mixed';
  return [...buckets][0] as AgeGroup;
}
