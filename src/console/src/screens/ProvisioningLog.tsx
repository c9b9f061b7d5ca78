import { useEffect, useId, useRef, useState } from 'react';
import { ConsoleEventsDocument, type ConsoleEventFragment, type ProvisioningEventType } from '../../generated/graphql';
import { gql } from '../api';
import { useQuery } from '../hooks';
import { watchEvents, type LiveStatus } from '../live';
import { navigate, useLocation } from '../router';
import { useTenant } from '../session';
import { Badge, ErrorMessage, Loading, When } from '../ui';

export const EVENT_TYPES: ProvisioningEventType[] = [
  'USER_CREATED',
  'USER_UPDATED',
  'USER_DEACTIVATED',
  'USER_REACTIVATED',
  'USER_DELETED',
  'USER_RESTORED',
  'USER_PURGED',
  'GROUP_CREATED',
  'GROUP_UPDATED',
  'GROUP_DELETED',
  'GROUP_MEMBERS_ADDED',
  'GROUP_MEMBERS_REMOVED',
  'ACCESS_CHANGED',
  'MAPPING_CHANGED',
  'TEAM_CHANGED',
  'SIGN_IN_SUCCEEDED',
  'SIGN_IN_FAILED',
  'SIGNED_OUT',
  'SCIM_ENABLED',
  'SCIM_DISABLED',
  'SCIM_TOKEN_CREATED',
  'SCIM_TOKEN_REVOKED',
  'SCIM_REQUEST_REJECTED',
  'SAML_CONFIGURED',
  'API_KEY_CREATED',
  'API_KEY_REVOKED',
  'MASS_DEPROVISIONING',
  'TENANT_CREATED',
  'TENANT_UPDATED',
];

export const typeName = (type: string) => {
  const words = type.toLowerCase().replace(/_/g, ' ').replace(/\b(scim|saml|api)\b/g, (w) => w.toUpperCase());
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const pretty = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

function EventDetail({ event }: { event: ConsoleEventFragment }) {
  const detail = (event.detail ?? null) as Record<string, unknown> | null;
  const rejected = event.type === 'SCIM_REQUEST_REJECTED' && detail;
  return (
    <div className="event-detail">
      {rejected && (
        <>
          <h4>What was sent</h4>
          <p>
            <code>
              {String(detail.method)} {String(detail.path)}
              {detail.query && Object.keys(detail.query as object).length ? `?${new URLSearchParams(detail.query as Record<string, string>)}` : ''}
            </code>
          </p>
          {'body' in detail && <pre aria-label="Request body">{pretty(detail.body)}</pre>}
          <h4>Why it was refused</h4>
          <p>
            {detail.status ? `${String(detail.status)}${detail.scimType ? ` ${String(detail.scimType)}` : ''}: ` : ''}
            {event.error}
          </p>
        </>
      )}
      {!rejected && event.error && (
        <p>
          <strong>Error:</strong> {event.error}
        </p>
      )}
      {event.changes.length > 0 && (
        <table>
          <caption>Changes</caption>
          <thead>
            <tr>
              <th scope="col">Attribute</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {event.changes.map((c) => (
              <tr key={c.attribute}>
                <td>{c.attribute}</td>
                <td className="break">{c.old === null || c.old === undefined ? '—' : pretty(c.old)}</td>
                <td className="break">{c.new === null || c.new === undefined ? '—' : pretty(c.new)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!rejected && detail && Object.keys(detail).length > 0 && <pre aria-label="Detail">{pretty(detail)}</pre>}
      <p className="muted small">
        By {event.actor.label} · {event.source} · request {event.requestId}
      </p>
    </div>
  );
}

function EventItem({ event }: { event: ConsoleEventFragment }) {
  const [open, setOpen] = useState(event.type === 'SCIM_REQUEST_REJECTED');
  const id = useId();
  return (
    <li className={`event ${event.outcome === 'FAILURE' ? 'event-failed' : ''}`}>
      <div className="event-line">
        <When at={event.occurredAt} />
        <Badge tone={event.outcome === 'FAILURE' ? 'warn' : 'info'}>{typeName(event.type)}</Badge>
        <span className="event-summary">{event.summary}</span>
        <button type="button" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)} className="link-button">
          {open ? 'Hide details' : 'Details'}
        </button>
      </div>
      <div id={id} hidden={!open}>
        {open && <EventDetail event={event} />}
      </div>
    </li>
  );
}

export function EventList({ events, label }: { events: ConsoleEventFragment[]; label: string }) {
  if (events.length === 0) return <p className="muted">No events.</p>;
  return (
    <ol className="events" aria-label={label}>
      {events.map((event) => (
        <EventItem key={event.id} event={event} />
      ))}
    </ol>
  );
}

const statusText: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Connection lost; reconnecting and resuming where it stopped…',
  refused: 'The live feed was refused',
};

/** The tenant's provisioning events, newest first, live over graphql-ws, filtered by type. */
export function ProvisioningLog() {
  const tenant = useTenant();
  const { query } = useLocation();
  const type = (query.get('type') ?? '') as ProvisioningEventType | '';
  const filterId = useId();
  const types = type ? [type] : undefined;
  const page = useQuery(ConsoleEventsDocument, { tenant, first: 50, filter: types ? { types } : undefined });
  const [live, setLive] = useState<ConsoleEventFragment[]>([]);
  const [older, setOlder] = useState<ConsoleEventFragment[]>([]);
  const [more, setMore] = useState<{ cursor: string | null; hasNext: boolean } | null>(null);
  const [status, setStatus] = useState<{ status: LiveStatus; message?: string }>({ status: 'connecting' });
  const loadingMore = useRef(false);

  const first = page.data;
  useEffect(() => {
    if (!first) return;
    setLive([]);
    setOlder([]);
    setMore({ cursor: first.provisioningEvents.pageInfo.endCursor, hasNext: first.provisioningEvents.pageInfo.hasNextPage });
    // Live from the newest stored event of any type: nothing committed after the first page is missed.
    const after = first.latest.edges[0]?.node.cursor ?? null;
    return watchEvents(
      { tenant, types, after },
      (event) => setLive((list) => [event, ...list].slice(0, 1000)),
      (s, message) => setStatus({ status: s, message }),
    );
    // The page's answer (not its variables) starts the feed.
  }, [first]);

  const loadOlder = async () => {
    if (!more?.hasNext || loadingMore.current) return;
    loadingMore.current = true;
    try {
      const answer = await gql(ConsoleEventsDocument, { tenant, first: 50, after: more.cursor, filter: types ? { types } : undefined });
      setOlder((list) => [...list, ...answer.provisioningEvents.edges.map((e) => e.node)]);
      setMore({ cursor: answer.provisioningEvents.pageInfo.endCursor, hasNext: answer.provisioningEvents.pageInfo.hasNextPage });
    } finally {
      loadingMore.current = false;
    }
  };

  const stored = first?.provisioningEvents.edges.map((e) => e.node) ?? [];
  const ids = new Set<string>();
  const events = [...live, ...stored, ...older].filter((e) => (ids.has(e.id) ? false : (ids.add(e.id), true)));

  return (
    <>
      <h1>Provisioning log</h1>
      <div className="toolbar">
        <span className="field">
          <label htmlFor={filterId}>Event type</label>
          <select
            id={filterId}
            value={type}
            onChange={(e) => navigate(`/t/${tenant}/provisioning-log${e.target.value ? `?type=${e.target.value}` : ''}`, { replace: true })}
          >
            <option value="">All types</option>
            {EVENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {typeName(t)}
              </option>
            ))}
          </select>
        </span>
        <span className={`live live-${status.status}`} role="status">
          {statusText[status.status]}
          {status.message ? `: ${status.message}` : ''}
        </span>
      </div>
      <ErrorMessage error={page.error} title="The provisioning log could not be read." />
      {!first && page.loading && <Loading what="events" />}
      {first && <EventList events={events} label="Provisioning events, newest first" />}
      {more?.hasNext && (
        <button type="button" onClick={loadOlder}>
          Older events
        </button>
      )}
    </>
  );
}
