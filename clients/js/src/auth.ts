/**
 * HMAC sign-in as doc-sync's server checks it, computed with WebCrypto (`crypto.subtle`), so that a browser signs
 * with a secret that never leaves it: only the signature travels.
 */

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto is not available (a browser needs a secure context: https or localhost)');
  return s;
}

/**
 * The secret as a non-extractable WebCrypto HMAC-SHA256 key: it signs, and nothing can read the secret back out of
 * it. A browser can keep such a key in IndexedDB instead of the secret itself.
 */
export function hmacKey(secret: string): Promise<CryptoKey> {
  return subtle().importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/** Lowercase hex of HMAC-SHA256(`secret`, `text`), as UTF-8; the secret as text or as a key from {@link hmacKey}. */
export async function hmacSha256Hex(secret: string | CryptoKey, text: string): Promise<string> {
  const key = typeof secret === 'string' ? await hmacKey(secret) : secret;
  const mac = new Uint8Array(await subtle().sign('HMAC', key, new TextEncoder().encode(text)));
  let hex = '';
  for (const b of mac) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** The credentials of a doc-sync user: the email, an API key `rpa_…` and its secret `rps_…`. */
export interface HmacCredentials {
  email: string;
  apiKey: string;
  /** The secret, or a key made of it by {@link hmacKey}. */
  secret: string | CryptoKey;
}

/**
 * doc-sync's login message: `{type:"auth", email, api_key, timestamp, nonce, signature}` where `signature` is hex of
 * HMAC-SHA256(secret, "timestamp.email.api_key.clientId.nonce"), `timestamp` epoch seconds and `nonce` 16 random
 * bytes in hex (fresh for each login, so the server's replay check only refuses a message sent again). Signing the
 * client's GUID makes the signature good for that client's session only.
 */
export async function authMessage(credentials: HmacCredentials, clientId: string,
  epochSeconds: number = Math.floor(Date.now() / 1000), nonce: string = randomHex(16)): Promise<Record<string, unknown>> {
  const { email, apiKey, secret } = credentials;
  const signature = await hmacSha256Hex(secret, `${epochSeconds}.${email}.${apiKey}.${clientId}.${nonce}`);
  return { type: 'auth', email, api_key: apiKey, timestamp: epochSeconds, nonce, signature };
}

function randomHex(bytes: number): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(bytes));
  let hex = '';
  for (const x of b) hex += x.toString(16).padStart(2, '0');
  return hex;
}
