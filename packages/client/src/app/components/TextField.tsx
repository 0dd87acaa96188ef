import type { InputHTMLAttributes } from 'react';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'>;

/** A labelled text input: the label is the input's accessible name. */
export function TextField({
  id,
  label,
  value,
  onChange,
  type = 'text',
  ...input
}: { id: string; label: string; value: string; onChange: (value: string) => void } & InputProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type={type} {...input} value={value} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}
