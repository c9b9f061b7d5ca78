import { createContext, useContext, useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export const BASE = '/console';

const LocationContext = createContext<string>('/');

/** The path inside the console ("/t/acme/users"), without /console. */
export const currentPath = () => {
  const path = window.location.pathname;
  return path.startsWith(BASE) ? path.slice(BASE.length) || '/' : '/';
};

export function navigate(to: string, options: { replace?: boolean } = {}) {
  const url = BASE + to;
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function LocationProvider({ children }: { children: React.ReactNode }) {
  const [path, setPath] = useState(currentPath() + window.location.search);
  useEffect(() => {
    const update = () => setPath(currentPath() + window.location.search);
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return <LocationContext.Provider value={path}>{children}</LocationContext.Provider>;
}

/** The console path and its query string. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const full = useContext(LocationContext);
  const [path, search = ''] = full.split('?');
  return { path, query: new URLSearchParams(search) };
}

/** A link inside the console: a real <a href> (open in a new tab works), navigated without a reload. */
export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a {...rest} href={BASE + to} onClick={onClick} />;
}
