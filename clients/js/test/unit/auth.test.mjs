import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authMessage, hmacSha256Hex } from '../../dist/index.js';

// Computed by doc-sync's Java code: Crypto.sign(SECRET, TIMESTAMP, EMAIL, API_KEY, CLIENT + "." + NONCE).
const SECRET = 'rps_7QbP0m4n1uM9yYV3sX2fKc8HjL6aTzE5wRgD-o_Ni4A';
const EMAIL = 'ann@example.com';
const API_KEY = 'rpa_Ar0Xy5Qk2sW8mN4bV7cJ1hG6fD3zL9pT0eU_iO-yKqM';
const TIMESTAMP = 1767225600;
const CLIENT = 'c-1b4e28ba-2fa1-11d2-883f-0016d3cca427';
const NONCE = '00112233445566778899aabbccddeeff';
const JAVA_SIGNATURE = 'ecf7fe7dc714be6bfff1b92e98bcc8d239a79a585f6972325d042850c27123e1';

test('the WebCrypto signature equals the one doc-sync computes in Java', async () => {
  const message = await authMessage({ email: EMAIL, apiKey: API_KEY, secret: SECRET }, CLIENT, TIMESTAMP, NONCE);
  assert.deepEqual(message, {
    type: 'auth', email: EMAIL, api_key: API_KEY, timestamp: TIMESTAMP, nonce: NONCE, signature: JAVA_SIGNATURE,
  });
  assert.ok(!JSON.stringify(message).includes(SECRET), 'the secret is not in the message');
});

test('a fresh nonce for each login, and the HMAC of a known RFC 4231 vector', async () => {
  const one = await authMessage({ email: EMAIL, apiKey: API_KEY, secret: SECRET }, CLIENT, TIMESTAMP);
  const two = await authMessage({ email: EMAIL, apiKey: API_KEY, secret: SECRET }, CLIENT, TIMESTAMP);
  assert.match(one.nonce, /^[0-9a-f]{32}$/);
  assert.notEqual(one.nonce, two.nonce);
  assert.notEqual(one.signature, two.signature);
  // RFC 4231 test case 2.
  assert.equal(await hmacSha256Hex('Jefe', 'what do ya want for nothing?'),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
});
