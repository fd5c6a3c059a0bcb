'use client';
import { TRPCClientError } from '@trpc/client';
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ConflictDialog } from '@/components/patterns/conflict-dialog';
import { useTRPCClient } from '@/components/providers/trpc';
import { encodeShareFragment, SHARE_URL_LIMIT } from '@/patterns/language/share';
import type { TDesignerState } from './store/designer-store';
import { useDesigner, useDesignerStore } from './store/provider';

type Conflict = { theirText: string; theirVersion: number };

const selectSaved = (s: TDesignerState) => s.saved;
const selectDirty = (s: TDesignerState) => s.text !== s.saved.savedText;
const selectHasErrors = (s: TDesignerState) => !s.parsed.ok;
const selectReadOnly = (s: TDesignerState) => s.readOnly;
const selectText = (s: TDesignerState) => s.text;

/**
 * Saving: one save in flight at a time; an edit made during a save is saved right after it
 * (newest wins). A stale version comes back as CONFLICT and opens the conflict dialog.
 */
function useSaver() {
  const client = useTRPCClient();
  const store = useDesignerStore();
  const inFlight = useRef(false);
  const again = useRef(false);
  const [status, setStatus] = useState<'idle' | 'saving' | 'saved' | 'error'>('idle');
  const [conflict, setConflict] = useState<Conflict | null>(null);

  const save = useCallback(
    async (opts: { overwriteVersion?: number } = {}) => {
      if (inFlight.current) {
        again.current = true;
        return;
      }
      inFlight.current = true;
      setStatus('saving');
      try {
        for (;;) {
          again.current = false;
          const st = store.getState();
          const text = st.text;
          const { name, version, visibility } = st.saved;
          const saved =
            name === null
              ? await client.patterns.create.mutate({ text, visibility })
              : await client.patterns.update.mutate({ name, text, expectedVersion: opts.overwriteVersion ?? version ?? 1, visibility });
          opts = {};
          store.getState().setSaved({ name: saved.name, version: saved.version, savedText: text, canEdit: true });
          if (name !== saved.name) history.replaceState(null, '', `/designer?pattern=${encodeURIComponent(saved.name)}`);
          if (!again.current || store.getState().text === text) break;
        }
        setStatus('saved');
      } catch (e) {
        setStatus('error');
        const st = store.getState();
        if (e instanceof TRPCClientError && e.data?.code === 'CONFLICT' && st.saved.name) {
          const latest = await client.patterns.get.query({ name: st.saved.name }).catch(() => null);
          if (latest) setConflict({ theirText: latest.text, theirVersion: latest.version });
          st.notify('error', 'Someone saved this pattern while you were editing. Nothing was lost: choose which version to keep.');
        } else st.notify('error', e instanceof Error ? e.message : String(e));
      } finally {
        inFlight.current = false;
      }
    },
    [client, store],
  );
  return { save, status, conflict, setConflict };
}

/** Save, fork, history and visibility (signed in); a sign-in link otherwise. */
export function SaveControls({ signedIn }: { signedIn: boolean }) {
  const saver = useSaver();
  const store = useDesignerStore();
  const client = useTRPCClient();
  const saved = useDesigner(selectSaved);
  const dirty = useDesigner(selectDirty);
  const hasErrors = useDesigner(selectHasErrors);
  const readOnly = useDesigner(selectReadOnly);
  const [autosave, setAutosave] = useState(false);
  const text = useDesigner(selectText);
  const { save } = saver;
  // Autosave: after a pause in editing, when the design is valid and changed.
  useEffect(() => {
    if (!autosave || !signedIn || !saved.canEdit || readOnly) return;
    const timer = setTimeout(() => {
      const st = store.getState();
      if (st.parsed.ok && st.text !== st.saved.savedText) void save();
    }, 1200);
    return () => clearTimeout(timer);
  }, [text, autosave, signedIn, saved.canEdit, readOnly, save, store]);

  if (!signedIn) {
    return (
      <span className="meta">
        <Link href={`/sign-in?next=${encodeURIComponent(saved.name ? `/designer?pattern=${saved.name}` : '/designer')}`}>Sign in</Link> to save
      </span>
    );
  }
  const label = saver.status === 'saving' ? 'Saving…' : dirty ? 'Unsaved changes' : saved.name ? `Saved (version ${saved.version})` : 'Not saved';
  return (
    <>
      <span className="meta" data-testid="save-state" aria-live="polite">
        {label}
      </span>
      {saved.canEdit && !readOnly && (
        <button type="button" className="btn primary" data-testid="designer-save" disabled={hasErrors || saver.status === 'saving'} title={hasErrors ? 'Fix the problems first' : undefined} onClick={() => void saver.save()}>
          Save
        </button>
      )}
      <label className="row" style={{ fontWeight: 400 }}>
        <input type="checkbox" checked={autosave} onChange={(e) => setAutosave(e.target.checked)} disabled={!saved.canEdit || readOnly} /> Autosave
      </label>
      {saved.name && (
        <>
          <button
            type="button"
            className="btn"
            onClick={async () => {
              const fork = await client.patterns.fork.mutate({ name: saved.name! }).catch((e: Error) => store.getState().notify('error', e.message));
              if (fork) window.location.href = `/designer?pattern=${encodeURIComponent(fork.name)}`;
            }}
          >
            Fork
          </button>
          <Link className="btn" href={`/patterns/${encodeURIComponent(saved.name)}/history`}>
            History
          </Link>
        </>
      )}
      {saver.conflict && (
        <ConflictDialog
          mine={store.getState().text}
          theirText={saver.conflict.theirText}
          theirVersion={saver.conflict.theirVersion}
          takeTheirsLabel="Take theirs (undo brings mine back)"
          onKeepMine={() => {
            const v = saver.conflict!.theirVersion;
            saver.setConflict(null);
            void saver.save({ overwriteVersion: v });
          }}
          onTakeTheirs={() => {
            const st = store.getState();
            st.setText(saver.conflict!.theirText, 'canvas');
            st.setSaved({ version: saver.conflict!.theirVersion, savedText: saver.conflict!.theirText });
            saver.setConflict(null);
          }}
          onClose={() => saver.setConflict(null)}
        />
      )}
    </>
  );
}

/** A stateless link whose fragment carries the whole design; too long → suggest a saved link. */
export function ShareButton() {
  const store = useDesignerStore();
  const [link, setLink] = useState<{ url?: string; message: string } | null>(null);
  return (
    <>
      <button
        type="button"
        className="btn"
        data-testid="share"
        onClick={async () => {
          const st = store.getState();
          const url = `${window.location.origin}/designer#${await encodeShareFragment(st.text)}`;
          if (url.length > SHARE_URL_LIMIT) {
            setLink({
              message: `This design is too large for a link (${url.length.toLocaleString()} characters; links over ${SHARE_URL_LIMIT.toLocaleString()} break in many chat and mail tools). ${st.saved.name ? `Share its saved link instead: ${window.location.origin}/patterns/${st.saved.name}` : 'Save it (sign in) and share the saved link instead.'}`,
            });
            return;
          }
          await navigator.clipboard?.writeText(url).catch(() => undefined);
          setLink({ url, message: 'Anyone with this link sees this design, read-only, with no account. The design is in the link itself: nothing is stored on the server.' });
        }}
      >
        Share link
      </button>
      {link && (
        <div className="dialog-backdrop" role="dialog" aria-modal="true" aria-labelledby="share-title">
          <div className="dialog">
            <h2 id="share-title">Share this design</h2>
            <p data-testid="share-message">{link.message}</p>
            {link.url && <input readOnly value={link.url} className="share-url" data-testid="share-url" aria-label="Share link" onFocus={(e) => e.target.select()} />}
            <div className="row">
              <button type="button" className="btn" onClick={() => setLink(null)}>
                Close
              </button>
            </div>
          </div>
        </div>
      )}
    </>
  );
}
