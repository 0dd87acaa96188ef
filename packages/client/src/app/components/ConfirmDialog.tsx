import { useId, useRef, type ReactNode } from 'react';
import { useI18n } from '../../i18n';
import { ModalDialog } from './ModalDialog';

/**
 * A modal confirmation (native <dialog>): named by its title, Cancel focused first, Escape
 * cancels. Rendered closed while `open` is false.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  busy = false,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const cancelRef = useRef<HTMLButtonElement>(null);
  const id = useId();

  return (
    <ModalDialog
      open={open}
      busy={busy}
      titleId={`${id}-title`}
      bodyId={`${id}-body`}
      // The safe choice has the focus: Enter does not destroy anything.
      onShow={() => cancelRef.current?.focus()}
      onCancel={onCancel}
    >
      {open && (
        <div className="stack">
          <h2 id={`${id}-title`}>{title}</h2>
          <div id={`${id}-body`}>{children}</div>
          <div className="button-row">
            <button type="button" className="danger" disabled={busy} aria-busy={busy} onClick={onConfirm}>
              {confirmLabel}
            </button>
            <button ref={cancelRef} type="button" disabled={busy} onClick={onCancel}>
              {t('cancel')}
            </button>
          </div>
        </div>
      )}
    </ModalDialog>
  );
}
