import { detailsOf, typeTone } from '../lib/operational';
import { Badge } from './ui';

/** An operational event's type as a badge (recovered green, failing amber, disabled and dead letters red). */
export function TypeBadge(props: { type: string }) {
  return <Badge tone={typeTone(props.type)}>{props.type}</Badge>;
}

/** An event's data as a compact definition list, without the keys the row shows already. */
export function EventDetails(props: { data: unknown; omit?: readonly string[] }) {
  const items = detailsOf(props.data, props.omit);
  if (items.length === 0) return <span class="muted">—</span>;
  return (
    <dl class="details">
      {items.map(({ key, value }) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** An instant as the reader's local time, with the ISO value kept for machines and hover. */
export function When(props: { at: string }) {
  return (
    <time dateTime={props.at} title={props.at}>
      {new Date(props.at).toLocaleString()}
    </time>
  );
}
