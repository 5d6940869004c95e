import { z } from "zod";

/** The object schemas an op's params may take: one, or one per option of a (discriminated) union. */
export function paramObjects(schema: z.ZodType): z.ZodObject[] {
  if (schema instanceof z.ZodObject) return [schema];
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodType[]).flatMap(paramObjects);
  return [];
}

/** Every key any of the op's param objects has. */
export function paramKeys(schema: z.ZodType): string[] {
  return [...new Set(paramObjects(schema).flatMap((o) => Object.keys(o.shape)))];
}
