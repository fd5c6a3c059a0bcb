'use client';

/** A stale save: both versions side by side, and the user chooses. Nothing is lost either way. */
export function ConflictDialog(props: { mine: string; theirText: string; theirVersion: number; onKeepMine: () => void; onTakeTheirs: () => void; onClose: () => void; takeTheirsLabel?: string }) {
  return (
    <div className="dialog-backdrop" role="dialog" aria-modal="true" aria-labelledby="conflict-title" data-testid="conflict-dialog">
      <div className="dialog">
        <h2 id="conflict-title">This pattern changed while you were editing</h2>
        <p className="meta">Version {props.theirVersion} was saved elsewhere. Your edits are untouched until you choose.</p>
        <div className="split">
          <div>
            <h3>Yours (unsaved)</h3>
            <pre data-testid="conflict-mine">{props.mine}</pre>
          </div>
          <div>
            <h3>Theirs (version {props.theirVersion})</h3>
            <pre data-testid="conflict-theirs">{props.theirText}</pre>
          </div>
        </div>
        <div className="row">
          <button type="button" className="btn primary" onClick={props.onKeepMine}>
            Keep mine (save over version {props.theirVersion})
          </button>
          <button type="button" className="btn" onClick={props.onTakeTheirs}>
            {props.takeTheirsLabel ?? 'Take theirs'}
          </button>
          <button type="button" className="btn" onClick={props.onClose}>
            Keep editing
          </button>
        </div>
      </div>
    </div>
  );
}
