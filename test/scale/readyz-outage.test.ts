import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { postgresTestDatabase } from '../helpers/postgres.js';
import { startTestApp } from '../helpers/test-runtime.js';
import { TcpProxy, throughProxy } from './tcp-proxy.js';

const pgdb = await postgresTestDatabase();
after(() => pgdb.drop());

describe('readiness follows the database (PostgreSQL behind a TCP proxy)', { skip: pgdb.skip }, () => {
  test('/readyz is 503 not_ready while the database is unreachable and 200 again when it returns', async () => {
    const server = new URL(pgdb.url!);
    const proxy = new TcpProxy(server.hostname, Number(server.port || 5432));
    await proxy.open();
    const t = await startTestApp({ DATABASE_URL: throughProxy(pgdb.url!, proxy) });
    const readyz = () => t.runtime.app.inject({ url: '/readyz' });
    try {
      assert.equal((await readyz()).statusCode, 200);
      await proxy.close();
      const down = await readyz();
      assert.equal(down.statusCode, 503);
      assert.equal(down.json().code, 'not_ready');
      assert.equal(down.json().target, 'database');
      // and the API answers a clean 5xx instead of hanging
      const tenant = await t.runtime.app.inject({
        method: 'POST',
        url: '/v1/tenants',
        headers: { authorization: `Bearer ${t.config.adminToken}` },
        payload: { name: 'during the outage' },
      });
      assert.ok(tenant.statusCode >= 500, tenant.body);
      assert.equal(typeof tenant.json().code, 'string');
      await proxy.open();
      assert.equal((await readyz()).statusCode, 200);
      assert.equal((await t.tenant()).id.length > 0, true, 'writes work again');
    } finally {
      await proxy.close();
      await t.close();
    }
  });
});
