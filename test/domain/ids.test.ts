// Ids are UUIDv7 (RFC 9562): 48-bit millisecond timestamp, version 7, variant 10, and a
// 12-bit counter that keeps ids from the same millisecond strictly increasing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId } from '../../src/domain/ids.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// newId keeps its last millisecond in module state and never goes back in time, so each
// test starts from a millisecond later than any used before.
let lastUsed = Date.UTC(2100, 0, 1);
function freshMillisecond(): number {
  lastUsed += 60_000;
  return lastUsed;
}

function timestampOf(id: string): number {
  return Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}

describe('newId', () => {
  it('is a UUIDv7: version 7 and the RFC 9562 variant', () => {
    for (let count = 0; count < 100; count++) assert.match(newId(), UUID_V7);
  });

  it('carries the millisecond it was made in its first 48 bits', () => {
    const now = freshMillisecond();
    assert.equal(timestampOf(newId(now)), now);
  });

  it('ids made in later milliseconds sort after earlier ones', () => {
    const first = freshMillisecond();
    const ids = [newId(first), newId(first + 1), newId(first + 1000)];
    assert.deepEqual([...ids].sort(), ids);
  });

  it('many ids made in the same millisecond are unique and strictly increasing', () => {
    const now = freshMillisecond();
    const ids = Array.from({ length: 10_000 }, () => newId(now)); // more than the 4096 a 12-bit counter holds
    for (let index = 1; index < ids.length; index++) assert.ok(ids[index - 1]! < ids[index]!, `id ${index} does not sort after id ${index - 1}`);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, UUID_V7);
  });

  it('when the counter of one millisecond runs out, the id moves into the next millisecond', () => {
    const now = freshMillisecond();
    const ids = Array.from({ length: 5000 }, () => newId(now));
    assert.equal(timestampOf(ids[0]!), now);
    assert.ok(timestampOf(ids[ids.length - 1]!) > now);
  });

  it('ids keep increasing when the clock steps backwards', () => {
    const now = freshMillisecond();
    const before = newId(now);
    const after = newId(now - 5000);
    assert.ok(before < after);
  });

  it('ids made in the same millisecond differ in their random tail', () => {
    const now = freshMillisecond();
    const tails = new Set(Array.from({ length: 50 }, () => newId(now).slice(19)));
    assert.equal(tails.size, 50);
  });
});
