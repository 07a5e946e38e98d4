/**
 * Trigram similarity with pg_trgm's semantics (words lower-cased, padded with
 * two spaces in front and one behind, similarity = shared / union of trigram
 * sets), so pure checks and the database's `similarity()` agree.
 */
export function trigrams(text: string): Set<string> {
  const result = new Set<string>()
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (!word) continue
    const padded = `  ${word} `
    const characters = Array.from(padded)
    for (let index = 0; index + 3 <= characters.length; index++) result.add(characters.slice(index, index + 3).join(''))
  }
  return result
}

export function trigramSimilarity(left: string, right: string): number {
  const a = trigrams(left)
  const b = trigrams(right)
  if (a.size === 0 || b.size === 0) return 0
  let shared = 0
  for (const gram of a) if (b.has(gram)) shared++
  return shared / (a.size + b.size - shared)
}
