import type { ErrorCode } from '@kaigi/protocol';

/** Client-only failure codes that never come from the server. */
export type ClientErrorCode = 'NETWORK' | 'TIMEOUT' | 'UNKNOWN';

const strings = {
  appName: 'Kaigi',
  languageLabel: '言語 / Language',
  loading: 'Loading…',
  skipToContent: 'Skip to content',
  notFoundTitle: 'Page not found',
  notFoundBody: 'There is nothing at this address.',
  backToStart: 'Go to the start page',

  // sign-in
  signInTitle: 'Sign in',
  username: 'Username',
  password: 'Password',
  signIn: 'Sign in',
  signingIn: 'Signing in…',

  // dashboard
  dashboardTitle: 'Your meetings',
  signedInAs: 'Signed in as {name}',
  signOut: 'Sign out',
  newMeeting: 'New meeting',
  meetingTitle: 'Meeting title',
  createMeeting: 'Create meeting',
  creating: 'Creating…',
  noMeetings: 'You have no meetings yet.',
  meetingList: 'Meetings',
  joinUrl: 'Join URL',
  copyJoinUrl: 'Copy the link of {title}',
  copy: 'Copy',
  copied: 'Copied',
  meetingPassword: 'Password',
  openHostView: 'Open host view',
  deleteMeeting: 'Delete meeting {title}',
  delete: 'Delete',
  createdAt: 'Created {date}',
  lockedBadge: 'Locked',

  // join page
  joinTitle: 'Join a meeting',
  displayName: 'Display name',
  join: 'Join',
  joining: 'Joining…',
  hostJoinTitle: 'Start the meeting as host',
  resuming: 'Reconnecting to the meeting…',
  waitingForHost: 'Waiting for the host to let you in.',
  hostNotArrived: 'The host has not arrived yet.',
  movedToWaiting: 'The host moved you back to the waiting room.',
  leaveWaitingRoom: 'Leave waiting room',
  leftMeeting: 'You left the meeting.',
  openAsGuest: 'Join as a guest instead',
  dashboardLink: 'Back to your meetings',

  // media preview
  previewTitle: 'Preview',
  previewHint: 'Camera and microphone are off. Only you see this preview.',
  previewVideoLabel: 'Your camera preview',
  turnCameraOn: 'Turn camera on',
  turnCameraOff: 'Turn camera off',
  turnMicOn: 'Turn microphone on',
  turnMicOff: 'Turn microphone off',
  cameraOn: 'Camera on',
  cameraOff: 'Camera off',
  micOn: 'Microphone on',
  micOff: 'Microphone off',
  mediaDenied: 'Permission to use the {device} was denied.',
  mediaNotFound: 'No {device} was found.',
  mediaFailed: 'The {device} could not be started.',
  mediaUnsupported: 'This browser cannot use a camera or microphone here.',
  deviceCamera: 'camera',
  deviceMic: 'microphone',

  // meeting view
  participants: 'Participants',
  you: '(you)',
  roleHost: 'Host',
  entryGuest: 'Guest',
  entryMember: 'Member',
  leaveMeeting: 'Leave meeting',
  locked: 'Locked',
  reconnecting: 'Connection lost. Reconnecting…',
  participantCount: '{count} in the meeting',
  secondsOne: '{n} second',
  secondsOther: '{n} seconds',

  // host controls
  hostControls: 'Host controls',
  waitingRoom: 'Waiting room',
  waitingEmpty: 'No one is waiting.',
  admit: 'Admit {name}',
  deny: 'Deny {name}',
  admitShort: 'Admit',
  denyShort: 'Deny',
  admitAll: 'Admit all',
  remove: 'Remove {name}',
  removeShort: 'Remove',
  sendToWaiting: 'Send {name} to waiting room',
  sendToWaitingShort: 'To waiting room',
  lockMeeting: 'Lock meeting',
  unlockMeeting: 'Unlock meeting',
  lockedHint: 'The meeting is locked: no one new can join.',
  removedParticipants: 'Removed participants',
  bansEmpty: 'No one has been removed.',
  liftBan: 'Lift ban {name}',
  liftBanShort: 'Lift ban',
} as const;

export type StringKey = keyof typeof strings;

/** Every dictionary has every string key and a text for every error code. */
export type Dictionary = { readonly [K in StringKey]: string } & {
  readonly errors: Readonly<Record<ErrorCode | ClientErrorCode, string>>;
};

export const en: Dictionary = {
  ...strings,
  errors: {
    INVALID_MESSAGE: 'The request was not valid.',
    MESSAGE_TOO_LARGE: 'The message is too large.',
    RATE_LIMITED: 'Too many attempts. Please wait {seconds} and try again.',
    WRONG_PASSWORD: 'Wrong password or meeting link.',
    BANNED: 'You were removed from this meeting and cannot rejoin.',
    LOCKED: 'This meeting is locked. No one new can join right now.',
    DENIED: 'The host did not let you in.',
    REMOVED: 'You were removed from this meeting.',
    MEETING_ENDED: 'This meeting has ended.',
    NOT_JOINED: 'Join the meeting first.',
    ALREADY_JOINED: 'You have already joined from this connection.',
    NOT_ADMITTED: 'You have not been admitted to this meeting yet.',
    FORBIDDEN: 'You are not allowed to do that.',
    UNKNOWN_PARTICIPANT: 'That person is no longer in this meeting.',
    INVALID_RESUME: 'Your earlier session could not be resumed. Please join again.',
    REPLACED: 'This meeting was opened in another window or tab.',
    UNAUTHENTICATED: 'Please sign in first.',
    INVALID_CREDENTIALS: 'Wrong username or password.',
    CSRF: 'Your session has expired. Please reload the page.',
    NOT_FOUND: 'Not found.',
    VALIDATION: 'Some of the input is not valid.',
    INTERNAL: 'Something went wrong on the server.',
    NETWORK: 'The server cannot be reached. Check your connection and try again.',
    TIMEOUT: 'The server did not answer in time.',
    UNKNOWN: 'Something went wrong.',
  },
};
