import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';

type SqlDriverAdapter = Awaited<ReturnType<PrismaBetterSqlite3['connect']>>;
type Transaction = Awaited<ReturnType<SqlDriverAdapter['startTransaction']>>;

/** A FIFO lock: `acquire()` resolves with the release function once every earlier holder released. */
class Lock {
  #tail: Promise<void> = Promise.resolve();
  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const acquired = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return acquired;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * better-sqlite3 is one synchronous connection. Prisma's adapter serializes transactions
 * against each other but not against plain queries: a query issued while another request's
 * interactive transaction is open would run *inside* it (read its uncommitted rows, or be rolled
 * back with it). This factory puts every top-level query and every whole transaction behind one
 * FIFO lock, so concurrent requests see SQLite as a serializable database and never SQLITE_BUSY
 * each other. (Other processes are handled by SQLite's busy timeout and WAL.)
 */
export class SerializedSqliteAdapterFactory {
  readonly provider = 'sqlite' as const;
  readonly adapterName: string;
  readonly #inner: PrismaBetterSqlite3;

  constructor(url: string, options: { busyTimeoutMs?: number } = {}) {
    this.#inner = new PrismaBetterSqlite3({ url, timeout: options.busyTimeoutMs ?? 10_000 });
    this.adapterName = this.#inner.adapterName;
  }

  async connect(): Promise<SqlDriverAdapter> {
    return serialize(await this.#inner.connect());
  }
}

function serialize(inner: SqlDriverAdapter): SqlDriverAdapter {
  const lock = new Lock();
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: (query) => lock.run(() => inner.queryRaw(query)),
    executeRaw: (query) => lock.run(() => inner.executeRaw(query)),
    executeScript: (script) => lock.run(() => inner.executeScript(script)),
    getConnectionInfo: inner.getConnectionInfo?.bind(inner),
    dispose: () => lock.run(() => inner.dispose()),
    async startTransaction(isolationLevel) {
      const release = await lock.acquire();
      let tx: Transaction;
      try {
        tx = await inner.startTransaction(isolationLevel);
      } catch (e) {
        release();
        throw e;
      }
      let released = false;
      const done = () => {
        if (!released) (released = true), release();
      };
      return {
        provider: tx.provider,
        adapterName: tx.adapterName,
        options: tx.options,
        queryRaw: (query) => tx.queryRaw(query),
        executeRaw: (query) => tx.executeRaw(query),
        commit: () => tx.commit().finally(done),
        rollback: () => tx.rollback().finally(done),
        createSavepoint: tx.createSavepoint?.bind(tx),
        rollbackToSavepoint: tx.rollbackToSavepoint?.bind(tx),
        releaseSavepoint: tx.releaseSavepoint?.bind(tx),
      };
    },
  };
}
