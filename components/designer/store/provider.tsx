'use client';
import { createContext, useContext, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { createDesignerStore, type TDesignerActions, type TDesignerState, type TDesignerStore, type TSavedMeta } from './designer-store';

const DesignerContext = createContext<TDesignerStore | null>(null);

export function DesignerStoreProvider({ init, children }: { init: { text: string; saved?: Partial<TSavedMeta>; readOnly?: boolean }; children: ReactNode }) {
  const [store] = useState(() => createDesignerStore(init));
  return <DesignerContext.Provider value={store}>{children}</DesignerContext.Provider>;
}

/** The designer store; throws outside a DesignerStoreProvider. */
export function useDesignerStore(): TDesignerStore {
  const store = useContext(DesignerContext);
  if (!store) throw new Error('useDesigner must be used inside <DesignerStoreProvider>');
  return store;
}

/** Selects from the designer store (declare selectors at module level to keep renders cheap). */
export function useDesigner<T>(selector: (s: TDesignerState & TDesignerActions) => T): T {
  return useStore(useDesignerStore(), selector);
}
