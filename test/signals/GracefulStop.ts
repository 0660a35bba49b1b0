/**
 * The check every signal test makes: once ready, the tree is npm (or npx) with the program as its direct
 * child on the pinned node — no shell in between to swallow the signal — and after `signal` to npm's pid
 * (or its process group), npm exits 0 and no process of the tree is left.
 */
import { expect } from "vitest"
import { exitWithin, type Launched, markedProcesses, pinnedNode, waitReady } from "./Launched.ts"

export interface GracefulStop {
  /** Holds once the program runs (and has its signal handlers), e.g. `answers(url)`. */
  readonly ready: () => Promise<boolean>
  /** The program's exact command line, e.g. "node packages/cli/src/bin.ts start". */
  readonly command: string
  readonly signal: "SIGTERM" | "SIGINT"
  /** To npm's whole process group, as Ctrl-C in a terminal does, instead of npm's pid alone. */
  readonly toGroup?: boolean
}

/** Returns the tree's output for further checks; kills what is left of the tree whatever happens. */
export const expectGracefulStop = async (launched: Launched, stop: GracefulStop): Promise<string> => {
  try {
    await waitReady(launched, stop.ready)
    const tree = markedProcesses(launched.marker)
      .filter((p) => p.pid !== launched.pid)
      .map(({ ppid, command, exe }) => ({ ppid, command, exe }))
    process.kill(stop.toGroup === true ? -launched.pid : launched.pid, stop.signal)
    const code = await exitWithin(launched, 60_000)
    const left = markedProcesses(launched.marker).map((p) => `${p.pid} (parent ${p.ppid}): ${p.command}`)
    expect({ tree, code, left }, launched.output().slice(-3000)).toEqual({
      tree: [{ ppid: launched.pid, command: stop.command, exe: pinnedNode() }],
      code: 0,
      left: []
    })
    return launched.output()
  } finally {
    launched.killAll()
  }
}
