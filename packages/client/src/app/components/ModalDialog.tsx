import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A modal native <dialog>, shown while `open`: named by `titleId`, described by `bodyId`, Escape
 * cancels unless `busy`. `onShow` runs each time it opens (to focus or reset its contents).
 */
export function ModalDialog({
  open,
  busy,
  titleId,
  bodyId,
  onShow,
  onCancel,
  children,
}: {
  open: boolean;
  busy: boolean;
  titleId: string;
  bodyId: string;
  onShow?: () => void;
  onCancel: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      onShow?.();
    } else if (!open && d.open) {
      d.close();
    }
    // onShow belongs to the opening, not to every render: only `open` triggers this.
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}
    >
      {children}
    </dialog>
  );
}
