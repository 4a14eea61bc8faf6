import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { useEffect, useState } from 'preact/hooks';
import { decodeJws } from '../lib/jws-parts';
import { Badge, Json } from './ui';

/** A SET decoded, and its signature checked in the page against the server's JWKS. */
export function SetView(props: { jws: string; jwks: JSONWebKeySet | null }) {
  const [verdict, setVerdict] = useState<'checking' | 'valid' | string>('checking');
  useEffect(() => {
    if (!props.jwks) return;
    let live = true;
    compactVerify(props.jws, createLocalJWKSet(props.jwks)).then(
      () => live && setVerdict('valid'),
      (e: Error) => live && setVerdict(e.message),
    );
    return () => {
      live = false;
    };
  }, [props.jws, props.jwks]);
  const parts = decodeJws(props.jws);
  return (
    <div>
      <p>
        {verdict === 'valid' ? (
          <Badge tone="ok">signature verified against /.well-known/jwks.json</Badge>
        ) : verdict === 'checking' ? (
          <Badge tone="muted">checking signature…</Badge>
        ) : (
          <Badge tone="bad">signature not verified: {verdict}</Badge>
        )}
      </p>
      {parts ? (
        <>
          <Json value={parts.header} label="SET header" />
          <Json value={parts.payload} label="SET claims" />
        </>
      ) : (
        <p class="muted">Not a compact JWS.</p>
      )}
      <details>
        <summary>Compact JWS</summary>
        <Json value={props.jws} label="Compact JWS" />
      </details>
    </div>
  );
}
