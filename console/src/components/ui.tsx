import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../api';

/** A page: its heading takes focus on navigation so keyboard and screen-reader users land on it. */
export function Page(props: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Tidings`;
    heading.current?.focus();
  }, [props.title]);
  return (
    <section class="page">
      <header class="page-head">
        <h1 tabIndex={-1} ref={heading}>
          {props.title}
        </h1>
        {props.actions && <div class="actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

export function ErrorNote(props: { error: Error | null }) {
  if (!props.error) return null;
  const e = props.error;
  return (
    <p class="error" role="alert">
      {e instanceof ApiError ? <strong>{e.code}</strong> : null} {e.message}
      {e instanceof ApiError && e.errors.length > 0 && (
        <ul>
          {e.errors.map((item) => (
            <li key={item.target}>
              {item.target}: {item.message}
            </li>
          ))}
        </ul>
      )}
    </p>
  );
}

export function Loading(props: { when: boolean }) {
  return props.when ? (
    <p class="muted" aria-live="polite">
      Loading…
    </p>
  ) : null;
}

export function Json(props: { value: unknown; label?: string }) {
  const text = typeof props.value === 'string' ? props.value : JSON.stringify(props.value, null, 2);
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: long JSON scrolls; keyboard users must reach it (axe scrollable-region-focusable)
    <pre class="json" tabIndex={0} title={props.label ?? 'JSON'}>
      {text}
    </pre>
  );
}

export function Badge(props: { tone: 'ok' | 'bad' | 'warn' | 'muted'; children: ComponentChildren }) {
  return <span class={`badge ${props.tone}`}>{props.children}</span>;
}

export function Field(props: { label: string; hint?: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is passed in as a child
    <label class="field">
      <span>{props.label}</span>
      {props.children}
      {props.hint && <small class="muted">{props.hint}</small>}
    </label>
  );
}

export function Figure(props: { label: string; value: ComponentChildren; tone?: 'ok' | 'bad' | 'warn' }) {
  return (
    <div class={`figure ${props.tone ?? ''}`}>
      <div class="figure-value">{props.value}</div>
      <div class="figure-label">{props.label}</div>
    </div>
  );
}
