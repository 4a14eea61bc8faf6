import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { renderConsentText } from '../../consent/render-consent-text.js';
import { notFound } from '../../errors/tidings-error.js';
import { isObject } from '../../formats/pick.js';
import type { Store } from '../../storage/store.js';
import { callerOf } from '../plugins/auth.js';

/** The consent text a OneSpan transaction carries (`configuration.consent.text`), or undefined. */
function consentOf(attributes: Record<string, unknown>): { text: string; type: string | null } | undefined {
  const configuration = attributes.configuration;
  const consent = isObject(configuration) ? configuration.consent : undefined;
  if (!isObject(consent) || typeof consent.text !== 'string') return undefined;
  return { text: consent.text, type: typeof consent.type === 'string' ? consent.type : null };
}

/**
 * `GET /v1/subjects/{id}/consent-text`: a OneSpan transaction's consent text
 * rendered by seed 001's display rules (`src/consent/render-consent-text.ts`:
 * `<URL link="...">` becomes a link opening a new tab, HTML is escaped, line
 * breaks are kept), for the console and for integrators' own pages.
 */
export function consentRoutes(store: Store) {
  return async (instance: FastifyInstance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/v1/subjects/:id/consent-text',
      {
        config: { auth: 'tenant', scope: 'read' },
        schema: {
          tags: ['subjects'],
          summary: "A OneSpan transaction's consent text, rendered as safe HTML by the seed's display rules",
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
          response: {
            200: Type.Object({
              text: Type.String({ description: 'the rendered consent text (HTML)' }),
              language: Type.String({ description: "the transaction's language, english when it names none" }),
              source: Type.String({ description: 'the consent text as stored' }),
              consentType: Type.Union([Type.String(), Type.Null()], { description: 'implicit or explicit' }),
            }),
          },
        },
      },
      async (request) => {
        const subject = await store.getSubject(callerOf(request).tenantId, request.params.id);
        const consent = subject?.workflow === 'idv-transaction' ? consentOf(subject.attributes) : undefined;
        if (!subject || !consent) throw notFound(`consent text of subject ${request.params.id}`);
        const language = typeof subject.attributes.language === 'string' ? subject.attributes.language : 'english';
        return { text: renderConsentText(consent.text), language, source: consent.text, consentType: consent.type };
      },
    );
  };
}
