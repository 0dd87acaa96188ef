import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useI18n } from '../../i18n';

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
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const id = useId();

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      // The safe choice has the focus: Enter does not destroy anything.
      cancelRef.current?.focus();
    } else if (!open && d.open) {
      d.close();
    }
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-body`}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}
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
    </dialog>
  );
}
