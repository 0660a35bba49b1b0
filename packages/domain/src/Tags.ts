/** The comma-separated `tag_list` of the source, turned into a list of distinct tags. */
import { exceedsCodePoints, maxTagCodePoints } from "./StorableText.ts"

/** What the source writes when a pin has no tags: the corrupted spelling is the one the data really has. */
const noTags = new Set(["N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e", "No Tags Available", ""])

/**
 * Splits on commas, trims each tag, drops empties and tags past 256 code points (a tag is an index key),
 * keeps the first occurrence of each tag in order.
 */
export const parseTags = (tagList: string): ReadonlyArray<string> => {
  const trimmed = tagList.trim()
  if (noTags.has(trimmed)) return []
  const seen = new Set<string>()
  for (const part of trimmed.split(",")) {
    const tag = part.trim()
    if (tag.length > 0 && !exceedsCodePoints(tag, maxTagCodePoints)) seen.add(tag)
  }
  return [...seen]
}
