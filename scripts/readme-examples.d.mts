export const REPO_ROOT: string;
export interface TestedExample {
  /** The TypeScript of the block marked `<!-- tested -->`. */
  code: string;
  /** The text block marked `<!-- output -->` after it: what the code logs, one line per console.log. */
  output: string;
}
export function testedExample(markdown: string, label?: string): TestedExample;
export function publishedWorkspaces(root?: string): string[];
export function workspaceExample(workspace: string, root?: string): TestedExample;
