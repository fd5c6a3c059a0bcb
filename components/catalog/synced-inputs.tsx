'use client';
import { useEffect, useRef, useState, type InputHTMLAttributes, type SelectHTMLAttributes } from 'react';

// Form controls whose value follows the URL (the server's props) when the page navigates, while
// staying under the user's control as they type or click — so focus is never lost.

export function SyncedSearch({ value, ...rest }: { value: string } & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'defaultValue'>) {
  const ref = useRef<HTMLInputElement>(null);
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    if (document.activeElement !== ref.current) setCurrent(value);
  }, [value]);
  return <input ref={ref} type="search" value={current} onChange={(e) => setCurrent(e.target.value)} {...rest} />;
}

export function SyncedCheckbox({ checked, ...rest }: { checked: boolean } & Omit<InputHTMLAttributes<HTMLInputElement>, 'checked' | 'defaultChecked'>) {
  const [current, setCurrent] = useState(checked);
  useEffect(() => setCurrent(checked), [checked]);
  return <input type="checkbox" checked={current} onChange={(e) => setCurrent(e.target.checked)} {...rest} />;
}

export function SyncedSelect({ value, children, ...rest }: { value: string } & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'defaultValue'>) {
  const [current, setCurrent] = useState(value);
  useEffect(() => setCurrent(value), [value]);
  return (
    <select value={current} onChange={(e) => setCurrent(e.target.value)} {...rest}>
      {children}
    </select>
  );
}
