// Stable error codes shared by server and client. The client shows its own localised text for
// each code; the server's message is a fallback fit to show.
export const ErrorCode = {
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  RATE_LIMITED: 'RATE_LIMITED',
  WRONG_PASSWORD: 'WRONG_PASSWORD',
  BANNED: 'BANNED',
  LOCKED: 'LOCKED',
  DENIED: 'DENIED',
  REMOVED: 'REMOVED',
  MEETING_ENDED: 'MEETING_ENDED',
  NOT_JOINED: 'NOT_JOINED',
  ALREADY_JOINED: 'ALREADY_JOINED',
  NOT_ADMITTED: 'NOT_ADMITTED',
  FORBIDDEN: 'FORBIDDEN',
  UNKNOWN_PARTICIPANT: 'UNKNOWN_PARTICIPANT',
  INVALID_RESUME: 'INVALID_RESUME',
  REPLACED: 'REPLACED',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  CSRF: 'CSRF',
  NOT_FOUND: 'NOT_FOUND',
  VALIDATION: 'VALIDATION',
  INTERNAL: 'INTERNAL',
  E2EE_UNSUPPORTED: 'E2EE_UNSUPPORTED',
  E2EE_PLAINTEXT_REFUSED: 'E2EE_PLAINTEXT_REFUSED',
  E2EE_NOT_ENABLED: 'E2EE_NOT_ENABLED',
  MLS_EPOCH_MISMATCH: 'MLS_EPOCH_MISMATCH',
  CHAT_DISABLED: 'CHAT_DISABLED',
  MEETING_IN_PROGRESS: 'MEETING_IN_PROGRESS',
  RECORDING_UNAVAILABLE: 'RECORDING_UNAVAILABLE',
  FILES_DISABLED: 'FILES_DISABLED',
  FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  RECORDING_ESCROW_MISSING: 'RECORDING_ESCROW_MISSING',
  RETENTION_TOO_LONG: 'RETENTION_TOO_LONG',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_MESSAGES: Record<ErrorCode, string> = {
  INVALID_MESSAGE: 'The message is not valid.',
  MESSAGE_TOO_LARGE: 'The message is too large.',
  RATE_LIMITED: 'Too many attempts. Please wait and try again.',
  WRONG_PASSWORD: 'Wrong password or meeting ID.',
  BANNED: 'You were removed from this meeting and cannot rejoin.',
  LOCKED: 'This meeting is locked.',
  DENIED: 'The host did not let you in.',
  REMOVED: 'You were removed from this meeting.',
  MEETING_ENDED: 'This meeting has ended.',
  NOT_JOINED: 'Join the meeting first.',
  ALREADY_JOINED: 'This connection has already joined.',
  NOT_ADMITTED: 'You have not been admitted to this meeting yet.',
  FORBIDDEN: 'You are not allowed to do that.',
  UNKNOWN_PARTICIPANT: 'No such participant in this meeting.',
  INVALID_RESUME: 'The session cannot be resumed.',
  REPLACED: 'This session was resumed from another connection.',
  UNAUTHENTICATED: 'Sign in first.',
  INVALID_CREDENTIALS: 'Wrong username or password.',
  CSRF: 'The request is missing its CSRF token.',
  NOT_FOUND: 'Not found.',
  VALIDATION: 'The request is not valid.',
  INTERNAL: 'Something went wrong on the server.',
  E2EE_UNSUPPORTED:
    'This meeting is end-to-end encrypted, and this browser cannot encrypt media end to end. Use a current Chromium, Chrome, Edge or Safari.',
  E2EE_PLAINTEXT_REFUSED: 'This meeting is end-to-end encrypted: the server accepts only encrypted messages.',
  E2EE_NOT_ENABLED: 'This meeting is not end-to-end encrypted.',
  MLS_EPOCH_MISMATCH: 'Another change to the encryption group came first; apply it and try again.',
  CHAT_DISABLED: 'The host has turned chat off for participants.',
  MEETING_IN_PROGRESS: 'This cannot change while people are in the meeting.',
  RECORDING_UNAVAILABLE:
    'Server recording is not available in end-to-end encrypted meetings: it would need the server to decrypt. The host can record in the browser instead.',
  FILES_DISABLED: 'The host has turned file sharing off for participants.',
  FILE_TOO_LARGE: 'The file is too large to share.',
  RECORDING_ESCROW_MISSING: 'This organisation requires recordings to be encrypted to its escrow key as well; this one is not.',
  RETENTION_TOO_LONG: 'The retention asked for is longer than this organisation allows.',
};

/** Shape of every HTTP error body and of the `error` signalling message's payload. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  retryAfterMs?: number;
  details?: unknown;
}
