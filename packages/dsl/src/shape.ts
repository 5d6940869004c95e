/** One example's shape, channels last; the batch dimension is implicit and never part of a Shape. */
export type Shape = readonly number[];

/** Upper bound on elements of one example's tensor; anything larger is `limit_exceeded`. */
export const MAX_ELEMENTS = 2 ** 31 - 1;

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
