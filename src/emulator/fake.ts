// Plausible values for generated records, picked deterministically from a unit number.

const FIRST = [
  'Ada',
  'Ben',
  'Cara',
  'Dev',
  'Eli',
  'Fay',
  'Gus',
  'Hana',
  'Ivan',
  'Jo',
  'Kai',
  'Lena',
  'Milo',
  'Nia',
  'Omar',
  'Pia',
  'Quin',
  'Rosa',
  'Sami',
  'Tara',
  'Uma',
  'Vic',
  'Wes',
  'Yara',
  'Zoe',
];
const LAST = [
  'Abbott',
  'Baker',
  'Chen',
  'Diaz',
  'Evans',
  'Fischer',
  'Garcia',
  'Hughes',
  'Ito',
  'Jensen',
  'Khan',
  'Lopez',
  'Meyer',
  'Novak',
  'Olsen',
  'Patel',
  'Quinn',
  'Rossi',
  'Silva',
  'Tanaka',
  'Ueda',
  'Vargas',
  'Weber',
  'Young',
];
const WORDS = [
  'amber',
  'bold',
  'cedar',
  'delta',
  'ember',
  'frost',
  'gale',
  'harbor',
  'iris',
  'jade',
  'kite',
  'lumen',
  'maple',
  'nova',
  'onyx',
  'pine',
  'quartz',
  'river',
  'sage',
  'tide',
  'umber',
  'vale',
  'willow',
  'zephyr',
  'orbit',
  'prairie',
  'summit',
  'canyon',
];
const CITIES = [
  'Chicago',
  'Austin',
  'Denver',
  'Omaha',
  'Tulsa',
  'Madison',
  'Memphis',
  'Dallas',
  'Boise',
  'Fargo',
];
const COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR', 'BR', 'AU', 'JP', 'IN', 'MX'];
const COMPANIES = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Vandelay',
  'Stark',
  'Wayne',
  'Wonka',
  'Tyrell',
];

const at = <T>(list: readonly T[], u: number): T => list[Math.floor(u * list.length) % list.length];

/** Turns u ∈ [0,1) into a stream of further unit numbers (so one draw can feed several picks). */
function spread(u: number, k: number): number {
  const x = Math.sin((u * 1e4 + k) * 12.9898) * 43758.5453;
  return x - Math.floor(x);
}

export function firstName(u: number): string {
  return at(FIRST, u);
}
export function lastName(u: number): string {
  return at(LAST, spread(u, 1));
}
export function word(u: number): string {
  return at(WORDS, u);
}
export function words(u: number, count = 3): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(at(WORDS, spread(u, i + 2)));
  return out.join(' ');
}
export function sentence(u: number): string {
  const s = words(u, 6);
  return `${s[0].toUpperCase()}${s.slice(1)}.`;
}
export function title(u: number): string {
  const s = words(u, 2);
  return s.replace(/\b\w/g, (c) => c.toUpperCase());
}
export function city(u: number): string {
  return at(CITIES, u);
}
export function country2(u: number): string {
  return at(COUNTRIES, u);
}
export function company(u: number): string {
  return at(COMPANIES, u);
}
export function phone(u: number): string {
  const digits = String(Math.floor(u * 9_000_000) + 1_000_000);
  return `+1 555 ${digits.slice(0, 3)} ${digits.slice(3)}`;
}
export function hex(u: number, length: number): string {
  let out = '';
  let k = 0;
  while (out.length < length)
    out += Math.floor(spread(u, k++) * 0xffffffff)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, length);
}
export function uuid(u: number): string {
  const h = hex(u, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
/** Generated contact e-mails embed the id, so a duplicate check needs no index. */
export function contactEmail(u: number, id: number): string {
  return `${firstName(u)}.${lastName(u)}.${id}@example.com`.toLowerCase();
}
export const CONTACT_EMAIL_ID = /^[a-z]+\.[a-z]+\.(\d+)@example\.com$/;
