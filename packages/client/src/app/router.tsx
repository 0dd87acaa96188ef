import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';
import { safeNextPath } from '@kaigi/protocol';

// A tiny router on history.pushState / popstate.

const NAV_EVENT = 'kaigi:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAV_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAV_EVENT, onChange);
  };
}

const snapshot = () => location.pathname + location.search;

/** The current path plus query string. */
export function useLocationPath(): string {
  return useSyncExternalStore(subscribe, snapshot);
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAV_EVENT));
  if (!opts.replace) window.scrollTo(0, 0);
}

/** Only same-origin absolute paths are followed after sign-in (no open redirects); shared with the server's SSO. */
export { safeNextPath };

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

/** An in-app link: plain <a href> that navigates without reloading on an unmodified click. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}

export type Route =
  | { name: 'signIn'; next: string | null }
  | { name: 'dashboard' }
  | { name: 'join'; meetingId: string }
  | { name: 'host'; meetingId: string }
  | { name: 'data'; meetingId: string }
  | { name: 'report'; meetingId: string }
  | { name: 'register'; meetingId: string }
  | { name: 'security' }
  | { name: 'notFound' };

/** The host's data map of a meeting (E1). */
export const dataMapPath = (id: string) => `/m/${id}/data`;
/** The host's security report of a meeting (F3). */
export const reportPath = (id: string) => `/m/${id}/report`;
/** The signed-in user's second factors (B5). */
export const securityPath = '/security';

export function matchRoute(pathAndQuery: string): Route {
  const url = new URL(pathAndQuery, location.origin);
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'dashboard' };
  if (path === '/signin') return { name: 'signIn', next: safeNextPath(url.searchParams.get('next')) };
  if (path === securityPath) return { name: 'security' };
  const m = /^\/m\/([^/]+)(\/host|\/data|\/report|\/register)?$/.exec(path);
  if (m?.[1]) {
    const meetingId = decodeURIComponent(m[1]);
    if (m[2] === '/host') return { name: 'host', meetingId };
    if (m[2] === '/data') return { name: 'data', meetingId };
    if (m[2] === '/report') return { name: 'report', meetingId };
    if (m[2] === '/register') return { name: 'register', meetingId };
    return { name: 'join', meetingId };
  }
  return { name: 'notFound' };
}
