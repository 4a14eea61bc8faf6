import { native } from './native.js';
import { onespan } from './onespan.js';
import { reestro } from './reestro.js';
import type { WireFormat } from './render-context.js';
import { set } from './set.js';
import { thales } from './thales.js';
import { uanataca } from './uanataca.js';

export type { RenderContext, Renderer, SetAlgorithm, WireFormat } from './render-context.js';

export const FORMAT_NAMES = ['native', 'uanataca', 'onespan', 'set', 'reestro', 'thales'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

/** What an endpoint or a feed request may ask for: a format, or `vendor` for the workflow's default. */
export const FORMAT_CHOICES = [...FORMAT_NAMES, 'vendor'] as const;
export type FormatChoice = (typeof FORMAT_CHOICES)[number];

export const FORMATS: Readonly<Record<FormatName, WireFormat>> = { native, uanataca, onespan, set, reestro, thales };

export function isFormatName(name: string): name is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(name);
}

export function isFormatChoice(name: string): name is FormatChoice {
  return name === 'vendor' || isFormatName(name);
}

/**
 * The format to render with: `name` itself, or the workflow's default when
 * `name` is `vendor`. An unknown name is the caller's bug (inputs are checked
 * with `isFormatChoice` at the edge), hence a TypeError.
 * @example resolveFormat('vendor', 'uanataca').contentType // 'application/json'
 */
export function resolveFormat(name: string, workflowDefaultFormat: string): WireFormat {
  const resolved = name === 'vendor' ? workflowDefaultFormat : name;
  if (!isFormatName(resolved)) throw new TypeError(`unknown wire format: ${resolved}`);
  return FORMATS[resolved];
}
