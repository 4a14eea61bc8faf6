import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FORMAT_SCHEMAS, type FormatName, parseEvent, TidingsSdkError } from '@tidings/sdk';
import { readFixture } from '../formats/format-fixtures.js';

/** Golden files of the server's renderers, by the format their name starts with. */
const fixtures = readdirSync(join(process.cwd(), 'test/fixtures/formats')).filter((f) => f.endsWith('.json'));

function formatOf(file: string): FormatName {
  const prefix = file.split('-')[0]!;
  return (prefix === 'native' ? 'native' : prefix) as FormatName;
}

describe('the SDK parsers read what the server renders', () => {
  test('every golden rendering parses with its format', () => {
    assert.ok(fixtures.length >= 10);
    for (const file of fixtures) {
      const format = formatOf(file);
      assert.ok(format in FORMAT_SCHEMAS, file);
      const body = readFixture(file);
      assert.deepEqual(parseEvent(format, body), body, file);
    }
  });

  test('a wrong field is named by its path', () => {
    const envelope = structuredClone(readFixture('uanataca-certificate-revoked.json')) as {
      certificates: Array<{ status: unknown }>;
    };
    envelope.certificates[0]!.status = 7;
    assert.throws(
      () => parseEvent('uanataca', envelope),
      (error: unknown) =>
        error instanceof TidingsSdkError && error.code === 'format_invalid' && error.path === 'certificates[0].status',
    );
    const image = structuredClone(readFixture('thales-custom-rejected.json')) as Record<string, unknown>;
    delete image.ImageState;
    assert.throws(() => parseEvent('thales', image), { code: 'format_invalid', path: 'ImageState' });
    assert.throws(() => parseEvent('native', []), { code: 'format_invalid', path: '$' });
    const crypto = structuredClone(readFixture('reestro-released.json')) as Record<string, unknown>;
    delete crypto.certificateFormEvent;
    assert.throws(() => parseEvent('reestro', crypto), { code: 'format_invalid' });
  });
});

describe('the SDK core is runtime-neutral', () => {
  test('no compiled core module imports a Node built-in or uses Buffer or process', () => {
    const root = join(process.cwd(), 'packages/sdk/dist/src');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'node') walk(path);
        } else if (entry.name.endsWith('.js')) files.push(path);
      }
    };
    walk(root);
    assert.ok(files.length > 10);
    // The one look at the host: feature detection of a synchronous crypto module, in one file, with a WebCrypto fallback.
    const probing = files.filter((f) => readFileSync(f, 'utf8').includes('getBuiltinModule'));
    assert.deepEqual(
      probing.map((f) => f.slice(root.length)),
      ['/webhook/native-crypto.js'],
    );
    for (const file of files) {
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      assert.doesNotMatch(code, /from ['"]node:|require\(|\bBuffer\b|\bprocess\./, file);
      for (const [, spec] of code.matchAll(/from ['"]([^'"]+)['"]/g)) {
        assert.ok(spec!.startsWith('.') || spec === 'jose', `${file} imports ${spec}`);
      }
    }
  });

  test('the package declares jose as its only dependency and an exports map', () => {
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'packages/sdk/package.json'), 'utf8'));
    assert.deepEqual(Object.keys(pkg.dependencies), ['jose']);
    assert.deepEqual(Object.keys(pkg.exports).sort(), ['.', './client', './formats', './node', './package.json']);
  });
});
