/** Exit codes, documented in `fusegraph --help`. */
export const ExitCode = {
  /** Everything passed (warnings may have been printed). */
  ok: 0,
  /** A spec is invalid, or a step of the main job failed. */
  failed: 1,
  /** The command line is wrong: unknown command or flag, missing argument, unreadable spec file. */
  usage: 2,
  /** A bug in fusegraph itself; rerun with --debug for the stack trace. */
  internal: 3,
  /** Stopped by Ctrl-C (128 + SIGINT) after writing what it had (train, ablate). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A problem with how the command was called; printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Short reasons for the file-system errors a user can cause by the paths they give. */
const FS_REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "a part of the path is a file, not a directory",
  EISDIR: "it is a directory",
  ENAMETOOLONG: "a name in the path is too long for the file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  ELOOP: "too many symbolic links in the path",
  EEXIST: "it appeared while writing",
};

/**
 * One-line reason for a file-system error caused by a path the user gave (ENOENT, ENOTDIR, EACCES, …),
 * or undefined for any other error, which stays an internal error. Never Node's message: it names
 * fusegraph's temporary files rather than the user's path.
 */
export function fsReason(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code !== undefined ? FS_REASONS[code] : undefined;
}
