import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hlc, compareStamps, lastWriterWins, parseJson, toJson } from '../../dist/index.js';

test('ticks are strictly increasing while the wall clock stands still, and follow it when it moves', () => {
  let now = 1_700_000_000_000;
  const hlc = new Hlc(() => now);
  const a = hlc.tick();
  const b = hlc.tick();
  assert.equal(a, BigInt(now) << 16n);
  assert.equal(b, a + 1n);
  now += 5;
  const c = hlc.tick();
  assert.equal(c, BigInt(now) << 16n);
  assert.equal(Hlc.millis(c), now);
});

test('a tick after observing a remote clock ahead of the wall clock is greater than it', () => {
  const now = 1_700_000_000_000;
  const hlc = new Hlc(() => now);
  const remote = (BigInt(now + 60_000) << 16n) + 7n;
  hlc.observe(remote);
  assert.equal(hlc.tick(), remote + 1n);
  hlc.observe(5n);
  assert.equal(hlc.tick(), remote + 2n);
});

test('the wall clock going backwards never makes a tick smaller', () => {
  let now = 1_700_000_000_000;
  const hlc = new Hlc(() => now);
  const a = hlc.tick();
  now -= 10_000;
  assert.ok(hlc.tick() > a);
});

test('stamps order by clock, then by origin as Java compares strings', () => {
  const s = (clock, origin) => ({ clock, origin, base: 0n });
  assert.ok(compareStamps(s(2n, 'a'), s(1n, 'z')) > 0);
  assert.ok(compareStamps(s(1n, 'b'), s(1n, 'a')) > 0);
  assert.ok(compareStamps(s(1n, 'ab'), s(1n, 'a')) > 0);
  assert.ok(compareStamps(s(1n, 'Z'), s(1n, 'a')) < 0);
  assert.equal(compareStamps(s(1n, 'a'), s(1n, 'a')), 0);
  assert.equal(lastWriterWins(s(1n, 'a'), s(1n, 'a')), false);
  assert.equal(lastWriterWins(s(1n, 'a'), s(1n, 'b')), true);
});

test('64-bit clocks survive JSON both ways, other numbers stay numbers', () => {
  const text = '{"clock":111542062186496001,"priority":2,"ratio":0.5,"base":{"title":111542062120960000}}';
  const v = parseJson(text);
  assert.equal(v.clock, 111542062186496001n);
  assert.equal(v.priority, 2);
  assert.equal(v.ratio, 0.5);
  assert.equal(toJson(v), text);
});
