import { createContext, useContext, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import type { ApiError } from './api';
import type { PermissionLevel } from '../generated/graphql';

export const LEVELS: PermissionLevel[] = ['NONE', 'VIEWER', 'COLLABORATOR', 'ADMINISTRATOR'];
export const levelName = (level: PermissionLevel) => level.charAt(0) + level.slice(1).toLowerCase();

/** Dates in the browser's time zone and locale. */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
export function When({ at, date }: { at: string | null | undefined; date?: boolean }) {
  if (!at) return <span className="muted">never</span>;
  const value = new Date(at);
  return <time dateTime={at}>{(date ? dateOnly : dateTime).format(value)}</time>;
}

export const daysUntil = (at: string) => Math.floor((new Date(at).getTime() - Date.now()) / 86_400_000);

/** A refusal of the API, said plainly, in a live region so that screen readers hear it. */
export function ErrorMessage({ error, title }: { error: ApiError | null; title?: string }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      {title && <strong>{title} </strong>}
      {error.message}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="notice" role="status">
      {children}
    </p>
  );
}

/** Copies text to the clipboard; says so, or says to copy by hand when the browser refuses. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [said, setSaid] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setSaid('Copied');
    } catch {
      setSaid('Copying was refused by the browser: select the text and copy it');
    }
  };
  useEffect(() => {
    if (!said) return;
    const timer = setTimeout(() => setSaid(''), 4000);
    return () => clearTimeout(timer);
  }, [said]);
  return (
    <span className="copy">
      <button type="button" onClick={copy}>
        {label}
      </button>
      <span role="status" className="muted small">
        {said}
      </span>
    </span>
  );
}

/** A read-only value with its label and a copy button. */
export function CopyField({ label, value }: { label: string; value: string }) {
  const id = useId();
  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="row">
        <input id={id} readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
        <CopyButton text={value} label={`Copy ${label}`} />
      </div>
    </div>
  );
}

/** An on/off switch: a button with role switch, named by its visible label. */
export function Switch({
  label,
  checked,
  onChange,
  disabled,
  description,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  description?: string;
}) {
  const id = useId();
  return (
    <div className="switch-row">
      <button
        type="button"
        role="switch"
        id={id}
        aria-checked={checked}
        aria-describedby={description ? `${id}-d` : undefined}
        className="switch"
        disabled={disabled}
        onClick={() => onChange(!checked)}
      >
        <span className="switch-track" aria-hidden="true">
          <span className="switch-thumb" />
        </span>
        <span className="switch-label">{label}</span>
        <span className="switch-state" aria-hidden="true">
          {checked ? 'On' : 'Off'}
        </span>
      </button>
      {description && (
        <p id={`${id}-d`} className="muted small">
          {description}
        </p>
      )}
    </div>
  );
}

export function LevelSelect({
  label,
  value,
  onChange,
  levels = LEVELS,
}: {
  label: string;
  value: PermissionLevel;
  onChange: (level: PermissionLevel) => void;
  levels?: PermissionLevel[];
}) {
  const id = useId();
  return (
    <span className="field-inline">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as PermissionLevel)}>
        {levels.map((level) => (
          <option key={level} value={level}>
            {levelName(level)}
          </option>
        ))}
      </select>
    </span>
  );
}

export function Badge({ children, tone = 'info' }: { children: ReactNode; tone?: 'info' | 'ok' | 'warn' | 'off' }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

/** While a modal dialog is open, the rest of the page is inert and hidden from assistive technology. */
const DialogCount = createContext<(delta: number) => void>(() => {});
export function DialogHost({ children }: { children: (covered: boolean) => ReactNode }) {
  const [open, setOpen] = useState(0);
  return <DialogCount.Provider value={(delta) => setOpen((n) => n + delta)}>{children(open > 0)}</DialogCount.Provider>;
}

/** A modal dialog (the native <dialog>): focus moves into it, Escape closes it, focus returns after. */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const count = useContext(DialogCount);
  const titleId = useId();
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    count(1);
    ref.current?.showModal();
    return () => {
      count(-1);
      opener?.focus?.();
    };
    // Opened once per mount.
  }, []);
  return createPortal(
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>,
    document.body,
  );
}

export function Pager({
  shown,
  total,
  hasNext,
  onNext,
  onFirst,
  atFirst,
  loading,
  what,
}: {
  shown: number;
  total: number;
  hasNext: boolean;
  onNext: () => void;
  onFirst: () => void;
  atFirst: boolean;
  loading: boolean;
  what: string;
}) {
  return (
    <nav className="pager" aria-label={`${what} pages`}>
      <span className="muted" aria-live="polite">
        {total === 0 ? `No ${what}` : `${shown} shown of ${total.toLocaleString()} ${what}`}
      </span>
      <button type="button" onClick={onFirst} disabled={atFirst || loading}>
        First page
      </button>
      <button type="button" onClick={onNext} disabled={!hasNext || loading}>
        Next page
      </button>
    </nav>
  );
}
