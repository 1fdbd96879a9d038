import { describe, expect, it } from 'vitest';
import { isClosedSocketWrite } from '../../infra/postgres-guard.js';

describe('guardPostgresClosedSocket', () => {
  it("recognises only postgres' write on a closed connection (porsager/postgres#1154)", () => {
    const theBug = new TypeError("Cannot read properties of null (reading 'write')");
    theBug.stack = `${theBug.message}\n    at Immediate.nextWrite (file:///app/node_modules/postgres/src/connection.js:255:22)`;
    const elsewhere = new TypeError("Cannot read properties of null (reading 'write')");
    elsewhere.stack = `${elsewhere.message}\n    at write (file:///app/activities/nodes/http.ts:10:1)`;
    expect(isClosedSocketWrite(theBug)).toBe(true);
    expect(isClosedSocketWrite(elsewhere)).toBe(false);
    expect(isClosedSocketWrite(new Error('boom'))).toBe(false);
  });
});
