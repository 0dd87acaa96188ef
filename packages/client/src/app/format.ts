import type { ObjectKind, ObjectProtection, Retention } from '@kaigi/protocol';
import type { StringKey } from '../i18n/en';
import type { I18n } from '../i18n';

// Sizes, times and durations as people read them, in the page's language.

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;

export function formatBytes(n: number, locale: string): string {
  if (n < 1024) return `${new Intl.NumberFormat(locale).format(n)} B`;
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: UNITS[unit] ?? 'byte',
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}

/** A timestamp (ISO string or ms) as a local date and time; '' when it is not one. */
export function formatDateTime(at: string | number, locale: string): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString(locale);
}

export function formatTime(at: number, locale: string): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

/** Which retention applies to each kind of object (exports are kept like files). */
export const RETENTION_OF: Record<ObjectKind, keyof Retention> = {
  file: 'files',
  recording: 'recordings',
  chat: 'chat',
  waiting: 'waiting',
  export: 'files',
};

/** How long data is kept after the meeting: "Delete when the meeting ends", "7 days", "12 hours". */
export function formatRetention(seconds: number, i18n: Pick<I18n, 't' | 'locale'>): string {
  const { t, locale } = i18n;
  if (seconds <= 0) return t('keepNone');
  const one = (n: number) => new Intl.PluralRules(locale).select(n) === 'one';
  if (seconds % 86400 === 0) {
    const n = seconds / 86400;
    return t(one(n) ? 'keepDaysOne' : 'keepDaysOther', { n });
  }
  const n = Math.max(1, Math.round(seconds / 3600));
  return t(one(n) ? 'keepHoursOne' : 'keepHoursOther', { n });
}

export const KIND_LABELS: Record<ObjectKind, StringKey> = {
  file: 'kindFile',
  recording: 'kindRecording',
  chat: 'kindChat',
  waiting: 'kindWaiting',
  export: 'kindExport',
};

export const PROTECTION_LABELS: Record<ObjectProtection, StringKey> = {
  server: 'protectionServer',
  e2ee: 'protectionE2ee',
};
