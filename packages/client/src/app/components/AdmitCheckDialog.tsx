import { useId, useState } from 'react';
import { withoutAccount, type AdmissionCheck, type WaitingEntry } from '@kaigi/protocol';
import { useI18n } from '../../i18n';
import { ModalDialog } from './ModalDialog';

/**
 * Before admitting someone to a High meeting (F1, IPA 5.1(3); B7): the host says what they
 * checked. A guest needs face or voice; a signed-in member may be admitted without a check, and
 * whatever is ticked is recorded either way. A modal native <dialog>, named by its title, Escape
 * cancels.
 */
export function AdmitCheckDialog({
  entry,
  busy,
  onAdmit,
  onCancel,
}: {
  /** The person to check; the dialog is closed while null. */
  entry: WaitingEntry | null;
  busy: boolean;
  onAdmit: (check: AdmissionCheck | undefined) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [check, setCheck] = useState({ face: false, voice: false, name: false });
  const open = entry !== null;

  const seen = check.face || check.voice;
  // Opened in meetings that check before admission only: the protocol's rule for who is checked (F1, B7).
  const required = entry !== null && withoutAccount(entry.entry);
  const canAdmit = !busy && (seen || !required);
  const box = (key: keyof typeof check, label: string) => (
    <label className="checkbox">
      <input type="checkbox" checked={check[key]} disabled={busy} onChange={(e) => setCheck((c) => ({ ...c, [key]: e.target.checked }))} />{' '}
      {label}
    </label>
  );

  return (
    <ModalDialog
      open={open}
      busy={busy}
      titleId={`${id}-title`}
      bodyId={`${id}-body`}
      onShow={() => setCheck({ face: false, voice: false, name: false })}
      onCancel={onCancel}
    >
      {entry && (
        <form
          className="stack"
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            if (canAdmit) onAdmit(seen ? check : undefined);
          }}
        >
          <h2 id={`${id}-title`}>{t('admitCheckTitle', { name: entry.displayName })}</h2>
          <p id={`${id}-body`} className="small">
            {t('admitCheckIntro')}
          </p>
          <fieldset className="permissions">
            {box('face', t('checkSawFace'))}
            {box('voice', t('checkHeardVoice'))}
            {box('name', t('checkNameMatches'))}
          </fieldset>
          <p className="muted small" id={`${id}-need`}>
            {required && !seen ? t('admitCheckNeeded') : ''}
          </p>
          <div className="button-row">
            <button
              type="submit"
              className="primary"
              disabled={!canAdmit}
              aria-busy={busy}
              aria-describedby={required && !seen ? `${id}-need` : undefined}
            >
              {t('admitConfirm')}
            </button>
            <button type="button" disabled={busy} onClick={onCancel}>
              {t('cancel')}
            </button>
          </div>
        </form>
      )}
    </ModalDialog>
  );
}
