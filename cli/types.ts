/** Where a command writes; tests pass their own. */
export interface TCliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
}

/** One `meshloom <name>` command. Add a file under cli/commands/ and one line in its index. */
export interface TCommand {
  name: string;
  /** One line for `meshloom help`. */
  summary: string;
  /** Usage line(s) shown by `meshloom help <name>` and on usage errors. */
  usage: string;
  /** Returns the exit code: 0 ok, 1 the input has errors, 2 usage errors or unreadable files. */
  run(args: string[], io: TCliIO): Promise<number>;
}

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}
