import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, fetchPhoto, gql, type Operation } from './api';

export interface QueryState<R> {
  data: R | null;
  error: ApiError | null;
  loading: boolean;
  /** Reads again, keeping what is shown until the answer arrives. */
  reload: () => void;
  /** Changes what is shown locally (after a mutation answered). */
  setData: (update: (data: R | null) => R | null) => void;
}

const asApiError = (error: unknown) => (error instanceof ApiError ? error : new ApiError(String((error as Error)?.message ?? error), 'ERROR'));

/**
 * Runs a query when mounted and whenever its variables change. Earlier answers that arrive late are dropped,
 * so a fast typist's search never shows the results of an older query.
 */
export function useQuery<R, V>(operation: Operation<R, V>, variables: V, options: { skip?: boolean } = {}): QueryState<R> {
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ data: R | null; error: ApiError | null; loading: boolean }>({ data: null, error: null, loading: !options.skip });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    if (options.skip) return;
    const id = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    gql(operation, JSON.parse(key) as V).then(
      (data) => id === latest.current && setState({ data, error: null, loading: false }),
      (error) => id === latest.current && setState((s) => ({ data: s.data, error: asApiError(error), loading: false })),
    );
  }, [operation, key, generation, options.skip]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const setData = useCallback((update: (data: R | null) => R | null) => setState((s) => ({ ...s, data: update(s.data) })), []);
  return { ...state, reload, setData };
}

export interface MutationState<R, V> {
  run: (variables: V) => Promise<R | null>;
  busy: boolean;
  error: ApiError | null;
  clearError: () => void;
}

/** A mutation: `run` answers null (and sets `error`) when the API refused it. */
export function useMutation<R, V>(operation: Operation<R, V>): MutationState<R, V> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(
    async (variables: V) => {
      setBusy(true);
      setError(null);
      try {
        return await gql(operation, variables);
      } catch (e) {
        setError(asApiError(e));
        return null;
      } finally {
        setBusy(false);
      }
    },
    [operation],
  );
  return { run, busy, error, clearError: useCallback(() => setError(null), []) };
}

/** A value that follows `value` after `ms` without change (search fields). */
export function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/**
 * A user's photo as an object URL for an `<img>` (fetched with the console's credential: see `fetchPhoto`),
 * or null while it loads, when there is none, or when it could not be read. The URL is revoked when the
 * component unmounts or the photo changes.
 */
export function usePhoto(photoUrl: string | null): string | null {
  const [shown, setShown] = useState<{ for: string; src: string } | null>(null);
  useEffect(() => {
    if (!photoUrl) return;
    let live = true;
    let objectUrl: string | null = null;
    fetchPhoto(photoUrl).then((blob) => {
      if (!live || !blob) return;
      objectUrl = URL.createObjectURL(blob);
      setShown({ for: photoUrl, src: objectUrl });
    });
    return () => {
      live = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [photoUrl]);
  return shown && shown.for === photoUrl ? shown.src : null;
}
