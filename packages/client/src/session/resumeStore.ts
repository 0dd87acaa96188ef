// The participant's place in a meeting, kept in sessionStorage (this tab only) so a reload or a
// network drop can resume it. Never logged.

export interface ResumeCredentials {
  meetingId: string;
  participantId: string;
  resumeToken: string;
}

const KEY = 'kaigi.resume';

function isCredentials(v: unknown): v is ResumeCredentials {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.meetingId === 'string' &&
    typeof o.participantId === 'string' &&
    typeof o.resumeToken === 'string'
  );
}

export const resumeStore = {
  load(meetingId: string): ResumeCredentials | null {
    try {
      const raw = sessionStorage.getItem(KEY);
      if (!raw) return null;
      const v: unknown = JSON.parse(raw);
      return isCredentials(v) && v.meetingId === meetingId ? v : null;
    } catch {
      return null;
    }
  },
  save(creds: ResumeCredentials): void {
    try {
      sessionStorage.setItem(KEY, JSON.stringify(creds));
    } catch {
      // storage unavailable: resuming after a reload will not work, reconnecting still does
    }
  },
  clear(meetingId?: string): void {
    try {
      if (meetingId !== undefined) {
        const raw = sessionStorage.getItem(KEY);
        const v: unknown = raw ? JSON.parse(raw) : null;
        if (isCredentials(v) && v.meetingId !== meetingId) return;
      }
      sessionStorage.removeItem(KEY);
    } catch {
      // nothing to clear
    }
  },
};
