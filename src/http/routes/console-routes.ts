import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { TidingsError } from '../../errors/tidings-error.js';

/** Where `npm install` (the console workspace's `vite build`) puts the app, from dist/src/http/routes/. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../../../console/dist/', import.meta.url));

/**
 * The console's Content-Security-Policy: everything from this origin, no
 * inline script, no eval, no CDN; framing only by the configured origins.
 */
export function consoleCsp(frameOrigins: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameOrigins.length > 0 ? frameOrigins.join(' ') : "'none'"}`,
  ].join('; ');
}

/**
 * Serves the console (a static single-page app) under /console/, and sends `/`
 * there. Every path under /console/ that is not a file gets index.html, so a
 * view's URL can be shared and reloaded.
 */
export function consoleRoutes(options: { frameOrigins: readonly string[]; root?: string }) {
  return async (app: FastifyInstance) => {
    const root = options.root ?? CONSOLE_DIST;
    const csp = consoleCsp(options.frameOrigins);
    app.get('/', { config: { auth: 'public' }, schema: { hide: true } }, async (_request, reply) =>
      reply.redirect('/console/', 302),
    );
    if (!existsSync(`${root}/index.html`)) {
      app.get('/console/*', { config: { auth: 'public' }, schema: { hide: true } }, async () => {
        throw new TidingsError('not_found', 'the console is not built: run npm run build --workspace console', {
          target: 'console',
        });
      });
      return;
    }
    app.addHook('onSend', async (request, reply) => {
      if (!request.url.startsWith('/console')) return;
      reply.header('content-security-policy', csp);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('cross-origin-opener-policy', 'same-origin');
      if (options.frameOrigins.length === 0) reply.header('x-frame-options', 'DENY');
    });
    await app.register(fastifyStatic, {
      root,
      prefix: '/console/',
      wildcard: false,
      preCompressed: true,
      index: false,
      // Vite names assets by content hash: cache them for good; index.html is never cached.
      setHeaders: (res, path) => {
        res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    const index = { config: { auth: 'public' as const }, schema: { hide: true } };
    const sendIndex = async (_request: unknown, reply: import('fastify').FastifyReply) => {
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    };
    app.get('/console', index, async (_request, reply) => reply.redirect('/console/', 302));
    app.get('/console/', index, sendIndex);
    app.get('/console/*', index, sendIndex);
  };
}
