import { paths, type EntryKind } from '@kaigi/protocol';
import { useI18n, type Problem } from '../../i18n';
import { useAuth } from '../auth';
import { Link } from '../router';
import { registrationFor } from '../../session/registrationToken';
import { useRegistrationStrings } from './strings';

/** How a person entered (B6): guest, registrant, member, member with two factors. Text for a badge. */
export function EntryLabel({ entry }: { entry: EntryKind }) {
  const { t } = useI18n();
  const { s } = useRegistrationStrings();
  switch (entry) {
    case 'guest':
      return <>{t('entryGuest')}</>;
    case 'member':
      return <>{t('entryMember')}</>;
    case 'registrant':
      return <span title={s.entryRegistrantTitle}>{s.entryRegistrant}</span>;
    case 'member2fa':
      return <span title={s.entryMember2faTitle}>{s.entryMember2fa}</span>;
  }
}

/**
 * On the join form: says that the personal link is in use (the registered name will be used),
 * offers sign-in when a members-only meeting refused a guest, and tells a signed-in member that
 * the meeting's domain or group rule left them out (signing in again would not help).
 */
export function JoinEntryNote({ meetingId, problem, onSignIn }: { meetingId: string; problem: Problem | null; onSignIn?: () => void }) {
  const { s } = useRegistrationStrings();
  const auth = useAuth();
  const withLink = registrationFor(meetingId) !== null;
  const signIn = problem?.code === 'MEMBERS_ONLY' && !auth.user;
  const notInRule = problem?.code === 'MEMBERS_ONLY' && auth.user !== null;
  if (!withLink && !signIn && !notInRule) return null;
  return (
    <>
      {withLink && (
        <p className="notice small" data-testid="joining-with-link">
          {s.joiningWithLink}
        </p>
      )}
      {notInRule && <p className="notice small">{s.notInRule}</p>}
      {signIn && (
        <p>
          <Link to={`${paths.signIn}?${new URLSearchParams({ next: paths.join(meetingId) }).toString()}`} onClick={onSignIn}>
            {s.signInToJoin}
          </Link>
        </p>
      )}
    </>
  );
}
