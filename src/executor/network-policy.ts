// Where HTTP tasks may not go unless the operator allows it (--allow-link-local):
// link-local networks and the cloud metadata services, which hand out the machine's
// credentials to anyone who can make it send a request. Loopback and private LAN
// addresses stay allowed: calling internal services is what HTTP tasks are for.
//
// The host is resolved here and every address it resolves to is checked. fetch then
// resolves it again; a DNS answer that changes in between (DNS rebinding) is not seen
// here, so where that matters, block the metadata address at the firewall too.
// Redirects are never followed by the HTTP runner, so there is no later hop to check.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Cloud metadata services by name: these resolve only inside their cloud. */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);

/** Metadata services outside the link-local ranges: Alibaba Cloud (in 100.64.0.0/10), AWS over IPv6. */
const metadataAddresses = new BlockList();
metadataAddresses.addAddress('100.100.100.200', 'ipv4');
metadataAddresses.addAddress('fd00:ec2::254', 'ipv6');

/** 169.254.0.0/16 holds AWS/GCP/Azure/OpenStack's 169.254.169.254 and ECS's 169.254.170.2. */
const linkLocal = new BlockList();
linkLocal.addSubnet('169.254.0.0', 16, 'ipv4');
linkLocal.addSubnet('fe80::', 10, 'ipv6');

export type Resolver = (hostname: string) => Promise<string[]>;

const systemResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Why a request to `url` is refused, or null when it may go. Resolution failures are
 * left to fetch, which reports them in its own words.
 */
export async function refusedDestination(url: URL, resolver: Resolver = systemResolver): Promise<string | null> {
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (METADATA_HOSTS.has(host)) return `${host} is a cloud metadata service`;
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = await resolver(host);
    } catch {
      return null;
    }
  }
  for (const address of addresses) {
    const reason = refusedAddress(address);
    if (reason) return addresses.length === 1 && address === host ? reason : `${host} resolves to ${reason}`;
  }
  return null;
}

/** Why this IP address is refused, or null. */
export function refusedAddress(address: string): string | null {
  const ipv4 = embeddedIpv4(address);
  const [checked, family] = ipv4 ? [ipv4, 'ipv4' as const] : [address, isIP(address) === 6 ? ('ipv6' as const) : ('ipv4' as const)];
  if (isIP(checked) === 0) return null;
  const shown = ipv4 && ipv4 !== address ? `${address} (${ipv4})` : address;
  if (metadataAddresses.check(checked, family) || checked === '169.254.169.254') return `${shown}, a cloud metadata address`;
  if (linkLocal.check(checked, family)) return `${shown}, a link-local address`;
  return null;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d or ::ffff:a9fe:a9fe), else null. */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return null;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}
