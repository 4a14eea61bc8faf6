import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toTidingsError } from '../../src/http/plugins/error-handler.js';
import { isConnectionLost, isDatabaseUnavailable, isDataRefusal } from '../../src/storage/postgres/pg-errors.js';

/** An error as pg reports a server's refusal: a SQLSTATE in `code`. */
const server = (code: string, message = 'refused') => Object.assign(new Error(message), { code });

describe('PostgreSQL errors: a silent or lost database is told apart from a refusal', () => {
  test("pg's own words when it gave up are a lost connection", () => {
    for (const message of [
      'Query read timeout',
      'timeout exceeded when trying to connect',
      'Connection terminated unexpectedly',
      'Connection terminated due to connection timeout',
      'Client has encountered a connection error and is not queryable',
    ]) {
      assert.ok(isConnectionLost(new Error(message)), message);
      assert.ok(isDatabaseUnavailable(new Error(message)), message);
      assert.ok(!isDataRefusal(new Error(message)), message);
    }
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']) {
      assert.ok(isConnectionLost(server(code, `connect ${code}`)), code);
    }
  });

  test('server states: unavailable for connection, shutdown, capacity and time; a refusal otherwise', () => {
    for (const state of ['08006', '08001', '57P01', '57P02', '57P03', '53300', '57014']) {
      assert.ok(isDatabaseUnavailable(server(state)), state);
      assert.ok(!isConnectionLost(server(state)), `${state}: the server spoke, the connection is fine`);
    }
    for (const state of ['23505', '40P01', '22P02', 'P0001']) {
      assert.ok(!isDatabaseUnavailable(server(state)), state);
    }
    // A server message that happens to read like pg's own is still the server's.
    assert.ok(!isConnectionLost(server('P0001', 'Query read timeout')));
    assert.ok(!isDatabaseUnavailable('Query read timeout'));
  });

  test('the HTTP answer is 503 database_unavailable with Retry-After; anything else stays internal', () => {
    const te = toTidingsError(new Error('Query read timeout'));
    assert.equal(te.code, 'database_unavailable');
    assert.equal(te.status, 503);
    assert.equal(te.target, 'database');
    assert.deepEqual(te.headers, { 'retry-after': '1' });
    assert.doesNotMatch(te.message, /Query read timeout/, 'the driver message stays in the log');
    assert.equal(toTidingsError(server('57P01')).code, 'database_unavailable');
    assert.equal(toTidingsError(server('23505')).code, 'internal');
    assert.equal(toTidingsError(new Error('boom')).code, 'internal');
  });
});
