/**
 * Where a job's webhook may point (server-side request forgery guard). A webhook makes this server
 * send a request to an address a stranger chose, so by default only public internet addresses are
 * allowed: loopback, private networks, link-local, carrier-grade NAT, documentation and reserved
 * ranges are refused, in every spelling the URL parser accepts (`2130706433`, `0x7f.1`, `[::1]`,
 * `[::ffff:127.0.0.1]`, NAT64 and 6to4 forms with a private address inside). Names are checked twice:
 * when the job is submitted, and again on the addresses the delivery connects to (a name can be
 * re-pointed between the two: DNS rebinding). Cloud metadata endpoints, unspecified, multicast and
 * broadcast addresses are refused even when private targets are allowed: no webhook lives there.
 */
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';

/** Longest webhook URL: a multipart text field is capped at 1 KiB (app.ts), and a callback URL needs far less. */
export const MAX_WEBHOOK_URL_LENGTH = 1024;

export type AddressClass =
  | 'public'
  /** 127/8, ::1 */
  | 'loopback'
  /** RFC 1918, CGNAT 100.64/10, IPv6 unique-local fc00::/7, site-local fec0::/10, local NAT64 */
  | 'private'
  /** 169.254/16, fe80::/10 */
  | 'link-local'
  /** Cloud instance metadata (credentials live there): never a webhook. */
  | 'metadata'
  /** 0.0.0.0/8, :: — "this host" on many systems. */
  | 'unspecified'
  /** Multicast and broadcast. */
  | 'multicast'
  /** Documentation, benchmarking, IETF-reserved and deprecated ranges: not a real receiver. */
  | 'reserved';

/** Classes a deployment may opt into with ANIME_ME_WEBHOOK_ALLOW_PRIVATE (e.g. a receiver on the same LAN). */
const PRIVATE_CLASSES: ReadonlySet<AddressClass> = new Set(['loopback', 'private', 'link-local']);

/** Exact metadata addresses (AWS/GCP/Azure/OpenStack 169.254.169.254, Alibaba 100.100.100.200, AWS IPv6). */
const METADATA = new Set(['169.254.169.254', '100.100.100.200', 'fd00:ec2:0:0:0:0:0:254']);

/** Names that mean "this machine" or an internal service without asking DNS. */
const FORBIDDEN_NAMES = [/^localhost$/, /\.localhost$/, /^metadata$/, /^metadata\.google\.internal$/, /\.internal$/, /\.local$/, /^ip6-localhost$/, /^ip6-loopback$/];

function v4Parts(ip: string): number[] {
  return ip.split('.').map(Number);
}

function inV4(parts: number[], base: string, bits: number): boolean {
  const b = v4Parts(base);
  const value = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
  const net = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (value & mask) === (net & mask);
}

function classifyV4(ip: string): AddressClass {
  if (METADATA.has(ip)) return 'metadata';
  const p = v4Parts(ip);
  if (inV4(p, '0.0.0.0', 8)) return 'unspecified';
  if (inV4(p, '127.0.0.0', 8)) return 'loopback';
  if (inV4(p, '10.0.0.0', 8) || inV4(p, '172.16.0.0', 12) || inV4(p, '192.168.0.0', 16) || inV4(p, '100.64.0.0', 10)) return 'private';
  if (inV4(p, '169.254.0.0', 16)) return 'link-local';
  if (inV4(p, '224.0.0.0', 4) || ip === '255.255.255.255') return 'multicast';
  if (
    inV4(p, '192.0.0.0', 24) ||
    inV4(p, '192.0.2.0', 24) ||
    inV4(p, '198.18.0.0', 15) ||
    inV4(p, '198.51.100.0', 24) ||
    inV4(p, '203.0.113.0', 24) ||
    inV4(p, '240.0.0.0', 4)
  ) {
    return 'reserved';
  }
  return 'public';
}

/** The eight 16-bit groups of an IPv6 address (with an embedded dotted IPv4 tail), or undefined. */
function v6Groups(ip: string): number[] | undefined {
  let text = ip.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    if (isIP(dotted[1]) !== 4) return undefined;
    const p = v4Parts(dotted[1]);
    text = `${text.slice(0, dotted.index)}${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return undefined;
  const groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g)) ? groups : undefined;
}

const v4From = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;

function classifyV6(ip: string): AddressClass {
  const g = v6Groups(ip);
  if (!g) return 'reserved';
  if (METADATA.has(g.map((x) => x.toString(16)).join(':'))) return 'metadata';
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(8)) return 'unspecified';
  if (zeros(7) && g[7] === 1) return 'loopback';
  // IPv4 inside IPv6: mapped ::ffff:a.b.c.d, the deprecated compatible ::a.b.c.d, NAT64 64:ff9b::/96.
  if (zeros(5) && g[5] === 0xffff) return classifyV4(v4From(g[6], g[7]));
  if (zeros(6)) return classifyV4(v4From(g[6], g[7]));
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyV4(v4From(g[6], g[7]));
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'private'; // local-use NAT64 (RFC 8215)
  // 6to4 2002:AABB:CCDD::/48 carries the IPv4 address AA.BB.CC.DD.
  if (g[0] === 0x2002) {
    const inner = classifyV4(v4From(g[1], g[2]));
    return inner === 'public' ? 'public' : inner;
  }
  if ((g[0] & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((g[0] & 0xffc0) === 0xfe80) return 'link-local';
  if ((g[0] & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((g[0] & 0xff00) === 0xff00) return 'multicast';
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'reserved'; // documentation
  if (g[0] === 0x2001 && g[1] === 0) return 'reserved'; // Teredo: hides an IPv4 address
  if (g[0] === 0x0100 && g.slice(1, 4).every((x) => x === 0)) return 'reserved'; // discard-only
  return 'public';
}

/** The class of a literal IPv4 or IPv6 address (anything else is 'reserved'). */
export function classifyAddress(ip: string): AddressClass {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const family = isIP(bare.split('%')[0]);
  if (family === 4) return classifyV4(bare);
  if (family === 6) return classifyV6(bare);
  return 'reserved';
}

export function isAllowedAddress(ip: string, allowPrivate: boolean): boolean {
  const kind = classifyAddress(ip);
  return kind === 'public' || (allowPrivate && PRIVATE_CLASSES.has(kind));
}

/** A webhook URL for logs and messages: scheme, host, port and path; never the query (it often holds a token) or credentials. */
export function redactWebhookUrl(url: URL | string): string {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

export type WebhookRefusal =
  /** Not an absolute http(s) URL of sensible length. */
  | { kind: 'invalid'; expected: string }
  /** A well-formed URL to an address this server does not call. */
  | { kind: 'not-allowed'; reason: string };

export type LookupAll = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** DNS through the system resolver (what the delivery connects with), all addresses. */
export const systemLookupAll: LookupAll = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/** The URL's host as the connection sees it: IPv6 literals without brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Shape only (no DNS): an absolute http(s) URL, no longer than the limit. */
export function parseWebhookUrl(raw: string): URL | WebhookRefusal {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return { kind: 'invalid', expected: `http or https URL of at most ${MAX_WEBHOOK_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { kind: 'invalid', expected: 'absolute http or https URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'invalid', expected: 'http or https URL' };
  if (!url.hostname) return { kind: 'invalid', expected: 'http or https URL with a host' };
  return url;
}

/**
 * The full check at submission: shape, literal address or name, then (for names) every address the
 * name resolves to now. Delivery checks the addresses again when it connects.
 */
export async function checkWebhookUrl(raw: string, options: { allowPrivate: boolean; lookup?: LookupAll; lookupTimeoutMs?: number }): Promise<URL | WebhookRefusal> {
  const url = parseWebhookUrl(raw);
  if (!(url instanceof URL)) return url;
  const host = hostOf(url);
  if (isIP(host)) {
    const kind = classifyAddress(host);
    return isAllowedAddress(host, options.allowPrivate) ? url : { kind: 'not-allowed', reason: `${kind} address ${host}` };
  }
  const name = host.toLowerCase().replace(/\.$/, '');
  if (!options.allowPrivate && FORBIDDEN_NAMES.some((re) => re.test(name))) return { kind: 'not-allowed', reason: `internal host name ${name}` };
  if (/^metadata(\.google\.internal)?$/.test(name)) return { kind: 'not-allowed', reason: `internal host name ${name}` };
  const lookup = options.lookup ?? systemLookupAll;
  let addresses: Array<{ address: string }>;
  let timer: NodeJS.Timeout | undefined;
  try {
    addresses = await Promise.race([
      lookup(name),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), options.lookupTimeoutMs ?? 2000);
      }),
    ]);
  } catch {
    return { kind: 'not-allowed', reason: `host name ${name} does not resolve` };
  } finally {
    clearTimeout(timer);
  }
  if (addresses.length === 0) return { kind: 'not-allowed', reason: `host name ${name} does not resolve` };
  const bad = addresses.find((a) => !isAllowedAddress(a.address, options.allowPrivate));
  if (bad) return { kind: 'not-allowed', reason: `${name} resolves to a ${classifyAddress(bad.address)} address` };
  return url;
}
