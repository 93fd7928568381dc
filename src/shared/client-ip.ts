// The client's address: the socket's, or the one a proxy the operator trusts forwarded
// (`X-Forwarded-For`, TRUST_PROXY, read as Express reads its `trust proxy` setting). The per-IP rate
// limit, the per-IP subscription cap and the request log all use it, over HTTP and WebSocket alike.
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

export type TrustProxy = (address: string, hop: number) => boolean;

/** Compiles a TRUST_PROXY setting (`loopback, 10.0.0.0/8`); throws on an address it cannot read. */
export const trustProxy = (setting: string): TrustProxy =>
  proxyAddr.compile(
    setting
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

export const clientIp = (req: IncomingMessage, trust: TrustProxy): string =>
  req.socket.remoteAddress ? proxyAddr(req, trust) : 'unknown';
