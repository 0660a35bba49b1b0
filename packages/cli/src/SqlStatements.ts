/**
 * Splits SQL text into statements at top-level semicolons, so `pinflow sql` runs and prints each one
 * (the simple protocol would merge the results of several). Semicolons inside quotes ('…', "…"),
 * dollar-quoted bodies ($$…$$, $tag$…$tag$) and comments (-- …, /* … *\/) do not split.
 */

export interface SplitStatements {
  /** Complete statements, trimmed, without their semicolons; empty ones dropped. */
  readonly statements: ReadonlyArray<string>
  /** Text after the last top-level semicolon (an unfinished statement, or ""), trimmed. */
  readonly rest: string
}

const dollarTag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/

export const splitStatements = (text: string): SplitStatements => {
  const statements: Array<string> = []
  let start = 0
  let i = 0
  const push = (end: number) => {
    const statement = text.slice(start, end).trim()
    if (statement !== "") statements.push(statement)
  }
  while (i < text.length) {
    const c = text[i]
    if (c === "'" || c === '"') {
      // a doubled quote inside is the quote itself: scanning on finds the next one
      const close = text.indexOf(c, i + 1)
      i = close < 0 ? text.length : close + 1
    } else if (c === "-" && text[i + 1] === "-") {
      const end = text.indexOf("\n", i)
      i = end < 0 ? text.length : end + 1
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2)
      i = end < 0 ? text.length : end + 2
    } else if (c === "$") {
      const tag = dollarTag.exec(text.slice(i))?.[0]
      // "$1" (a parameter) or "a$b" (inside a name) is not a dollar quote
      if (tag === undefined || (i > 0 && /[A-Za-z0-9_]/.test(text[i - 1] ?? ""))) i += 1
      else {
        const close = text.indexOf(tag, i + tag.length)
        i = close < 0 ? text.length : close + tag.length
      }
    } else if (c === ";") {
      push(i)
      i += 1
      start = i
    } else i += 1
  }
  return { statements, rest: text.slice(start).trim() }
}
