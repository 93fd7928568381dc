// Where webhooks may point: http(s) URLs whose host resolves to public addresses only. Private,
// loopback, link-local (cloud metadata) and other special ranges are refused at creation and again
// at every delivery (the address actually connected to is checked, so DNS rebinding gains nothing),
// unless WEBHOOK_ALLOW_PRIVATE_TARGETS is set for development.
import { BlockList, isIP, type LookupFunction } from 'node:net';
import dns from 'node:dns';

const special = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", includes 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  special.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 (embeds an IPv4 address)
] as const) {
  special.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is private, loopback, link-local or otherwise not a public host (IPv4-mapped IPv6 included). */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return special.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** Syntax and scheme: returns the URL or why it is refused. */
export function parseWebhookUrl(raw: string): URL | string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return 'url is not a valid absolute URL.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'url must start with https:// or http://.';
  if (url.username || url.password) return 'url must not contain credentials; sign requests with the secret instead.';
  if (!hostOf(url)) return 'url must name a host.';
  if (url.href.length > 2000) return 'url is longer than 2000 characters.';
  return url;
}

const refusal = (host: string, address: string) =>
  `${host} resolves to ${address}, a private, loopback or link-local address; webhooks must target public addresses.`;

/** Resolves the URL's host (every address) and refuses non-public targets; returns why, or null when fine. */
export async function targetProblem(url: URL, allowPrivate: boolean): Promise<string | null> {
  if (allowPrivate) return null;
  const host = hostOf(url);
  let addresses: { address: string }[];
  try {
    addresses = isIP(host) ? [{ address: host }] : await dns.promises.lookup(host, { all: true, verbatim: true });
  } catch {
    return `${host} does not resolve.`;
  }
  if (!addresses.length) return `${host} does not resolve.`;
  const bad = addresses.find((a) => isNonPublicAddress(a.address));
  return bad ? refusal(host, bad.address) : null;
}

/**
 * A `lookup` for http.request that refuses non-public addresses, so the address checked is the one
 * connected to. (Literal IP hosts skip lookup: check those with `targetProblem` first.)
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
    if (err) return callback(err, '', 0);
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => isNonPublicAddress(a.address));
    if (bad || !list.length) {
      const e = Object.assign(new Error(bad ? refusal(hostname, bad.address) : `${hostname} does not resolve.`), {
        code: 'EBLOCKEDADDRESS',
      });
      return callback(e, '', 0);
    }
    if ((options as dns.LookupOptions).all)
      (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    else callback(null, list[0].address, list[0].family);
  });
};
