/**
 * A pin id in a form Postgres always stores, one-to-one, so the staging table tells ids apart exactly as
 * the batch's own grouping does: a backslash is doubled, NUL and lone surrogates are written `\uXXXX`
 * (no stored text can contain them), everything else is unchanged — almost every id takes the fast path.
 */
const needsEscape = (id: string): boolean => id.includes("\\") || id.includes("\u0000") || !id.isWellFormed()

const hex = (unit: number): string => `\\u${unit.toString(16).padStart(4, "0")}`

export const stagedId = (id: string): string => {
  if (!needsEscape(id)) return id
  let out = ""
  for (let i = 0; i < id.length; i += 1) {
    const unit = id.charCodeAt(i)
    if (unit === 0x5c) out += "\\\\"
    else if (unit === 0) out += hex(unit)
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = id.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += id.slice(i, i + 2)
        i += 1
      } else out += hex(unit)
    } else if (unit >= 0xdc00 && unit <= 0xdfff) out += hex(unit)
    else out += id[i]
  }
  return out
}
