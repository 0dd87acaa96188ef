import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { isErrorCode, type ErrorCode } from '@kaigi/protocol';
import { CLIENT_ERROR_CODES, en, type ClientErrorCode, type Dictionary, type StringKey } from './en';
import { ja } from './ja';

export type Locale = 'en' | 'ja';
export const LOCALES: readonly { id: Locale; label: string }[] = [
  { id: 'ja', label: '日本語' },
  { id: 'en', label: 'English' },
];

const DICTIONARIES: Record<Locale, Dictionary> = { en, ja };
const STORAGE_KEY = 'kaigi.locale';

type Vars = Readonly<Record<string, string | number>>;

/** Fills {name} placeholders; an unknown name stays as written. */
export function interpolate(text: string, vars?: Vars): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = vars[name];
    return v === undefined ? whole : String(v);
  });
}

function isLocale(v: unknown): v is Locale {
  return v === 'en' || v === 'ja';
}

export function detectLocale(): Locale {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (isLocale(stored)) return stored;
  } catch {
    // storage may be unavailable; fall through to the browser language
  }
  return navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export { isErrorCode };

export interface Problem {
  code: ErrorCode | ClientErrorCode;
  retryAfterMs?: number | undefined;
  /** The server's own words, where they state a rule the localised text cannot (a name pattern, a time). */
  detail?: string | undefined;
}

export interface I18n {
  locale: Locale;
  setLocale: (l: Locale) => void;
  t: (key: StringKey, vars?: Vars) => string;
  /** Localised text for an error code; RATE_LIMITED includes the seconds to wait. */
  tError: (problem: Problem) => string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(detectLocale);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const setLocale = useCallback((l: Locale) => {
    setLocaleState(l);
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      // not fatal: the choice lasts for this page only
    }
  }, []);

  const value = useMemo<I18n>(() => {
    const dict = DICTIONARIES[locale];
    return {
      locale,
      setLocale,
      t: (key, vars) => interpolate(dict[key], vars),
      tError: ({ code, retryAfterMs }) => {
        const n = Math.max(1, Math.ceil((retryAfterMs ?? 1000) / 1000));
        const plural = new Intl.PluralRules(locale).select(n) === 'one' ? dict.secondsOne : dict.secondsOther;
        return interpolate(dict.errors[code], { seconds: interpolate(plural, { n }) });
      },
    };
  }, [locale, setLocale]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}

const CLIENT_CODES = new Set<string>(CLIENT_ERROR_CODES);

function isClientErrorCode(code: string): code is ClientErrorCode {
  return CLIENT_CODES.has(code);
}

/** Turns any server- or client-side code string into a Problem the dictionaries can show. */
export function toProblem(code: string, retryAfterMs?: number, detail?: string): Problem {
  if (isErrorCode(code) || isClientErrorCode(code)) {
    return detail ? { code, retryAfterMs, detail } : { code, retryAfterMs };
  }
  return { code: 'UNKNOWN' };
}

/**
 * The Problem behind a thrown error: ApiError, SignalingError and the client's own failures all
 * carry a `code` (and maybe `retryAfterMs`); anything else is UNKNOWN.
 */
export function problemOf(err: unknown): Problem {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') {
    const retry = 'retryAfterMs' in err && typeof err.retryAfterMs === 'number' ? err.retryAfterMs : undefined;
    return toProblem(err.code, retry);
  }
  return { code: 'UNKNOWN' };
}

/** A failure the client itself detects, shown like a server error. */
export class ClientFailure extends Error {
  constructor(readonly code: ClientErrorCode | ErrorCode) {
    super(code);
    this.name = 'ClientFailure';
  }
}
