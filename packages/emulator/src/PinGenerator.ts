/**
 * Realistic pin events without any data file: value shapes and dirty-value rates follow the public sample
 * the original pipeline was built for (13 categories; follower counts "7k", "2M", "159", "User Info
 * Error"; placeholder titles, descriptions, tags and image sources; story-format rows; trailing
 * non-breaking spaces). Like the original emulator, which drew random rows of an ~11,000-row table,
 * rows are drawn from a table of `tableSize` slots filled on first use, so `unique_id`s repeat.
 */
import { mulberry32 } from "./Mulberry32.ts"

export interface GeneratorOptions {
  /** Rows in the emulated source table (repeats grow as it fills). Default 11,000, like the original. */
  readonly tableSize?: number
  /** Share of rows broken structurally (a missing key or a wrong type), 0..1. Default 0. */
  readonly invalidRate?: number
  /** Seed for a reproducible sequence. */
  readonly seed?: number
}

export type PinRow = Record<string, unknown>

const categories: Record<string, ReadonlyArray<string>> = {
  christmas: ["Christmas Decorations", "Christmas Crafts", "Xmas Tree", "Holiday Baking", "Winter Wonderland"],
  quotes: ["Life Quotes", "Motivational Quotes", "Wisdom Quotes", "Quotes To Live By", "Positive Affirmations"],
  tattoos: ["Small Tattoos", "Tattoo Designs", "Fine Line Tattoo", "Sleeve Tattoos", "Minimalist Tattoo"],
  travel: ["Travel Destinations", "Places To Travel", "Dream Vacations", "Budget Travel", "Travel Tips"],
  art: ["Art Drawings Sketches", "Diy Canvas Art", "Painting & Drawing", "Art For Kids", "Pencil Art Drawings"],
  "mens-fashion": ["Mens Outfits", "Mens Style", "Streetwear Men", "Casual Outfits", "Mens Fashion Trends"],
  finance: ["Budgeting Tips", "Saving Money", "Money Management", "Personal Finance", "Investing"],
  education: ["Teaching Ideas", "Classroom Activities", "Learning Resources", "Study Tips", "Homeschool"],
  "home-decor": ["Living Room Decor", "Bedroom Ideas", "Home Decor Ideas", "Cozy Home", "Interior Design"],
  "diy-and-crafts": ["Diy Crafts", "Easy Crafts", "Craft Projects", "Paper Crafts", "Upcycling"],
  beauty: ["Makeup Looks", "Skin Care", "Hair Styles", "Nail Art", "Beauty Hacks"],
  vehicles: ["Classic Cars", "Sports Cars", "Motorcycles", "Car Interior", "Dream Cars"],
  "event-planning": ["Party Decorations", "Wedding Ideas", "Birthday Party", "Event Planning", "Baby Shower"]
}
const categoryNames = Object.keys(categories)
const adjectives = ["Easy", "Beautiful", "Simple", "Creative", "Amazing", "Cozy", "Modern", "Vintage", "Quick", "Cute"]
const nouns = ["Ideas", "Inspiration", "Tips", "Projects", "Designs", "Guide", "Looks", "Hacks", "Collection"]
const posters = ["Bored Panda", "Jacqueline MB Designs", "The Spruce", "Home Made Lovely", "Glamour", "Budget Bytes"]

const uuid = (next: () => number): string => {
  const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16))
  hex[12] = "4"
  hex[16] = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16)
  const s = hex.join("")
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
}

/** Makers of realistic pin rows (and of structurally broken copies) drawing from `next`. */
export const pinRows = (next: () => number) => {
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(next() * xs.length)] as A

  const followerCount = (): string => {
    const r = next()
    if (r < 0.745) return `${1 + Math.floor(next() * 999)}k`
    if (r < 0.91) return String(Math.floor(next() * 1000))
    return `${1 + Math.floor(next() * 9)}M`
  }

  const makeRow = (index: number): PinRow => {
    const category = pick(categoryNames)
    const tags = categories[category] as ReadonlyArray<string>
    const r = next()
    if (r < 0.009) {
      // The source's rows with no usable content: story format, no title, no follower info.
      return {
        index,
        unique_id: uuid(next),
        title: "No Title Data Available",
        description: "No description available Story format",
        poster_name: "User Info Error",
        follower_count: "User Info Error",
        tag_list: "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
        is_image_or_video: "multi-video(story page format)",
        image_src: "Image src error.",
        downloaded: 0,
        save_location: `Local save in /data/${category}`,
        category
      }
    }
    const media = r < 0.072 ? "multi-video(story page format)" : r < 0.1 ? "video" : "image"
    const broken = next() < 0.025
    let title = `${pick(adjectives)} ${pick(tags)} ${pick(nouns)}`
    const t = next()
    if (t < 0.002) title = ` ${title}  `
    else if (t < 0.003) title = `${title}\n${pick(nouns)}`
    let description = `${pick(adjectives)} ${pick(tags).toLowerCase()} ${pick(nouns).toLowerCase()} for every day.`
    if (media === "multi-video(story page format)") description = "No description available Story format"
    else if (next() < 0.018) description = "No description available"
    else if (next() < 0.35) description = `${description} Read more…\u00a0`
    const tagList =
      next() < 0.015
        ? "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e"
        : Array.from({ length: 3 + Math.floor(next() * 7) }, () => pick(tags)).join(",")
    return {
      index,
      unique_id: uuid(next),
      title,
      description,
      poster_name: pick(posters),
      follower_count: followerCount(),
      tag_list: tagList,
      is_image_or_video: media,
      image_src: broken
        ? "Image src error."
        : `https://i.pinimg.com/originals/${uuid(next).replaceAll("-", "").slice(0, 32)}.jpg`,
      downloaded: broken ? 0 : 1,
      save_location: `Local save in /data/${category}`,
      category
    }
  }

  const breakRow = (row: PinRow): PinRow => {
    const copy = { ...row }
    const r = next()
    if (r < 0.4) delete copy.title
    else if (r < 0.7) copy.index = String(copy.index)
    else copy.downloaded = "yes"
    return copy
  }

  return { makeRow, breakRow }
}

export const makePinGenerator = (options: GeneratorOptions = {}): (() => PinRow) => {
  const tableSize = options.tableSize ?? 11_000
  const invalidRate = options.invalidRate ?? 0
  const next = mulberry32(options.seed ?? Date.now())
  const { makeRow, breakRow } = pinRows(next)
  const table = new Map<number, PinRow>()
  return () => {
    const slot = Math.floor(next() * tableSize)
    let row = table.get(slot)
    if (row === undefined) {
      row = makeRow(slot)
      table.set(slot, row)
    }
    return invalidRate > 0 && next() < invalidRate ? breakRow(row) : row
  }
}
